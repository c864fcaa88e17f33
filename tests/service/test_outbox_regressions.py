"""Outbox bugs found by the fault soak and kill tests (tests/service/test_fault_soak.py,
tests/service/test_kill_restart.py), each pinned by a test that fails without its fix."""

from __future__ import annotations

from collections import Counter

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.reconnecting_peer import origin_of
from tests.service.harness import HarnessFactory
from xmpp_tui.core.commands import Connect, CorrectMessage, Disconnect, SendMessage
from xmpp_tui.core.events import ConnectionChanged
from xmpp_tui.core.models import ConnectionState, Delivery, Direction


async def test_message_typed_during_a_fresh_session_setup_is_sent_once(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """A fresh session is usable (``online``) while its setup still reads the archive; a
    message typed then goes out at once, marked sent. The outbox flush at the end of the
    setup took it for one the last stream lost (sent, not acknowledged, not in the archive)
    and sent it again: the peer got it twice. It is on this stream: it must go once."""
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, online=False)
    # Test hook: type the message at the end of the setup (after the archive catch-ups,
    # just before the outbox flush, no ack yet), when the session already sends.
    session = h.service._sessions[alice.jid]
    load_bookmarks = session.bookmarks.load
    typed: list[bool] = []

    async def load_then_type() -> None:
        await load_bookmarks()
        if not typed:
            typed.append(True)
            assert session.online and h.count(ConnectionState.ONLINE) == 0
            await h.service.execute(
                SendMessage(account=alice.jid, peer=bob.jid, body="during setup")
            )

    session.bookmarks.load = load_then_type  # type: ignore[method-assign,assignment]
    await h.wait_online(timeout=20)
    await bob.wait_body("during setup", timeout=10)
    # A last message: anything sent before it (a second copy too) has reached bob.
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="after"))
    await bob.wait_body("after", timeout=10)
    received = Counter(origin_of(m) for m in bob.received if m["body"] == "during setup")
    assert list(received.values()) == [1], received
    page = h.service.history_page(alice.jid, bob.jid, limit=1000)
    [row] = [m for m in page if m.direction is Direction.OUTGOING and m.body == "during setup"]
    assert set(received) == {row.origin_id}
    await wait_until(
        lambda: all(
            m.delivery is not Delivery.SENT
            for m in h.service.history_page(alice.jid, bob.jid, limit=1000)
            if m.direction is Direction.OUTGOING
        )
    )


async def test_correction_typed_during_a_fresh_session_setup_is_sent_once(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """The same window for a correction (XEP-0308): typed while a fresh session's setup
    runs, it goes out at once; the correction flush at the end of the setup must not send
    it a second time."""
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="tpyo"))
    await bob.wait_body("tpyo", timeout=10)
    await h.service.execute(Disconnect(account=alice.jid))
    await h.wait_event(ConnectionChanged, lambda e: e.state is ConnectionState.DISCONNECTED)
    session = h.service._sessions[alice.jid]
    load_bookmarks = session.bookmarks.load
    typed: list[bool] = []

    async def load_then_correct() -> None:
        await load_bookmarks()
        if not typed:
            typed.append(True)
            assert session.online
            await h.service.execute(CorrectMessage(account=alice.jid, peer=bob.jid, body="typo"))

    session.bookmarks.load = load_then_correct  # type: ignore[method-assign,assignment]
    onlines = h.count(ConnectionState.ONLINE)
    await h.service.execute(Connect(account=alice.jid))
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines, timeout=20)
    await bob.wait_body("typo", timeout=10)
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="after"))
    await bob.wait_body("after", timeout=10)
    corrections = [m for m in bob.received if m["body"] == "typo"]
    assert typed and len(corrections) == 1, [m["id"] for m in corrections]
