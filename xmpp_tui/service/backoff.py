"""When to try connecting again: growing jittered delays plus an attempt budget.

RFC 6120 section 3.3 asks for a random first delay so a server restart is not met by
every client at once; jitter keeps them spread afterwards. Two rules keep an account
from storming a server it cannot reach (refused at once, or timing out):

- the delays never shrink: each is the previous one times a random factor of at least
  ``growth_min`` (1.5 by default), up to the cap;
- a budget: at most ``attempts`` connection attempts in any ``window`` seconds. The
  attempt after those waits until the oldest of the last ``attempts`` is ``window`` old,
  however short the delay would be.

Both start over only when a session has stayed up for a while (the supervisor calls
`reset`), so a server that accepts and drops at once gets no more than the budget.
The clock is monotonic seconds, injected with the random generator so the rule is
tested without waiting (tests/unit/test_backoff.py).
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True, kw_only=True)
class Backoff:
    first_min: float
    first_max: float
    cap: float
    growth_min: float = 1.5
    growth_max: float = 2.5
    #: The budget: at most ``attempts`` attempts in any ``window`` seconds.
    attempts: int = 6
    window: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    now: Callable[[], float] = time.monotonic
    _previous: float | None = None
    _recent: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.growth_min < 1.0 or self.growth_max < self.growth_min:
            raise ValueError("back-off growth must be >= 1 (delays never shrink)")
        if self.attempts < 1 or self.window < 0:
            raise ValueError("the attempt budget needs attempts >= 1 and window >= 0")

    def attempted(self) -> None:
        """A connection attempt starts now (automatic or the user's): it counts."""
        self._recent.append(self.now())
        while len(self._recent) > self.attempts:
            self._recent.popleft()

    def next_delay(self) -> float:
        """Seconds to wait from now before the next automatic attempt."""
        if self._previous is None:
            delay = self.rng.uniform(self.first_min, self.first_max)
        else:
            delay = self._previous * self.rng.uniform(self.growth_min, self.growth_max)
        delay = min(max(delay, self.first_min), self.cap)
        self._previous = delay
        budget = self.budget_wait()
        if budget <= delay:
            return delay
        # Spread too: clients whose budgets filled together (one server restart) would
        # otherwise all come back at the same instant, the storm RFC 6120 3.3 warns about.
        return budget + self.rng.uniform(0.0, self.first_max)

    def budget_wait(self) -> float:
        """Seconds until one more attempt fits in the budget (0 if it fits now)."""
        if len(self._recent) < self.attempts:
            return 0.0
        return max(0.0, self._recent[0] + self.window - self.now())

    def reset(self) -> None:
        """A session stayed up: the next failure is a new story (short delay, full budget)."""
        self._previous = None
        self._recent.clear()
