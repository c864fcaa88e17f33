"""Stanzas a remote party can forge, sent through the real server (SECURITY.md T5-T7).

Every rejection has a positive control next to it: hardening that drops legitimate
stanzas is a bug too (profanity#2035).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import Harness, HarnessFactory
from xmpp_tui.core.events import MessageAdded, Notice
from xmpp_tui.core.models import StoredMessage

SID = "urn:xmpp:sid:0"


def _send_with_stanza_id(sender: Peer, to: str, body: str, *, by: str, sid: str) -> None:
    msg = sender.client.make_message(mto=to, mbody=body, mtype="chat")
    msg.xml.append(ET.fromstring(f"<stanza-id xmlns='{SID}' by='{by}' id='{sid}'/>"))
    msg.send()


async def _stored(h: Harness, body: str) -> StoredMessage:
    added = await h.wait_event(MessageAdded, lambda e: e.message.body == body)
    return added.message


async def test_forged_stanza_id_is_not_trusted_and_poisons_nothing(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    # positive control: the server's own stanza-id (by = our account) is kept
    bob.send_chat(alice.jid, "genuine")
    genuine = await _stored(h, "genuine")
    assert genuine.stanza_id

    # A sender-chosen <stanza-id by=alice>: Prosody 0.12 keeps it next to its own,
    # so two claim to be ours and neither can be trusted.
    _send_with_stanza_id(bob, alice.jid, "forged", by=alice.jid, sid="ATTACKER-CHOSEN")
    forged = await _stored(h, "forged")
    assert forged.stanza_id is None

    # Reusing the id of an earlier message must not make a new message vanish as a
    # "duplicate", nor rewrite the earlier one.
    _send_with_stanza_id(bob, alice.jid, "replayed id", by=alice.jid, sid=genuine.stanza_id)
    await _stored(h, "replayed id")
    bodies = [m.body for m in h.service.history_page(alice.jid, bob.jid)]
    assert bodies == ["genuine", "forged", "replayed id"]


async def test_forged_error_for_our_message_changes_nothing(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """An error "bounce" from someone we never wrote to must not mark a message failed or
    put its text in front of the user; the real recipient's bounce does."""
    from xmpp_tui.core.commands import SendMessage
    from xmpp_tui.core.models import Delivery

    alice = new_account("alice")
    bob = await peer(auto_ack_receipts=False)
    mallory = await peer()
    h = await harness(alice)
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="to bob"))
    sent = await bob.wait_body("to bob")

    def bounce(sender: Peer, text: str) -> None:
        error = sender.client.Message()
        error["to"] = f"{alice.jid}/tui"  # RFC 6121: errors to a bare JID are dropped
        error["type"] = "error"
        error["id"] = sent["id"]
        error["error"]["condition"] = "service-unavailable"
        error["error"]["text"] = text
        error.send()

    bounce(mallory, "Your account is suspended, visit evil.example")
    mallory.send_chat(alice.jid, "marker")  # same stream: handled after the forgery
    await _stored(h, "marker")
    [message] = [m for m in h.service.history_page(alice.jid, bob.jid) if m.body == "to bob"]
    assert message.delivery is not Delivery.FAILED
    assert not any("suspended" in n.text for n in h.of_type(Notice))

    bounce(bob, "recipient gone")  # positive control
    await wait_until(
        lambda: h.service.history_page(alice.jid, bob.jid)[0].delivery is Delivery.FAILED
    )
    assert any("recipient gone" in n.text for n in h.of_type(Notice))


async def test_live_message_cannot_backdate_itself_but_offline_ones_keep_their_time(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    from datetime import UTC, datetime, timedelta

    alice = new_account("alice")
    bob = await peer()
    # While alice is offline the server archives this; the catch-up takes the archive's
    # time for it, not the time we read it.
    sent_at = datetime.now(UTC)
    bob.send_chat(alice.jid, "sent while you were away")
    await bob.client.plugin["xep_0199"].ping(timeout=5)  # the server has handled it
    # The archive stamps whole seconds: make the login clearly later than the sending.
    await asyncio.sleep(1.5)
    before_login = datetime.now(UTC)
    h = await harness(alice)
    offline = await _stored(h, "sent while you were away")
    assert offline.timestamp <= sent_at + timedelta(seconds=1)
    assert offline.timestamp < before_login

    backdated = bob.client.make_message(mto=alice.jid, mbody="backdated live", mtype="chat")
    backdated.xml.append(
        ET.fromstring("<delay xmlns='urn:xmpp:delay' stamp='2001-01-01T12:34:00Z'/>")
    )
    backdated.send()
    live = await _stored(h, "backdated live")
    assert live.timestamp >= before_login
