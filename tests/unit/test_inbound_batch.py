"""InboundBatch: written at once, acted on (published) only after the batch is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_store_batch import _FailingCommit
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import StoredMessage
from xmpp_tui.service.inbound_batch import InboundBatch
from xmpp_tui.store import Store

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _write(store: Store, index: int) -> StoredMessage | None:
    return store.history.add_incoming(
        account="a@x",
        peer="b@x",
        sender="b@x/r",
        body=f"m{index}",
        timestamp=T0,
        stanza_id=None,
        origin_id=None,
        message_id=f"id{index}",
    )


async def test_actions_run_after_the_commit_in_order(store: Store, tmp_path: Path) -> None:
    reader = sqlite3.connect(tmp_path / "history.sqlite3")
    failures: list[UserFacingError] = []
    batch = InboundBatch(store.database, failures.append)
    seen: list[tuple[int, int]] = []  # (index, rows committed when its action ran)

    def then(index: int) -> Any:
        def act(message: StoredMessage | None) -> None:
            assert message is not None and message.body == f"m{index}"
            rows = reader.execute("SELECT count(*) FROM messages").fetchone()[0]
            seen.append((index, rows))

        return act

    try:
        for index in range(3):
            batch.write(lambda index=index: _write(store, index), then(index))  # type: ignore[misc]
        assert seen == []  # nothing published before the commit
        await asyncio.sleep(0)  # one turn of the loop: the scheduled flush
        assert seen == [(0, 3), (1, 3), (2, 3)]
        batch.flush()  # idempotent
        assert len(seen) == 3 and failures == []
    finally:
        reader.close()


async def test_a_failed_commit_publishes_nothing_and_reports_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[UserFacingError] = []
    batch = InboundBatch(store.database, failures.append)
    acted: list[object] = []
    for index in range(2):
        batch.write(lambda index=index: _write(store, index), acted.append)  # type: ignore[misc]
    real = store.database.connection
    monkeypatch.setattr(store.database, "_connection", _FailingCommit(real))
    batch.flush()
    monkeypatch.setattr(store.database, "_connection", real)
    assert acted == []
    assert [f.message for f in failures] == ["Cannot write the message history: disk full"]
    assert store.history.page("a@x", "b@x") == []
    await asyncio.sleep(0)  # the scheduled flush finds nothing left to do
    assert acted == [] and len(failures) == 1
