"""The promises resting on the Timing defaults (service/timing.py)."""

from __future__ import annotations

from dataclasses import replace

from xmpp_tui.service.timing import Timing

#: Issue #5: a dead peer is noticed within 65 s.
DEAD_PEER_LIMIT = 65.0


def test_a_dead_link_is_noticed_within_65_seconds_by_default() -> None:
    timing = Timing()
    # Idle: the link dies just after a ping was answered; the next one goes out an
    # interval later and fails after its timeout.
    idle_worst = timing.keepalive_interval + timing.keepalive_timeout
    # After a message: its XEP-0198 ack check fires.
    sent_worst = timing.ack_timeout
    assert timing.dead_peer_bound == max(idle_worst, sent_worst)
    assert timing.dead_peer_bound <= DEAD_PEER_LIMIT


def test_the_bound_follows_whichever_check_is_slower() -> None:
    assert (
        replace(Timing(), keepalive_interval=1, keepalive_timeout=2, ack_timeout=9).dead_peer_bound
        == 9
    )
    assert (
        replace(Timing(), keepalive_interval=5, keepalive_timeout=2, ack_timeout=3).dead_peer_bound
        == 7
    )


def test_the_reconnect_budget_is_six_attempts_in_five_minutes() -> None:
    timing = Timing()
    assert timing.reconnect_attempts == 6
    assert timing.reconnect_window == 300.0
    assert timing.backoff_growth_min >= 1.5  # delays never shrink
    assert timing.backoff_first_max <= 10.0  # a blip is over within seconds
    assert timing.stable_after >= 60.0
