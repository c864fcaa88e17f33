"""Slash commands of the rest of XEP-0045 -> actions: ask for voice (§7.13), answer the voice
and registration requests waiting (§8.6, §9.9), register with the room (§7.10), each in the
room's pane; and turn a one-to-one chat into a conference (§7.9), in the chat's pane.

Pure, like ``room_admin_routes.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.ui.room_admin_routes import _here

if TYPE_CHECKING:
    from xmpp_tui.ui.command_router import Action, RouteContext


def _request_voice(_args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account, room = _here(ctx, "requestvoice")
    return [cmd.RequestVoice(account=account, room=room)]


def _requests(_args: Sequence[str], ctx: RouteContext) -> list[Action]:
    from xmpp_tui.ui.command_router import AnswerRoomRequests

    account, room = _here(ctx, "requests")
    return [AnswerRoomRequests(account=account, room=room)]


def _register(_args: Sequence[str], ctx: RouteContext) -> list[Action]:
    account, room = _here(ctx, "register")
    return [cmd.FetchRoomRegistration(account=account, room=room)]


def _convert(args: Sequence[str], ctx: RouteContext) -> list[Action]:
    if ctx.account is None or ctx.peer is None or ctx.peer in ctx.rooms or "/" in ctx.peer:
        raise UserFacingError(
            "/convert works in a one-to-one chat", "Switch to the conversation, then retype"
        )
    history = 0
    if args:
        try:
            history = int(args[0])
        except ValueError:
            history = -1
        if not 0 <= history <= 50:
            raise UserFacingError(
                f"{args[0]} is not a number of messages", "Type /convert 10 (at most 50)"
            )
    return [cmd.ConvertToRoom(account=ctx.account, peer=ctx.peer, history=history)]


HANDLERS: dict[str, Callable[[Sequence[str], RouteContext], list[Action]]] = {
    "requestvoice": _request_voice,
    "requests": _requests,
    "register": _register,
    "convert": _convert,
}
