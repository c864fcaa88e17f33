"""Schema v3: corrections keep an edit history (XEP-0308); read markers (XEP-0333)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xmpp_tui.core.models import Delivery, Direction
from xmpp_tui.store import Store
from xmpp_tui.store.history import HistoryStore
from xmpp_tui.store.migrations import MIGRATIONS, migrate, schema_version

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ME = "alice@example.org"
BOB = "bob@example.org"


@pytest.fixture
def history(store: Store) -> HistoryStore:
    return store.history


def _theirs(history: HistoryStore, body: str = "helo", **kw: object) -> int:
    stored = history.add_incoming(
        account=ME,
        peer=BOB,
        sender=BOB + "/phone",
        body=body,
        timestamp=T0,
        stanza_id=str(kw.get("stanza_id", "s1")),
        origin_id=str(kw.get("origin_id", "o1")),
        message_id=str(kw.get("message_id", "m1")),
        markable=bool(kw.get("markable", False)),
    )
    assert stored is not None
    return stored.id


def _mine(history: HistoryStore, body: str, message_id: str) -> int:
    return history.add_outgoing(
        account=ME,
        peer=BOB,
        sender=ME + "/tui",
        body=body,
        timestamp=T0,
        origin_id=message_id,
        message_id=message_id,
    ).id


def test_v2_database_upgrades_to_v3_keeping_rows(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.sqlite3", isolation_level=None)
    assert migrate(conn, MIGRATIONS[:2]) == 2
    conn.execute(
        "INSERT INTO messages (account, peer, direction, sender, sender_bare, body, timestamp,"
        " delivery, body_hash) VALUES (?, ?, 'in', ?, ?, 'old', ?, 'received', 'h')",
        (ME, BOB, BOB + "/r", BOB, T0.isoformat()),
    )
    assert migrate(conn) == len(MIGRATIONS) >= 3
    conn.close()
    store = Store.open(tmp_path / "old.sqlite3")
    try:
        assert schema_version(store.database.connection) == len(MIGRATIONS)
        (old,) = store.history.page(ME, BOB)
        assert (old.body, old.edited, old.markable) == ("old", False, False)
    finally:
        store.close()


def test_correction_keeps_history_sender_and_dedupe(history: HistoryStore) -> None:
    local = _theirs(history)
    first = history.apply_correction(
        ME, local, body="hello", timestamp=T0 + timedelta(seconds=5), correction_id="c1"
    )
    assert first is not None and (first.body, first.edited) == ("hello", True)
    assert first.sender == BOB + "/phone"
    # the same correction again (a replay), or the same text, changes nothing
    assert (
        history.apply_correction(ME, local, body="hello!", timestamp=T0, correction_id="c1") is None
    )
    assert (
        history.apply_correction(ME, local, body="hello", timestamp=T0, correction_id="c9") is None
    )
    second = history.apply_correction(ME, local, body="hello bob", timestamp=T0, correction_id="c2")
    assert second is not None and second.body == "hello bob"
    assert [body for _when, body in history.edits(ME, local)] == ["helo", "hello"]
    # the archive's copy of the original still de-duplicates (hash of the original body)
    assert (
        history.add_incoming(
            account=ME,
            peer=BOB,
            sender=BOB + "/phone",
            body="helo",
            timestamp=T0,
            stanza_id="s1",
            origin_id="o1",
            message_id="m1",
        )
        is None
    )
    # search finds the current text, not the replaced one
    assert [m.id for m in history.search("bob")] == [local]
    assert history.search("helo") == []


def test_find_correctable_by_first_id_or_previous_correction(history: HistoryStore) -> None:
    local = _theirs(history)
    found = history.find_correctable(ME, BOB, "m1")
    assert found is not None and found.id == local
    assert history.find_correctable(ME, "mallory@example.org", "m1") is None  # other chat
    history.apply_correction(ME, local, body="hello", timestamp=T0, correction_id="c1")
    by_correction = history.find_correctable(ME, BOB, "c1")
    assert by_correction is not None and by_correction.id == local
    assert history.find_correctable(ME, BOB, "unknown") is None


def test_correcting_an_unsent_message_rewrites_what_the_outbox_sends(
    history: HistoryStore,
) -> None:
    local = _mine(history, "teh plan", "out-1")
    history.apply_correction(ME, local, body="the plan", timestamp=T0, correction_id="c1")
    (pending,) = history.pending(ME)
    assert pending.body == "the plan"
    # its reflection (carbon/archive) with the new text de-duplicates
    reflected = history.add_incoming(
        account=ME,
        peer=BOB,
        sender=ME + "/tui",
        body="the plan",
        timestamp=T0,
        stanza_id="s9",
        origin_id="out-1",
        message_id="out-1",
        direction=Direction.OUTGOING,
    )
    assert reflected is None


def test_displayed_marks_ours_up_to_that_one_for_that_peer_only(history: HistoryStore) -> None:
    ids = [_mine(history, f"m{n}", f"out-{n}") for n in range(3)]
    for local in ids:
        history.set_delivery(ME, local, Delivery.SENT)
    history.set_delivery(ME, ids[0], Delivery.DELIVERED)
    assert history.mark_displayed(ME, "mallory@example.org", "out-1") == []
    assert history.mark_displayed(ME, BOB, "their-id") == []
    moved = history.mark_displayed(ME, BOB, "out-1")
    assert [m.id for m in moved] == ids[:2]
    assert [m.delivery for m in history.page(ME, BOB)] == [
        Delivery.DISPLAYED,
        Delivery.DISPLAYED,
        Delivery.SENT,
    ]
    # nothing moves back: a late receipt leaves "read" alone
    assert history.set_delivery(ME, ids[0], Delivery.DELIVERED) is None


def test_markable_and_last_message(history: HistoryStore) -> None:
    _theirs(history, markable=True)
    mine = _mine(history, "reply", "out-1")
    last_in = history.last_message(ME, BOB, Direction.INCOMING)
    last_out = history.last_message(ME, BOB, Direction.OUTGOING)
    assert last_in is not None and last_in.markable
    assert last_out is not None and last_out.id == mine and not last_out.markable
    found = history.find_incoming(ME, BOB, "m1")
    assert found is not None and found.id == last_in.id
    assert history.find_incoming(ME, BOB, "out-1") is None
    # Bounded below (what a read marker searches after the last check): only newer rows.
    assert history.last_message(ME, BOB, Direction.INCOMING, markable=True, after_id=mine) is None
    newest = history.last_message(
        ME, BOB, Direction.INCOMING, markable=True, after_id=last_in.id - 1
    )
    assert newest is not None and newest.id == last_in.id


def test_our_corrections_are_outbox_entries_newest_only(history: HistoryStore) -> None:
    local = _mine(history, "v1", "out-1")
    history.set_delivery(ME, local, Delivery.ACKED)
    history.apply_correction(
        ME, local, body="v2", timestamp=T0, correction_id="c1", delivery=Delivery.PENDING
    )
    history.apply_correction(
        ME, local, body="v3", timestamp=T0, correction_id="c2", delivery=Delivery.PENDING
    )
    ((message, correction_id, state),) = history.pending_corrections(ME)
    assert (message.body, correction_id, state) == ("v3", "c2", Delivery.PENDING)
    assert history.set_correction_delivery(ME, "c2", Delivery.ACKED)  # pending -> acked
    assert not history.set_correction_delivery(ME, "c2", Delivery.SENT)  # never back
    assert not history.set_correction_delivery(ME, "unknown", Delivery.ACKED)
    assert history.pending_corrections(ME) == []
    # a received correction (delivery NULL) is never an outbox entry
    theirs = _theirs(history)
    history.apply_correction(ME, theirs, body="x", timestamp=T0, correction_id="c3")
    assert not history.set_correction_delivery(ME, "c3", Delivery.ACKED)
    assert history.pending_corrections(ME) == []
