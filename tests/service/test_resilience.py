"""Connection resilience rules (issue #5): no reconnect storm, dead peers noticed in time,
one process per account.

Timings are scaled down (a 3 s budget window stands for 5 minutes); the rules are the
same code paths as with the defaults (tests/unit/test_backoff.py and test_timing.py hold
the defaults to them).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fault_proxy import Direction as Way
from tests.fault_proxy import FaultProxy
from tests.lock_holder import hold_lock_async
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import FAST, Harness, HarnessFactory, account_settings
from xmpp_tui.core.commands import Connect, Disconnect, SendMessage
from xmpp_tui.core.events import AccountFailed, CommandFailed, ConnectionChanged, Event
from xmpp_tui.core.models import ConnectionState

#: The budget scaled: 6 attempts in any 3 s; delays short enough that only the budget
#: holds the attempts back.
STORMY = replace(
    FAST,
    connect_timeout=2.0,
    backoff_first_min=0.05,
    backoff_first_max=0.1,
    backoff_cap=0.4,
    reconnect_attempts=6,
    reconnect_window=3.0,
    stable_after=1.5,
)


@pytest.fixture
async def proxy(prosody: ProsodyServer) -> AsyncIterator[FaultProxy]:
    async with FaultProxy("127.0.0.1", prosody.c2s_port) as p:
        yield p


@dataclass
class Attempts:
    """When each connection attempt started (CONNECTING), on the monotonic clock."""

    times: list[float] = field(default_factory=list)
    onlines: list[float] = field(default_factory=list)
    retries: list[tuple[float, datetime]] = field(default_factory=list)  # (now, next attempt)

    def __call__(self, event: Event) -> None:
        if not isinstance(event, ConnectionChanged):
            return
        now = time.monotonic()
        if event.state is ConnectionState.CONNECTING:
            self.times.append(now)
        elif event.state is ConnectionState.ONLINE:
            self.onlines.append(now)
        elif event.state is ConnectionState.RECONNECTING and event.next_attempt_at is not None:
            self.retries.append((now, event.next_attempt_at))

    def most_in_any_window(self, window: float) -> int:
        # A busiest half-open window can be slid to start at an attempt. The 1 ms is the
        # gap between publishing CONNECTING and the policy recording the attempt.
        return max(sum(1 for b in self.times if a <= b < a + window - 0.001) for a in self.times)


def recording(h: Harness) -> Attempts:
    """Time the attempts from now on (the harness keeps the events, not their times)."""
    attempts = Attempts()
    h.service.subscribe(attempts)
    return attempts


async def test_unreachable_server_gets_at_most_the_budget(
    new_account: AccountFactory, harness: HarnessFactory, proxy: FaultProxy
) -> None:
    """Refused at once, again and again: the 7th attempt waits for the 1st to leave the
    window, and the status bar is told when that will be."""
    alice = new_account("alice")
    proxy.refuse(True)
    h = await harness(alice, port=proxy.port, timing=STORMY, online=False)
    assert h.count(ConnectionState.CONNECTING) == 0  # the supervisor has not run yet
    attempts = recording(h)
    await wait_until(lambda: len(attempts.times) >= 14, timeout=20)
    await h.stop()
    window = STORMY.reconnect_window
    assert attempts.most_in_any_window(window) <= STORMY.reconnect_attempts, attempts.times
    # The budget, not the delays, held them back: six quick ones, then a pause.
    first, sixth, seventh = attempts.times[0], attempts.times[5], attempts.times[6]
    assert sixth - first < 2.0, attempts.times
    assert seventh - first >= window - 0.001
    # Each attempt was one connection to the server, no hidden retries.
    assert proxy.stats.accepted == len(attempts.times)
    # The wait after the sixth announced the budget's time, not the short delay.
    announced = next(at for now, at in attempts.retries if now > sixth)
    wall_first = datetime.now(UTC).timestamp() - (time.monotonic() - first)
    assert announced.timestamp() >= wall_first + window - 0.1


async def test_server_dropping_each_session_at_once_gets_no_more_then_a_blip_is_quick(
    new_account: AccountFactory, harness: HarnessFactory, proxy: FaultProxy
) -> None:
    """A server that accepts and drops at once does not reset the budget; a session that
    stayed up (stable_after) does, so one blip then reconnects within the first delay."""
    alice = new_account("alice")
    h = await harness(alice, port=proxy.port, timing=STORMY)
    attempts = recording(h)
    loop = asyncio.get_running_loop()
    dropping = True

    def drop_when_online(event: Event) -> None:
        if (
            dropping
            and isinstance(event, ConnectionChanged)
            and event.state is ConnectionState.ONLINE
        ):
            loop.call_soon(proxy.cut)

    h.service.subscribe(drop_when_online)
    proxy.cut()
    await wait_until(lambda: len(attempts.onlines) >= 12, timeout=30)
    dropping = False
    window = STORMY.reconnect_window
    assert attempts.most_in_any_window(window) <= STORMY.reconnect_attempts, attempts.times
    # Now it stays up past stable_after, then one blip: back within the first delay.
    await wait_until(
        lambda: h.service.snapshot(alice.jid).state is ConnectionState.ONLINE, timeout=10
    )
    await asyncio.sleep(STORMY.stable_after + 0.3)  # not a wait: the session has to last
    online_at = len(attempts.onlines)
    blip = time.monotonic()
    proxy.cut()
    await wait_until(lambda: len(attempts.onlines) > online_at, timeout=5)
    back = attempts.onlines[-1] - blip
    assert back < STORMY.backoff_first_max + 1.0, f"back after {back:.2f} s"


async def test_connect_skips_the_wait_automatic_retries_do_not(
    new_account: AccountFactory, harness: HarnessFactory, proxy: FaultProxy
) -> None:
    alice = new_account("alice")
    proxy.refuse(True)
    timing = replace(STORMY, reconnect_window=60.0)  # a wait no test would sit out
    h = await harness(alice, port=proxy.port, timing=timing, online=False)

    def retries() -> list[ConnectionChanged]:
        return [e for e in h.of_type(ConnectionChanged) if e.state is ConnectionState.RECONNECTING]

    await wait_until(lambda: len(retries()) == 6, timeout=10)
    next_attempt = retries()[-1].next_attempt_at
    assert next_attempt is not None
    assert (next_attempt - datetime.now(UTC)).total_seconds() > 30  # the budget's wait
    assert h.count(ConnectionState.CONNECTING) == 6
    proxy.refuse(False)
    await h.service.execute(Connect(account=alice.jid))  # the user does not want to wait
    await h.wait_online(timeout=5)
    assert h.count(ConnectionState.CONNECTING) == 7


async def test_dead_link_is_noticed_within_the_bound(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, proxy: FaultProxy
) -> None:
    """The worst case while idle: the link dies just after a ping was answered. It is
    noticed one interval plus one ping timeout later (Timing.dead_peer_bound), not later."""
    timing = replace(
        FAST, keepalive_interval=1.0, keepalive_timeout=1.0, ack_timeout=1.5, connect_timeout=2.0
    )
    alice = new_account("alice")
    h = await harness(alice, port=proxy.port, timing=timing)
    # Idle now except for pings: wait for one answer to pass, then cut the link silently.
    await asyncio.sleep(0.3)  # let the session's last setup replies through
    seen = proxy.stats.bytes_down
    await wait_until(lambda: proxy.stats.bytes_down > seen, timeout=5, interval=0.005)
    proxy.blackhole(True)
    started = time.monotonic()
    await h.wait_event(
        ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING, timeout=10
    )
    detected = time.monotonic() - started
    bound = timing.dead_peer_bound
    assert detected <= bound + 1.0, f"dead link noticed after {detected:.2f} s (bound {bound})"
    assert detected >= timing.keepalive_timeout  # a ping really had to time out
    assert proxy.stats.cuts == 0  # the client found out by itself


async def test_dead_link_after_a_send_is_noticed_by_the_ack_timeout(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, proxy: FaultProxy
) -> None:
    timing = replace(FAST, keepalive_interval=30.0, ack_timeout=1.0, connect_timeout=2.0)
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, port=proxy.port, timing=timing)
    proxy.blackhole(True, direction=Way.BOTH)
    started = time.monotonic()
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="into the void"))
    await h.wait_event(
        ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING, timeout=10
    )
    detected = time.monotonic() - started
    assert timing.ack_timeout <= detected <= timing.ack_timeout + 1.0, f"{detected:.2f} s"
    proxy.blackhole(False)
    await bob.wait_body("into the void", timeout=15)


# -- one process per account ---------------------------------------------------------


async def test_second_service_over_the_same_store_is_refused_others_unharmed(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory, tmp_path: Path
) -> None:
    alice, carol = new_account("alice"), new_account("carol")
    first = await harness(alice)
    alice_settings = account_settings(prosody, alice)
    carol_settings = account_settings(prosody, carol)
    second = await harness(alice_settings, accounts=(alice_settings, carol_settings), online=False)
    failed = await second.wait_event(AccountFailed, lambda e: e.account == alice.jid)
    assert failed.message == (
        f"{alice.jid} is already open in another xmpp-tui "
        f"(pid {os.getpid()} on {socket.gethostname()}); close it there first"
    )
    assert "/connect" in failed.hint
    assert second.service.snapshot(alice.jid).state is ConnectionState.FAILED
    # carol, in the same second service, connects as usual
    await second.wait_event(
        ConnectionChanged,
        lambda e: e.account == carol.jid and e.state is ConnectionState.ONLINE,
    )
    # the refused account never touched the server: the first one is still online
    assert not any(
        isinstance(e, ConnectionChanged)
        and e.account == alice.jid
        and e.state is ConnectionState.CONNECTING
        for e in second.events
    )
    assert first.service.snapshot(alice.jid).state is ConnectionState.ONLINE
    # Nothing typed in the second one reaches the account's history (the first would show
    # it as its own, and send it): refused with the same line.
    await second.service.execute(SendMessage(account=alice.jid, peer=carol.jid, body="stray"))
    refused = await second.wait_event(CommandFailed, lambda e: e.command == "SendMessage")
    assert refused.message == failed.message
    assert first.service.history_page(alice.jid, carol.jid, limit=10) == []
    # /disconnect in the first keeps the account its own (its outbox stays its own)
    await first.service.execute(Disconnect(account=alice.jid))
    await first.wait_event(
        ConnectionChanged,
        lambda e: e.account == alice.jid and e.state is ConnectionState.DISCONNECTED,
    )
    # /connect retries the lock: still held, still refused (one more line, no connection)
    await second.service.execute(Connect(account=alice.jid))
    await wait_until(lambda: len(second.of_type(AccountFailed)) == 2)
    await first.stop()  # releases it
    await second.service.execute(Connect(account=alice.jid))
    await second.wait_event(
        ConnectionChanged,
        lambda e: e.account == alice.jid and e.state is ConnectionState.ONLINE,
    )


async def test_account_held_by_another_process_until_it_is_killed(
    new_account: AccountFactory, harness: HarnessFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    holder = await hold_lock_async(tmp_path, alice.jid)
    try:
        h = await harness(alice, online=False)
        failed = await h.wait_event(AccountFailed)
        assert f"(pid {holder.pid} on {socket.gethostname()}); close it there first" in (
            failed.message
        )
        holder.send_signal(signal.SIGKILL)  # the holder cannot clean anything up
        await holder.wait()
        await h.service.execute(Connect(account=alice.jid))
        await h.wait_online()
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
