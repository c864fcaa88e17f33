"""Launch figures, side by side: xmpp-tui against the bare slixmpp reference client.

For each roster size (``--contacts``, default 10 and 2000) a private Prosody
(``bench_world.BenchWorld``) serves ``bench@localhost``; the watcher, a real account
subscribed to ``bench``, is the server-side probe. Each run starts, in turn, the real
``xmpp-tui`` in an 80x24 pseudo-terminal (a fresh home: no roster cache, the cold case)
and ``benchmarks/reference_client.py``, and takes per client:

- launch -> online: the client's initial presence reached the watcher;
- launch -> answers a ping: the watcher's XEP-0199 ping, sent as soon as it saw the
  presence, was answered (a long CPU tail after "online" shows here);
- RSS 3 s after online (``VmRSS``);
- xmpp-tui only: launch -> first screen (the composer, "Type a message", is drawn) and
  launch -> roster usable (the first contact's row, ``Contact 0000``, is drawn).

The clients take turns in each place of the order. One untimed xmpp-tui launch per roster
size comes first: Prosody asks a client announcing XEP-0115 caps for them once per contact
(2,000 disco#info queries), but only on the first login after the server started.

Prints median (min-max) and the ratio xmpp-tui / reference of the medians, plus the time
of ``xmpp-tui --version`` (the interpreter and argument parsing alone).

    python benchmarks/launch.py [--contacts 10 2000] [--runs 5] [--warm] [--profile]
                                [--baseline CHECKOUT]

``--warm``: every run after the first reuses the first run's home, so the roster comes
from the local cache (the usual case after the first start). ``--profile``: one more
launch of xmpp-tui (largest roster) under pyinstrument (needs ``pip install
pyinstrument``; falls back to cProfile), quit with Ctrl+Q once online and the ping is
answered, and prints where the start-up time went (``BENCH_PYINSTRUMENT="--show-all"``
passes options to pyinstrument). ``--baseline CHECKOUT``: also runs
the xmpp-tui of another source tree (e.g. ``git worktree add /tmp/base main``) in the
same runs, interleaved, for a before/after on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_world import (
    BENCH,
    ROOT,
    WATCHER,
    BenchWorld,
    PtyProcess,
    Watcher,
    contact_name,
    reference_argv,
    reference_env,
    rss_kib,
    summary,
    xmpp_tui_config,
)

#: In the first frame: the composer's placeholder (the console's welcome line, which the
#: first version of this script watched, is drawn a frame later).
FIRST_SCREEN = b"Type a message"
ROSTER_ROW = contact_name(0).encode()  # the first contact's row in the roster pane
RSS_AFTER = 3.0
TIMEOUT = 60.0


@dataclass
class Figures:
    online: list[float] = field(default_factory=list)
    pong: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    first_screen: list[float] = field(default_factory=list)
    roster: list[float] = field(default_factory=list)


def xmpp_tui_argv(config: Path) -> list[str]:
    return [sys.executable, "-m", "xmpp_tui", "--config", str(config), BenchWorld.jid(BENCH)]


def xmpp_tui_env(home: Path) -> dict[str, str]:
    return {**os.environ, "TERM": "xterm-256color", "XMPP_TUI_HOME": str(home)}


async def one_launch(
    watcher: Watcher, argv: list[str], env: dict[str, str], figures: Figures, *, ui: bool
) -> None:
    watcher.reset()
    proc = PtyProcess(argv, env)
    if ui:
        proc.watch(FIRST_SCREEN, ROSTER_ROW)
    try:
        online = await watcher.wait_online(TIMEOUT)
        pong = await watcher.ping(TIMEOUT)
        await asyncio.sleep(max(0.0, online + RSS_AFTER - time.perf_counter()))
        rss = rss_kib(proc.pid) / 1024
        if ui:
            loop = asyncio.get_running_loop()
            first = await loop.run_in_executor(None, proc.wait_for, FIRST_SCREEN, TIMEOUT)
            roster = await loop.run_in_executor(None, proc.wait_for, ROSTER_ROW, TIMEOUT)
            figures.first_screen.append(first - proc.started)
            figures.roster.append(roster - proc.started)
    finally:
        proc.stop()
    figures.online.append(online - proc.started)
    figures.pong.append(pong - proc.started)
    figures.rss_mib.append(rss)
    await gone(watcher)


async def gone(watcher: Watcher) -> None:
    """Until the stopped client's unavailable presence reached the watcher (or 5 s)."""
    # Polled: the Watcher has no event for "went offline" (bench_world.py stays as it is).
    deadline = time.perf_counter() + 5.0
    while watcher.online_jid is not None and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)


def ratio(ours: list[float], reference: list[float]) -> str:
    return f"{statistics.median(ours) / statistics.median(reference):.2f}x"


