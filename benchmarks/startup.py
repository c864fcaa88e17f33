"""Start-up figures: `--version`, launch -> first screen, launch -> online.

Runs the real `xmpp-tui` in a pseudo-terminal (80x24) against a throwaway Prosody on
loopback and watches what it writes to the terminal. Prints medians and ranges.

    .venv/bin/python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import fcntl
import os
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

from tests.prosody_server import ProsodyServer  # noqa: E402

FIRST_SCREEN = b"Type /help"  # the console's welcome line
ONLINE = b": online"  # the status bar
TIMEOUT = 30.0


def _version_time() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xmpp_tui", "--version"], check=True, capture_output=True)
    return time.perf_counter() - start


def _launch(config: Path, home: Path, jid: str) -> tuple[float, float]:
    """Seconds from spawn to the first screen and to online."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "XMPP_TUI_HOME": str(home)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "xmpp_tui", "--config", str(config), jid],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    first = online = 0.0
    try:
        while time.perf_counter() - start < TIMEOUT and not online:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
            now = time.perf_counter() - start
            if not first and FIRST_SCREEN in seen:
                first = now
            if ONLINE in seen:
                online = now
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        os.close(master)
    if not (first and online):
        raise SystemExit(f"did not reach the screen/online within {TIMEOUT} s")
    return first, online


def _summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name:<28} median {statistics.median(ms):7.0f} ms   "
        f"min {min(ms):7.0f} ms   max {max(ms):7.0f} ms   (n={len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ProsodyServer()
        server.setup(root / "prosody")
        server.start()
        try:
            account = server.unique_user("bench")
            config = root / "config.toml"
            config.write_text(
                "[[accounts]]\n"
                f'jid = "{account.jid}"\n'
                f'server = "127.0.0.1:{server.c2s_port}"\n'
                f'ca_file = "{server.cafile}"\n'
                f"password_command = \"printf %s '{account.password}'\"\n",
                encoding="utf-8",
            )
            config.chmod(0o600)
            versions = [_version_time() for _ in range(args.runs)]
            firsts, onlines = [], []
            for run in range(args.runs):
                first, online = _launch(config, root / f"home{run}", account.jid)
                firsts.append(first)
                onlines.append(online)
        finally:
            server.stop()
    print(f"xmpp-tui start-up, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(_summary("xmpp-tui --version", versions))
    print(_summary("launch -> first screen", firsts))
    print(_summary("launch -> online", onlines))


if __name__ == "__main__":
    main()
