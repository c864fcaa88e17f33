"""1:1 chat against the real server: outbox, receipts, history across restarts."""

from __future__ import annotations

from pathlib import Path

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, start_harness
from xmpp_tui.core.commands import SendMessage
from xmpp_tui.core.events import MessageAdded
from xmpp_tui.core.models import Delivery, Direction


async def test_message_round_trip_with_receipt_and_restart(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    settings = account_settings(prosody, alice)
    h = await start_harness(settings, tmp_path)
    try:
        await h.wait_online()
        await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="hello bob"))
        received = await bob.wait_body("hello bob")
        origin = received.xml.find("{urn:xmpp:sid:0}origin-id")
        assert origin is not None and origin.get("id") == received["id"]
        assert received["request_receipt"]

        # bob's client acknowledges (auto_ack) -> delivered
        page = h.service.history_page(alice.jid, bob.jid)
        assert [m.body for m in page] == ["hello bob"]
        await wait_until(
            lambda: h.service.history_page(alice.jid, bob.jid)[0].delivery is Delivery.DELIVERED
        )

        bob.send_chat(alice.jid, "hi alice [b]x[/b]")
        added = await h.wait_event(
            MessageAdded, lambda e: e.message.direction is Direction.INCOMING
        )
        assert added.message.body == "hi alice [b]x[/b]"
        assert added.message.peer == bob.jid
        assert added.message.sender.startswith(bob.jid + "/")
    finally:
        await h.stop()

    # A new process over the same store shows the history at once, in order.
    again = await start_harness(settings, tmp_path)
    try:
        bodies = [m.body for m in again.service.history_page(alice.jid, bob.jid)]
        assert bodies == ["hello bob", "hi alice [b]x[/b]"]
    finally:
        await again.stop()
