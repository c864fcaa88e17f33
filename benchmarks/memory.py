"""Memory figures: resident set size (RSS) of one xmpp-tui process with 1 and with 3
connected accounts (10 contacts each), and what each further account adds.

Runs the real `xmpp-tui` in a pseudo-terminal (160x40) against a private Prosody on loopback
(the demo's server module, xmpp_tui/demo/server.py), waits until the status bar says every
account is online, lets it settle, and reads VmRSS from /proc/<pid>/status. Prints medians
and ranges over N runs (a fresh home, so a fresh history store, each run).

    .venv/bin/python benchmarks/memory.py [--runs N] [--settle SECONDS]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import secrets
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xmpp_tui.demo.server import HOST, DemoServer  # noqa: E402

ACCOUNTS = ("bench1", "bench2", "bench3")
CONTACTS = 10
TIMEOUT = 30.0
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    if match is None:
        raise SystemExit(f"no VmRSS for pid {pid}")
    return int(match[1])


def _measure(config: Path, home: Path, users: tuple[str, ...], settle: float) -> int:
    """RSS in KiB once every account in ``users`` is online and ``settle`` s have passed."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "XMPP_TUI_HOME": str(home)}
    jids = [f"{user}@{HOST}" for user in users]
    proc = subprocess.Popen(
        [sys.executable, "-m", "xmpp_tui", "--config", str(config), *jids],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    # The status bar: "bench1@localhost: online" alone, "bench1: online | bench2: ..." for more.
    wanted = [re.compile(rf"{user}(@{HOST})?: online".encode()) for user in users]
    seen = b""
    start = time.perf_counter()
    online = False
    deadline = 0.0
    try:
        while time.perf_counter() - start < TIMEOUT + settle:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
            if not online:
                screen = _ANSI.sub(b"", seen[-20000:])
                wanted = [w for w in wanted if not w.search(screen)]
                online = not wanted
            if online and not deadline:
                deadline = time.perf_counter() + settle
            if online and time.perf_counter() >= deadline:
                return _rss_kib(proc.pid)
        raise SystemExit(f"{', '.join(users)} not online within {TIMEOUT} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        os.close(master)


def _summary(name: str, kib: list[int]) -> str:
    mib = [k / 1024 for k in kib]
    return (
        f"{name:<22} median {statistics.median(mib):6.1f} MiB   "
        f"min {min(mib):6.1f} MiB   max {max(mib):6.1f} MiB   (n={len(mib)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after online")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = DemoServer(root / "prosody")
        server.setup()
        passwords = {user: secrets.token_urlsafe(12) for user in ACCOUNTS}
        contacts: dict[str, str] = {}
        for number, user in enumerate(ACCOUNTS):
            mine = {f"c{number}x{i}": secrets.token_urlsafe(12) for i in range(CONTACTS)}
            contacts.update(mine)
            server.write_roster(user, {f"{c}@{HOST}": f"Contact {c}" for c in mine})
        for user, password in {**passwords, **contacts}.items():
            server.adduser(user, password)
        server.start()
        try:
            config = root / "config.toml"
            config.write_text(
                "".join(
                    "[[accounts]]\n"
                    f'jid = "{user}@{HOST}"\n'
                    f'server = "127.0.0.1:{server.port}"\n'
                    f'ca_file = "{server.cafile}"\n'
                    f"password_command = \"printf %s '{password}'\"\n\n"
                    for user, password in passwords.items()
                ),
                encoding="utf-8",
            )
            config.chmod(0o600)
            results: dict[int, list[int]] = {1: [], 3: []}
            for run in range(args.runs):
                for count in results:
                    home = root / f"home-{count}-{run}"
                    results[count].append(_measure(config, home, ACCOUNTS[:count], args.settle))
        finally:
            server.stop()
    one, three = statistics.median(results[1]), statistics.median(results[3])
    print(
        f"xmpp-tui memory (VmRSS after online + {args.settle:g} s), {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, {CONTACTS} contacts per account"
    )
    print(_summary("1 account", results[1]))
    print(_summary("3 accounts", results[3]))
    print(f"{'each further account':<22} {(three - one) / 2 / 1024:6.1f} MiB (from the medians)")


if __name__ == "__main__":
    main()
