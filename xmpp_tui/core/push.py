"""XEP-0357 push notifications, the pure part: what the user typed, checked, and the state.

The app server (``APP_SERVER_JID``) is the XMPP service that turns our server's
notifications into a phone push or a desktop notifier. The node names this device at the app
server: it must stay the same across restarts, so when the user gives none it is generated
once (`new_node`) and kept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.jid import parse_jid

#: The namespace of the enable/disable IQs and of the account's disco#info feature.
NS = "urn:xmpp:push:0"
#: A node a person would type or paste (an app server's registration answer): no spaces.
MAX_NODE_CHARS = 256
_NODE_BYTES = 16  # 128 random bits: token_urlsafe gives 22 characters


@dataclass(frozen=True, slots=True, kw_only=True)
class PushStatus:
    """What ``/push status`` shows for one account.

    ``supported``: the account advertises ``urn:xmpp:push:0`` (None: not known yet, e.g.
    offline or no answer). ``service``/``node``: the app server and node wanted ("" when
    none), ``from_config``: config.toml names the app server. ``enabled``: the server
    accepted our enable on the current stream (a resumed stream keeps it). ``attempted``:
    an enable was sent on this stream; ``error``: the condition of the server's refusal (or
    why it was not sent), "" when the last enable or disable succeeded.
    """

    supported: bool | None
    service: str = ""
    node: str = ""
    from_config: bool = False
    enabled: bool = False
    attempted: bool = False
    error: str = ""


def parse_app_server(text: str, account: str) -> str:
    """The app server's JID, normalised; a UserFacingError that says what is wrong.

    Any valid JID is accepted (usually a domain such as ``push.example.org``), except a
    bare word (``/push enable on`` is a typo, not a server called "on") and our own
    account: the server would be asked to notify the very account it serves.
    """
    parsed = parse_jid(text.strip())
    if not parsed.local and "." not in parsed.domain:
        raise UserFacingError(
            f"{parsed.full} is not an app server's address",
            "Give its full address, e.g. /push enable push.example.org",
        )
    if parsed.bare == account:
        raise UserFacingError(
            f"{parsed.bare} is your own account, not an app server",
            "Give the push service's address, e.g. /push enable push.example.org",
        )
    return parsed.full


def parse_node(text: str) -> str:
    """A node as given by the user or config.toml: one word, printable, at most 256
    characters (it goes into an XML attribute and the app server's records)."""
    node = text.strip()
    if not node:
        raise UserFacingError("The push node is empty", "Leave it out to use a generated one")
    if len(node) > MAX_NODE_CHARS:
        raise UserFacingError(
            f"The push node is {len(node)} characters long; at most {MAX_NODE_CHARS}",
            "Paste the node your app server gave you",
        )
    if any(ch.isspace() or not ch.isprintable() for ch in node):
        raise UserFacingError(
            "The push node holds spaces or control characters",
            "Paste the node your app server gave you, as one word",
        )
    return node


def new_node() -> str:
    """A random opaque node for this device (URL-safe: any app server can take it)."""
    return secrets.token_urlsafe(_NODE_BYTES)
