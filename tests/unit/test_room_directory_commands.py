"""/rooms, /roominfo and /invite mapped to core commands; invitations in the roster's Rooms
section (a "?" until answered, gone once joined)."""

from __future__ import annotations

import pytest

from xmpp_tui.core import commands as cmd
from xmpp_tui.core import slash
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import InvitationReceived, RoomChanged
from xmpp_tui.core.models import RoomInfo
from xmpp_tui.ui.command_router import Action, RouteContext, route
from xmpp_tui.ui.view_state import (
    AccountRoster,
    RoomRow,
    answer_invitation,
    reduce_roster,
    room_rows,
)
from xmpp_tui.ui.widgets.roster import REQUEST_MARK, room_prompt

A = "alice@example.org"
ROOM = "team@conference.example.org"
CONSOLE = RouteContext(A)
IN_ROOM = RouteContext(A, ROOM, rooms=frozenset({ROOM}))


def _route(line: str, ctx: RouteContext = CONSOLE) -> list[Action]:
    parsed = slash.parse(line)
    assert parsed is not None
    return route(parsed, ctx)


def test_rooms_with_or_without_a_service() -> None:
    assert _route("/rooms") == [cmd.ListRooms(account=A)]
    assert _route("/rooms Conference.Example.org") == [
        cmd.ListRooms(account=A, service="conference.example.org")
    ]


def test_roominfo_names_a_room_or_means_this_one() -> None:
    assert _route(f"/roominfo {ROOM}") == [cmd.QueryRoomInfo(account=A, room=ROOM)]
    assert _route("/roominfo", IN_ROOM) == [cmd.QueryRoomInfo(account=A, room=ROOM)]
    with pytest.raises(UserFacingError, match="needs a room"):
        _route("/roominfo")
    with pytest.raises(UserFacingError, match="not a room address"):
        _route("/roominfo conference.example.org")


def test_invite_in_a_room_with_a_reason_as_typed() -> None:
    assert _route("/invite bob@example.org come  and see", IN_ROOM) == [
        cmd.InviteToRoom(account=A, room=ROOM, jid="bob@example.org", reason="come  and see")
    ]
    assert _route("/invite bob@example.org", IN_ROOM) == [
        cmd.InviteToRoom(account=A, room=ROOM, jid="bob@example.org")
    ]
    with pytest.raises(UserFacingError, match="works in a room"):
        _route("/invite bob@example.org")
    with pytest.raises(UserFacingError, match="not a full address"):
        _route("/invite bob", IN_ROOM)


def test_an_invitation_is_a_marked_room_row_until_answered_or_joined() -> None:
    invitation = InvitationReceived(account=A, room=ROOM, inviter="bob@example.org")
    roster = reduce_roster(AccountRoster(), invitation)
    assert roster.is_room(ROOM)
    rows = [row for row in room_rows(A, roster) if isinstance(row, RoomRow)]
    assert [(r.jid, r.invited, r.joined) for r in rows] == [(ROOM, True, False)]
    assert REQUEST_MARK in room_prompt(rows[0]).plain
    assert ROOM not in answer_invitation(roster, ROOM).invitations
    joined = RoomChanged(account=A, room=RoomInfo(jid=ROOM, nick="al", joined=True))
    after = reduce_roster(roster, joined)
    assert not after.invitations
    assert [r.invited for r in room_rows(A, after) if isinstance(r, RoomRow)] == [False]
