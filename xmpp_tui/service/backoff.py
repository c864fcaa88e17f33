"""Reconnect delays: random first delay, then doubling with jitter, capped.

RFC 6120 section 3.3 asks for a random first delay so a server restart is not
met by every client at once; jitter keeps them spread afterwards.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    first_min: float
    first_max: float
    cap: float
    rng: random.Random = field(default_factory=random.Random)
    _previous: float | None = None

    def next_delay(self) -> float:
        if self._previous is None:
            delay = self.rng.uniform(self.first_min, self.first_max)
        else:
            delay = self._previous * 2 * self.rng.uniform(0.5, 1.5)
        delay = min(max(delay, self.first_min), self.cap)
        self._previous = delay
        return delay

    def reset(self) -> None:
        self._previous = None
