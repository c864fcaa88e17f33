"""A 10,000-message flood from a contact, processed: xmpp-tui beside the bare slixmpp floor.

Each run of each client starts a fresh ``BenchWorld`` (a private Prosody; ``bench`` with 10
contacts, among them the real ``flooder`` account), so no client catches up on an earlier
flood's archive or shares it with a hibernating session. Per run:

1. the bare slixmpp reference client (``benchmarks/reference_client.py``);
2. the real ``xmpp-tui`` in a pseudo-terminal (80x24, drained), through
   ``benchmarks/app_probe.py``, which adds an event-loop lag probe to the app's own loop
   (10 ms sleeps) and, with ``--profile``, a pyinstrument profile of the flood window.

For each: wait until bench's initial presence reaches the flooder, one warm-up ping (start-up
work done), then the flooder sends ``--count`` pre-serialised chat messages to bench and pings
right after. Rate = count / (pong - first send): a client answers the ping only after it has
handled every message before it. For xmpp-tui the script also polls the history database (a
second reader, WAL) and reports when all ``count`` rows were there ("stored rate"), the rows
and distinct message ids stored, the app's loop lag during the flood (p50/p99/max) and RSS
after it.

Why the real process in a pty and not the headless app in-process: the figure then includes
the terminal driver, the real start-up path and the app's own loop only (the flooder, the
probe's reader and the benchmark run in other processes), as a user would run it.

    .venv/bin/python benchmarks/flood_rate.py                 # 10,000 messages, 3 runs
    .venv/bin/python benchmarks/flood_rate.py --runs 5 --count 10000
    .venv/bin/python benchmarks/flood_rate.py --runs 1 --profile   # where xmpp-tui's time goes
    .venv/bin/python benchmarks/flood_rate.py --open   # the flooder's conversation in front
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_world import (  # noqa: E402
    BENCH,
    FLOODER,
    BenchWorld,
    PtyProcess,
    Watcher,
    flood,
    reference_argv,
    reference_env,
    rss_kib,
    summary,
    xmpp_tui_config,
)

TIMEOUT = 600.0


@dataclass
class Run:
    rate: float  # messages per second, to the pong
    rss_mib: float
    stored_rate: float | None = None  # messages per second, to all rows committed
    rows: int | None = None
    distinct: int | None = None
    lag_ms: tuple[float, float, float] | None = None  # p50, p99, max


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def count_rows(database: Path, tag: str) -> tuple[int, int]:
    """Rows of this flood in bench's history, and how many distinct message ids."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT message_id) FROM messages"
            " WHERE account = ? AND peer = ? AND message_id LIKE ?",
            (BenchWorld.jid(BENCH), BenchWorld.jid(FLOODER), f"{tag}-%"),
        ).fetchone()
    return int(row[0]), int(row[1])


