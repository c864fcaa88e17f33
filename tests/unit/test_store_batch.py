"""Database.batched(): a burst of writes in one transaction (order, dedupe, failures)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import StoredMessage
from xmpp_tui.store import Store

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ME = "alice@example.org"
BOB = "bob@example.org"


@pytest.fixture
def reader(tmp_path: Path, store: Store) -> Iterator[sqlite3.Connection]:
    """A second connection: sees only what is committed."""
    connection = sqlite3.connect(tmp_path / "history.sqlite3")
    yield connection
    connection.close()


def committed_bodies(reader: sqlite3.Connection) -> list[str]:
    return [row[0] for row in reader.execute("SELECT body FROM messages ORDER BY id")]


def receive(store: Store, index: int, *, message_id: str | None = None) -> StoredMessage | None:
    return store.history.add_incoming(
        account=ME,
        peer=BOB,
        sender=BOB + "/phone",
        body=f"message {index}",
        timestamp=T0 + timedelta(seconds=index),
        stanza_id=None,
        origin_id=None,
        message_id=message_id or f"id-{index}",
    )


def test_a_batch_is_committed_once_in_order_with_each_write_deduplicated(
    store: Store, reader: sqlite3.Connection
) -> None:
    db = store.database
    stored = []
    for index in (0, 1, 0, 2):  # the second 0 is a duplicate (same id, sender, body)
        with db.batched() as batch:
            stored.append(receive(store, index))
    assert batch is not None and not batch.committed
    assert stored[2] is None and None not in (stored[0], stored[1], stored[3])
    assert committed_bodies(reader) == []  # nothing visible to others before the commit
    assert [m.body for m in store.history.page(ME, BOB)] == [
        "message 0",
        "message 1",
        "message 2",
    ]  # but the writer reads its own writes (dedupe needs that)
    db.commit_batch()
    assert batch.committed and batch.error is None
    assert committed_bodies(reader) == ["message 0", "message 1", "message 2"]
    assert not db.connection.in_transaction
    db.commit_batch()  # nothing open: a no-op


def test_a_failing_write_in_a_batch_rolls_back_only_itself(
    store: Store, reader: sqlite3.Connection
) -> None:
    db = store.database
    with db.batched():
        receive(store, 0)
    with pytest.raises(RuntimeError), db.batched(), db.transaction():
        receive(store, 1)
        raise RuntimeError("this write fails half way")
    with db.batched():
        receive(store, 2)
    db.commit_batch()
    assert committed_bodies(reader) == ["message 0", "message 2"]


def test_a_write_outside_the_batch_commits_the_batch_first(
    store: Store, reader: sqlite3.Connection
) -> None:
    db = store.database
    with db.batched() as batch:
        receive(store, 0)
    # The outbox's promise: committed (after everything written before it) when it returns.
    sent = store.history.add_outgoing(
        account=ME,
        peer=BOB,
        sender=ME + "/laptop",
        body="my answer",
        timestamp=T0 + timedelta(seconds=5),
        origin_id="o1",
        message_id="m1",
    )
    assert batch is not None and batch.committed
    assert committed_bodies(reader) == ["message 0", "my answer"]
    assert sent.id > store.history.page(ME, BOB)[0].id


def test_batched_inside_a_transaction_joins_it(store: Store, reader: sqlite3.Connection) -> None:
    db = store.database
    with db.transaction():
        with db.batched() as batch:
            receive(store, 0)
        assert batch is None  # the enclosing transaction owns the commit
        db.commit_batch()  # no batch of its own: nothing happens
        assert committed_bodies(reader) == []
    assert committed_bodies(reader) == ["message 0"]


def test_closing_commits_an_open_batch(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "h.sqlite3")
    with store.database.batched():
        receive(store, 0)
    store.close()
    again = Store.open(tmp_path / "h.sqlite3")
    try:
        assert [m.body for m in again.history.page(ME, BOB)] == ["message 0"]
    finally:
        again.close()


class _FailingCommit:
    """The real connection, except that COMMIT fails as on a full disk."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return self._connection.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def test_a_failed_commit_loses_the_whole_batch_and_says_so(
    store: Store, reader: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = store.database
    real = db.connection
    with db.batched() as batch:
        receive(store, 0)
        receive(store, 1)
    monkeypatch.setattr(db, "_connection", _FailingCommit(real))
    with pytest.raises(UserFacingError, match="disk full"):
        db.commit_batch()
    assert batch is not None and not batch.committed
    assert batch.error is not None and "disk full" in batch.error.message
    monkeypatch.setattr(db, "_connection", real)
    assert not real.in_transaction  # rolled back, not left open
    assert store.history.page(ME, BOB) == []
    with db.batched() as again:  # the next burst starts afresh
        receive(store, 0)
    db.commit_batch()
    assert again is not batch and again is not None and again.committed
    assert committed_bodies(reader) == ["message 0"]
