"""Zero loss under faults (SECURITY.md R-CUT, R-RESTART, R-FREEZE): one long exchange.

Our client (a real SessionService) talks to Prosody through the TCP fault proxy; a real
slixmpp peer (`tests/reconnecting_peer.py`) talks to Prosody directly and logs in again after
each restart. Both send at a steady pace while, spread over the exchange, the proxy resets the
link at random bytes, Prosody is restarted (SIGTERM, start again on the same ports: its
accounts and archives are files in its data dir and survive) and frozen (SIGSTOP until our
keepalive notices, then SIGCONT).

Oracle, each message body carrying a unique token (its index; the origin-id for the peer's):
- our store: each of the peer's messages exactly once; each of ours exactly once, settled
  (no PENDING/SENT row left: nothing stuck in the outbox);
- the peer: each of ours received live or found in its archive, none received live twice;
- the server's archive (our account's, read by a second resource): every message present,
  none twice.

The server runs in its own directory (restarting the session-wide one would break other
tests). Seeded: the seed is in the report ("fault soak" section); rerun with
``FAULT_SEED=<seed>``. The CI tier (1,000 messages each way, 20 cuts, 3 restarts, 2 freezes)
runs in about a minute; ``-m soak`` runs the long one (5,000 each way, 50/10/10).
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from tests.fault_proxy import FaultProxy
from tests.prosody_server import Account, ProsodyServer
from tests.reconnecting_peer import ReconnectingPeer, duplicates, login, read_archive, wait_for
from tests.service.harness import FAST, Harness, account_settings, start_harness
from xmpp_tui.core.commands import SendMessage
from xmpp_tui.core.events import ConnectionChanged, Event, RosterReplaced
from xmpp_tui.core.models import ConnectionState, Delivery, Direction, StoredMessage

#: Dead-peer detection fast enough for a test: a ping every second, answered within two.
SOAK_TIMING = replace(
    FAST, keepalive_interval=1.0, keepalive_timeout=2.0, connect_timeout=4.0, ack_timeout=3.0
)
SETTLED = {Delivery.ACKED, Delivery.DELIVERED, Delivery.DISPLAYED}
UNSETTLED = {Delivery.PENDING, Delivery.SENT}


@dataclass(frozen=True, slots=True)
class Profile:
    messages: int  # each way
    cuts: int
    restarts: int
    freezes: int
    pace: float = 0.01  # seconds between two message pairs


CI = Profile(messages=1000, cuts=20, restarts=3, freezes=2)
SOAK = Profile(messages=5000, cuts=50, restarts=10, freezes=10)


@dataclass
class Figures:
    """What the run measured; printed, and attached to the report."""

    seed: int
    profile: Profile
    cut_resumed: int = 0
    cut_fresh: int = 0
    #: Our streams Prosody itself closed as not-well-formed: 0.12.3 parses a resumed stream
    #: with the parser of the cut connection, left inside a stanza (see test_faults), and the
    #: next session must start afresh. Counted from its log: the server's bug, not ours.
    server_parser_losses: int = 0
    cut_recovery: list[float] = field(default_factory=list)
    restart_back_online: list[float] = field(default_factory=list)  # after the server listens
    freeze_detection: list[float] = field(default_factory=list)  # SIGSTOP -> we noticed
    freeze_reasons: list[str] = field(default_factory=list)  # what we noticed
    freeze_resumed: int = 0
    sessions_online: int = 0
    sessions_fresh: int = 0
    peer_logins: int = 0
    peer_resent: int = 0
    lost_at_client: int = 0
    dup_at_client: int = 0
    lost_at_peer: int = 0
    dup_at_peer: int = 0
    missing_in_archive: int = 0
    dup_in_archive: int = 0
    stuck_in_outbox: int = 0
    wall: float = 0.0

    def text(self) -> str:
        def spread(values: list[float]) -> str:
            if not values:
                return "-"
            return (
                f"median {statistics.median(values):.2f} s, max {max(values):.2f} s "
                f"({', '.join(f'{v:.2f}' for v in values)})"
            )

        p = self.profile
        return "\n".join(
            [
                f"seed {self.seed} (rerun with FAULT_SEED={self.seed}); wall {self.wall:.1f} s",
                f"messages: {p.messages} each way ({2 * p.messages} in all)",
                f"faults: {p.cuts} cuts, {p.restarts} restarts, {p.freezes} freezes",
                f"cuts: {self.cut_resumed} resumed, {self.cut_fresh} fresh sessions; "
                f"recovery {spread(self.cut_recovery)}",
                f"streams Prosody closed as not-well-formed after a resumption (its parser "
                f"bug): {self.server_parser_losses}",
                f"restarts: back online after the server listens: "
                f"{spread(self.restart_back_online)}",
                f"freezes: detected {spread(self.freeze_detection)} {self.freeze_reasons}; "
                f"{self.freeze_resumed}/{p.freezes} resumed after SIGCONT",
                f"our sessions: {self.sessions_online} online, {self.sessions_fresh} fresh "
                f"(the first included)",
                f"peer: {self.peer_logins} logins, {self.peer_resent} of its messages sent at a "
                "login (written while it was logged out, or not archived when it lost the server)",
                f"lost: {self.lost_at_client} at our client, {self.lost_at_peer} at the peer, "
                f"{self.missing_in_archive} missing from the archive",
                f"duplicated: {self.dup_at_client} at our client, {self.dup_at_peer} at the "
                f"peer, {self.dup_in_archive} in the archive",
                f"stuck in the outbox: {self.stuck_in_outbox}",
            ]
        )


@pytest.fixture
def fault_seed(request: pytest.FixtureRequest) -> int:
    seed = int(os.environ.get("FAULT_SEED") or random.SystemRandom().randrange(2**32))
    request.node.add_report_section(
        "setup", "fault soak", f"seed={seed} (rerun with FAULT_SEED={seed})"
    )
    return seed


@pytest.fixture
def soak_server(tmp_path: Path) -> Iterator[ProsodyServer]:
    """A Prosody of our own, restartable on the same ports."""
    server = ProsodyServer()
    server.setup(tmp_path / "prosody")
    server.start()
    yield server
    server.stop()


def fresh_sessions(h: Harness) -> int:
    """Fresh-session setups so far (a resumed stream publishes no RosterReplaced)."""
    return len(h.of_type(RosterReplaced))


def history(h: Harness, peer: str) -> list[StoredMessage]:
    return h.service.history_page(h.account, peer, limit=1_000_000)


class Stamps:
    """Connection changes with the monotonic time they were published."""

    def __init__(self) -> None:
        self.changes: list[tuple[float, ConnectionState, str]] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, ConnectionChanged):
            self.changes.append((time.monotonic(), event.state, event.detail))

    def first_after(self, moment: float, states: set[ConnectionState]) -> tuple[float, str] | None:
        return next(((t, d) for t, s, d in self.changes if t >= moment and s in states), None)


class Faults:
    """Runs one fault at a time and waits until both sides are back."""

    def __init__(
        self,
        server: ProsodyServer,
        proxy: FaultProxy,
        h: Harness,
        bob: ReconnectingPeer,
        stamps: Stamps,
        figures: Figures,
        rng: random.Random,
    ) -> None:
        self.server, self.proxy, self.h, self.bob = server, proxy, h, bob
        self.stamps, self.figures, self.rng = stamps, figures, rng
        self._last: tuple[str, int] | None = None  # the last cut or freeze, not yet counted

    def _online_again(self, onlines: int) -> bool:
        return self.h.count(ConnectionState.ONLINE) > onlines

    async def _back(self, onlines: int, what: str, timeout: float = 45) -> None:
        await wait_for(
            lambda: self._online_again(onlines) and self.bob.connected.is_set(),
            timeout,
            lambda: (
                f"seed={self.figures.seed}: not back online after {what}; "
                f"last events {self.h.events[-5:]}"
            ),
        )

    def _is_online(self) -> bool:
        return self.h.service.snapshot(self.h.account).state is ConnectionState.ONLINE

    def settle_last(self) -> None:
        """Count the last cut or freeze as resumed or fresh: a resumed stream can still be
        given up later (Prosody never reads it: see test_faults), so this is decided when
        the next fault starts, seconds later, or at the end."""
        if self._last is None:
            return
        kind, fresh = self._last
        self._last = None
        resumed = fresh_sessions(self.h) == fresh
        if kind == "cut":
            self.figures.cut_resumed += resumed
            self.figures.cut_fresh += not resumed
        else:
            self.figures.freeze_resumed += resumed

    async def run(self, kind: str) -> None:
        # Each fault falls on a live session (an earlier one may have cost a reconnection).
        await wait_for(self._is_online, 45, lambda: f"seed={self.figures.seed}: not online")
        self.settle_last()
        onlines, fresh = self.h.count(ConnectionState.ONLINE), fresh_sessions(self.h)
        if kind in ("cut", "freeze"):
            self._last = (kind, fresh)
        started = time.monotonic()
        if kind == "cut":
            self.proxy.cut_after_bytes()  # a random byte in [1, 6000], either way
            await self.proxy.wait_cut(timeout=30)
            await self._back(onlines, "a cut")
            self.figures.cut_recovery.append(time.monotonic() - started)
        elif kind == "restart":
            await asyncio.to_thread(self.server.stop)
            await asyncio.sleep(self.rng.uniform(0.2, 1.5))  # down a moment: sends pile up
            await asyncio.to_thread(self.server.start)
            listening = time.monotonic()
            await self._back(onlines, "a restart")
            await wait_for(
                lambda: fresh_sessions(self.h) > fresh,
                10,
                lambda: f"seed={self.figures.seed}: no fresh session after a restart",
            )
            self.figures.restart_back_online.append(time.monotonic() - listening)
        elif kind == "freeze":
            self.server.pause()
            try:
                await wait_for(
                    lambda: (
                        self.stamps.first_after(started, {ConnectionState.RECONNECTING}) is not None
                    ),
                    30,
                    lambda: f"seed={self.figures.seed}: the freeze was never noticed",
                )
                noticed = self.stamps.first_after(started, {ConnectionState.RECONNECTING})
                assert noticed is not None
                self.figures.freeze_detection.append(noticed[0] - started)
                self.figures.freeze_reasons.append(noticed[1])
                await asyncio.sleep(1.0)  # a reconnection attempt meets the frozen server
            finally:
                self.server.resume()
            await self._back(onlines, "a freeze")
        else:
            raise AssertionError(kind)


async def run_exchange(server: ProsodyServer, home: Path, figures: Figures) -> None:
    seed, profile = figures.seed, figures.profile
    rng = random.Random(seed)
    run = secrets.token_hex(3)
    alice = server.unique_user("alice")
    bob = ReconnectingPeer(server, server.unique_user("bob"))
    began = time.monotonic()
    async with FaultProxy("127.0.0.1", server.c2s_port, seed=seed, random_max=6000) as proxy:
        await bob.start()
        stamps = Stamps()
        h = await start_harness(
            account_settings(server, alice, port=proxy.port), home, timing=SOAK_TIMING
        )
        h.service.subscribe(stamps)
        try:
            await h.wait_online(timeout=20)
            kinds = (
                ["cut"] * profile.cuts
                + ["restart"] * profile.restarts
                + ["freeze"] * profile.freezes
            )
            rng.shuffle(kinds)
            n = profile.messages
            at = sorted(rng.sample(range(n // 20, n - n // 20), len(kinds)))
            faults = Faults(server, proxy, h, bob, stamps, figures, rng)
            running: asyncio.Task[None] | None = None
            for k in range(n):
                if at and k == at[0]:
                    at.pop(0)
                    if running is not None:
                        await running  # each fault on a live session; sends went on meanwhile
                    running = asyncio.create_task(faults.run(kinds.pop(0)))
                await h.service.execute(
                    SendMessage(account=alice.jid, peer=bob.jid, body=f"T-{run}-a{k}")
                )
                bob.send(alice.jid, f"T-{run}-b{k}", origin_id=f"T-{run}-b{k}")
                await asyncio.sleep(profile.pace)
            if running is not None:
                await running
            assert not kinds, "every fault ran"
            await settle(h, bob, run, n, figures)
            faults.settle_last()
            assert proxy.stats.cuts == profile.cuts, "a cut did not happen"
            await check(server, alice, h, bob, run, n, figures)
        finally:
            figures.wall = time.monotonic() - began
            figures.sessions_online = h.count(ConnectionState.ONLINE)
            figures.sessions_fresh = fresh_sessions(h)
            figures.peer_logins, figures.peer_resent = bob.logins, bob.resent
            figures.server_parser_losses = parser_losses(server, alice.jid)
            await h.stop()
            await bob.stop()


def parser_losses(server: ProsodyServer, account: str) -> int:
    """How many of ``account``'s streams the server closed as not-well-formed."""
    closed = f"c2s stream for {account}/"
    with server.log_path.open(encoding="utf-8", errors="replace") as log:
        return sum(1 for line in log if closed in line and "closed: not-well-formed" in line)


