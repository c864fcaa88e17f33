"""The connection cut during an exchange, through the TCP fault proxy (tests/fault_proxy.py).

Our client connects through the proxy (STARTTLS, certificate verified for ``localhost`` while
the socket goes to 127.0.0.1:proxy.port); the peer connects to Prosody directly. The peer's
receptions are counted raw, by origin-id: nothing on its side hides a duplicate.

Random cut points come from a seeded RNG; a failing test names its seed in the report
("fault proxy" section). Rerun with ``FAULT_SEED=<seed>``.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace

import pytest
from slixmpp.stanza import Message

from tests.fault_proxy import Direction as Way
from tests.fault_proxy import FaultProxy
from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import FAST, Harness, HarnessFactory
from xmpp_tui.core.commands import SendMessage
from xmpp_tui.core.events import ConnectionChanged, RosterReplaced
from xmpp_tui.core.models import ConnectionState, Delivery, Direction, StoredMessage

#: Delivery states an outbox row may end in: the server has it (and maybe the recipient).
SETTLED = {Delivery.ACKED, Delivery.DELIVERED}


@pytest.fixture
def fault_seed(request: pytest.FixtureRequest) -> int:
    seed = int(os.environ.get("FAULT_SEED") or random.SystemRandom().randrange(2**32))
    request.node.add_report_section(
        "setup", "fault proxy", f"seed={seed} (rerun with FAULT_SEED={seed})"
    )
    return seed


@pytest.fixture
async def proxy(prosody: ProsodyServer, fault_seed: int) -> AsyncIterator[FaultProxy]:
    """A fault proxy in front of Prosody's STARTTLS port (random cuts up to 6 KiB)."""
    async with FaultProxy("127.0.0.1", prosody.c2s_port, seed=fault_seed, random_max=6000) as p:
        yield p


def origin_ids(received: Iterable[Message], prefix: str) -> Counter[str]:
    """Raw receptions of bodies starting with ``prefix``, counted by origin-id."""
    counts: Counter[str] = Counter()
    for message in received:
        if str(message["body"]).startswith(prefix):
            origin = message.xml.find("{urn:xmpp:sid:0}origin-id")
            counts[
                origin.get("id", "") if origin is not None else f"no-origin:{message['id']}"
            ] += 1
    return counts


def outgoing(h: Harness, peer: str) -> list[StoredMessage]:
    page = h.service.history_page(h.account, peer, limit=100_000)
    return [m for m in page if m.direction is Direction.OUTGOING]


def incoming_bodies(h: Harness, peer: str) -> Counter[str]:
    page = h.service.history_page(h.account, peer, limit=100_000)
    return Counter(m.body for m in page if m.direction is Direction.INCOMING)


def duplicates(counts: Counter[str]) -> dict[str, int]:
    return {key: n for key, n in counts.items() if n > 1}


def online_again(h: Harness, onlines: int) -> Callable[[], bool]:
    """True once the connection has gone online more than ``onlines`` times."""
    return lambda: h.count(ConnectionState.ONLINE) > onlines


def fresh_sessions(h: Harness) -> int:
    """Fresh-session setups so far (a resumed stream publishes no RosterReplaced)."""
    return len(h.of_type(RosterReplaced))


async def routed(peer: Peer) -> None:
    """The server has routed everything ``peer`` sent so far (it answers in order)."""
    await peer.client.plugin["xep_0199"].ping(timeout=10)  # to its own server


async def barrier(h: Harness, peer: Peer) -> None:
    """A last message from us, received: anything we sent before (a late duplicate
    included) has reached ``peer`` by now, on the same stream, in order."""
    await h.service.execute(SendMessage(account=h.account, peer=peer.jid, body="barrier"))
    await peer.wait_body("barrier", timeout=15)


