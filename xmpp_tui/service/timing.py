"""Connection timings, one place, so tests can shorten them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    #: Abort a connection attempt that is not online after this (slixmpp waits forever).
    connect_timeout: float = 30.0
    #: XEP-0199 ping interval and timeout for dead-peer detection.
    keepalive_interval: float = 45.0
    keepalive_timeout: float = 20.0
    #: Reconnect back-off: first delay drawn from [first_min, first_max], then doubling
    #: with +-50 % jitter, capped.
    backoff_first_min: float = 1.0
    backoff_first_max: float = 10.0
    backoff_cap: float = 300.0
    #: A sent message the server has not acknowledged (XEP-0198) after this: link is dead.
    ack_timeout: float = 20.0
    #: Bound on IQs the user waits for (roster edits, etc.).
    iq_timeout: float = 15.0
    #: XEP-0410: ask each joined room this often whether it still knows us (a dropped join
    #: is otherwise silent); occupant changes are published at most once per coalesce delay.
    room_ping_interval: float = 300.0
    occupants_coalesce: float = 0.1
