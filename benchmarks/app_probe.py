"""Run the real ``xmpp-tui`` with an event-loop lag probe (and optionally a profiler) inside.

    python benchmarks/app_probe.py --probe-out DIR [--profile] -- <xmpp-tui arguments>

The probe is a task on the app's own loop (installed through the loop policy, so the app
itself is untouched): it sleeps 10 ms at a time and records how late it woke, with the
``time.perf_counter()`` of each sample (CLOCK_MONOTONIC, shared with the benchmark process).
Signals from the benchmark mark the window it cares about:

- SIGUSR1: start the profiler (with ``--profile``);
- SIGUSR2: write ``DIR/lag.txt`` (one "time lag" line per sample) and, with ``--profile``,
  stop the profiler and write ``DIR/profile.txt``, then ``DIR/done``.

Not a test and not part of the app: a benchmark's instrument.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PERIOD = 0.010


class _Probe:
    def __init__(self, out: Path, profile: bool) -> None:
        self.out = out
        self.samples: list[tuple[float, float]] = []
        self.profile = profile
        self.profiler: Any = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(PERIOD)
            now = time.perf_counter()
            self.samples.append((now, max(0.0, now - before - PERIOD)))

    def start_on(self, loop: asyncio.AbstractEventLoop) -> None:
        def start() -> None:
            task = loop.create_task(self.run(), name="lag probe")
            self._tasks.add(task)

        loop.call_soon(start)

    def on_start(self, _signum: int, _frame: FrameType | None) -> None:
        if self.profile and self.profiler is None:
            from pyinstrument import Profiler

            self.profiler = Profiler(interval=0.001, async_mode="disabled")
            self.profiler.start()

    def on_stop(self, _signum: int, _frame: FrameType | None) -> None:
        lines = [f"{t:.6f} {lag:.6f}\n" for t, lag in self.samples]
        (self.out / "lag.txt").write_text("".join(lines), encoding="ascii")
        if self.profiler is not None:
            self.profiler.stop()
            every_frame = os.environ.get("PROFILE_ALL") == "1"  # library frames too
            text = self.profiler.output_text(unicode=False, color=False, show_all=every_frame)
            (self.out / "profile.txt").write_text(text, encoding="utf-8")
            self.profiler = None
        (self.out / "done").write_text("", encoding="ascii")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--probe-out", type=Path, required=True)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    probe = _Probe(args.probe_out, args.profile)

    class Policy(asyncio.DefaultEventLoopPolicy):
        def new_event_loop(self) -> asyncio.AbstractEventLoop:
            loop = super().new_event_loop()
            probe.start_on(loop)
            return loop

    asyncio.set_event_loop_policy(Policy())
    signal.signal(signal.SIGUSR1, probe.on_start)
    signal.signal(signal.SIGUSR2, probe.on_stop)
    from xmpp_tui.cli import main as cli_main

    sys.exit(cli_main(rest))


if __name__ == "__main__":
    main()
