"""``/push [status|enable|disable]`` -> commands (XEP-0357), and the status answer as text.

Pure, like ``room_admin_routes.py``: the app server's JID and the node are checked here so a
typo is refused before anything goes to the server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.push import PushStatus, parse_app_server, parse_node
from xmpp_tui.core.sanitize import sanitize_identifier

if TYPE_CHECKING:
    from xmpp_tui.ui.command_router import Action, RouteContext


def _push(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account = ctx.account
    if account is None:
        raise UserFacingError("No account is open", "Start xmpp-tui with your JID")
    verb, rest = (args[0], list(args[1:])) if args else ("status", [])
    if verb == "status":
        if rest:
            raise UserFacingError("/push status takes no arguments", "Type /push status")
        return [cmd.QueryPushStatus(account=account)]
    if verb == "disable":
        if rest:
            raise UserFacingError(
                "/push disable takes no arguments", "It turns off this account's push"
            )
        return [cmd.DisablePush(account=account)]
    service = parse_app_server(rest[0], account) if rest else ""
    node = parse_node(rest[1]) if len(rest) > 1 else ""
    return [cmd.EnablePush(account=account, service=service, node=node)]


HANDLERS: dict[str, Callable[[Sequence[str], RouteContext], list[Action]]] = {"push": _push}


def status_text(account: str, status: PushStatus) -> str:
    """The ``/push status`` answer, one item a line (the JID and node are shown sanitised:
    a node may come from an app server's registration answer)."""
    support = {True: "yes", False: "no", None: "unknown"}[status.supported]
    lines = [f"{account}: push notifications (XEP-0357)", f"  server support: {support}"]
    if status.service:
        where = "config.toml" if status.from_config else "/push enable"
        lines.append(f"  app server: {sanitize_identifier(status.service)} (from {where})")
        lines.append(f"  node: {sanitize_identifier(status.node) or '(made at enable)'}")
    else:
        lines.append("  app server: none (/push enable APP_SERVER_JID)")
    lines.append(f"  state: {'on' if status.enabled else 'off'}")
    if status.error:
        lines.append(f"  last enable: failed ({sanitize_identifier(status.error)})")
    elif status.enabled:
        lines.append("  last enable: succeeded")
    elif not status.attempted and status.service:
        lines.append("  last enable: not tried on this connection")
    return "\n".join(lines)
