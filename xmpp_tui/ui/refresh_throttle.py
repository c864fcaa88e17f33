"""Coalesce a costly redraw under a flood: run it at once while it is cheap, and once it
turns slow, at most once per `factor` times its last cost (latest state wins).

The roster pane redraws every row when anything changes (an unread count, a new stranger);
with 1,000 strangers flooding in, one redraw costs ~0.1 s, and ten a second would take the
whole event loop (SECURITY.md T18, L-2). With this, the pane falls behind by at most
`max_delay` seconds, and the loop spends at most 1/`factor` of its time on it. A small roster
(cost under `slow`) is redrawn at once, as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: A redraw faster than this (seconds) is not throttled.
SLOW = 0.02
#: Once slow, wait this many times the last redraw's cost before the next one.
FACTOR = 20.0
#: But never longer than this (seconds).
MAX_DELAY = 2.0


class CostThrottle:
    """``request()`` asks for ``run()``; ``schedule(delay, callback)`` sets a timer."""

    def __init__(
        self,
        run: Callable[[], None],
        schedule: Callable[[float, Callable[[], None]], object],
        *,
        clock: Callable[[], float] = time.perf_counter,
        slow: float = SLOW,
        factor: float = FACTOR,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self._run = run
        self._schedule = schedule
        self._clock = clock
        self._slow = slow
        self._factor = factor
        self._max_delay = max_delay
        self._next_allowed = float("-inf")
        self._pending = False
        self.runs = 0
        self.deferred = 0

    @property
    def pending(self) -> bool:
        return self._pending

    def request(self) -> None:
        if self._pending:
            return  # the scheduled run will show the latest state
        wait = self._next_allowed - self._clock()
        if wait <= 0:
            self._run_now()
            return
        self._pending = True
        self.deferred += 1
        self._schedule(wait, self._fire)

    def _fire(self) -> None:
        self._pending = False
        self._run_now()

    def _run_now(self) -> None:
        start = self._clock()
        self._run()
        end = self._clock()
        self.runs += 1
        cost = end - start
        delay = min(self._max_delay, self._factor * cost) if cost >= self._slow else 0.0
        self._next_allowed = end + delay


#: `IntervalThrottle`'s default: at most this often (seconds), ten redraws a second.
INTERVAL = 0.1


class IntervalThrottle:
    """At most one ``run()`` per ``interval``: the first request runs at once, the ones that
    follow within the interval become one run at its end (latest state wins, none dropped).

    For redraws whose cost is not where the request is made: a message flood changes an
    unread count with every batch of messages, and each roster redraw is also a full
    re-render of the pane at the next frame.
    """

    def __init__(
        self,
        run: Callable[[], None],
        schedule: Callable[[float, Callable[[], None]], object],
        *,
        clock: Callable[[], float] = time.perf_counter,
        interval: float = INTERVAL,
    ) -> None:
        self._run = run
        self._schedule = schedule
        self._clock = clock
        self._interval = interval
        self._next_allowed = float("-inf")
        self._pending = False
        self.runs = 0

    @property
    def pending(self) -> bool:
        return self._pending

    def request(self) -> None:
        if self._pending:
            return
        wait = self._next_allowed - self._clock()
        if wait <= 0:
            self._run_now()
            return
        self._pending = True
        self._schedule(wait, self._fire)

    def _fire(self) -> None:
        self._pending = False
        self._run_now()

    def _run_now(self) -> None:
        self._next_allowed = self._clock() + self._interval
        self.runs += 1
        self._run()
