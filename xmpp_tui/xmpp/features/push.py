"""XEP-0357 push notifications: ask our server to notify an app server while we are away.

slixmpp 1.17 has no plugin: enable and disable are raw IQ sets to our own account
(``<enable xmlns='urn:xmpp:push:0' jid='APP' node='NODE'/>``, ``<disable .../>``). Support is
a feature of the **account's** bare JID in disco#info, not of the server's domain.
Push is a server feature we use, not one we offer: it is not in our own disco#info.
"""

from __future__ import annotations

import logging
from typing import Any
from xml.etree import ElementTree as ET

from xmpp_tui.core.push import NS
from xmpp_tui.xmpp.iq import request

log = logging.getLogger(__name__)

#: Error conditions meaning "the account has no such thing" rather than "it failed".
_NOT_OFFERED = frozenset({"service-unavailable", "feature-not-implemented"})


async def offered(client: Any, own_bare: str, timeout: float) -> bool | None:
    """Our account advertises ``urn:xmpp:push:0``; None when we could not tell."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        result = await client.plugin["xep_0030"].get_info(jid=own_bare, timeout=timeout)
    except IqTimeout:
        log.info("push support unknown: no disco#info answer from our account")
        return None
    except IqError as error:
        condition = str(error.iq["error"]["condition"])
        log.info("push support unknown: disco#info refused (%s)", condition)
        return False if condition in _NOT_OFFERED else None
    features = {str(feature) for feature in result["disco_info"]["features"]}
    return NS in features


async def enable(client: Any, service: str, node: str, timeout: float) -> None:
    """XEP-0357 §5: raises StanzaRefused (with the condition) or UserFacingError (silence)."""
    await request(_command(client, "enable", service, node), timeout)


async def disable(client: Any, service: str, node: str, timeout: float) -> None:
    """XEP-0357 §6: only this device's node at ``service`` (other devices keep theirs)."""
    await request(_command(client, "disable", service, node), timeout)


def _command(client: Any, name: str, service: str, node: str) -> Any:
    iq = client.make_iq_set()  # no 'to': our own account
    element = ET.SubElement(iq.xml, f"{{{NS}}}{name}")
    element.set("jid", service)
    element.set("node", node)
    return iq
