"""Reconnect delays and the attempt budget (service/backoff.py), on an injected clock."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import pytest

from xmpp_tui.service.backoff import Backoff
from xmpp_tui.service.timing import Timing

FIRST_MIN = 1.0
FIRST_MAX = 5.0
CAP = 300.0


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def backoff(
    seed: int, *, cap: float = CAP, clock: Callable[[], float] | None = None, **kw: float
) -> Backoff:
    return Backoff(
        first_min=FIRST_MIN,
        first_max=FIRST_MAX,
        cap=cap,
        rng=random.Random(seed),
        now=clock or FakeClock(),
        **kw,  # type: ignore[arg-type]
    )


def delays(policy: Backoff, count: int) -> list[float]:
    """``count`` delays with no attempts recorded: the growth alone, no budget."""
    return [policy.next_delay() for _ in range(count)]


def from_timing(timing: Timing, seed: int, clock: FakeClock) -> Backoff:
    """The policy exactly as the account session builds it from ``timing``."""
    return Backoff(
        first_min=timing.backoff_first_min,
        first_max=timing.backoff_first_max,
        cap=timing.backoff_cap,
        growth_min=timing.backoff_growth_min,
        growth_max=timing.backoff_growth_max,
        attempts=timing.reconnect_attempts,
        window=timing.reconnect_window,
        rng=random.Random(seed),
        now=clock,
    )


def run_against_dead_server(
    policy: Backoff, clock: FakeClock, *, failure_takes: float, until: float
) -> list[float]:
    """The supervisor's loop against a server that is never there: attempt, fail after
    ``failure_takes`` seconds, wait the delay, again. Returns the attempt times."""
    attempts: list[float] = []
    while clock.t < until:
        policy.attempted()
        attempts.append(clock.t)
        clock.t += failure_takes
        clock.t += policy.next_delay()
    return attempts


def most_in_any_window(attempts: list[float], window: float) -> int:
    """The largest number of attempts inside any half-open window ``[t, t + window)``."""
    return max(
        sum(1 for b in attempts if a <= b < a + window) for a in attempts
    )  # a busiest window can always be slid to start at an attempt


def test_first_delay_is_random_within_its_bounds() -> None:
    firsts = {backoff(seed).next_delay() for seed in range(200)}
    assert all(FIRST_MIN <= delay <= FIRST_MAX for delay in firsts)
    assert len(firsts) > 100  # random, not one fixed value
    assert min(firsts) < FIRST_MIN + 1 and max(firsts) > FIRST_MAX - 1  # spread over the range


def test_delays_never_shrink_and_grow_at_least_one_and_a_half_fold() -> None:
    for seed in range(200):
        sequence = delays(backoff(seed), 30)
        for previous, delay in itertools.pairwise(sequence):
            assert delay <= CAP
            if previous * 1.5 <= CAP:
                assert previous * 1.5 <= delay <= previous * 2.5
            else:
                assert delay == CAP
        assert sequence[-1] == CAP  # it gets there and stays


def test_growth_is_jittered_about_twofold() -> None:
    ratios = []
    for seed in range(300):
        first, second = delays(backoff(seed, cap=1e9), 2)
        ratios.append(second / first)
    mean = sum(ratios) / len(ratios)
    assert 1.9 < mean < 2.1
    assert min(ratios) < 1.6 and max(ratios) > 2.4  # jitter spans most of 1.5x..2.5x


def test_growth_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="never shrink"):
        backoff(1, growth_min=0.5)


def test_never_above_the_cap_even_the_first_delay() -> None:
    policy = Backoff(first_min=10.0, first_max=20.0, cap=5.0, rng=random.Random(1))
    assert delays(policy, 5) == [5.0] * 5


def test_same_seed_same_sequence_different_seed_different_sequence() -> None:
    assert delays(backoff(7), 10) == delays(backoff(7), 10)
    assert delays(backoff(7), 10) != delays(backoff(8), 10)


def test_the_seventh_attempt_waits_for_the_oldest_of_six_to_age_out() -> None:
    clock = FakeClock()
    policy = backoff(3, clock=clock, growth_min=1.0, growth_max=1.0)  # 1 s apart at most 5
    start = clock.t
    for _ in range(5):
        policy.attempted()
        clock.t += policy.next_delay()
    assert clock.t < start + 30  # five quick ones
    policy.attempted()  # the sixth
    assert policy.budget_wait() > 200
    resume = clock.t + policy.next_delay()
    assert start + 300.0 <= resume <= start + 300.0 + FIRST_MAX  # aged out, plus a spread


def test_clients_whose_budgets_filled_together_do_not_come_back_together() -> None:
    """A server restart fills every client's budget at once: their waits must still differ."""
    resumes = set()
    for seed in range(5):
        clock = FakeClock()
        policy = backoff(seed, clock=clock, growth_min=1.0, growth_max=1.0)
        for _ in range(6):
            policy.attempted()
            clock.t += 1.0
        resumes.add(round(clock.t + policy.next_delay(), 3))
    assert len(resumes) == 5


def test_no_window_of_five_minutes_holds_more_than_six_attempts_refused_at_once() -> None:
    """Property over many seeds, with the real defaults: a server that refuses at once."""
    timing = Timing()
    for seed in range(300):
        clock = FakeClock()
        policy = from_timing(timing, seed, clock)
        attempts = run_against_dead_server(policy, clock, failure_takes=0.01, until=clock.t + 3600)
        assert most_in_any_window(attempts, timing.reconnect_window) <= 6, seed
        assert len(attempts) >= 12  # still trying, not given up


@pytest.mark.parametrize("failure_takes", [0.0, 2.0, 30.0, 61.0])
def test_the_budget_holds_however_long_an_attempt_takes(failure_takes: float) -> None:
    timing = Timing()
    for seed in range(100):
        clock = FakeClock()
        policy = from_timing(timing, seed, clock)
        attempts = run_against_dead_server(
            policy, clock, failure_takes=failure_takes, until=clock.t + 3600
        )
        for earlier, later in zip(attempts, attempts[6:], strict=False):
            assert later - earlier >= timing.reconnect_window, seed


def test_a_server_that_accepts_and_drops_at_once_gets_no_more() -> None:
    """The supervisor resets the policy only after ``stable_after`` online; a session that
    drops sooner is just another attempt."""
    timing = Timing()
    for seed in range(100):
        clock = FakeClock()
        policy = from_timing(timing, seed, clock)
        attempts: list[float] = []
        while clock.t < 1000.0 + 1800:
            policy.attempted()
            attempts.append(clock.t)
            up_since = clock.t
            clock.t += 0.5  # online, then dropped
            if clock.t - up_since >= timing.stable_after:
                policy.reset()
            clock.t += policy.next_delay()
        assert most_in_any_window(attempts, timing.reconnect_window) <= 6, seed


def test_a_single_blip_reconnects_within_seconds() -> None:
    timing = Timing()
    for seed in range(100):
        clock = FakeClock()
        policy = from_timing(timing, seed, clock)
        policy.attempted()  # the session that then stayed up for an hour
        clock.t += 3600
        policy.reset()
        assert policy.next_delay() <= timing.backoff_first_max


def test_reset_starts_over_delays_and_budget() -> None:
    clock = FakeClock()
    policy = backoff(3, clock=clock)
    for _ in range(12):
        policy.attempted()
        policy.next_delay()
    assert policy.budget_wait() > 0
    policy.reset()
    assert policy.budget_wait() == 0
    first = policy.next_delay()
    assert FIRST_MIN <= first <= FIRST_MAX
    second = policy.next_delay()
    assert first * 1.5 <= second <= first * 2.5
