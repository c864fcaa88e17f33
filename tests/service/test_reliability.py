"""Dead-peer detection and recovery, spoofed confirmations, secrets in logs."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import re
import signal
from dataclasses import replace
from pathlib import Path

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import FAST, HarnessFactory
from xmpp_tui.core.commands import AddContact, SendMessage
from xmpp_tui.core.events import ConnectionChanged, MessageAdded
from xmpp_tui.core.models import ConnectionState, Delivery
from xmpp_tui.logs import setup_logging


async def test_frozen_server_is_detected_by_keepalive_and_recovered(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """Idle link: the XEP-0199 ping notices the freeze; the session resumes (XEP-0198),
    contacts' presence survives it, and a message typed while offline goes out exactly once."""
    alice = new_account("alice")
    bob = await peer(auto_authorize=True)
    timing = replace(FAST, keepalive_interval=0.5, keepalive_timeout=1.0, connect_timeout=2.0)
    h = await harness(alice, timing=timing)
    await h.service.execute(AddContact(account=alice.jid, jid=bob.jid))

    def bob_online() -> bool:
        snapshot = h.service.snapshot(alice.jid)
        return any(p.jid == bob.jid and p.resources for p in snapshot.presences)

    await wait_until(bob_online)
    onlines = h.count(ConnectionState.ONLINE)
    prosody.pause()
    try:
        await h.wait_event(
            ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING, timeout=8
        )
        await h.service.execute(
            SendMessage(account=alice.jid, peer=bob.jid, body="typed while offline")
        )
        [queued] = h.service.history_page(alice.jid, bob.jid)
        assert queued.delivery is Delivery.PENDING
    finally:
        prosody.resume()
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines, timeout=15)
    await bob.wait_body("typed while offline")
    await wait_until(
        lambda: h.service.history_page(alice.jid, bob.jid)[0].delivery is Delivery.DELIVERED
    )
    assert [m["body"] for m in bob.received].count("typed while offline") == 1
    assert h.count(ConnectionState.ONLINE) == onlines + 1
    assert bob_online(), "a resumed stream does not resend presence: it must be kept"


async def test_unacked_message_survives_a_server_crash(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """A message written to a frozen server is never acknowledged: the ack check drops the
    link long before the next ping; the server then dies (resumption impossible) and the
    fresh session re-sends the message from the outbox, same id, delivered exactly once."""
    alice = new_account("alice")
    bob = new_account("bob")
    timing = replace(FAST, keepalive_interval=60.0, ack_timeout=1.0, connect_timeout=2.0)
    h = await harness(alice, timing=timing)
    onlines = h.count(ConnectionState.ONLINE)
    prosody.pause()
    try:
        await h.service.execute(
            SendMessage(account=alice.jid, peer=bob.jid, body="sent into the freeze")
        )
        [sent] = h.service.history_page(alice.jid, bob.jid)
        assert sent.delivery is Delivery.SENT
        await h.wait_event(
            ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING, timeout=5
        )
    finally:
        assert prosody.pid is not None
        os.kill(prosody.pid, signal.SIGKILL)  # the frozen server never read it
        prosody.stop()
        prosody.start()
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines, timeout=15)
    await wait_until(
        lambda: h.service.history_page(alice.jid, bob.jid)[0].delivery is Delivery.ACKED
    )
    receiver = await peer(bob)  # offline storage delivers on login
    received = await receiver.wait_body("sent into the freeze")
    assert received["id"] == sent.origin_id
    await asyncio.sleep(0)  # let any duplicate arrive in the same read
    assert [m["body"] for m in receiver.received].count("sent into the freeze") == 1


async def test_receipt_from_someone_else_does_not_confirm(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer(auto_ack_receipts=False)
    mallory = await peer()
    h = await harness(alice)
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="for bob"))
    sent = await bob.wait_body("for bob")
    forged = mallory.client.Message()
    forged["to"] = alice.jid
    forged["receipt"] = sent["id"]
    forged.send()
    # positive control: the real recipient's receipt is accepted
    real = bob.client.Message()
    real["to"] = alice.jid
    real["receipt"] = sent["id"]
    mallory_first = mallory.client.Message()
    mallory_first["to"] = alice.jid
    mallory_first["body"] = "marker"
    mallory_first["type"] = "chat"
    mallory_first.send()
    await h.wait_event(MessageAdded, lambda e: e.message.body == "marker")
    [message] = h.service.history_page(alice.jid, bob.jid)
    assert message.delivery is not Delivery.DELIVERED
    real.send()
    await wait_until(
        lambda: h.service.history_page(alice.jid, bob.jid)[0].delivery is Delivery.DELIVERED
    )


async def test_debug_log_never_holds_the_password(
    new_account: AccountFactory, harness: HarnessFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    log_dir = tmp_path / "log"
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    log_file = setup_logging("DEBUG", log_dir)
    try:
        h = await harness(alice)
        await h.stop()
    finally:
        for handler in list(root.handlers):
            if handler not in saved[1]:
                handler.close()
                root.removeHandler(handler)
        root.setLevel(saved[0])
    text = log_file.read_text(encoding="utf-8")
    assert "SEND:" in text  # the stream really was logged at DEBUG
    user = alice.jid.split("@")[0]
    plain = base64.b64encode(f"\0{user}\0{alice.password}".encode()).decode()
    assert alice.password not in text
    assert plain not in text
    # SCRAM: the client-first/-final messages (nonce, proof) would allow an offline attack.
    sasl = re.findall(r"<(auth|response|challenge|success)\b[^>]*>(.*?)</\1>", text)
    assert sasl, "no SASL element was logged at all"
    assert {payload for _name, payload in sasl} == {"[redacted]"}
    assert (log_file.stat().st_mode & 0o777) == 0o600