def print_table(contacts: int, tui: Figures, ref: Figures, base: Figures | None) -> None:
    print(f"\n## {contacts} contacts (median (min-max), n runs)")
    head = "| figure | xmpp-tui | bare slixmpp | ratio |"
    if base is not None:
        head += " baseline xmpp-tui | ratio |"
    print(head)
    print("| --- " * (head.count("|") - 1) + "|")
    figures: list[tuple[str, str, str, int]] = [
        ("launch -> first screen", "first_screen", "s", 2),
        ("launch -> roster drawn", "roster", "s", 2),
        ("launch -> online", "online", "s", 2),
        ("launch -> answers ping", "pong", "s", 2),
        (f"RSS, online + {RSS_AFTER:g} s", "rss_mib", "MiB", 1),
    ]
    for name, attr, unit, digits in figures:
        ours: list[float] = getattr(tui, attr)
        theirs: list[float] = getattr(ref, attr)
        cells = [summary(ours, unit, digits=digits)]
        cells += (
            [summary(theirs, unit, digits=digits), ratio(ours, theirs)] if theirs else ["-", "-"]
        )
        if base is not None:
            before: list[float] = getattr(base, attr)
            cells += [summary(before, unit, digits=digits), ratio(ours, before)]
        print(f"| {name} | " + " | ".join(cells) + " |")


async def measure(
    root: Path, contacts: int, runs: int, warm: bool, baseline: Path | None
) -> tuple[Figures, Figures, Figures | None]:
    world = BenchWorld(root / f"world{contacts}", contacts)
    watcher_client = None
    try:
        watcher_client = await world.connect(WATCHER)
        watcher = Watcher(watcher_client)
        config = xmpp_tui_config(world, root / f"config{contacts}.toml")
        tui, ref = Figures(), Figures()
        base = Figures() if baseline is not None else None
        # Not counted: the server's first sight of a presence with our XEP-0115 caps makes
        # Prosody (mod_pep) ask us for them once per contact, 2,000 disco#info queries,
        # once per server start; every later login is answered from its cache.
        warm_up = root / f"home{contacts}-warm-up"
        await one_launch(watcher, xmpp_tui_argv(config), xmpp_tui_env(warm_up), Figures(), ui=True)
        for run in range(runs):
            home = root / f"home{contacts}-{0 if warm else run}"
            launches: list[tuple[list[str], dict[str, str], Figures, bool]] = [
                (xmpp_tui_argv(config), xmpp_tui_env(home), tui, True),
                (reference_argv(world), reference_env(world), ref, False),
            ]
            if base is not None and baseline is not None:
                env = {**xmpp_tui_env(Path(f"{home}-baseline")), "PYTHONPATH": str(baseline)}
                launches.append((xmpp_tui_argv(config), env, base, True))
            shift = run % len(launches)  # each client takes each place in turn
            for argv, env, figures, ui in launches[shift:] + launches[:shift]:
                await one_launch(watcher, argv, env, figures, ui=ui)
        return tui, ref, base
    finally:
        if watcher_client is not None:
            watcher_client.disconnect()
        world.stop()


async def profile(root: Path, contacts: int) -> None:
    """One launch under pyinstrument (or cProfile); quit once online and answering."""
    world = BenchWorld(root / "profiled", contacts)
    watcher_client = None
    try:
        watcher_client = await world.connect(WATCHER)
        watcher = Watcher(watcher_client)
        config = xmpp_tui_config(world, root / "profiled.toml")
        report = root / "profile.txt"
        try:
            import pyinstrument  # noqa: F401

            tool = ["-m", "pyinstrument", "--renderer", "text", "-o", str(report)]
            tool += os.environ.get("BENCH_PYINSTRUMENT", "").split()
        except ImportError:
            tool = ["-m", "cProfile", "-o", str(root / "profile.pstats")]
        argv = [sys.executable, *tool, "-m", "xmpp_tui", *xmpp_tui_argv(config)[3:]]
        proc = PtyProcess(argv, xmpp_tui_env(root / "profiled-home"))
        try:
            online = await watcher.wait_online(TIMEOUT)
            pong = await watcher.ping(TIMEOUT)
            # Keys sent before the screen is up are flushed with the terminal's mode change.
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, proc.wait_for, FIRST_SCREEN, TIMEOUT)
            proc.write(b"\x11")  # Ctrl+Q: a clean exit, so the profiler writes its report
            await loop.run_in_executor(None, proc.proc.wait, 30)
        finally:
            proc.stop()
        print(
            f"\n## profile: {contacts} contacts, online {online - proc.started:.2f} s, "
            f"answers ping {pong - proc.started:.2f} s (under the profiler)"
        )
        if report.exists():
            print(report.read_text(encoding="utf-8"))
        else:
            import pstats

            pstats.Stats(str(root / "profile.pstats")).sort_stats("cumulative").print_stats(40)
    finally:
        if watcher_client is not None:
            watcher_client.disconnect()
        world.stop()


def version_times(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "xmpp_tui", "--version"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        times.append(time.perf_counter() - start)
    return times


async def main_async(args: argparse.Namespace) -> None:
    print(
        f"xmpp-tui launch, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{'warm (cached roster after run 1)' if args.warm else 'cold (fresh home each run)'}"
    )
    print(f"xmpp-tui --version: {summary(version_times(args.runs))}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for contacts in args.contacts:
            tui, ref, base = await measure(root, contacts, args.runs, args.warm, args.baseline)
            print_table(contacts, tui, ref, base)
        if args.profile:
            await profile(root, max(args.contacts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, nargs="+", default=[10, 2000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm", action="store_true", help="reuse the home after run 1")
    parser.add_argument("--profile", action="store_true", help="one launch under pyinstrument")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="also run the xmpp-tui of another source tree (before/after in one run)",
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
