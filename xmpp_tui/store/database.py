"""The SQLite file: private permissions, WAL, one connection, explicit transactions.

This package is the only importer of ``sqlite3``. Files are created 0600 in a 0700
directory before SQLite touches them (SQLite then gives ``-wal``/``-shm`` the database
file's mode); a file owned by another user, or one others may write to, is refused
(SECURITY.md T14); a merely readable one (0644) is tightened to 0600.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.store.migrations import migrate

log = logging.getLogger(__name__)

_SIDE_SUFFIXES = ("", "-wal", "-shm")
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_DISK_FULL_MESSAGE = "Cannot write the message history: disk full"


@dataclass(eq=False)
class Batch:
    """One deferred transaction (`Database.batched`): what became of it.

    ``committed`` once its COMMIT went through; ``error`` if it failed, and every write
    made in it is gone. Both false/None while it is still open.
    """

    committed: bool = False
    error: UserFacingError | None = None


class Database:
    """One SQLite connection in autocommit mode; writes go through `transaction()`."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._connection = connection
        self._path = path
        self._depth = 0
        self._closed = False
        self._batch: Batch | None = None  # the open deferred transaction (depth 1 is it)
        self._batch_scope = 0

    @classmethod
    def open(cls, path: Path) -> Database:
        """Open (creating if needed) the history at `path`, then run migrations."""
        path = Path(path)
        _prepare_directory(path.parent)
        for suffix in _SIDE_SUFFIXES:
            _prepare_file(path.with_name(path.name + suffix))
        try:
            connection = sqlite3.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise _open_error(path, exc) from exc
        return cls._setup(connection, path)

    @classmethod
    def open_memory(cls) -> Database:
        """A throw-away in-memory database with the full schema (tests, offline demos)."""
        return cls._setup(sqlite3.connect(":memory:", isolation_level=None), None)

    @classmethod
    def _setup(cls, connection: sqlite3.Connection, path: Path | None) -> Database:
        connection.row_factory = sqlite3.Row
        database = cls(connection, path)
        try:
            with database._storage_errors():
                connection.execute("PRAGMA busy_timeout = 5000")
                if path is not None:
                    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if str(mode).lower() != "wal":
                        log.warning("SQLite refused WAL mode (got %r)", mode)
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute("PRAGMA foreign_keys = ON")
                migrate(connection)
        except sqlite3.Error as exc:
            connection.close()
            raise _open_error(path, exc) from exc
        except BaseException:
            connection.close()
            raise
        return database

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection: for the modules of `xmpp_tui.store` only."""
        return self._connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error.

        Nested use becomes a SAVEPOINT, so a batch (messages + archive cursor) can be one
        transaction while each message inside it stays atomic. Disk-full and I/O errors
        become `UserFacingError`.
        """
        if self._batch is not None and self._batch_scope == 0:
            # A write outside the batch keeps its promise (committed when it returns) and
            # the order of writes: the batch before it is committed first.
            self.commit_batch()
        with self._storage_errors():
            rollback: tuple[str, ...]
            if self._depth == 0:
                begin, commit, rollback = "BEGIN IMMEDIATE", "COMMIT", ("ROLLBACK",)
            else:
                name = f"sp{self._depth}"
                begin, commit = f"SAVEPOINT {name}", f"RELEASE {name}"
                rollback = (f"ROLLBACK TO {name}", f"RELEASE {name}")
            self._connection.execute(begin)
            self._depth += 1
            try:
                yield self._connection
            except BaseException:
                self._depth -= 1
                self._rollback(rollback)
                raise
            self._depth -= 1
            try:
                self._connection.execute(commit)
            except BaseException:
                self._rollback(rollback)
                raise

    @contextmanager
    def batched(self) -> Iterator[Batch | None]:
        """Write inside one deferred transaction shared by a burst of writes.

        The first use opens it (BEGIN IMMEDIATE); later uses join it; `commit_batch()` (which
        the caller schedules, e.g. once per event-loop turn) commits them all at once, so a
        burst of thousands of messages pays for one commit, not one each. Inside, use
        `transaction()` as usual: each write is a SAVEPOINT, atomic on its own. A
        `transaction()` outside any `batched()` block commits the batch first.

        Yields the `Batch` to learn its fate from, or None when a regular transaction is
        already open (the writes then belong to it, and commit with it).
        """
        batch = self._batch
        if batch is None and self._depth == 0:
            with self._storage_errors():
                self._connection.execute("BEGIN IMMEDIATE")
            batch = self._batch = Batch()
            self._depth = 1
        self._batch_scope += 1
        try:
            yield batch
        finally:
            self._batch_scope -= 1

    def commit_batch(self) -> None:
        """Commit the open batch, if any (outside every `batched()` block). On failure the
        batch is rolled back, its `Batch.error` set, and the error raised."""
        batch = self._batch
        if batch is None:
            return
        if self._batch_scope or self._depth != 1:
            raise RuntimeError("commit_batch() inside a write")
        self._batch = None
        self._depth = 0
        try:
            with self._storage_errors():
                try:
                    self._connection.execute("COMMIT")
                except BaseException:
                    self._rollback(("ROLLBACK",))
                    raise
        except UserFacingError as error:
            batch.error = error
            raise
        except sqlite3.Error as error:
            batch.error = UserFacingError(
                "Cannot write the message history", hint=f"{self._where()}: {error}"
            )
            raise
        batch.committed = True

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.commit_batch()
        except (UserFacingError, sqlite3.Error):
            log.warning("the last batch of writes could not be committed", exc_info=True)
        self._closed = True
        try:
            self._connection.execute("PRAGMA optimize")
        except sqlite3.Error:
            log.debug("PRAGMA optimize failed on close", exc_info=True)
        self._connection.close()

    def _rollback(self, statements: tuple[str, ...]) -> None:
        # SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR, ...).
        if not self._connection.in_transaction:
            return
        try:
            for statement in statements:
                self._connection.execute(statement)
        except sqlite3.Error:
            log.warning("Rollback failed", exc_info=True)

    @contextmanager
    def _storage_errors(self) -> Iterator[None]:
        """The one place where a failing write becomes a message for the user."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            mapped = self._map_sqlite_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        except OSError as exc:
            if exc.errno not in _DISK_FULL_ERRNOS:
                raise
            raise UserFacingError(_DISK_FULL_MESSAGE, hint=self._full_hint()) from exc

    def _map_sqlite_error(self, exc: sqlite3.OperationalError) -> UserFacingError | None:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
            return UserFacingError(_DISK_FULL_MESSAGE, hint=self._full_hint())
        if code == sqlite3.SQLITE_IOERR:
            return UserFacingError(
                "Cannot write the message history: input/output error",
                hint=f"Check the disk holding {self._where()}: {exc}",
            )
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return UserFacingError(
                "The message history is busy",
                hint=f"Another xmpp-tui may be using {self._where()}; close it and retry",
            )
        return None

    def _where(self) -> str:
        return str(self._path) if self._path is not None else "the in-memory history"

    def _full_hint(self) -> str:
        return f"Free some space on the disk holding {self._where()}, then retry"


def _prepare_directory(directory: Path) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError as exc:
        raise UserFacingError(
            f"Cannot create the data directory {directory}", hint=str(exc)
        ) from exc
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
        log.info("Tightening permissions of %s to 0700", directory)
        directory.chmod(0o700)


def _prepare_file(path: Path) -> None:
    """Create `path` 0600 if missing; refuse symlinks, non-files, other owners and files
    that group or others may write to; tighten a readable one to 0600."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserFacingError(
                f"Refusing to open {path}: it is a symbolic link",
                hint="Replace the link with the real file, or choose another data directory",
            ) from exc
        raise UserFacingError(f"Cannot open {path}", hint=str(exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UserFacingError(
                f"Refusing to open {path}: not a regular file",
                hint="Move it aside, or choose another data directory",
            )
        if info.st_uid != os.geteuid():
            raise UserFacingError(
                f"Refusing to open {path}: it belongs to another user (uid {info.st_uid})",
                hint="Use your own data directory, or move the file aside",
            )
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o022:
            # Someone else could have written to it: its contents cannot be trusted.
            raise UserFacingError(
                f"Refusing to open {path}: others may write to it (mode {mode:04o})",
                hint=f"If you trust its contents, run: chmod 600 {path}",
            )
        if mode != 0o600:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _open_error(path: Path | None, exc: sqlite3.Error) -> UserFacingError:
    where = str(path) if path is not None else "the in-memory history"
    return UserFacingError(
        f"Cannot open the message history {where}",
        hint=f"{exc}. Move the file aside to start a fresh history",
    )
