"""Connection timings, one place, so tests can shorten them.

Two promises rest on the defaults (tests/unit/test_timing.py checks them):

- a dead link is noticed within ``dead_peer_bound`` (65 s): an idle link by the XEP-0199
  ping (it dies right after a ping was answered: one interval, then the next ping's
  timeout), a link we just sent on by the missing XEP-0198 ack;
- an unreachable server gets at most ``reconnect_attempts`` (6) attempts in any
  ``reconnect_window`` (5 minutes), however it fails (service/backoff.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    #: Abort a connection attempt that is not online after this (slixmpp waits forever).
    connect_timeout: float = 30.0
    #: XEP-0199 ping interval and timeout for dead-peer detection.
    keepalive_interval: float = 45.0
    keepalive_timeout: float = 20.0
    #: Reconnect back-off: first delay drawn from [first_min, first_max], then each one
    #: the previous times a factor drawn from [growth_min, growth_max], capped.
    backoff_first_min: float = 1.0
    backoff_first_max: float = 10.0
    backoff_growth_min: float = 1.5
    backoff_growth_max: float = 2.5
    backoff_cap: float = 300.0
    #: The attempt budget: at most this many connection attempts in any window this long.
    reconnect_attempts: int = 6
    reconnect_window: float = 300.0
    #: A session that stayed up this long resets the back-off and the budget (one that
    #: drops sooner does not: a server that accepts and drops at once is still limited).
    stable_after: float = 60.0
    #: A sent message the server has not acknowledged (XEP-0198) after this: link is dead.
    ack_timeout: float = 20.0
    #: Bound on IQs the user waits for (roster edits, etc.).
    iq_timeout: float = 15.0
    #: XEP-0410: ask each joined room this often whether it still knows us (a dropped join
    #: is otherwise silent); occupant changes are published at most once per coalesce delay.
    room_ping_interval: float = 300.0
    occupants_coalesce: float = 0.1

    @property
    def dead_peer_bound(self) -> float:
        """Worst case from a link dying to our noticing it, in seconds.

        Idle: the link dies just after a ping was answered; the next ping goes out one
        interval later and fails after its timeout. Pings run on a timer of their own,
        whatever else flows. After a send: the ack check fires ``ack_timeout`` later.
        """
        return max(self.keepalive_interval + self.keepalive_timeout, self.ack_timeout)
