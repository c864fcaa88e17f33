"""XEP-0191 against the real server: block, unblock, pushes from another device."""

from __future__ import annotations

from slixmpp import JID

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.service.harness import HarnessFactory
from xmpp_tui.core.commands import Block, SendMessage, Unblock
from xmpp_tui.core.events import BlockListChanged, MessageAdded


async def test_block_unblock_and_pushes_from_another_device(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    carol = await peer()
    h = await harness(alice)
    await h.wait_event(BlockListChanged, lambda e: e.blocked == ())  # fetched at start

    await h.service.execute(Block(account=alice.jid, jid=bob.jid))
    await h.wait_event(BlockListChanged, lambda e: e.blocked == (bob.jid,))
    assert h.service.snapshot(alice.jid).blocked == (bob.jid,)
    bob.send_chat(alice.jid, "can you hear me?")  # the server drops it
    carol.send_chat(alice.jid, "marker")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "marker")
    assert h.service.history_page(alice.jid, bob.jid) == []

    # Another device of alice's unblocks bob: the push reaches us and is applied.
    phone = await peer(alice, resource="phone")
    phone.client.register_plugin("xep_0191")
    await phone.client.plugin["xep_0191"].unblock(JID(bob.jid))
    await wait_until(lambda: h.service.snapshot(alice.jid).blocked == ())
    bob.send_chat(alice.jid, "now?")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "now?")

    # ... and blocks carol from there: applied here as well
    await phone.client.plugin["xep_0191"].block(JID(carol.jid))
    await wait_until(lambda: h.service.snapshot(alice.jid).blocked == (carol.jid,))
    await h.service.execute(Unblock(account=alice.jid, jid=carol.jid))
    await wait_until(lambda: h.service.snapshot(alice.jid).blocked == ())
    await h.service.execute(SendMessage(account=alice.jid, peer=carol.jid, body="sorry"))
    await carol.wait_body("sorry")


async def test_forged_block_push_is_refused(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    mallory = await peer()
    bob = await peer()
    h = await harness(alice)
    mallory.client.register_plugin("xep_0191")  # registers the stanza classes
    push = mallory.client.make_iq_set(ito=f"{alice.jid}/tui")
    push.enable("block")
    from slixmpp.plugins.xep_0191 import BlockItem

    BlockItem(parent=push["block"])["jid"] = bob.jid
    from slixmpp.exceptions import IqError

    try:
        await push.send(timeout=5)
    except IqError as error:
        assert error.iq["error"]["condition"] == "service-unavailable"
    else:
        raise AssertionError("a forged block push must be answered with an error")
    assert h.service.snapshot(alice.jid).blocked == ()
