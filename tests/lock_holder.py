"""Another process holding an account's lock (store/account_lock.py), as a second
xmpp-tui would: it takes the lock, says ``held`` and keeps it until killed or its stdin
closes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

_HOLD = """
import sys
from pathlib import Path
from xmpp_tui.store.account_lock import AccountLock
lock = AccountLock.acquire(Path(sys.argv[1]), sys.argv[2])
print("held", flush=True)
sys.stdin.read()
lock.release()
"""


def hold_lock(data_dir: Path, account: str) -> subprocess.Popen[str]:
    """Start the holder and return once it holds the lock."""
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(data_dir), account],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert child.stdout is not None
    line = child.stdout.readline()  # blocks until it holds the lock (or died)
    if line.strip() != "held":
        child.kill()
        child.wait(5)
        raise AssertionError(f"the lock holder did not start (exit code {child.poll()})")
    return child


async def hold_lock_async(data_dir: Path, account: str) -> asyncio.subprocess.Process:
    """hold_lock for tests inside the event loop (the loop keeps serving meanwhile)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _HOLD,
        str(data_dir),
        account,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    assert child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), 20)
    if line.strip() != b"held":
        child.kill()
        await child.wait()
        raise AssertionError(f"the lock holder did not start (exit code {child.returncode})")
    return child
