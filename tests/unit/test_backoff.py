"""Reconnect delays (service/backoff.py): random first delay, doubling with jitter, capped."""

from __future__ import annotations

import itertools
import random

from xmpp_tui.service.backoff import Backoff

FIRST_MIN = 1.0
FIRST_MAX = 5.0
CAP = 300.0


def backoff(seed: int, *, cap: float = CAP) -> Backoff:
    return Backoff(first_min=FIRST_MIN, first_max=FIRST_MAX, cap=cap, rng=random.Random(seed))


def delays(policy: Backoff, count: int) -> list[float]:
    return [policy.next_delay() for _ in range(count)]


def test_first_delay_is_random_within_its_bounds() -> None:
    firsts = {backoff(seed).next_delay() for seed in range(200)}
    assert all(FIRST_MIN <= delay <= FIRST_MAX for delay in firsts)
    assert len(firsts) > 100  # random, not one fixed value
    assert min(firsts) < FIRST_MIN + 1 and max(firsts) > FIRST_MAX - 1  # spread over the range


def test_later_delays_double_with_half_jitter_until_the_cap() -> None:
    for seed in range(50):
        sequence = delays(backoff(seed), 30)
        for previous, delay in itertools.pairwise(sequence):
            assert delay <= CAP
            if previous * 3 <= CAP:  # 2x with +-50 % jitter: between 1x and 3x
                assert previous <= delay <= previous * 3
            else:
                assert min(previous, CAP) <= delay <= CAP
        assert sequence[-1] == CAP  # it gets there and stays


def test_growth_is_about_twofold_on_average() -> None:
    ratios = []
    for seed in range(200):
        first, second = delays(backoff(seed, cap=1e9), 2)
        ratios.append(second / first)
    mean = sum(ratios) / len(ratios)
    assert 1.8 < mean < 2.2
    assert min(ratios) < 1.3 and max(ratios) > 2.7  # jitter spans most of 1x..3x


def test_never_above_the_cap_even_the_first_delay() -> None:
    policy = Backoff(first_min=10.0, first_max=20.0, cap=5.0, rng=random.Random(1))
    assert delays(policy, 5) == [5.0] * 5


def test_same_seed_same_sequence_different_seed_different_sequence() -> None:
    assert delays(backoff(7), 10) == delays(backoff(7), 10)
    assert delays(backoff(7), 10) != delays(backoff(8), 10)


def test_reset_starts_over() -> None:
    policy = backoff(3)
    delays(policy, 12)
    policy.reset()
    first = policy.next_delay()
    assert FIRST_MIN <= first <= FIRST_MAX
    second = policy.next_delay()
    assert first <= second <= first * 3
