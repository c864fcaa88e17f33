"""One process per account: an advisory lock file next to the history.

Two xmpp-tui processes running one account over one data directory would share its
history and its resource: each login would kick the other off (``<conflict/>``) and both
would write the same conversations. The first to start holds
``<data_dir>/locks/<sha256 of the account>.lock`` with ``flock``. The kernel drops the
lock when that process ends, however it ends (SIGKILL included), so a file left behind
means nothing and needs no cleanup. The file says who holds it (pid and host) for the
message the second one shows.

A ``flock`` belongs to an open file description, not to a process: two opens in one
process conflict too, so two services in one test process behave like two processes.
Windows is not a target: there the lock is a no-op rather than an import error.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import socket
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.sanitize import sanitize_identifier

if sys.platform != "win32":
    import fcntl

LOCK_DIR_NAME = "locks"
_MAX_RECORD = 4096  # bytes of the holder record worth reading


@dataclass(frozen=True, slots=True)
class LockHolder:
    pid: int
    host: str


class AccountBusy(UserFacingError):
    """Another open file (another xmpp-tui, as a rule) holds the account's lock."""

    def __init__(self, account: str, holder: LockHolder | None) -> None:
        where = f" (pid {holder.pid} on {holder.host})" if holder is not None else ""
        super().__init__(
            f"{account} is already open in another xmpp-tui{where}; close it there first",
            "Then type /connect to open it here",
        )
        self.holder = holder


def lock_path(data_dir: Path, account: str) -> Path:
    """Where ``account``'s lock lives (the name hides the JID, as file names are listed)."""
    digest = hashlib.sha256(account.encode()).hexdigest()[:32]
    return data_dir / LOCK_DIR_NAME / f"{digest}.lock"


class AccountLock:
    """A held lock; `release` (or the end of the process) lets the next one in."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def acquire(cls, data_dir: Path, account: str) -> AccountLock:
        """Take ``account``'s lock under ``data_dir`` without waiting.

        Raises AccountBusy when it is held elsewhere, UserFacingError when the file
        cannot be used (a symlink, someone else's file, an unwritable directory).
        """
        path = lock_path(data_dir, account)
        if sys.platform == "win32":
            return cls(path, None)
        _prepare_directory(path.parent)
        fd = _open_private(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise AccountBusy(account, read_holder(path)) from None
            raise UserFacingError(f"Cannot lock {path}", hint=str(exc)) from exc
        try:
            record = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
            os.ftruncate(fd, 0)
            os.pwrite(fd, record.encode() + b"\n", 0)
        except OSError:  # the lock holds; only the message for the next one is poorer
            pass
        return cls(path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Let go; a second call does nothing."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # no stale holder named to whoever reads it next
        os.close(fd)  # closing the description drops the flock


def read_holder(path: Path) -> LockHolder | None:
    """Who the lock file says holds it; None when it says nothing usable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        raw = os.read(fd, _MAX_RECORD)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        record = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    pid, host = record.get("pid"), record.get("host")
    if not isinstance(pid, int) or isinstance(pid, bool) or not isinstance(host, str):
        return None
    # Written by us, but into a file any process of this user could rewrite: keep it tame.
    return LockHolder(pid=pid, host=sanitize_identifier(host, max_len=100) or "?")


def _prepare_directory(directory: Path) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.lstat()
    except OSError as exc:
        raise UserFacingError(f"Cannot create {directory}", hint=str(exc)) from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise UserFacingError(
            f"Refusing to use {directory}: not a directory of your own",
            hint="Move it aside, or choose another data directory",
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        directory.chmod(0o700)


def _open_private(path: Path) -> int:
    """Open (creating 0600) the lock file; refuse symlinks, non-files and other owners."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UserFacingError(
                f"Refusing to open {path}: it is a symbolic link",
                hint="Remove the link; xmpp-tui creates the file again",
            ) from exc
        raise UserFacingError(f"Cannot open {path}", hint=str(exc)) from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
        os.close(fd)
        raise UserFacingError(
            f"Refusing to use {path}: not a regular file of your own",
            hint="Remove it; xmpp-tui creates it again",
        )
    if stat.S_IMODE(info.st_mode) != 0o600:
        os.fchmod(fd, 0o600)
    return fd
