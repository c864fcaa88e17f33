"""Database file handling, migrations and write errors, on real SQLite files."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.store import Store
from xmpp_tui.store.database import Database
from xmpp_tui.store.migrations import MIGRATIONS, migrate, schema_version

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _write_some(store: Store, n: int = 3) -> None:
    for i in range(n):
        store.history.add_outgoing(
            account="a@x",
            peer="b@x",
            sender="a@x/r",
            body=f"hello {i}",
            timestamp=T0 + timedelta(seconds=i),
            origin_id=f"o{i}",
            message_id=f"m{i}",
        )


# -- files and permissions ------------------------------------------------------------------


@pytest.mark.usefixtures("umask_022")
def test_new_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "sub" / "history.sqlite3"
    store = Store.open(path)
    try:
        _write_some(store)
        assert _mode(path.parent) == 0o700
        for suffix in ("", "-wal", "-shm"):
            assert _mode(path.with_name(path.name + suffix)) == 0o600, suffix
    finally:
        store.close()
    # SQLite removes -wal/-shm on the last close and recreates them on reopen.
    store = Store.open(path)
    try:
        _write_some(store)
        for suffix in ("", "-wal", "-shm"):
            assert _mode(path.with_name(path.name + suffix)) == 0o600, suffix
    finally:
        store.close()


@pytest.mark.usefixtures("umask_022")
def test_loose_existing_files_and_directory_are_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    path = directory / "history.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        target = path.with_name(path.name + suffix)
        target.touch()
        target.chmod(0o644)
    Database.open(path).close()
    assert _mode(directory) == 0o700
    assert _mode(path) == 0o600


@pytest.mark.parametrize("mode", [0o666, 0o664, 0o646, 0o620, 0o602])
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_database_writable_by_others_is_refused(tmp_path: Path, mode: int, suffix: str) -> None:
    path = tmp_path / "history.sqlite3"
    Database.open(path).close()  # a real history first: refusal is about the mode only
    target = path.with_name(path.name + suffix)
    target.touch()
    target.chmod(mode)
    with pytest.raises(UserFacingError, match="others may write to it") as info:
        Database.open(path)
    assert "chmod 600" in info.value.hint
    assert _mode(target) == mode  # left as found: the user decides
    target.chmod(0o600)
    Database.open(path).close()  # and once the user has tightened it, it opens


def test_database_writable_by_others_is_refused_by_the_store(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    Store.open(path).close()
    path.chmod(0o666)
    with pytest.raises(UserFacingError, match="others may write to it"):
        Store.open(path)


def test_symlinked_database_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.sqlite3"
    real.touch()
    link = tmp_path / "history.sqlite3"
    link.symlink_to(real)
    with pytest.raises(UserFacingError, match="symbolic link"):
        Database.open(link)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown to another uid")
def test_database_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.touch()
    os.chown(path, 4242, 4242)
    with pytest.raises(UserFacingError, match="another user") as info:
        Database.open(path)
    assert info.value.hint


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown to another uid")
def test_planted_wal_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    wal = tmp_path / "history.sqlite3-wal"
    wal.touch()
    os.chown(wal, 4242, 4242)
    with pytest.raises(UserFacingError, match="another user"):
        Database.open(path)


def test_pragmas(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "h.sqlite3")
    try:
        conn = db.connection
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    finally:
        db.close()


def test_not_a_database_is_a_user_facing_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not sqlite, just some text that is long enough" * 100)
    with pytest.raises(UserFacingError, match="Cannot open the message history") as info:
        Database.open(path)
    assert "aside" in info.value.hint


# -- migrations -----------------------------------------------------------------------------


def test_migrations_set_user_version_and_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    db = Database.open(path)
    try:
        assert schema_version(db.connection) == len(MIGRATIONS)
        assert migrate(db.connection) == len(MIGRATIONS)
        tables = {
            str(row[0])
            for row in db.connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {
            "messages",
            "read_state",
            "roster_cache",
            "trusted_certificates",
            "archive_cursors",
        } <= tables
    finally:
        db.close()
    Database.open(path).close()  # reopening migrates nothing and fails nothing


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    Database.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(UserFacingError, match="schema version") as info:
        Database.open(path)
    assert "Upgrade" in info.value.hint


def test_a_failing_migration_rolls_back_entirely() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    good = "CREATE TABLE a (x INTEGER);"
    bad = "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, (good, bad))
    assert schema_version(conn) == 1
    names = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")}
    assert names == {"a"}
    assert migrate(conn, (good, "CREATE TABLE b (x INTEGER);")) == 2


# -- transactions and persistence -----------------------------------------------------------


def test_rows_survive_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = Store.open(path)
    _write_some(store, 5)
    store.trust.trust("a@x", "ab" * 32)
    store.close()
    store = Store.open(path)
    try:
        assert [m.body for m in store.history.page("a@x", "b@x")] == [
            f"hello {i}" for i in range(5)
        ]
        assert store.trust.is_trusted("a@x", "AB" * 32)
    finally:
        store.close()


def test_nested_transaction_rolls_back_only_the_inner_part() -> None:
    db = Database.open_memory()
    conn = db.connection
    with db.transaction():
        conn.execute("INSERT INTO read_state VALUES ('a', 'p', 1)")
        with pytest.raises(RuntimeError), db.transaction():
            conn.execute("INSERT INTO read_state VALUES ('a', 'q', 2)")
            raise RuntimeError("boom")
    peers = [str(r[0]) for r in conn.execute("SELECT peer FROM read_state")]
    assert peers == ["p"]


def test_outer_failure_rolls_back_everything() -> None:
    db = Database.open_memory()
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO read_state VALUES ('a', 'p', 1)")
        raise RuntimeError("boom")
    assert db.connection.execute("SELECT count(*) FROM read_state").fetchone()[0] == 0
    assert not db.connection.in_transaction


def test_disk_full_is_a_user_facing_error_and_keeps_earlier_rows(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "h.sqlite3")
    try:
        _write_some(store, 3)
        conn = store.database.connection
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(UserFacingError) as info:
            for i in range(1000):
                store.history.add_incoming(
                    account="a@x",
                    peer="b@x",
                    sender="b@x/r",
                    body="x" * 4000 + str(i),
                    timestamp=T0,
                    stanza_id=f"s{i}",
                    origin_id=None,
                    message_id=None,
                )
        assert info.value.message == "Cannot write the message history: disk full"
        assert "Free some space" in info.value.hint
        assert not conn.in_transaction
        bodies = [m.body for m in store.history.page("a@x", "b@x")]
        assert bodies[:3] == ["hello 0", "hello 1", "hello 2"]
        # Other write methods go through the same helper.
        with pytest.raises(UserFacingError, match="disk full"):
            for i in range(1000):
                store.history.mark_read("a@x", f"peer{i}" + "y" * 2000, i)
    finally:
        store.close()


def test_v5_keeps_earlier_history_and_scopes_stanza_ids_per_conversation(tmp_path: Path) -> None:
    """Rows written before group chat become 1:1 ("chat") rows; a stanza-id is then unique
    per (account, peer), not per account."""
    path = tmp_path / "h.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:4])
    conn.execute(
        "INSERT INTO messages (account, peer, direction, sender, sender_bare, body, timestamp,"
        " delivery, stanza_id, body_hash) VALUES ('a@x', 'b@x', 'in', 'b@x/r', 'b@x', 'hi',"
        " '2024-05-01T12:00:00.000000+00:00', 'received', 's1', 'h')"
    )
    assert migrate(conn, MIGRATIONS[:5]) == 5
    assert conn.execute("SELECT kind FROM messages").fetchall() == [("chat",)]
    conn.execute(
        "INSERT INTO messages (account, peer, direction, sender, sender_bare, body, timestamp,"
        " delivery, stanza_id, body_hash, kind) VALUES ('a@x', 'room@c.x', 'in', 'room@c.x/n',"
        " 'room@c.x', 'hi', '2024-05-01T12:00:00.000000+00:00', 'received', 's1', 'h',"
        " 'groupchat')"
    )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO messages (account, peer, direction, sender, sender_bare, body,"
            " timestamp, delivery, stanza_id, body_hash) VALUES ('a@x', 'b@x', 'in', 'b@x/r',"
            " 'b@x', 'again', '2024-05-01T12:00:00.000000+00:00', 'received', 's1', 'h')"
        )
    conn.close()
