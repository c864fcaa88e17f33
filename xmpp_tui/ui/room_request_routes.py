"""Slash commands of XEP-0045 requests -> actions: ask for voice (§7.13), answer the voice and
registration requests waiting (§8.6, §9.9), register with the room (§7.10).

Pure, like ``room_admin_routes.py``; each acts on the room whose pane it was typed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xmpp_tui.core import commands as cmd
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


HANDLERS: dict[str, Callable[[Sequence[str], RouteContext], list[Action]]] = {
    "requestvoice": _request_voice,
    "requests": _requests,
    "register": _register,
}
