"""Full-text search (FTS5, schema v2) and whole-conversation reads, on real SQLite files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xmpp_tui.core.models import Delivery, StoredMessage
from xmpp_tui.store import Store
from xmpp_tui.store.database import Database
from xmpp_tui.store.history import HistoryStore, fts_query
from xmpp_tui.store.migrations import MIGRATIONS, migrate, schema_version

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ME = "alice@example.org"
WORK = "alice@work.example"
BOB = "bob@example.org"
CAROL = "carol@example.org"

HOSTILE = 'say "hi" AND (bye) - NEAR x:y * OR ^caret {col} body:text'


@pytest.fixture
def history(store: Store) -> HistoryStore:
    return store.history


_counter = iter(range(10**9))


def add(
    history: HistoryStore,
    body: str,
    *,
    account: str = ME,
    peer: str = BOB,
    at: datetime = T0,
) -> StoredMessage:
    stored = history.add_incoming(
        account=account,
        peer=peer,
        sender=peer + "/phone",
        body=body,
        timestamp=at,
        stanza_id=None,
        origin_id=None,
        message_id=f"m{next(_counter)}",
    )
    assert stored is not None
    return stored


def bodies(messages: list[StoredMessage]) -> list[str]:
    return [m.body for m in messages]


def fts_ok(store: Store) -> None:
    """FTS5's own check that the index matches the content table."""
    store.database.connection.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
    )


# -- search -----------------------------------------------------------------------------------


def test_search_finds_every_word_ignoring_case_and_accents(history: HistoryStore) -> None:
    add(history, "Lunch at the Café tomorrow?")
    add(history, "lunch is cancelled")
    add(history, "dinner at the cafe")
    assert bodies(history.search("lunch")) == ["lunch is cancelled", "Lunch at the Café tomorrow?"]
    assert bodies(history.search("LUNCH cafe")) == ["Lunch at the Café tomorrow?"]
    assert bodies(history.search("café dinner")) == ["dinner at the cafe"]
    assert history.search("breakfast") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"', 0),
        ('"hi"', 1),
        ('"hi', 1),
        ("*", 0),
        ("bye*", 1),
        ("AND", 1),
        ("OR", 1),
        ("NOT", 0),  # a word like any other: not in the body
        ("-", 0),
        ("-bye", 1),
        (":", 0),
        ("x:y", 1),
        ("body:text", 1),
        ("col:hi", 0),  # not a column filter: "col" is not in the body
        ("(", 0),
        ("(bye)", 1),
        ("NEAR(say hi)", 0),  # the words "near say" and "hi)", not an operator
        ("NEAR(x", 1),  # the phrase "near x"
        ("^caret", 1),
        ("{col}", 1),
        ('say" OR "nothing', 0),  # no way out of the quotes
        ("say\0hi", 1),
        ("\ud800", 0),  # a lone surrogate from undecodable argv bytes
    ],
)
def test_query_syntax_is_plain_text(history: HistoryStore, query: str, expected: int) -> None:
    add(history, HOSTILE)
    add(history, "something else entirely")
    assert len(history.search(query)) == expected


