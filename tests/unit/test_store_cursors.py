"""Archive cursors: one per account and archive, moved atomically with the messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from xmpp_tui.store import Store

A = "alice@example.org"


def test_cursor_per_account_and_archive() -> None:
    store = Store.open_memory()
    assert store.cursors.get(A, A) is None
    store.cursors.set(A, A, "id-1")
    store.cursors.set(A, A, "id-2")
    store.cursors.set("bob@example.org", "bob@example.org", "other")
    assert store.cursors.get(A, A) == "id-2"
    assert store.cursors.get(A, "room@muc.example.org") is None


def test_cursor_and_messages_commit_or_fail_together() -> None:
    store = Store.open_memory()
    store.cursors.set(A, A, "before")
    with pytest.raises(RuntimeError), store.database.transaction():
        store.history.add_incoming(
            account=A,
            peer="bob@example.org",
            sender="bob@example.org/x",
            body="half a page",
            timestamp=datetime(2026, 1, 1, tzinfo=UTC),
            stanza_id="s1",
            origin_id=None,
            message_id=None,
        )
        store.cursors.set(A, A, "after")
        raise RuntimeError("crash between the page and its commit")
    assert store.cursors.get(A, A) == "before"
    assert store.history.page(A, "bob@example.org") == []
