"""Slash commands of a room's moderators, admins and owners (XEP-0045 §8 - §10) -> commands.

Pure, like ``command_router.py`` (which merges :data:`HANDLERS` into its table). Each acts on
the room whose pane the command was typed in; the room itself decides who may do what.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.jid import parse_bare_jid
from xmpp_tui.core.models import AccountId, BareJid

if TYPE_CHECKING:
    from xmpp_tui.ui.command_router import Action, RouteContext

ROLES = ("moderator", "participant", "visitor")
AFFILIATIONS = ("owner", "admin", "member", "outcast", "none")


def _here(ctx: RouteContext, command: str) -> tuple[AccountId, BareJid]:
    if ctx.account is None or ctx.peer is None or ctx.peer not in ctx.rooms:
        raise UserFacingError(
            f"/{command} works in a room's pane", "Switch to the room (Alt+number), then retype"
        )
    return ctx.account, ctx.peer


def _address(text: str, command: str) -> BareJid:
    parsed = parse_bare_jid(text)
    if not parsed.local:
        raise UserFacingError(
            f"/{command} needs a user's address, not {text.strip()}",
            f"Type /{command} name@example.org",
        )
    return parsed.bare


def _role_command(role: str, name: str) -> Callable[[Sequence[str], RouteContext], list[Action]]:
    def handler(args: Sequence[str], ctx: RouteContext) -> list[Action]:
        account, room = _here(ctx, name)
        reason = args[1] if len(args) > 1 else ""
        return [cmd.SetRole(account=account, room=room, nick=args[0], role=role, reason=reason)]

    return handler


def _role(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account, room = _here(ctx, "role")
    role = args[1].lower()
    if role not in ROLES:
        raise UserFacingError(f"{args[1]} is not a role", "Roles: " + ", ".join(ROLES))
    reason = args[2] if len(args) > 2 else ""
    return [cmd.SetRole(account=account, room=room, nick=args[0], role=role, reason=reason)]


def _affiliation_command(
    affiliation: str, name: str
) -> Callable[[Sequence[str], RouteContext], list[Action]]:
    def handler(args: Sequence[str], ctx: RouteContext) -> list[Action]:
        account, room = _here(ctx, name)
        jid = _address(args[0], name)
        reason = args[1] if len(args) > 1 else ""
        return [
            cmd.SetAffiliation(
                account=account, room=room, jid=jid, affiliation=affiliation, reason=reason
            )
        ]

    return handler


def _affiliation(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account, room = _here(ctx, "affiliation")
    affiliation = args[1].lower()
    if affiliation not in AFFILIATIONS:
        raise UserFacingError(
            f"{args[1]} is not an affiliation", "Affiliations: " + ", ".join(AFFILIATIONS)
        )
    jid = _address(args[0], "affiliation")
    reason = args[2] if len(args) > 2 else ""
    return [
        cmd.SetAffiliation(
            account=account, room=room, jid=jid, affiliation=affiliation, reason=reason
        )
    ]


def _moderate(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account, room = _here(ctx, "moderate")
    reason = args[1] if len(args) > 1 else ""
    return [cmd.ModerateMessage(account=account, room=room, nick=args[0], reason=reason)]


def _lists(_args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account, room = _here(ctx, "affiliations")
    return [cmd.FetchRoomLists(account=account, room=room)]


def _configure(_args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account, room = _here(ctx, "configure")
    return [cmd.FetchRoomConfig(account=account, room=room)]


def _destroy(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    """Asked for confirmation by the screen before it goes out (``room_admin_flow.py``)."""
    account, room = _here(ctx, "destroy")
    return [cmd.DestroyRoom(account=account, room=room, reason=args[0] if args else "")]


HANDLERS: dict[str, Callable[[Sequence[str], RouteContext], list[Action]]] = {
    "kick": _role_command("none", "kick"),
    "moderate": _moderate,
    "voice": _role_command("participant", "voice"),
    "devoice": _role_command("visitor", "devoice"),
    "role": _role,
    "ban": _affiliation_command("outcast", "ban"),
    "unban": _affiliation_command("none", "unban"),
    "affiliation": _affiliation,
    "affiliations": _lists,
    "configure": _configure,
    "destroy": _destroy,
}
