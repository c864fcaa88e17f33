"""`HistoryStore.is_room`, asked for every message received (#8): the same answers as a
scan of the whole conversation, without scanning it again on every call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import ConversationKind
from xmpp_tui.store import Store

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ME = "alice@example.org"
BOB = "bob@example.org"
ROOM = "room@conference.example.org"


def add(
    store: Store,
    peer: str,
    n: int,
    kind: ConversationKind = ConversationKind.CHAT,
    *,
    older: bool = False,
) -> None:
    store.history.add_incoming(
        account=ME,
        peer=peer,
        sender=f"{peer}/x",
        body=f"message {n}",
        timestamp=T0 + timedelta(seconds=n),
        stanza_id=None,
        origin_id=None,
        message_id=None,
        kind=kind,
        older=older,
    )


def vm_steps(store: Store, call: object) -> int:
    """How many SQLite virtual machine steps ``call()`` took (deterministic, not a time)."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    store.database.connection.set_progress_handler(count, 1)
    try:
        assert callable(call)
        call()
    finally:
        store.database.connection.set_progress_handler(None, 1)
    return steps


def test_answers_follow_what_is_stored(store: Store) -> None:
    history = store.history
    assert not history.is_room(ME, BOB)  # nothing stored
    add(store, BOB, 1)
    assert not history.is_room(ME, BOB)
    add(store, ROOM, 2, ConversationKind.GROUPCHAT)
    assert history.is_room(ME, ROOM)
    assert not history.is_room("other@example.org", ROOM)  # per account
    # A conversation that held chat rows only and gains a group chat row (newer)...
    add(store, BOB, 3)
    assert not history.is_room(ME, BOB)
    add(store, BOB, 4, ConversationKind.GROUPCHAT)
    assert history.is_room(ME, BOB)


def test_a_group_chat_row_stored_below_what_was_seen_counts(store: Store) -> None:
    history = store.history
    add(store, BOB, 1)
    assert not history.is_room(ME, BOB)
    add(store, BOB, 0, ConversationKind.GROUPCHAT, older=True)  # scroll-back: below every id
    assert history.is_room(ME, BOB)


def test_a_rolled_back_row_does_not_hide_a_later_one(store: Store) -> None:
    history = store.history
    add(store, BOB, 1)
    with pytest.raises(UserFacingError), store.database.transaction():
        add(store, BOB, 2)
        assert not history.is_room(ME, BOB)  # seen while the row is there, uncommitted
        raise UserFacingError("abandon", "")
    add(store, BOB, 3, ConversationKind.GROUPCHAT)  # may get the rolled-back row's id
    assert history.is_room(ME, BOB)


def test_a_long_chat_history_is_not_read_again_on_every_message(store: Store) -> None:
    with store.database.transaction():
        for n in range(3000):
            add(store, BOB, n)
    history = store.history
    first = vm_steps(store, lambda: history.is_room(ME, BOB))
    add(store, BOB, 3001)
    again = vm_steps(store, lambda: history.is_room(ME, BOB))
    assert not history.is_room(ME, BOB)
    assert first > 3000  # the first answer reads the conversation once
    assert again < first / 50  # later ones only what came since
