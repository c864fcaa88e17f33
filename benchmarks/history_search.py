"""`xmpp-tui history` and `xmpp-tui search` on 100,000 stored messages.

Seeds a throwaway store (XMPP_TUI_HOME in a temp dir) through the store API, in one
transaction (each message is its own savepoint inside it, dedupe checks included), then
runs each command as a fresh subprocess (`python -m xmpp_tui ...`, output to a pipe) and
prints the median and range of the wall times. Also times what the schema v2 migration
does to an existing history of that size (rebuilding the full-text index).

    .venv/bin/python benchmarks/history_search.py [--messages N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xmpp_tui.core.models import Direction  # noqa: E402
from xmpp_tui.store import Store  # noqa: E402

ACCOUNTS = ("alice@example.org", "alice@work.example", "alice@club.example")
BIG_PEER = "bob@example.org"  # the 10,000-message conversation, on ACCOUNTS[0]
BIG_SIZE = 10_000
PEERS_PER_ACCOUNT = 30
T0 = datetime(2023, 1, 1, tzinfo=UTC)
_VOCABULARY = (
    "the a to and of is it you that in for on this with we be have are not at but "
    "meeting lunch coffee tomorrow today tonight train late sorry thanks okay great "
    "project release deploy review bug patch server client message history search "
    "weekend holiday photo video call phone later soon home office work school kids "
    "dinner movie book music game football weather rain sun snow birthday party gift"
)
WORDS = _VOCABULARY.split()
RARE = "xylophone"  # one message in 10,000


def _body(rng: random.Random, index: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(3, 25))
    if index % 10_000 == 1234:
        words.insert(rng.randrange(len(words) + 1), RARE)
    return " ".join(words)


def seed(home: Path, total: int) -> float:
    """Write `total` messages; returns the seconds it took (open and close included)."""
    rng = random.Random(7)
    started = time.perf_counter()
    store = Store.open(home / "history.sqlite3")
    history = store.history
    try:
        with store.database.transaction():
            for i in range(total):
                if i < min(BIG_SIZE, total):
                    account, peer = ACCOUNTS[0], BIG_PEER
                else:
                    account = ACCOUNTS[i % len(ACCOUNTS)]
                    peer = f"friend{rng.randrange(PEERS_PER_ACCOUNT)}@example.net"
                when = T0 + timedelta(seconds=37 * i)
                outgoing = rng.random() < 0.4
                history.add_incoming(
                    account=account,
                    peer=peer,
                    sender=f"{account}/laptop" if outgoing else f"{peer}/phone",
                    body=_body(rng, i),
                    timestamp=when,
                    stanza_id=f"stanza-{i}",
                    origin_id=f"origin-{i}",
                    message_id=f"id-{i}",
                    direction=Direction.OUTGOING if outgoing else Direction.INCOMING,
                )
    finally:
        store.close()
    return time.perf_counter() - started


def rebuild_time(home: Path) -> float:
    """What migration v2 adds on an existing history: index every stored body once."""
    copy = home / "rebuild.sqlite3"
    shutil.copy(home / "history.sqlite3", copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()
        copy.unlink()


def timed(home: Path, args: list[str], runs: int) -> tuple[list[float], int, int]:
    """Wall seconds of each run, plus the lines and bytes of the last run's stdout."""
    # Bytecode cached as for an installed package (kept out of the source tree).
    env = {
        **os.environ,
        "XMPP_TUI_HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "PYTHONPYCACHEPREFIX": str(home / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times: list[float] = []
    out = b""
    for run in range(runs + 1):  # run 0 warms the bytecode cache and is not counted
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "xmpp_tui", *args],
            capture_output=True,
            env=env,
            cwd=home,
            check=False,
        )
        if run:
            times.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise SystemExit(f"{args}: exit {result.returncode}: {result.stderr.decode()}")
        out = result.stdout
    return times, out.count(b"\n"), len(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="xmpp-tui-bench-"))
    try:
        seconds = seed(home, options.messages)
        size = (home / "history.sqlite3").stat().st_size
        print(
            f"seeded {options.messages:,} messages ({len(ACCOUNTS)} accounts, "
            f"1 conversation of {BIG_SIZE:,}, {PEERS_PER_ACCOUNT} peers each) through the "
            f"store API in one transaction: {seconds:.2f} s "
            f"({options.messages / seconds:,.0f} msg/s), database {size / 1e6:.1f} MB"
        )
        print(f"full-text index rebuild (migration v2 on this history): {rebuild_time(home):.2f} s")
        print(
            "each command: a fresh `python -m xmpp_tui` process (bytecode cached, output "
            f"to a pipe), median of {options.runs}\n"
        )
        cases = [
            ("--version (process start-up, for scale)", ["--version"]),
            (
                "history --limit 1000",
                ["history", ACCOUNTS[0], BIG_PEER, "--limit", "1000"],
            ),
            (f"history, all {BIG_SIZE:,} (text)", ["history", ACCOUNTS[0], BIG_PEER]),
            (
                f"history, all {BIG_SIZE:,} (jsonl)",
                ["history", ACCOUNTS[0], BIG_PEER, "--format", "jsonl"],
            ),
            (f"search {RARE} (rare word)", ["search", RARE]),
            ("search coffee (common, newest 100)", ["search", "coffee"]),
            ("search the (in most messages)", ["search", "the"]),
            (
                "search lunch tomorrow --account",
                ["search", "lunch", "tomorrow", "--account", ACCOUNTS[1]],
            ),
            (
                'search "deploy" AND (review) --limit 1000',
                ["search", '"deploy"', "AND", "(review)", "--limit", "1000"],
            ),
        ]
        width = max(len(label) for label, _ in cases)
        for label, args in cases:
            times, lines, size_out = timed(home, args, options.runs)
            print(
                f"{label:<{width}}  {statistics.median(times) * 1000:7.1f} ms"
                f"  (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"
                f"  {lines:>6} lines, {size_out / 1e3:.0f} kB"
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
