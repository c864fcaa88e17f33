"""XEP-0308 corrections and XEP-0333 displayed markers against the real server, with the
spoofed versions (SECURITY.md T8, S-SP-5): a correction only from the original's full JID,
a marker only from the JID the message went to."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import Harness, HarnessFactory
from xmpp_tui.core.commands import (
    AddContact,
    Connect,
    CorrectMessage,
    Disconnect,
    MarkRead,
    SendMessage,
)
from xmpp_tui.core.events import (
    CommandFailed,
    ConversationRead,
    DeliveryChanged,
    MessageAdded,
    MessageCorrected,
    RosterItemChanged,
)
from xmpp_tui.core.models import ConnectionState, Delivery, Direction, StoredMessage

CORRECT = "urn:xmpp:message-correct:0"
MARKERS = "urn:xmpp:chat-markers:0"


def _send(
    sender: Peer,
    to: str,
    body: str,
    *,
    replace: str | None = None,
    markable: bool = False,
) -> str:
    """A chat message from ``sender`` with origin-id = id, maybe correcting ``replace``."""
    msg = sender.client.make_message(mto=to, mbody=body, mtype="chat")
    msg["id"] = sender.client.new_id()
    msg["origin_id"]["id"] = msg["id"]
    if replace is not None:
        msg.xml.append(ET.fromstring(f"<replace xmlns='{CORRECT}' id='{replace}'/>"))
    if markable:
        msg.xml.append(ET.fromstring(f"<markable xmlns='{MARKERS}'/>"))
    msg.send()
    return str(msg["id"])


def _displayed(sender: Peer, to: str, message_id: str) -> None:
    msg = sender.client.make_message(mto=to, mtype="chat")
    msg.xml.append(ET.fromstring(f"<displayed xmlns='{MARKERS}' id='{message_id}'/>"))
    msg.send()


def _bodies(h: Harness, peer: str) -> list[tuple[str, str, bool]]:
    return [(m.body, m.sender, m.edited) for m in h.service.history_page(h.account, peer)]


async def _added(h: Harness, body: str) -> StoredMessage:
    return (await h.wait_event(MessageAdded, lambda e: e.message.body == body)).message


async def test_incoming_correction_applies_and_spoofs_do_not(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob_account = new_account("bob")
    h = await harness(alice)
    bob = await peer(bob_account, resource="laptop")
    bob_phone = await peer(bob_account, resource="phone")  # same contact, other device
    mallory = await peer()

    original_id = _send(bob, alice.jid, "helo")
    original = await _added(h, "helo")
    # the right sender corrects it: same row, new text, sender unchanged, history kept
    first_fix = _send(bob, alice.jid, "hello", replace=original_id)
    corrected = (await h.wait_event(MessageCorrected)).message
    assert (corrected.id, corrected.body, corrected.edited) == (original.id, "hello", True)
    assert corrected.sender == original.sender == bob.full_jid
    # a second correction names the first message again (XEP-0308)
    _send(bob, alice.jid, "hello alice", replace=original_id)
    await h.wait_event(MessageCorrected, lambda e: e.message.body == "hello alice")

    # bob's other device and another JID try to rewrite it: both stay separate messages
    _send(bob_phone, alice.jid, "phone rewrite", replace=original_id)
    phone_copy = await _added(h, "phone rewrite")
    _send(mallory, alice.jid, "send money to mallory", replace=original_id)
    spoof = await _added(h, "send money to mallory")
    assert (spoof.peer, spoof.sender, spoof.edited) == (mallory.jid, mallory.full_jid, False)
    assert (phone_copy.sender, phone_copy.edited) == (bob_phone.full_jid, False)
    # mallory even names bob's id in bob's own conversation: still no effect on bob's row
    assert _bodies(h, bob.jid) == [
        ("hello alice", bob.full_jid, True),
        ("phone rewrite", bob_phone.full_jid, False),
    ]
    edits = h.service.message_edits(alice.jid, original.id)
    assert [body for _when, body in edits] == ["helo", "hello"]

    # a correction of a message we never had is shown as an ordinary message
    _send(bob, alice.jid, "fixed text of a lost one", replace="never-seen")
    lost = await _added(h, "fixed text of a lost one")
    assert not lost.edited
    # the same correction replayed (e.g. a duplicate delivery) changes nothing more
    count = len(h.of_type(MessageCorrected))
    again = bob.client.make_message(mto=alice.jid, mbody="hello", mtype="chat")
    again["id"] = first_fix
    again["origin_id"]["id"] = first_fix
    again.xml.append(ET.fromstring(f"<replace xmlns='{CORRECT}' id='{original_id}'/>"))
    again.send()
    _send(bob, alice.jid, "ordering marker")
    await _added(h, "ordering marker")
    assert len(h.of_type(MessageCorrected)) == count
    assert h.service.history_page(alice.jid, bob.jid)[0].body == "hello alice"


async def test_outgoing_correction_points_at_the_first_message(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    await h.service.execute(CorrectMessage(account=alice.jid, peer=bob.jid, body="x"))
    failed = await h.wait_event(CommandFailed)
    assert "Nothing to correct" in failed.message

    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="teh plan"))
    first = await bob.wait_body("teh plan")
    assert first.xml.find(f"{{{MARKERS}}}markable") is not None
    await h.service.execute(CorrectMessage(account=alice.jid, peer=bob.jid, body="the plan"))
    fix = await bob.wait_body("the plan")
    await h.service.execute(CorrectMessage(account=alice.jid, peer=bob.jid, body="the plan!"))
    fix2 = await bob.wait_body("the plan!")
    for correction in (fix, fix2):
        replace = correction.xml.find(f"{{{CORRECT}}}replace")
        assert replace is not None and replace.get("id") == first["id"]
        assert correction["id"] not in (first["id"], "")
        assert correction["origin_id"]["id"] == correction["id"]
    assert fix["id"] != fix2["id"]
    page = h.service.history_page(alice.jid, bob.jid)
    assert [(m.body, m.edited) for m in page] == [("the plan!", True)]
    assert [b for _w, b in h.service.message_edits(alice.jid, page[0].id)] == [
        "teh plan",
        "the plan",
    ]


async def test_a_correction_made_offline_goes_out_on_reconnect_and_is_acked(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="at noon"))
    first = await bob.wait_body("at noon")
    await h.service.execute(Disconnect(account=alice.jid))
    await h.service.execute(CorrectMessage(account=alice.jid, peer=bob.jid, body="at one"))
    assert not h.of_type(CommandFailed)
    assert [m.body for m in h.service.history_page(alice.jid, bob.jid)] == ["at one"]
    history = h.service._store.history  # test hook: the outbox state has no public API
    ((_, correction_id, state),) = history.pending_corrections(alice.jid)
    assert state is Delivery.PENDING

    onlines = h.count(ConnectionState.ONLINE)
    await h.service.execute(Connect(account=alice.jid))
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines)
    fix = await bob.wait_body("at one")
    replace = fix.xml.find(f"{{{CORRECT}}}replace")
    assert replace is not None and replace.get("id") == first["id"]
    assert fix["id"] == correction_id
    await wait_until(lambda: history.pending_corrections(alice.jid) == [])


async def test_carbon_and_archive_corrections_of_our_other_device(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    phone = await peer(alice, resource="phone")
    sent_id = _send(phone, bob.jid, "see you at 5")
    await _added(h, "see you at 5")
    _send(phone, bob.jid, "see you at 6", replace=sent_id)  # a "sent" carbon
    corrected = (await h.wait_event(MessageCorrected)).message
    assert (corrected.body, corrected.direction) == ("see you at 6", Direction.OUTGOING)
    assert corrected.sender == phone.full_jid
    await h.stop()

    # while we are away, the phone corrects it again: the archive catch-up applies it once
    _send(phone, bob.jid, "see you at 7", replace=sent_id)
    await bob.wait_body("see you at 7")
    again = await harness(alice)
    fixed = await again.wait_event(MessageCorrected, lambda e: e.message.body == "see you at 7")
    assert fixed.message.id == corrected.id
    page = again.service.history_page(alice.jid, bob.jid)
    assert [(m.body, m.edited) for m in page] == [("see you at 7", True)]
    assert [b for _w, b in again.service.message_edits(alice.jid, corrected.id)] == [
        "see you at 5",
        "see you at 6",
    ]


async def _contacts(h: Harness, bob: Peer) -> None:
    await h.service.execute(AddContact(account=h.account, jid=bob.jid))
    await h.wait_event(RosterItemChanged, lambda e: e.item.jid == bob.jid)


async def test_displayed_markers_in_out_and_spoofed(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    mallory = await peer()
    h = await harness(alice)
    await _contacts(h, bob)
    for body in ("one", "two"):
        await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body=body))
    await bob.wait_body("one")
    second = await bob.wait_body("two")

    # mallory claims bob read it: nothing moves
    _displayed(mallory, alice.jid, second["id"])
    _send(mallory, alice.jid, "ordering marker")
    await _added(h, "ordering marker")
    assert all(
        m.delivery is not Delivery.DISPLAYED for m in h.service.history_page(alice.jid, bob.jid)
    )
    # bob's marker for the second message: both are read
    _displayed(bob, alice.jid, second["id"])
    await wait_until(
        lambda: (
            [m.delivery for m in h.service.history_page(alice.jid, bob.jid)]
            == [Delivery.DISPLAYED, Delivery.DISPLAYED]
        )
    )
    assert len(h.of_type(DeliveryChanged)) >= 2

    # we read bob's markable message: one marker, once
    markers = _markers_seen(bob)
    their_id = _send(bob, alice.jid, "did you read it?", markable=True)
    await _added(h, "did you read it?")
    await h.service.execute(MarkRead(account=alice.jid, peer=bob.jid))
    await wait_until(lambda: markers == [their_id])
    await h.service.execute(MarkRead(account=alice.jid, peer=bob.jid))
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="after"))
    await bob.wait_body("after")  # one ordered stream: a second marker would be here first
    assert markers == [their_id]

    # a markable message followed by one that is not: the marker names the markable one
    second_id = _send(bob, alice.jid, "markable one", markable=True)
    _send(bob, alice.jid, "plain one after it")
    await _added(h, "plain one after it")
    await h.service.execute(MarkRead(account=alice.jid, peer=bob.jid))
    await wait_until(lambda: markers == [their_id, second_id])

    # a stranger's markable message is never marked
    stranger_markers = _markers_seen(mallory)
    _send(mallory, alice.jid, "read me, stranger", markable=True)
    await _added(h, "read me, stranger")
    await h.service.execute(MarkRead(account=alice.jid, peer=mallory.jid))
    await h.service.execute(SendMessage(account=alice.jid, peer=mallory.jid, body="bye"))
    await mallory.wait_body("bye")
    assert stranger_markers == []


def _markers_seen(receiver: Peer) -> list[str]:
    """The ids of the displayed markers ``receiver`` gets from now on."""
    seen: list[str] = []
    receiver.client.register_plugin("xep_0333")
    receiver.client.add_event_handler(
        "marker_displayed", lambda m: seen.append(str(m["displayed"]["id"]))
    )
    return seen


async def test_marker_carbon_from_our_other_device_reads_the_conversation(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    phone = await peer(alice, resource="phone")
    their_id = _send(bob, alice.jid, "seen on the phone?", markable=True)
    await _added(h, "seen on the phone?")
    assert h.service.unread_counts(alice.jid) == {bob.jid: 1}
    _displayed(phone, bob.jid, their_id)
    read = await h.wait_event(ConversationRead)
    assert (read.peer, read.unread) == (bob.jid, 0)
    assert h.service.unread_counts(alice.jid) == {}
