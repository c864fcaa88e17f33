"""1:1 chat against the real server: outbox, receipts, history across restarts."""

from __future__ import annotations

from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import Harness, HarnessFactory
from xmpp_tui.core.commands import AddContact, ApproveSubscription, SendMessage
from xmpp_tui.core.events import (
    HistoryWriteFailed,
    MessageAdded,
    RosterItemChanged,
    SubscriptionRequested,
)
from xmpp_tui.core.models import Delivery, Direction


async def test_message_round_trip_with_receipt_and_restart(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
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
    added = await h.wait_event(MessageAdded, lambda e: e.message.direction is Direction.INCOMING)
    assert added.message.body == "hi alice [b]x[/b]"
    assert added.message.peer == bob.jid
    assert added.message.sender.startswith(bob.jid + "/")
    await h.stop()

    # A new process over the same store shows the history at once, in order.
    again = await harness(alice, online=False)
    bodies = [m.body for m in again.service.history_page(alice.jid, bob.jid)]
    assert bodies == ["hello bob", "hi alice [b]x[/b]"]


async def _contacts(h: Harness, alice: str, bob: Peer) -> None:
    """alice adds bob and bob approves: bob is in alice's roster."""
    await h.service.execute(AddContact(account=alice, jid=bob.jid))
    await h.wait_event(RosterItemChanged, lambda e: e.item.jid == bob.jid)


async def test_receipts_answered_to_contacts_only(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    stranger = await peer()
    h = await harness(alice)
    await _contacts(h, alice.jid, bob)
    receipt = bob.expect("receipt_received")
    sent_id = bob.send_chat(alice.jid, "please confirm", request_receipt=True)
    confirmed = await bob.wait_future(receipt)
    assert confirmed["receipt"] == sent_id
    # a stranger does not learn that we are online and reading
    stranger_receipt = stranger.expect("receipt_received")
    stranger.send_chat(alice.jid, "are you there?", request_receipt=True)
    await h.wait_event(MessageAdded, lambda e: e.message.body == "are you there?")
    # alice -> stranger is one ordered stream: a receipt would arrive before this.
    await h.service.execute(
        SendMessage(account=alice.jid, peer=stranger.jid, body="ordering marker")
    )
    await stranger.wait_body("ordering marker")
    assert not stranger_receipt.done()


async def test_full_disk_reports_and_withholds_the_receipt(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    await _contacts(h, alice.jid, bob)
    # Fill the database: no page may be added (what a full disk looks like to SQLite).
    connection = h.service._store.database.connection  # test hook: no public API for this
    (pages,) = connection.execute("PRAGMA page_count").fetchone()
    connection.execute(f"PRAGMA max_page_count = {pages}")
    receipt = bob.expect("receipt_received")
    bob.send_chat(alice.jid, "x" * 50_000, request_receipt=True)
    failed = await h.wait_event(HistoryWriteFailed)
    assert "disk full" in failed.message
    assert not receipt.done()  # we did not confirm what we could not keep
    connection.execute("PRAGMA max_page_count = 1073741823")
    sent_id = bob.send_chat(alice.jid, "after space was freed", request_receipt=True)
    await h.wait_event(MessageAdded, lambda e: e.message.body == "after space was freed")
    assert (await bob.wait_future(receipt))["receipt"] == sent_id


async def test_pre_approval(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """RFC 6121 §3.4: approved before they ask, the server answers for us."""
    alice = new_account("alice")
    bob = await peer(auto_authorize=None)
    h = await harness(alice)
    await h.service.execute(ApproveSubscription(account=alice.jid, jid=bob.jid))
    # the server records the pre-approval with a roster push: it has processed it
    await h.wait_event(RosterItemChanged, lambda e: e.item.jid == bob.jid)
    approved = bob.expect("presence_subscribed")
    bob.client.send_presence(pto=alice.jid, ptype="subscribe")
    await bob.wait_future(approved)
    assert h.of_type(SubscriptionRequested) == []  # alice was never asked
