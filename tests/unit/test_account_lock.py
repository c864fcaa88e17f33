"""One process per account (store/account_lock.py): a flock the kernel drops with its holder."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
from pathlib import Path

import pytest

from tests.lock_holder import hold_lock
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.store.account_lock import AccountBusy, AccountLock, lock_path, read_holder

ALICE = "alice@example.org"


def test_the_lock_file_is_private_and_names_its_holder(tmp_path: Path) -> None:
    lock = AccountLock.acquire(tmp_path, ALICE)
    try:
        path = lock_path(tmp_path, ALICE)
        assert lock.path == path and lock.held
        assert path.parent == tmp_path / "locks"
        assert ALICE not in path.name  # the file name does not list the account
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record == {"pid": os.getpid(), "host": socket.gethostname()}
    finally:
        lock.release()


def test_a_second_open_in_the_same_process_is_refused_too(tmp_path: Path) -> None:
    """flock belongs to the open file description: two services in one process conflict."""
    first = AccountLock.acquire(tmp_path, ALICE)
    try:
        with pytest.raises(AccountBusy) as refused:
            AccountLock.acquire(tmp_path, ALICE)
        assert refused.value.message == (
            f"{ALICE} is already open in another xmpp-tui "
            f"(pid {os.getpid()} on {socket.gethostname()}); close it there first"
        )
        assert "/connect" in refused.value.hint
        # another account is not affected
        AccountLock.acquire(tmp_path, "bob@example.org").release()
    finally:
        first.release()
    AccountLock.acquire(tmp_path, ALICE).release()  # released: free again


def test_release_twice_is_harmless_and_clears_the_holder(tmp_path: Path) -> None:
    lock = AccountLock.acquire(tmp_path, ALICE)
    lock.release()
    lock.release()
    assert not lock.held
    assert read_holder(lock.path) is None


def test_another_process_holds_it_until_killed(tmp_path: Path) -> None:
    child = hold_lock(tmp_path, ALICE)
    try:
        with pytest.raises(AccountBusy) as refused:
            AccountLock.acquire(tmp_path, ALICE)
        assert refused.value.holder is not None
        assert refused.value.holder.pid == child.pid
        assert f"(pid {child.pid} on {socket.gethostname()})" in refused.value.message
    finally:
        child.send_signal(signal.SIGKILL)  # no clean-up code runs: the kernel lets go
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    lock = AccountLock.acquire(tmp_path, ALICE)  # no stale lock to clear
    holder = read_holder(lock.path)
    assert holder is not None and holder.pid == os.getpid()
    lock.release()


def test_a_garbled_record_still_gives_a_clear_refusal(tmp_path: Path) -> None:
    first = AccountLock.acquire(tmp_path, ALICE)
    try:
        lock_path(tmp_path, ALICE).write_text('{"pid": "x", "host": 3}', encoding="utf-8")
        with pytest.raises(AccountBusy) as refused:
            AccountLock.acquire(tmp_path, ALICE)
        assert refused.value.holder is None
        assert refused.value.message == (
            f"{ALICE} is already open in another xmpp-tui; close it there first"
        )
        # a hostile host name is shown tame
        record = {"pid": 7, "host": "evil\x1b]0;title\x07\u202e"}
        lock_path(tmp_path, ALICE).write_text(json.dumps(record), encoding="utf-8")
        holder = read_holder(lock_path(tmp_path, ALICE))
        assert holder is not None and holder.pid == 7
        assert "\x1b" not in holder.host and "\u202e" not in holder.host
    finally:
        first.release()


def test_a_symlink_in_place_of_the_lock_file_is_refused(tmp_path: Path) -> None:
    path = lock_path(tmp_path, ALICE)
    path.parent.mkdir(mode=0o700)
    target = tmp_path / "elsewhere"
    target.write_text("", encoding="utf-8")
    path.symlink_to(target)
    with pytest.raises(UserFacingError, match="symbolic link"):
        AccountLock.acquire(tmp_path, ALICE)


def test_a_loose_lock_directory_is_tightened(tmp_path: Path) -> None:
    (tmp_path / "locks").mkdir(mode=0o755)
    (tmp_path / "locks").chmod(0o755)
    AccountLock.acquire(tmp_path, ALICE).release()
    assert stat.S_IMODE((tmp_path / "locks").stat().st_mode) == 0o700
