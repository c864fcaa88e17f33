"""CostThrottle: immediate while cheap, coalesced once slow (pure logic, fake clock)."""

from __future__ import annotations

from collections.abc import Callable

from xmpp_tui.ui.refresh_throttle import FACTOR, MAX_DELAY, CostThrottle, IntervalThrottle


class Fake:
    def __init__(self, cost: float) -> None:
        self.now = 0.0
        self.cost = cost
        self.ran: list[float] = []
        self.timers: list[tuple[float, Callable[[], None]]] = []

    def clock(self) -> float:
        return self.now

    def run(self) -> None:
        self.ran.append(self.now)
        self.now += self.cost

    def schedule(self, delay: float, callback: Callable[[], None]) -> None:
        self.timers.append((self.now + delay, callback))

    def fire_due(self) -> None:
        due = [t for t in self.timers if t[0] <= self.now]
        self.timers = [t for t in self.timers if t[0] > self.now]
        for _, callback in due:
            callback()

    def throttle(self) -> CostThrottle:
        return CostThrottle(self.run, self.schedule, clock=self.clock)


def test_cheap_redraws_run_at_once_every_time() -> None:
    fake = Fake(cost=0.001)
    throttle = fake.throttle()
    for _ in range(50):
        throttle.request()
        fake.now += 0.001
    assert len(fake.ran) == 50
    assert fake.timers == []
    assert throttle.deferred == 0


def test_slow_redraws_are_coalesced_and_the_last_state_is_shown() -> None:
    fake = Fake(cost=0.05)  # 50 ms a redraw: the next may come FACTOR x 50 ms later
    throttle = fake.throttle()
    throttle.request()
    assert fake.ran == [0.0]
    for _ in range(90):  # a flood: a request every 10 ms for 0.9 s
        fake.now += 0.01
        throttle.request()
        fake.fire_due()
    # One redraw at once, then one per FACTOR x cost (1 s): the loop spent ~5 % on it.
    assert len(fake.ran) == 1
    assert len(fake.timers) == 1 and throttle.pending
    assert abs(fake.timers[0][0] - (0.05 + FACTOR * 0.05)) < 1e-9
    fake.now = fake.timers[0][0]
    fake.fire_due()
    assert len(fake.ran) == 2  # the pending request was not lost
    assert not throttle.pending


def test_delay_is_capped() -> None:
    fake = Fake(cost=1.0)
    throttle = fake.throttle()
    throttle.request()
    throttle.request()
    assert fake.timers[0][0] == 1.0 + MAX_DELAY


def test_cheap_again_means_immediate_again() -> None:
    fake = Fake(cost=0.05)
    throttle = fake.throttle()
    throttle.request()
    fake.cost = 0.001
    throttle.request()  # deferred: the last one was slow
    fake.now = fake.timers[0][0]
    fake.fire_due()
    throttle.request()  # the last one was cheap: at once
    assert len(fake.ran) == 3


# -- IntervalThrottle: at most one run per interval, the first at once ------------------------


def test_interval_throttle_runs_the_first_at_once_and_coalesces_the_rest() -> None:
    fake = Fake(cost=0.001)
    throttle = IntervalThrottle(fake.run, fake.schedule, clock=fake.clock, interval=0.1)
    throttle.request()
    assert fake.ran == [0.0] and not throttle.pending  # a single message: no delay
    for _ in range(30):  # a flood's batches within the interval
        fake.now += 0.002
        throttle.request()
    assert len(fake.ran) == 1 and throttle.pending and len(fake.timers) == 1
    fake.now = 0.1
    fake.fire_due()
    assert fake.ran == [0.0, 0.1] and not throttle.pending  # one run for all 30, none lost
    fake.now = 0.5  # quiet for longer than the interval: at once again
    throttle.request()
    assert fake.ran == [0.0, 0.1, 0.5] and throttle.runs == 3
