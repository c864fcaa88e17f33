"""/join, /leave and /bookmark mapped to core commands; the Rooms section of the roster."""

from __future__ import annotations

import pytest

from xmpp_tui.core import commands as cmd
from xmpp_tui.core import slash
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import BookmarksChanged, RoomChanged
from xmpp_tui.core.models import Bookmark, RoomInfo
from xmpp_tui.ui.command_router import Action, OpenRoom, RouteContext, ShowLines, route
from xmpp_tui.ui.view_state import (
    NOT_IN_ROSTER,
    ROOMS,
    AccountRoster,
    HeaderRow,
    RoomRow,
    account_rows,
    add_unread,
    note_peer,
    note_room,
    reduce_roster,
)
from xmpp_tui.ui.widgets.room_pane import NOT_JOINED, room_header_text

A = "alice@example.org"
ROOM = "team@conference.example.org"
CONSOLE = RouteContext(A)
IN_ROOM = RouteContext(A, ROOM, rooms=frozenset({ROOM}))


def _route(line: str, ctx: RouteContext = CONSOLE) -> list[Action]:
    parsed = slash.parse(line)
    assert parsed is not None
    return route(parsed, ctx)


def test_join_with_nick_and_password() -> None:
    assert _route(f"/join {ROOM}") == [OpenRoom(A, ROOM), cmd.JoinRoom(account=A, room=ROOM)]
    assert _route("/join Team@Conference.example.org/Al secret") == [
        OpenRoom(A, ROOM),
        cmd.JoinRoom(account=A, room=ROOM, nick="Al", password="secret"),
    ]
    with pytest.raises(UserFacingError, match="not a room address"):
        _route("/join conference.example.org")


def test_leave_defaults_to_this_room_only() -> None:
    assert _route("/leave", IN_ROOM) == [cmd.LeaveRoom(account=A, room=ROOM)]
    assert _route(f"/leave {ROOM}") == [cmd.LeaveRoom(account=A, room=ROOM)]
    with pytest.raises(UserFacingError, match="needs a room"):
        _route("/leave", RouteContext(A, "bob@example.org"))


def test_bookmark_add_remove_list() -> None:
    assert _route("/bookmark add --autojoin --nick al Our team", IN_ROOM) == [
        cmd.AddBookmark(account=A, room=ROOM, name="Our team", nick="al", autojoin=True)
    ]
    assert _route(f"/bookmark add {ROOM}") == [cmd.AddBookmark(account=A, room=ROOM)]
    # Only what is given changes an existing bookmark: nothing else is set (#14).
    [only_nick] = _route(f"/bookmark add {ROOM} --nick foo")
    assert only_nick == cmd.AddBookmark(account=A, room=ROOM, nick="foo")
    assert isinstance(only_nick, cmd.AddBookmark)
    assert only_nick.name is None and only_nick.autojoin is None
    assert _route("/bookmark add --no-autojoin", IN_ROOM) == [
        cmd.AddBookmark(account=A, room=ROOM, autojoin=False)
    ]
    assert _route("/bookmark remove", IN_ROOM) == [cmd.RemoveBookmark(account=A, room=ROOM)]
    with pytest.raises(UserFacingError, match="needs a room"):
        _route("/bookmark add Name only")
    with pytest.raises(UserFacingError, match="--nick needs"):
        _route("/bookmark add --nick", IN_ROOM)
    marks = (Bookmark(jid=ROOM, name="Team\u202e[b]", nick="al", password="pw", autojoin=True),)
    [listed] = _route("/bookmark", RouteContext(A, bookmarks=marks))
    assert isinstance(listed, ShowLines)
    assert ROOM in listed.text and "autojoin" in listed.text and "as al" in listed.text
    assert "pw" not in listed.text and "\u202e" not in listed.text
    assert _route("/bookmark list") == [ShowLines("No bookmarks. /bookmark add ROOM adds one.")]


def test_rooms_are_listed_under_their_heading_never_as_strangers() -> None:
    roster = AccountRoster()
    roster = reduce_roster(
        roster,
        RoomChanged(account=A, room=RoomInfo(jid=ROOM, nick="al", joined=True, occupants=("al",))),
    )
    roster = reduce_roster(
        roster,
        BookmarksChanged(
            account=A, bookmarks=(Bookmark(jid="b@c.example.org", name="Bee", autojoin=True),)
        ),
    )
    history_room = "h@c.example.org"
    roster = note_room(roster, history_room)
    roster = note_peer(roster, history_room)  # a room is never a stranger
    roster = add_unread(roster, history_room, 2)
    rows = account_rows(A, roster)
    assert HeaderRow(NOT_IN_ROSTER) not in rows
    assert rows[0] == HeaderRow(ROOMS)
    assert rows[1:] == [
        RoomRow(account=A, jid=ROOM, name=ROOM, joined=True),
        RoomRow(account=A, jid="b@c.example.org", name="Bee", autojoin=True),
        RoomRow(account=A, jid=history_room, name=history_room, unread=2),
    ]
    # Left (and not bookmarked): gone from the list.
    left = reduce_roster(
        roster, RoomChanged(account=A, room=RoomInfo(jid=ROOM, nick="al", joined=False))
    )
    assert ROOM not in [r.jid for r in account_rows(A, left) if isinstance(r, RoomRow)]


def test_room_header_shows_name_nick_occupants_and_subject_as_text() -> None:
    info = RoomInfo(
        jid=ROOM,
        nick="al",
        joined=True,
        subject="Plans [@click=app.quit]x[/]\u009b2J",
        name="Team",
        occupants=("al", "bob"),
    )
    first, second = room_header_text(ROOM, info).plain.split("\n")
    assert first == f"Team  {ROOM}"
    assert second.startswith("● in as al  2 occupants  Plans [@click=app.quit]x[/]")
    assert "\u009b" not in second
    assert room_header_text(ROOM, None).plain.split("\n") == [ROOM, f"○ {NOT_JOINED}"]


def test_room_header_says_why_the_room_put_us_out() -> None:
    info = RoomInfo(
        jid=ROOM, nick="al", joined=False, left="you were kicked by bob\u202e [b]x[/b] (spam)"
    )
    second = room_header_text(ROOM, info).plain.split("\n")[1]
    assert second.startswith("○ you were kicked by bob")
    assert second.endswith(f"[b]x[/b] (spam); {NOT_JOINED}")
    assert "\u202e" not in second
