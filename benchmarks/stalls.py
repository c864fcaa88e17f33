"""Where an event loop's stalls go: a sampling profiler that only looks during stalls.

``LoopLag`` ticks every 10 ms in the loop under test and records how late each tick woke (the
longest lateness is the worst frame: nothing can be drawn while the loop is stalled).
``StallSampler`` is a thread that, while the loop has not ticked for ``threshold`` seconds,
samples the loop thread's Python stack every millisecond; ``report()`` names the functions
that were on the stack in most of those samples (cumulative), so a 160 ms frame shows what it
spent its time in. Stdlib only; for benchmarks, never for tests.
"""

from __future__ import annotations

import asyncio
import collections
import statistics
import sys
import threading
import time
from types import FrameType


class LoopLag:
    """A 10 ms ticker in the running loop; ``samples`` are how late each tick was (s)."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self.beat = time.perf_counter()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def stop(self) -> list[float]:
        self._stop.set()
        if self._task is not None:
            await self._task
        return self.samples

    async def _run(self) -> None:
        while not self._stop.is_set():
            before = time.perf_counter()
            self.beat = before
            await asyncio.sleep(self.interval)
            self.beat = time.perf_counter()
            self.samples.append(self.beat - before - self.interval)

    def figures(self) -> str:
        return lag_figures(self.samples)


def lag_figures(lag: list[float]) -> str:
    """``max, p99, p50`` of lag samples in ms."""
    if not lag:
        return "no ticks"
    lag_ms = sorted(x * 1000 for x in lag)
    return (
        f"max {lag_ms[-1]:.1f} ms, p99 {lag_ms[min(len(lag_ms) - 1, int(len(lag_ms) * 0.99))]:.1f}"
        f" ms, p50 {statistics.median(lag_ms):.1f} ms ({len(lag_ms)} ticks)"
    )


class StallSampler:
    """Samples the loop thread's stack while ``lag`` has not ticked for ``threshold`` s."""

    def __init__(self, lag: LoopLag, threshold: float = 0.03) -> None:
        self._lag = lag
        self._threshold = threshold
        self._ident = threading.get_ident()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.samples = 0
        self._cumulative: collections.Counter[str] = collections.Counter()
        self._own: collections.Counter[str] = collections.Counter()

    def start(self) -> StallSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            if time.perf_counter() - self._lag.beat < self._threshold:
                continue
            frame = sys._current_frames().get(self._ident)
            # Waiting in select() is the loop being idle (the ticker is late), not a stall.
            if frame is not None and frame.f_code.co_name != "select":
                self._take(frame)

    def _take(self, frame: FrameType | None) -> None:
        self.samples += 1
        seen: set[str] = set()
        first = True
        while frame is not None:
            code = frame.f_code
            name = f"{_short(code.co_filename)}:{code.co_name}"
            if first:
                self._own[f"{name}:{frame.f_lineno}"] += 1
                first = False
            if name not in seen:
                seen.add(name)
                self._cumulative[name] += 1
            frame = frame.f_back

    def report(self, top: int = 25) -> str:
        if not self.samples:
            return "no stalls sampled"
        lines = [f"stall samples (1 ms each while the loop was stalled): {self.samples}"]
        lines.append("  cumulative (on the stack):")
        for name, count in self._cumulative.most_common(top):
            lines.append(f"    {100 * count / self.samples:5.1f}%  {name}")
        lines.append("  own (top of the stack):")
        for name, count in self._own.most_common(top // 2):
            lines.append(f"    {100 * count / self.samples:5.1f}%  {name}")
        return "\n".join(lines)


def _short(path: str) -> str:
    for marker in ("site-packages/", "xmpp_tui/", "lib/python"):
        index = path.find(marker)
        if index >= 0:
            return path[index + len(marker) if marker != "xmpp_tui/" else index :]
    return path