async def settle(h: Harness, bob: ReconnectingPeer, run: str, n: int, figures: Figures) -> None:
    """Wait until every message is where it belongs (or fail with the state)."""
    await bob.settle(timeout=60)
    wanted_in = {f"T-{run}-b{k}" for k in range(n)}

    def state() -> tuple[int, int, int]:
        rows = history(h, bob.jid)
        failed = [m.body for m in rows if m.delivery is Delivery.FAILED]
        assert not failed, f"seed={figures.seed}: refused by the server (lost): {failed}"
        stored = {m.body for m in rows if m.direction is Direction.INCOMING}
        outgoing = {m.origin_id for m in rows if m.direction is Direction.OUTGOING}
        unsettled = sum(1 for m in rows if m.delivery in UNSETTLED)
        at_peer = set(bob.live) | bob.archived_in
        return len(wanted_in - stored), len(outgoing - at_peer), unsettled

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    while (current := state()) != (0, 0, 0):
        if loop.time() > deadline:
            raise AssertionError(
                f"seed={figures.seed}: not settled: {current[0]} of the peer's messages "
                f"missing here, {current[1]} of ours missing at the peer, "
                f"{current[2]} unsettled in the outbox"
            )
        await asyncio.sleep(0.5)
        await bob.sync()


async def check(
    server: ProsodyServer,
    alice: Account,
    h: Harness,
    bob: ReconnectingPeer,
    run: str,
    n: int,
    figures: Figures,
) -> None:
    # A last message each way: anything sent before it (a late duplicate too) is in by now.
    await h.service.execute(SendMessage(account=h.account, peer=bob.jid, body=f"T-{run}-end"))
    bob.send(h.account, f"T-{run}-end", origin_id=f"T-{run}-end")
    await wait_for(
        lambda: (
            any(
                m.body == f"T-{run}-end" and m.direction is Direction.INCOMING
                for m in history(h, bob.jid)
            )
            and any(
                bob.live[m.origin_id or ""]
                for m in history(h, bob.jid)
                if m.body == f"T-{run}-end" and m.direction is Direction.OUTGOING
            )
        ),
        30,
        lambda: f"seed={figures.seed}: the closing messages did not arrive",
    )
    rows = [
        m for m in history(h, bob.jid) if m.body.startswith(f"T-{run}-") and "end" not in m.body
    ]
    incoming = Counter(m.body for m in rows if m.direction is Direction.INCOMING)
    outgoing = [m for m in rows if m.direction is Direction.OUTGOING]
    sent_bodies = Counter(m.body for m in outgoing)
    ours = {m.origin_id or "" for m in outgoing}
    wanted_in = Counter(f"T-{run}-b{k}" for k in range(n))

    figures.lost_at_client = len(set(wanted_in) - set(incoming))
    figures.dup_at_client = sum(c - 1 for c in incoming.values() if c > 1) + sum(
        c - 1 for c in sent_bodies.values() if c > 1
    )
    at_peer = set(bob.live) | bob.archived_in
    figures.lost_at_peer = len(ours - at_peer)
    peer_dups = {o: c for o, c in duplicates(bob.live).items() if o in ours}
    figures.dup_at_peer = sum(c - 1 for c in peer_dups.values())
    figures.stuck_in_outbox = sum(1 for m in outgoing if m.delivery not in SETTLED)

    # The server's view: our account's archive, read by a second resource.
    audit = await login(server, alice, "audit")
    try:
        archived, _ = await read_archive(audit.client, after=None, with_jid=bob.jid)
    finally:
        await audit.close()
    in_archive = Counter(a.origin_id for a in archived if a.body.startswith(f"T-{run}-"))
    expected = ours | set(wanted_in)
    figures.missing_in_archive = len(expected - set(in_archive))
    figures.dup_in_archive = sum(c - 1 for c in in_archive.values() if c > 1)

    seed = f"seed={figures.seed}"
    assert incoming == wanted_in, f"{seed}: our store differs from what the peer sent"
    assert len(outgoing) == n and sent_bodies == Counter(f"T-{run}-a{k}" for k in range(n))
    assert figures.lost_at_peer == 0, f"{seed}: {ours - at_peer} never reached the peer"
    assert peer_dups == {}, f"{seed}: the peer received these twice: {peer_dups}"
    assert figures.stuck_in_outbox == 0, f"{seed}: outbox rows left unsettled"
    assert figures.missing_in_archive == 0, f"{seed}: {expected - set(in_archive)} not archived"
    assert duplicates(in_archive) == {}, f"{seed}: archived twice: {duplicates(in_archive)}"
    assert duplicates(bob.archived_out) == {}, "the test peer itself sent something twice"


