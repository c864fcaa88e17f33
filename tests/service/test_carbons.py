"""XEP-0280: what another device of this account sends and receives shows up here too."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.peer import AccountFactory, PeerFactory
from tests.service.harness import HarnessFactory
from xmpp_tui.core.events import MessageAdded
from xmpp_tui.core.models import Direction


async def test_carbons_both_ways_and_forgeries_ignored(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    mallory = await peer()
    h = await harness(alice)  # our client, resource "tui", enables carbons at start
    phone = await peer(alice, resource="phone")  # another device of the same account

    # bob writes to alice's phone only: we get a "received" carbon
    bob.send_chat(f"{alice.jid}/phone", "to your phone")
    received = (
        await h.wait_event(MessageAdded, lambda e: e.message.body == "to your phone")
    ).message
    assert (received.peer, received.direction) == (bob.jid, Direction.INCOMING)
    assert received.sender == f"{bob.jid}/peer"

    # alice's phone writes to bob: we get a "sent" carbon, shown as our own message
    phone.send_chat(bob.jid, "sent from my phone")
    sent = (
        await h.wait_event(MessageAdded, lambda e: e.message.body == "sent from my phone")
    ).message
    assert (sent.peer, sent.direction) == (bob.jid, Direction.OUTGOING)
    assert sent.sender == f"{alice.jid}/phone"

    # <private/>: the server makes no copy, and a copy that carries it anyway is dropped
    private = phone.client.make_message(mto=bob.jid, mbody="private from phone", mtype="chat")
    private.xml.append(ET.fromstring("<private xmlns='urn:xmpp:carbons:2'/>"))
    private.xml.append(ET.fromstring("<no-copy xmlns='urn:xmpp:hints'/>"))
    private.send()
    await bob.wait_body("private from phone")

    # a forged carbon from another user (CVE-2017-5591 shape) claims bob wrote to us
    forged = mallory.client.Message()
    forged["to"] = f"{alice.jid}/tui"
    forged["type"] = "chat"
    forged.xml.append(
        ET.fromstring(
            "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
            f"<message xmlns='jabber:client' type='chat' from='{bob.jid}/peer' to='{alice.jid}'>"
            "<body>forged carbon</body></message></forwarded></received>"
        )
    )
    forged.send()
    mallory.send_chat(alice.jid, "marker")  # same stream: handled after the forgery
    await h.wait_event(MessageAdded, lambda e: e.message.body == "marker")
    bodies = [m.body for m in h.service.history_page(alice.jid, bob.jid)]
    assert bodies == ["to your phone", "sent from my phone"]