async def wait_for(condition: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    """wait_until with a message computed when it fails (the state at that moment)."""
    try:
        await wait_until(condition, timeout)
    except AssertionError:
        raise AssertionError(what()) from None


async def test_exchange_survives_random_cuts_without_loss_or_duplicate(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    proxy: FaultProxy,
    fault_seed: int,
) -> None:
    """200 messages each way while the proxy resets the link at random bytes (mid stanza,
    mid TLS record) 6 times, once more during the reconnection that follows one of them:
    every message arrives exactly once, every outbox row is settled."""
    total, batches, cuts = 200, 10, 6
    alice = new_account("alice")
    bob = await peer()
    # A short ack timeout: a resumed session that Prosody no longer serves is noticed fast.
    h = await harness(alice, port=proxy.port, timing=replace(FAST, ack_timeout=2.0))
    assert proxy.stats.accepted == 1  # really through the proxy
    rng = random.Random(fault_seed)
    cut_batches = sorted(rng.sample(range(batches), cuts))
    double_cut = rng.choice(cut_batches)  # also cut the reconnection (TLS, SASL, resume)
    per_batch = total // batches
    for batch in range(batches):
        onlines = h.count(ConnectionState.ONLINE)
        if batch in cut_batches:
            proxy.cut_after_bytes()
        for i in range(per_batch):
            k = batch * per_batch + i
            await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body=f"a>b {k}"))
            bob.send_chat(alice.jid, f"b>a {k}")
            if i % 5 == 4:
                await asyncio.sleep(0.01)  # spread the traffic (and the cut) over the batch
        if batch in cut_batches:
            await proxy.wait_cut(timeout=15)
            if batch == double_cut:
                proxy.cut_after_bytes(rng.randint(200, 4000))
                await proxy.wait_cut(timeout=15)
            # Back online before the next cut, so each one falls on a live session.
            await wait_until(online_again(h, onlines), timeout=15)
    assert proxy.stats.cuts == cuts + 1

    def state() -> str:
        rows = outgoing(h, bob.jid)
        return (
            f"seed={fault_seed}: bob got {len(origin_ids(bob.received, 'a>b'))}/{total}, "
            f"alice stored {len(incoming_bodies(h, bob.jid))}/{total}, outbox "
            f"{Counter(m.delivery.value for m in rows)}, "
            f"sessions: {h.count(ConnectionState.ONLINE)} online, {fresh_sessions(h)} fresh"
        )

    await wait_for(
        lambda: (
            len(origin_ids(bob.received, "a>b")) == total
            and len(incoming_bodies(h, bob.jid)) == total
            and all(m.delivery in SETTLED for m in outgoing(h, bob.jid))
        ),
        timeout=40,
        what=state,
    )
    await barrier(h, bob)
    received = origin_ids(bob.received, "a>b")
    assert duplicates(received) == {}, f"seed={fault_seed}: bob got duplicates"
    rows = [m for m in outgoing(h, bob.jid) if m.body.startswith("a>b")]
    assert len(rows) == total
    assert set(received) == {m.origin_id for m in rows}
    stored = incoming_bodies(h, bob.jid)
    assert stored == Counter(f"b>a {k}" for k in range(total)), f"seed={fault_seed}"
    assert h.count(ConnectionState.ONLINE) > 1, "the cuts never reached the session"


async def test_cut_while_idle_resumes_the_same_stream(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, proxy: FaultProxy
) -> None:
    """A cut with nothing in flight: XEP-0198 resumes the session (no fresh setup), and a
    message the peer sent while we were away is replayed by the server, stored once."""
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, port=proxy.port)
    onlines, fresh = h.count(ConnectionState.ONLINE), fresh_sessions(h)
    full_jid = h.service.snapshot(alice.jid).detail
    proxy.refuse(True)  # stay away until bob's message is at the server
    assert proxy.cut() == 1
    await h.wait_event(ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING)
    bob.send_chat(alice.jid, "while you were cut off")
    await routed(bob)  # now held by alice's hibernating session
    proxy.refuse(False)
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines, timeout=15)
    await wait_until(lambda: incoming_bodies(h, bob.jid)["while you were cut off"] == 1)
    assert fresh_sessions(h) == fresh, "resumption failed: a fresh session was set up"
    assert h.service.snapshot(alice.jid).detail == full_jid  # same resource, same stream
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="back"))
    await bob.wait_body("back")
    await wait_until(lambda: outgoing(h, bob.jid)[0].delivery is Delivery.DELIVERED)
    assert incoming_bodies(h, bob.jid)["while you were cut off"] == 1


async def test_refused_resumption_catches_up_and_resends_pending_once(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    proxy: FaultProxy,
) -> None:
    """The server restarts (its XEP-0198 session is gone): the fresh session catches up from
    the archive, settles what the server had (acks lost on the way back) without sending it
    again, and re-sends what it never got, same origin-id: the peer sees each exactly once."""
    alice = new_account("alice")
    bob_account = new_account("bob")
    bob = await peer(bob_account)
    h = await harness(alice, port=proxy.port)
    onlines, fresh = h.count(ConnectionState.ONLINE), fresh_sessions(h)

    # 1. The server gets these, but its acks are lost: they stay "sent".
    proxy.blackhole(True, direction=Way.DOWN)
    for k in range(3):
        await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body=f"reached {k}"))
    for k in range(3):
        await bob.wait_body(f"reached {k}")
    # 2. These never reach the server.
    proxy.blackhole(True)
    dropped = proxy.stats.dropped_up
    for k in range(3):
        await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body=f"lost {k}"))
    await wait_until(lambda: proxy.stats.dropped_up > dropped)
    # 3. bob writes to alice's session, which cannot read it (the server queues it).
    for k in range(2):
        bob.send_chat(alice.jid, f"queued {k}")
    await routed(bob)  # now queued in alice's session
    rows = outgoing(h, bob.jid)
    assert {m.delivery for m in rows} == {Delivery.SENT}, rows
    # 4. Restart: the stream-management session dies with the server.
    prosody.stop()
    proxy.blackhole(False)
    proxy.cut()
    prosody.start()

    await wait_until(lambda: fresh_sessions(h) > fresh, timeout=20)
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines, timeout=10)
    bob_again = await peer(bob_account, resource="again")  # live, or offline storage
    await wait_until(lambda: all(m.delivery in SETTLED for m in outgoing(h, bob.jid)), timeout=15)
    await wait_until(
        lambda: len(origin_ids(bob_again.received, "lost")) == 3,
        timeout=10,
    )
    await wait_until(lambda: sum(incoming_bodies(h, bob.jid).values()) == 2, timeout=10)
    await barrier(h, bob_again)

    rows = outgoing(h, bob.jid)
    by_body = {m.body: m for m in rows}
    seen = origin_ids([*bob.received, *bob_again.received], "")
    assert duplicates(seen) == {}
    assert set(seen) == {m.origin_id for m in rows}
    for k in range(3):  # the re-sent ones kept their origin-id
        assert origin_ids(bob_again.received, f"lost {k}") == {by_body[f"lost {k}"].origin_id: 1}
        assert origin_ids(bob.received, f"reached {k}") == {by_body[f"reached {k}"].origin_id: 1}
    assert incoming_bodies(h, bob.jid) == Counter({"queued 0": 1, "queued 1": 1})


