"""HistoryStore on a real SQLite file: dedupe layers, outbox, delivery, paging, unread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from xmpp_tui.core.models import ConversationKind, Delivery, Direction, StoredMessage
from xmpp_tui.store import Store
from xmpp_tui.store.history import HistoryStore

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ME = "alice@example.org"
BOB = "bob@example.org"


@pytest.fixture
def history(store: Store) -> HistoryStore:
    return store.history


def incoming(
    history: HistoryStore,
    *,
    account: str = ME,
    peer: str = BOB,
    sender: str = BOB + "/phone",
    body: str = "hi",
    timestamp: datetime = T0,
    stanza_id: str | None = None,
    origin_id: str | None = None,
    message_id: str | None = None,
    direction: Direction = Direction.INCOMING,
) -> StoredMessage | None:
    return history.add_incoming(
        account=account,
        peer=peer,
        sender=sender,
        body=body,
        timestamp=timestamp,
        stanza_id=stanza_id,
        origin_id=origin_id,
        message_id=message_id,
        direction=direction,
    )


def outgoing(
    history: HistoryStore,
    *,
    body: str = "hello",
    origin_id: str = "origin-1",
    message_id: str = "msg-1",
    peer: str = BOB,
    timestamp: datetime = T0,
) -> StoredMessage:
    return history.add_outgoing(
        account=ME,
        peer=peer,
        sender=ME + "/laptop",
        body=body,
        timestamp=timestamp,
        origin_id=origin_id,
        message_id=message_id,
    )


# -- add_incoming basics --------------------------------------------------------------------


def test_incoming_is_stored_and_returned(history: HistoryStore) -> None:
    stored = incoming(history, stanza_id="s1", origin_id="o1", message_id="m1")
    assert stored is not None
    assert stored.direction is Direction.INCOMING
    assert stored.delivery is Delivery.RECEIVED
    assert (stored.stanza_id, stored.origin_id, stored.message_id) == ("s1", "o1", "m1")
    assert history.page(ME, BOB) == [stored]


def test_timestamps_are_stored_as_utc_and_returned_aware(history: HistoryStore) -> None:
    paris = timezone(timedelta(hours=2))
    stored = incoming(history, timestamp=datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=paris))
    assert stored is not None
    (loaded,) = history.page(ME, BOB)
    assert loaded.timestamp == datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert loaded.timestamp.tzinfo is UTC
    assert loaded == stored


def test_naive_timestamp_is_rejected(history: HistoryStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        incoming(history, timestamp=datetime(2024, 5, 1, 12, 0))  # noqa: DTZ001


# -- layer (a): stanza-id -------------------------------------------------------------------


def test_same_stanza_id_is_a_duplicate(history: HistoryStore) -> None:
    assert incoming(history, stanza_id="s1", message_id="m1") is not None
    # Same message seen again through MAM: other message id, later timestamp.
    assert incoming(history, stanza_id="s1", timestamp=T0 + timedelta(hours=1)) is None
    assert history.count(ME, BOB) == 1


def test_same_stanza_id_in_another_account_is_not_a_duplicate(history: HistoryStore) -> None:
    assert incoming(history, stanza_id="s1") is not None
    other = incoming(history, account="carol@example.org", stanza_id="s1")
    assert other is not None
    assert other.stanza_id == "s1"


def test_stanza_id_reused_with_another_body_keeps_both(history: HistoryStore) -> None:
    first = incoming(history, stanza_id="s1", body="original")
    second = incoming(history, stanza_id="s1", body="forged")
    assert first is not None and second is not None
    assert second.stanza_id is None  # first writer keeps the key
    assert [m.body for m in history.page(ME, BOB)] == ["original", "forged"]
    assert history.page(ME, BOB)[0].stanza_id == "s1"
    # Replaying the conflicting copy does not pile up more copies.
    assert incoming(history, stanza_id="s1", body="forged") is None
    assert history.count(ME, BOB) == 2


# -- layer (b): origin-id + sender bare JID -------------------------------------------------


def test_same_origin_id_and_sender_bare_is_a_duplicate(history: HistoryStore) -> None:
    live = incoming(history, origin_id="o1", sender=BOB + "/phone")
    assert live is not None
    # The MAM copy: other resource, no message id, later timestamp, now with a stanza-id.
    again = incoming(
        history,
        origin_id="o1",
        sender=BOB + "/tablet",
        stanza_id="s9",
        timestamp=T0 + timedelta(minutes=30),
    )
    assert again is None
    (kept,) = history.page(ME, BOB)
    assert kept.stanza_id == "s9"  # the duplicate only gained the stanza-id
    assert kept.sender == BOB + "/phone"
    assert incoming(history, stanza_id="s9") is None  # and layer (a) now catches it


def test_same_origin_id_from_another_sender_is_not_a_duplicate(history: HistoryStore) -> None:
    assert incoming(history, origin_id="o1") is not None
    other = incoming(history, origin_id="o1", sender="mallory@evil.example/x")
    assert other is not None
    assert history.count(ME, BOB) == 2


# -- layer (c): message id + sender full JID + body within 60 s -----------------------------


def test_same_message_id_sender_body_within_a_minute_is_a_duplicate(
    history: HistoryStore,
) -> None:
    assert incoming(history, message_id="m1", body="same") is not None
    for offset in (59, -60, 60):
        again = incoming(
            history, message_id="m1", body="same", timestamp=T0 + timedelta(seconds=offset)
        )
        assert again is None, offset
    assert history.count(ME, BOB) == 1


def test_duplicate_by_message_id_gains_the_stanza_id(history: HistoryStore) -> None:
    assert incoming(history, message_id="m1") is not None
    assert incoming(history, message_id="m1", stanza_id="s1") is None
    assert history.page(ME, BOB)[0].stanza_id == "s1"


def test_same_message_id_from_another_sender_is_not_a_duplicate(history: HistoryStore) -> None:
    assert incoming(history, message_id="m1", sender=BOB + "/phone") is not None
    assert incoming(history, message_id="m1", sender=BOB + "/tablet") is not None
    assert incoming(history, message_id="m1", sender="carol@example.org/x") is not None
    assert history.count(ME, BOB) == 3


def test_same_message_id_sender_body_two_minutes_apart_is_not_a_duplicate(
    history: HistoryStore,
) -> None:
    # "ok" twice with a client that reuses ids: two real messages.
    assert incoming(history, message_id="m1", body="ok") is not None
    later = incoming(history, message_id="m1", body="ok", timestamp=T0 + timedelta(minutes=2))
    assert later is not None
    assert history.count(ME, BOB) == 2


def test_attacker_reusing_a_message_id_with_another_body_keeps_both(
    history: HistoryStore,
) -> None:
    assert incoming(history, message_id="m1", body="meet at 5") is not None
    forged = incoming(history, message_id="m1", body="meet at 9", timestamp=T0)
    assert forged is not None
    assert [m.body for m in history.page(ME, BOB)] == ["meet at 5", "meet at 9"]


def test_message_without_any_id_is_never_deduped(history: HistoryStore) -> None:
    assert incoming(history) is not None
    assert incoming(history) is not None
    assert history.count(ME, BOB) == 2


# -- outbox ---------------------------------------------------------------------------------


def test_outgoing_is_a_committed_pending_outbox_entry(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    writer = Store.open(path)
    sent = outgoing(writer.history)
    assert sent.delivery is Delivery.PENDING
    assert sent.direction is Direction.OUTGOING
    # Another connection sees it at once: the write is committed before add_outgoing returns.
    reader = Store.open(path)
    try:
        assert reader.history.pending(ME) == [sent]
    finally:
        reader.close()
        writer.close()


def test_reflection_of_our_message_gains_stanza_id_without_a_duplicate(
    history: HistoryStore,
) -> None:
    sent = outgoing(history, origin_id="o-42", message_id="m-42")
    reflected = incoming(
        history,
        sender=ME + "/laptop",
        body=sent.body,
        origin_id="o-42",
        message_id="m-42",
        stanza_id="mam-7",
        timestamp=T0 + timedelta(seconds=3),
        direction=Direction.OUTGOING,
    )
    assert reflected is None
    (kept,) = history.page(ME, BOB)
    assert kept.id == sent.id
    assert kept.stanza_id == "mam-7"
    assert kept.body == sent.body
    assert kept.delivery is Delivery.PENDING
    # A second reflection (carbon after MAM) with another stanza-id does not overwrite it.
    again = incoming(
        history,
        sender=ME + "/laptop",
        body=sent.body,
        origin_id="o-42",
        stanza_id="other",
        direction=Direction.OUTGOING,
    )
    assert again is None
    assert history.page(ME, BOB)[0].stanza_id == "mam-7"


def test_peer_reusing_our_origin_id_is_not_swallowed_by_the_outbox(
    history: HistoryStore,
) -> None:
    outgoing(history, origin_id="o-42")
    theirs = incoming(history, origin_id="o-42", body="hello")
    assert theirs is not None
    assert history.count(ME, BOB) == 2


def test_message_we_sent_from_another_client_is_stored_as_acked(history: HistoryStore) -> None:
    carbon = incoming(
        history,
        sender=ME + "/phone",
        body="from my phone",
        origin_id="phone-1",
        direction=Direction.OUTGOING,
    )
    assert carbon is not None
    assert carbon.direction is Direction.OUTGOING
    assert carbon.delivery is Delivery.ACKED
    assert history.pending(ME) == []


def test_pending_lists_unacknowledged_outgoing_oldest_first(history: HistoryStore) -> None:
    first = outgoing(history, origin_id="o1", message_id="m1")
    second = outgoing(history, origin_id="o2", message_id="m2")
    third = outgoing(history, origin_id="o3", message_id="m3")
    incoming(history, body="not mine")
    history.set_delivery(ME, first.id, Delivery.SENT)
    history.set_delivery(ME, third.id, Delivery.ACKED)
    assert [m.id for m in history.pending(ME)] == [first.id, second.id]
    assert history.pending("carol@example.org") == []


def test_find_outgoing_by_message_id_or_origin_id(history: HistoryStore) -> None:
    sent = outgoing(history, origin_id="o1", message_id="m1")
    incoming(history, message_id="m2")
    assert history.find_outgoing(ME, message_id="m1") == sent
    assert history.find_outgoing(ME, message_id="o1") == sent
    assert history.find_outgoing(ME, message_id="m2") is None
    assert history.find_outgoing("carol@example.org", message_id="m1") is None
    assert history.find_outgoing(ME, message_id="m1", peer=BOB) == sent
    assert history.find_outgoing(ME, message_id="m1", peer="mallory@evil.example") is None


# -- delivery -------------------------------------------------------------------------------


def test_delivery_moves_forward_only(history: HistoryStore) -> None:
    sent = outgoing(history)
    moved = history.set_delivery(ME, sent.id, Delivery.ACKED)
    assert moved is not None and moved.delivery is Delivery.ACKED
    assert history.set_delivery(ME, sent.id, Delivery.SENT) is None
    assert history.set_delivery(ME, sent.id, Delivery.PENDING) is None
    assert history.set_delivery(ME, sent.id, Delivery.ACKED) is None
    delivered = history.set_delivery(ME, sent.id, Delivery.DELIVERED)
    assert delivered is not None and delivered.delivery is Delivery.DELIVERED
    assert history.set_delivery(ME, sent.id, Delivery.FAILED) is None
    assert history.set_delivery(ME, sent.id, Delivery.ACKED) is None
    assert history.pending(ME) == []
    assert history.page(ME, BOB)[0].delivery is Delivery.DELIVERED


@pytest.mark.parametrize("start", [Delivery.PENDING, Delivery.SENT, Delivery.ACKED])
def test_failed_is_reachable_until_delivered(history: HistoryStore, start: Delivery) -> None:
    sent = outgoing(history)
    if start is not Delivery.PENDING:
        history.set_delivery(ME, sent.id, start)
    failed = history.set_delivery(ME, sent.id, Delivery.FAILED)
    assert failed is not None and failed.delivery is Delivery.FAILED
    assert history.set_delivery(ME, sent.id, Delivery.SENT) is None
    assert history.set_delivery(ME, sent.id, Delivery.ACKED) is None


def test_delivery_of_incoming_or_foreign_rows_is_untouched(history: HistoryStore) -> None:
    received = incoming(history)
    assert received is not None
    assert history.set_delivery(ME, received.id, Delivery.DELIVERED) is None
    sent = outgoing(history)
    assert history.set_delivery("carol@example.org", sent.id, Delivery.SENT) is None
    assert history.set_delivery(ME, 10_000, Delivery.SENT) is None
    assert history.set_delivery(ME, sent.id, Delivery.RECEIVED) is None


# -- paging, conversations, unread ----------------------------------------------------------


def test_paging_is_oldest_first_across_page_boundaries(history: HistoryStore) -> None:
    for i in range(25):
        incoming(history, body=f"b{i}", timestamp=T0 + timedelta(seconds=i))
        incoming(history, peer="carol@example.org", sender="carol@example.org/x", body="noise")
    newest = history.page(ME, BOB, limit=10)
    assert [m.body for m in newest] == [f"b{i}" for i in range(15, 25)]
    middle = history.page(ME, BOB, before_id=newest[0].id, limit=10)
    assert [m.body for m in middle] == [f"b{i}" for i in range(5, 15)]
    oldest = history.page(ME, BOB, before_id=middle[0].id, limit=10)
    assert [m.body for m in oldest] == [f"b{i}" for i in range(5)]
    assert history.page(ME, BOB, before_id=oldest[0].id, limit=10) == []
    assert history.page(ME, BOB, limit=0) == []
    assert history.count(ME, BOB) == 25
    assert history.count(ME, "carol@example.org") == 25
    assert history.count("carol@example.org", BOB) == 0


def test_conversations_newest_first(history: HistoryStore) -> None:
    incoming(history, peer="old@x", sender="old@x/r", timestamp=T0)
    incoming(history, peer=BOB, timestamp=T0 + timedelta(hours=1))
    incoming(history, peer="old@x", sender="old@x/r", timestamp=T0 + timedelta(minutes=5))
    outgoing(history, peer="new@x", timestamp=T0 + timedelta(hours=2))
    incoming(history, account="carol@example.org", peer="z@x", timestamp=T0 + timedelta(days=1))
    assert history.conversations(ME) == [
        ("new@x", T0 + timedelta(hours=2)),
        (BOB, T0 + timedelta(hours=1)),
        ("old@x", T0 + timedelta(minutes=5)),
    ]


def test_unread_counts_follow_the_read_mark(history: HistoryStore) -> None:
    ids = []
    for i in range(5):
        stored = incoming(history, body=f"b{i}")
        assert stored is not None
        ids.append(stored.id)
    outgoing(history)  # our own messages are never unread
    incoming(history, peer="carol@example.org", sender="carol@example.org/x")
    assert history.unread_counts(ME) == {BOB: 5, "carol@example.org": 1}
    history.mark_read(ME, BOB, ids[2])
    assert history.unread_counts(ME) == {BOB: 2, "carol@example.org": 1}
    history.mark_read(ME, BOB, ids[0])  # never moves back
    assert history.unread_counts(ME) == {BOB: 2, "carol@example.org": 1}
    history.mark_read(ME, BOB, ids[4])
    assert history.unread_counts(ME) == {"carol@example.org": 1}
    assert history.unread_counts("nobody@x") == {}


# -- hostile text ---------------------------------------------------------------------------

NASTY = ["o'brien", 'x";--', "100%", "a_b", "nul\x00byte", "' OR 1=1 --", "\u202e\n[12:00] <a>"]


@pytest.mark.parametrize("text", NASTY)
def test_sql_metacharacters_round_trip_exactly(tmp_path: Path, text: str) -> None:
    path = tmp_path / "h.sqlite3"
    store = Store.open(path)
    account, peer, sender = f"{text}@a", f"{text}@b", f"{text}@b/{text}"
    stored = store.history.add_incoming(
        account=account,
        peer=peer,
        sender=sender,
        body=text,
        timestamp=T0,
        stanza_id=text,
        origin_id=text,
        message_id=text,
    )
    assert stored is not None
    store.history.add_incoming(  # a near-identical neighbour stays separate
        account=account,
        peer=peer + "x",
        sender=sender,
        body="other",
        timestamp=T0,
        stanza_id=None,
        origin_id=None,
        message_id=None,
    )
    store.close()
    store = Store.open(path)
    try:
        (loaded,) = store.history.page(account, peer)
        assert loaded == stored
        assert (loaded.account, loaded.peer, loaded.sender, loaded.body) == (
            account,
            peer,
            sender,
            text,
        )
        assert loaded.stanza_id == loaded.origin_id == loaded.message_id == text
        assert store.history.unread_counts(account) == {peer: 1, peer + "x": 1}
        assert store.database.connection.execute("SELECT count(*) FROM messages").fetchone()[0] == 2
    finally:
        store.close()


# -- rooms (XEP-0045): stanza-ids are the room's own, scoped to the conversation ----------------

ROOM = "team@conference.example.org"
OTHER_ROOM = "other@conference.example.org"


def room_line(history: HistoryStore, room: str, body: str, stanza_id: str) -> StoredMessage | None:
    return history.add_incoming(
        account=ME,
        peer=room,
        sender=f"{room}/bob",
        body=body,
        timestamp=T0,
        stanza_id=stanza_id,
        origin_id=None,
        message_id=None,
        kind=ConversationKind.GROUPCHAT,
    )


def test_a_rooms_stanza_id_dedupes_only_in_that_room(history: HistoryStore) -> None:
    first = room_line(history, ROOM, "same words", "s1")
    assert first is not None and first.kind is ConversationKind.GROUPCHAT
    assert room_line(history, ROOM, "same words", "s1") is None  # replayed on rejoin
    # Another room (or a contact) choosing the same id and body is not a duplicate.
    assert room_line(history, OTHER_ROOM, "same words", "s1") is not None
    assert incoming(history, body="same words", stanza_id="s1") is not None
    assert history.rooms(ME) == [OTHER_ROOM, ROOM]
    assert history.page(ME, ROOM)[0].kind is ConversationKind.GROUPCHAT
    assert history.page(ME, BOB)[0].kind is ConversationKind.CHAT


def test_our_room_message_reflected_once(history: HistoryStore) -> None:
    sent = history.add_outgoing(
        account=ME,
        peer=ROOM,
        sender=f"{ROOM}/al",
        body="hello room",
        timestamp=T0,
        origin_id="o1",
        message_id="o1",
        kind=ConversationKind.GROUPCHAT,
    )
    reflected = history.add_incoming(
        account=ME,
        peer=ROOM,
        sender=f"{ROOM}/al",
        body="hello room",
        timestamp=T0 + timedelta(seconds=1),
        stanza_id="room-sid",
        origin_id="o1",
        message_id="o1",
        kind=ConversationKind.GROUPCHAT,
    )
    assert reflected is None
    stored = history.get(ME, sent.id)
    assert stored is not None and stored.stanza_id == "room-sid"
    assert [m.body for m in history.page(ME, ROOM)] == ["hello room"]


# -- is_room (asked for every received message, answered from a cache) ----------------------


def test_is_room_follows_a_group_chat_row_written_after_a_no(history: HistoryStore) -> None:
    room = "room@conference.example.org"
    incoming(history, peer=room, sender=room + "/bob", message_id="m1")  # a chat row first
    assert not history.is_room(ME, room)
    assert not history.is_room(ME, room)  # cached "no"
    history.add_incoming(
        account=ME,
        peer=room,
        sender=room + "/bob",
        body="in the room",
        timestamp=T0,
        stanza_id=None,
        origin_id=None,
        message_id="m2",
        kind=ConversationKind.GROUPCHAT,
    )
    assert history.is_room(ME, room)
    assert not history.is_room("carol@example.org", room)  # per account
    assert not history.is_room(ME, BOB)


def test_is_room_not_cached_from_a_row_that_is_rolled_back(store: Store) -> None:
    room = "room@conference.example.org"
    history = store.history
    with pytest.raises(RuntimeError), store.database.transaction():
        history.add_outgoing(
            account=ME,
            peer=room,
            sender=ME + "/laptop",
            body="hello room",
            timestamp=T0,
            origin_id="o1",
            message_id="m1",
            kind=ConversationKind.GROUPCHAT,
        )
        assert history.is_room(ME, room)  # seen inside the transaction
        raise RuntimeError("abort")
    assert not history.is_room(ME, room)  # the row is gone, and so is the answer