async def wait_stored(database: Path, tag: str, count: int, timeout: float) -> float | None:
    """perf_counter() when ``count`` rows of the flood were committed; None on timeout."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            rows, _ = count_rows(database, tag)
        except sqlite3.Error:
            rows = 0
        if rows >= count:
            return time.perf_counter()
        await asyncio.sleep(0.02)
    return None


async def flood_once(watcher: Watcher, count: int, tag: str) -> tuple[float, float]:
    """(first send, pong) of one flood from the flooder, after a warm-up ping."""
    await watcher.wait_online(TIMEOUT)
    await watcher.ping(TIMEOUT)  # start-up work (catch-up, presence) is done
    await asyncio.sleep(0.5)  # and the UI has drawn it
    await watcher.ping(TIMEOUT)
    start = time.perf_counter()
    flood(watcher.client, BenchWorld.jid(BENCH), count, tag=tag)
    pong = await watcher.ping(TIMEOUT)
    return start, pong


async def _wait_file(path: Path, timeout: float) -> None:
    """Until ``path`` exists (another process writes it)."""
    deadline = time.perf_counter() + timeout
    while not path.exists() and time.perf_counter() < deadline:  # noqa: ASYNC110, ASYNC240
        await asyncio.sleep(0.05)


async def run_reference(world: BenchWorld, watcher: Watcher, count: int, tag: str) -> Run:
    watcher.reset()
    proc = PtyProcess(reference_argv(world), reference_env(world))
    try:
        start, pong = await flood_once(watcher, count, tag)
        return Run(rate=count / (pong - start), rss_mib=rss_kib(proc.pid) / 1024)
    finally:
        proc.stop()


async def run_app(
    world: BenchWorld,
    watcher: Watcher,
    count: int,
    tag: str,
    home: Path,
    profile: bool,
    open_pane: bool = False,
) -> tuple[Run, str | None]:
    watcher.reset()
    probe_dir = home / "probe"
    probe_dir.mkdir(mode=0o700, parents=True)
    config = xmpp_tui_config(world, home / "config.toml")
    argv = [sys.executable, str(ROOT / "benchmarks" / "app_probe.py"), "--probe-out"]
    argv += [str(probe_dir), *(["--profile"] if profile else []), "--"]
    argv += ["--config", str(config), world.jid(BENCH)]
    env = {**os.environ, "TERM": "xterm-256color", "XMPP_TUI_HOME": str(home)}
    proc = PtyProcess(argv, env)
    try:
        await watcher.wait_online(TIMEOUT)
        await watcher.ping(TIMEOUT)
        if open_pane:  # the flooder's conversation in front: every message drawn, read at once
            # Type only once the composer is drawn: "online" comes before the UI is up
            # (it connects while the UI loads) and keys sent earlier were lost, so the pane
            # never opened. The status bar then names the pane: "[2/2 flooder@localhost]".
            await asyncio.to_thread(proc.wait_for, b"Type a message", TIMEOUT)
            proc.write(f"/msg {world.jid(FLOODER)}\r".encode())
            await asyncio.to_thread(proc.wait_for, f"{world.jid(FLOODER)}]".encode(), TIMEOUT)
        os.kill(proc.pid, signal.SIGUSR1)  # profiler on (if asked)
        start, pong = await flood_once(watcher, count, tag)
        stored_at = await wait_stored(home / "history.sqlite3", tag, count, 60.0)
        os.kill(proc.pid, signal.SIGUSR2)
        await _wait_file(probe_dir / "done", 60.0)
        rss = rss_kib(proc.pid) / 1024
        samples = (line.split() for line in (probe_dir / "lag.txt").read_text().splitlines())
        lags = [float(lag) * 1000 for t, lag in samples if start <= float(t) <= pong]
        profile_text = (probe_dir / "profile.txt").read_text(encoding="utf-8") if profile else None
    finally:
        proc.stop()
    rows, distinct = count_rows(home / "history.sqlite3", tag)
    lag = (percentile(lags, 0.5), percentile(lags, 0.99), max(lags)) if lags else None
    return (
        Run(
            rate=count / (pong - start),
            rss_mib=rss,
            stored_rate=None if stored_at is None else count / (stored_at - start),
            rows=rows,
            distinct=distinct,
            lag_ms=lag,
        ),
        profile_text,
    )


async def in_world(
    root: Path, client: str, run: int, count: int, profile: bool, open_pane: bool = False
) -> Run:
    """One client's run in a world of its own (a client that resumes streams, as xmpp-tui
    does, would leave a hibernating session behind that takes copies of the next flood)."""
    world = BenchWorld(root / f"world-{client}{run}", 10)
    try:
        flooder = await world.connect(FLOODER, "flood")
        watcher = Watcher(flooder)
        try:
            if client == "ref":
                return await run_reference(world, watcher, count, f"ref{run}")
            app, profile_text = await run_app(
                world, watcher, count, f"app{run}", root / f"home{run}", profile, open_pane
            )
            if profile_text:
                print(profile_text, flush=True)
            return app
        finally:
            flooder.disconnect()
    finally:
        world.stop()


def _app_line(run: int, app: Run) -> str:
    lag = (
        "n/a"
        if app.lag_ms is None
        else "p50 {:.1f} / p99 {:.1f} / max {:.0f} ms".format(*app.lag_ms)
    )
    stored = "n/a" if app.stored_rate is None else f"{app.stored_rate:,.0f} msg/s"
    return (
        f"run {run + 1}: xmpp-tui {app.rate:,.0f} msg/s (all stored: {stored}), "
        f"rows {app.rows} ({app.distinct} distinct), lag {lag}, RSS {app.rss_mib:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the flood window")
    parser.add_argument("--no-reference", action="store_true", help="xmpp-tui only")
    parser.add_argument(
        "--open", action="store_true", help="with the flooder's conversation open in front"
    )
    args = parser.parse_args()
    apps: list[Run] = []
    references: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="flood-rate-") as tmp:
        for run in range(args.runs):
            if not args.no_reference:
                reference = asyncio.run(in_world(Path(tmp), "ref", run, args.count, False))
                print(
                    f"run {run + 1}: reference {reference.rate:,.0f} msg/s, "
                    f"RSS {reference.rss_mib:.1f} MiB",
                    flush=True,
                )
                references.append(reference)
            app = asyncio.run(in_world(Path(tmp), "app", run, args.count, args.profile, args.open))
            print(_app_line(run, app), flush=True)
            apps.append(app)
    print()
    print(f"{args.count:,}-message flood processed, {os.cpu_count()} CPUs, median (min-max)")
    if references:
        print(f"  reference slixmpp  {summary([r.rate for r in references], 'msg/s', digits=0)}")
        rss = summary([r.rss_mib for r in references], "MiB", digits=1)
        print(f"                     RSS {rss}")
    print(f"  xmpp-tui           {summary([a.rate for a in apps], 'msg/s', digits=0)}")
    stored = [a.stored_rate for a in apps if a.stored_rate is not None]
    if stored:
        print(f"    all rows stored  {summary(stored, 'msg/s', digits=0)}")
    rows, distinct = [a.rows for a in apps], [a.distinct for a in apps]
    print(f"    rows stored      {rows} (distinct ids {distinct})")
    lags = [a.lag_ms for a in apps if a.lag_ms is not None]
    if lags:
        print(f"    loop lag p50     {summary([lag[0] for lag in lags], 'ms', digits=1)}")
        print(f"    loop lag p99     {summary([lag[1] for lag in lags], 'ms', digits=1)}")
        print(f"    loop lag max     {summary([lag[2] for lag in lags], 'ms', digits=0)}")
    print(f"    RSS after        {summary([a.rss_mib for a in apps], 'MiB', digits=1)}")
    if references:
        ratio = statistics.median(a.rate for a in apps) / statistics.median(
            r.rate for r in references
        )
        print(f"  xmpp-tui / reference (medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