async def test_blackhole_is_detected_by_keepalive_and_recovered(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, proxy: FaultProxy
) -> None:
    """Sockets open, no byte passes: the XEP-0199 ping notices within its interval plus its
    timeout; once bytes flow again the session resumes and what was typed arrives once."""
    timing = replace(FAST, keepalive_interval=0.5, keepalive_timeout=1.0, connect_timeout=2.0)
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, port=proxy.port, timing=timing)
    onlines, fresh = h.count(ConnectionState.ONLINE), fresh_sessions(h)
    proxy.blackhole(True)
    started = time.monotonic()
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="into the hole"))
    await h.wait_event(
        ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING, timeout=5
    )
    detected = time.monotonic() - started
    # At most one idle interval, then the ping's timeout (plus scheduling slack).
    budget = timing.keepalive_interval + timing.keepalive_timeout + 1.0
    assert detected <= budget, f"dead link noticed after {detected:.2f} s (budget {budget} s)"
    assert proxy.stats.cuts == 0  # the client gave up by itself; the server was not told
    assert proxy.stats.orphaned == 1
    proxy.blackhole(False)
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines, timeout=15)
    assert fresh_sessions(h) == fresh, "the session should resume after a blackhole"
    await bob.wait_body("into the hole")
    await wait_until(lambda: outgoing(h, bob.jid)[0].delivery is Delivery.DELIVERED)
    await barrier(h, bob)
    assert list(origin_ids(bob.received, "into the hole").values()) == [1]


async def test_many_unacknowledged_messages_give_up_the_link_once_and_resume(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, proxy: FaultProxy
) -> None:
    """Five messages into a black hole time out together: that is one dead link (one abort,
    then a resumption), not five stalls that make the stream look hopeless and throw it away."""
    timing = replace(FAST, ack_timeout=1.0, keepalive_interval=60.0, connect_timeout=2.0)
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, port=proxy.port, timing=timing)
    onlines, fresh = h.count(ConnectionState.ONLINE), fresh_sessions(h)
    proxy.blackhole(True)
    for n in range(5):
        await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body=f"hole {n}"))
    await h.wait_event(
        ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING, timeout=5
    )
    proxy.blackhole(False)
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines, timeout=15)
    assert fresh_sessions(h) == fresh, "one ack timeout must resume, not start afresh"
    await barrier(h, bob)
    assert sorted(origin_ids(bob.received, "hole ").values()) == [1] * 5


async def test_resumed_stream_the_server_never_reads_is_abandoned(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    proxy: FaultProxy,
) -> None:
    """Prosody 0.12.3 keeps parsing a resumed connection with the parser of the session's
    first connection. Cut a long message between its TLS records: that parser is left
    inside the message body, so everything the resumed stream carries is swallowed and
    never acknowledged. The second unanswered ack gives up the stream; the fresh session
    re-sends the message, which arrives once."""
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, port=proxy.port, timing=replace(FAST, ack_timeout=1.0))
    fresh = fresh_sessions(h)
    # TLS 1.3 records carry at most 16 KiB (+22 bytes): cut inside the second one.
    proxy.cut_after_bytes(16_406 + 4_000, direction=Way.UP)
    body = "long " + "x" * 30_000
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body=body))
    await proxy.wait_cut()
    await wait_until(lambda: fresh_sessions(h) > fresh, timeout=20)
    received = await bob.wait_body(body, timeout=15)
    await barrier(h, bob)
    [row] = [m for m in outgoing(h, bob.jid) if m.body == body]
    assert received["id"] == row.origin_id
    assert list(origin_ids(bob.received, "long ").values()) == [1]
    await wait_until(lambda: outgoing(h, bob.jid)[0].delivery is Delivery.DELIVERED)