@pytest.mark.parametrize(
    "profile", [pytest.param(CI, id="ci"), pytest.param(SOAK, id="soak", marks=pytest.mark.soak)]
)
@pytest.mark.timeout(3600)
async def test_exchange_under_cuts_restarts_and_freezes_loses_and_duplicates_nothing(
    soak_server: ProsodyServer,
    tmp_path: Path,
    fault_seed: int,
    profile: Profile,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Messages both ways at a steady pace through cuts, restarts and freezes: 0 lost,
    0 duplicated anywhere, nothing stuck in the outbox, most cuts resumed, each freeze
    noticed by our keepalive within its interval plus its timeout."""
    figures = Figures(seed=fault_seed, profile=profile)
    try:
        await run_exchange(soak_server, tmp_path / "home", figures)
    finally:
        request.node.add_report_section("call", "fault soak figures", figures.text())
        with capsys.disabled():
            print("\n" + figures.text())
    # Most cuts resumed: of the fresh sessions, those Prosody forced by closing a resumed
    # stream it could not parse (its bug, counted from its log) do not count against us.
    ours = max(0, figures.cut_fresh - figures.server_parser_losses)
    assert figures.cut_resumed > ours, figures.text()
    budget = SOAK_TIMING.keepalive_interval + SOAK_TIMING.keepalive_timeout + 2.0
    assert max(figures.freeze_detection) <= budget, figures.text()
