"""The activity list's order and Alt+A's choice (ui/activity.py), without an app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from xmpp_tui.core.models import RoomInfo
from xmpp_tui.ui.activity import (
    ActivityEntry,
    ActivityMark,
    activity_entries,
    entry_line,
    next_unread,
    note_unread,
    prune,
    short_time,
    summary,
)
from xmpp_tui.ui.view_state import AccountRoster, ChatKey

A, Z = "alice@example.org", "zoe@other.org"
BOB, CAROL = "bob@example.org", "carol@example.org"
ROOM = "team@conference.example.org"
NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return NOW - timedelta(minutes=minutes)


def rosters() -> dict[str, AccountRoster]:
    return {
        A: AccountRoster(unread={BOB: 2, ROOM: 5}, room_jids=frozenset({ROOM})),
        Z: AccountRoster(unread={BOB: 1, CAROL: 0, f"{ROOM}/mallory": 1}),
    }


def test_entries_are_newest_first_across_accounts_unknown_times_last() -> None:
    marks = {
        ChatKey(A, BOB): ActivityMark(at(10)),
        ChatKey(A, ROOM): ActivityMark(at(1)),
        ChatKey(Z, BOB): ActivityMark(at(5)),
    }
    entries = activity_entries(rosters(), marks)
    assert [e.key for e in entries] == [
        ChatKey(A, ROOM),
        ChatKey(Z, BOB),
        ChatKey(A, BOB),
        ChatKey(Z, f"{ROOM}/mallory"),  # no mark, no stored time: last
    ]
    assert [e.unread for e in entries] == [5, 1, 2, 1]
    # The same peer in two accounts is two conversations; a zero count is not listed.
    assert ChatKey(Z, CAROL) not in [e.key for e in entries]
    room = entries[0]
    assert room.room and not room.urgent
    private = entries[-1]
    assert not private.room and private.urgent  # a private message is addressed to us
    assert private.name == f"mallory in {ROOM}"


def test_stored_times_order_what_was_unread_before_this_run() -> None:
    earlier = {ChatKey(Z, f"{ROOM}/mallory"): at(60), ChatKey(A, BOB): at(2)}
    entries = activity_entries(rosters(), {ChatKey(A, ROOM): ActivityMark(at(1))}, earlier)
    assert [e.key for e in entries][:3] == [
        ChatKey(A, ROOM),
        ChatKey(A, BOB),
        ChatKey(Z, f"{ROOM}/mallory"),
    ]


def test_names_are_sanitised_and_rooms_use_their_name() -> None:
    roster = AccountRoster(
        unread={"evil@example.org": 1, ROOM: 1},
        rooms={ROOM: RoomInfo(jid=ROOM, nick="al", joined=True, name="Team\nroom")},
    )
    entries = activity_entries({A: roster}, {})
    names = {e.key.peer: e.name for e in entries}
    assert names[ROOM] == "Team⏎room"
    assert "\n" not in "".join(names.values())


def _entry(
    account: str, peer: str, minutes: int, *, room: bool, mention: bool = False
) -> ActivityEntry:
    return ActivityEntry(
        key=ChatKey(account, peer),
        name=peer,
        unread=1,
        newest=at(minutes),
        room=room,
        mentioned=mention,
    )


def test_alt_a_goes_to_chats_and_mentions_before_room_chatter() -> None:
    chatter = _entry(A, ROOM, 1, room=True)
    other_room = _entry(Z, "dev@conference.other.org", 3, room=True, mention=True)
    chat = _entry(Z, BOB, 7, room=False)
    entries = [chatter, other_room, chat]  # newest first, as activity_entries sorts them
    # Newest urgent first: the room that named us (3 min) before the chat (7 min).
    assert next_unread(entries, None) == other_room.key
    # The pane in front is skipped: pressing again moves on.
    assert next_unread(entries, other_room.key) == chat.key
    # Only chatter left: it is next.
    assert next_unread([chatter], None) == chatter.key
    assert next_unread([chatter], chatter.key) is None
    assert next_unread([], None) is None


def test_marks_keep_the_newest_time_and_a_mention_until_read() -> None:
    key = ChatKey(A, ROOM)
    marks = note_unread({}, key, at(5), mentioned=True)
    marks = note_unread(marks, key, at(9), mentioned=False)  # an older line from a catch-up
    assert marks[key] == ActivityMark(at(5), mentioned=True)
    read = {A: AccountRoster(unread={})}
    assert prune(marks, read) == {}
    assert prune(marks, {A: AccountRoster(unread={ROOM: 3})}) == marks


def test_row_text_fits_and_says_which_account() -> None:
    entry = _entry(Z, BOB, 5, room=False, mention=True)
    assert entry_line(entry, NOW, UTC, "zoe") == f"!  12:25   1  {BOB}  (zoe)"
    assert short_time(at(60 * 24), NOW, UTC) == "30 Apr"
    assert short_time(None, NOW, UTC) == "-"
    assert summary([entry, entry]) == "2 conversations, 2 unread"