def test_operators_are_words_not_operators(history: HistoryStore) -> None:
    add(history, "apple pie")
    add(history, "banana split")
    assert history.search("apple OR banana") == []  # OR is a required word here
    add(history, "apple or banana")
    assert bodies(history.search("apple OR banana")) == ["apple or banana"]
    assert bodies(history.search("apple NOT")) == []


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "\0"])
def test_empty_query_is_a_value_error(history: HistoryStore, query: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        history.search(query)


def test_fts_query_quotes_each_token() -> None:
    assert fts_query('say "hi" AND -bye*') == '"say" """hi""" "AND" "-bye*"'


def test_search_filters_by_account(history: HistoryStore) -> None:
    add(history, "meeting notes", account=ME)
    add(history, "meeting moved", account=WORK, peer=CAROL)
    assert bodies(history.search("meeting", account=WORK)) == ["meeting moved"]
    assert bodies(history.search("meeting", account=ME)) == ["meeting notes"]
    assert len(history.search("meeting")) == 2
    assert history.search("meeting", account="nobody@example.org") == []


def test_search_is_newest_first_by_timestamp_with_limit(history: HistoryStore) -> None:
    # Arrival order differs from time order (an archive page fetched later).
    add(history, "ping 2", at=T0 + timedelta(minutes=2))
    add(history, "ping 3", at=T0 + timedelta(minutes=3))
    add(history, "ping 1", at=T0 + timedelta(minutes=1))
    add(history, "ping 0", at=T0, peer=CAROL)
    assert bodies(history.search("ping")) == ["ping 3", "ping 2", "ping 1", "ping 0"]
    assert bodies(history.search("ping", limit=2)) == ["ping 3", "ping 2"]
    assert history.search("ping", limit=0) == []


def test_hits_are_full_stored_messages(history: HistoryStore) -> None:
    stored = add(history, "the one")
    assert history.search("one") == [stored]


def test_index_follows_updates_and_deletes(store: Store, history: HistoryStore) -> None:
    first = add(history, "original words")
    add(history, "other words")
    conn = store.database.connection
    with store.database.transaction():
        conn.execute("UPDATE messages SET body = 'corrected text' WHERE id = ?", (first.id,))
    assert history.search("original") == []
    assert [m.id for m in history.search("corrected")] == [first.id]
    assert bodies(history.search("words")) == ["other words"]
    with store.database.transaction():
        conn.execute("DELETE FROM messages WHERE id = ?", (first.id,))
    assert history.search("corrected") == []
    fts_ok(store)


def test_delivery_changes_keep_the_index_intact(store: Store, history: HistoryStore) -> None:
    sent = history.add_outgoing(
        account=ME,
        peer=BOB,
        sender=ME + "/laptop",
        body="on my way",
        timestamp=T0,
        origin_id="o1",
        message_id="o1",
    )
    history.set_delivery(ME, sent.id, Delivery.ACKED)
    (hit,) = history.search("way")
    assert hit.delivery is Delivery.ACKED
    fts_ok(store)


def test_a_rolled_back_insert_leaves_no_index_entry(store: Store, history: HistoryStore) -> None:
    with pytest.raises(RuntimeError), store.database.transaction():
        add(history, "ghost message")
        raise RuntimeError("abort")
    assert history.search("ghost") == []
    fts_ok(store)


# -- migration v1 -> v2 -----------------------------------------------------------------------


def test_v1_database_with_rows_is_indexed_by_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == 1
    rows = [
        (ME, BOB, "in", BOB + "/phone", BOB, "old message about kittens", T0),
        (ME, BOB, "out", ME + "/laptop", ME, "reply about puppies", T0 + timedelta(minutes=1)),
        (WORK, CAROL, "in", CAROL, CAROL, "kittens at work", T0 + timedelta(minutes=2)),
    ]
    for account, peer, direction, sender, sender_bare, body, when in rows:
        conn.execute(
            "INSERT INTO messages (account, peer, direction, sender, sender_bare, body,"
            " timestamp, delivery, body_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                peer,
                direction,
                sender,
                sender_bare,
                body,
                when.isoformat(timespec="microseconds"),
                "received" if direction == "in" else "acked",
                "x",
            ),
        )
    conn.close()

    store = Store.open(path)
    try:
        assert schema_version(store.database.connection) == len(MIGRATIONS) >= 2
        assert bodies(store.history.search("kittens")) == [
            "kittens at work",
            "old message about kittens",
        ]
        assert bodies(store.history.search("puppies", account=ME)) == ["reply about puppies"]
        add(store.history, "new kittens after the upgrade", at=T0 + timedelta(hours=1))
        assert len(store.history.search("kittens")) == 3
        fts_ok(store)
    finally:
        store.close()
    Database.open(path).close()  # reopening migrates nothing


def test_v2_creates_the_index_and_its_triggers(store: Store) -> None:
    names = {
        str(row[0])
        for row in store.database.connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
        )
    }
    assert {
        "messages_fts",
        "messages_fts_insert",
        "messages_fts_delete",
        "messages_fts_update",
    } <= names


# -- whole conversations ----------------------------------------------------------------------


def test_conversation_is_oldest_first_by_timestamp(history: HistoryStore) -> None:
    add(history, "b", at=T0 + timedelta(minutes=2))
    add(history, "c", at=T0 + timedelta(minutes=3))
    add(history, "a", at=T0 + timedelta(minutes=1))
    add(history, "elsewhere", peer=CAROL)
    add(history, "other account", account=WORK)
    assert bodies(list(history.conversation(ME, BOB))) == ["a", "b", "c"]


def test_conversation_limit_is_the_newest_still_oldest_first(history: HistoryStore) -> None:
    for i in range(10):
        add(history, f"m{i}", at=T0 + timedelta(seconds=i))
    assert bodies(list(history.conversation(ME, BOB, limit=3))) == ["m7", "m8", "m9"]
    assert len(list(history.conversation(ME, BOB, limit=100))) == 10
    assert list(history.conversation(ME, BOB, limit=0)) == []
    assert list(history.conversation(ME, CAROL)) == []


def test_accounts_with_history(history: HistoryStore) -> None:
    assert history.accounts() == []
    assert not history.has_account(ME)
    add(history, "x", account=WORK)
    add(history, "y", account=ME)
    add(history, "z", account=ME, peer=CAROL)
    assert history.accounts() == [ME, WORK]
    assert history.has_account(ME)
    assert not history.has_account(BOB)
