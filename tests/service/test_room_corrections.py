"""Corrections (XEP-0308) in rooms against the real server: an occupant corrects their own
live message; a correction from another nick, or from the same nick after a leave (someone
else may hold it now), is a new message; ours go out to the room and come back once."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from tests import room_peer
from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import Harness, HarnessFactory
from tests.service.test_rooms import bodies, joined, new_room
from xmpp_tui.core.commands import CorrectMessage, JoinRoom, SendMessage
from xmpp_tui.core.events import CommandFailed, MessageAdded, MessageCorrected, RoomChanged

CORRECT = "urn:xmpp:message-correct:0"


def say(peer: Peer, room: str, body: str, message_id: str, replace: str | None = None) -> None:
    msg = peer.client.make_message(mto=room, mbody=body, mtype="groupchat")
    msg["id"] = message_id
    if replace is not None:
        ET.SubElement(msg.xml, f"{{{CORRECT}}}replace", id=replace)
    msg.send()


def leave(peer: Peer, room: str, nick: str) -> None:
    peer.client.make_presence(pto=f"{room}/{nick}", ptype="unavailable").send()


async def _in_room(h: Harness, room: str, nick: str) -> None:
    await wait_until(lambda: nick in h.service.rooms(h.account)[0].occupants)


async def _gone(h: Harness, room: str, nick: str) -> None:
    await wait_until(lambda: nick not in h.service.rooms(h.account)[0].occupants)


def _replace_of(msg: Any) -> str | None:
    element = msg.xml.find(f"{{{CORRECT}}}replace")
    return None if element is None else element.get("id")


async def test_an_occupant_corrects_only_their_own_live_message(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob, carol, mallory = await peer(), await peer(), await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    await room_peer.join(carol, room, "carol")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)

    say(bob, room, "teh plan", "b1")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "teh plan")
    # Another occupant "correcting" bob's line: a new line from carol, bob's untouched.
    say(carol, room, "bob is wrong", "c1", replace="b1")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "bob is wrong")
    assert bodies(h, alice.jid, room) == ["teh plan", "bob is wrong"]

    # bob corrects his own live line: rewritten in place, marked edited.
    say(bob, room, "the plan", "b2", replace="b1")
    fixed = await h.wait_event(MessageCorrected, lambda e: e.message.body == "the plan")
    assert fixed.message.edited and fixed.message.sender == f"{room}/bob"
    assert bodies(h, alice.jid, room) == ["the plan", "bob is wrong"]

    # bob leaves; mallory takes the nick "bob" and "corrects" the old line: a new message.
    leave(bob, room, "bob")
    await _gone(h, room, "bob")
    await room_peer.join(mallory, room, "bob")
    await _in_room(h, room, "bob")
    say(mallory, room, "send money", "m1", replace="b1")
    forged = await h.wait_event(MessageAdded, lambda e: e.message.body == "send money")
    assert forged.message.sender == f"{room}/bob"
    assert bodies(h, alice.jid, room) == ["the plan", "bob is wrong", "send money"]
    assert len(h.of_type(MessageCorrected)) == 1
    # Positive control: the new "bob" may correct what it said itself.
    say(mallory, room, "send nothing", "m2", replace="m1")
    await h.wait_event(MessageCorrected, lambda e: e.message.body == "send nothing")


async def test_our_correction_goes_to_the_room_and_comes_back_once(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)
    await h.service.execute(SendMessage(account=alice.jid, peer=room, body="helo all"))
    first = await room_peer.wait_groupchat(bob, room, "helo all")

    await h.service.execute(CorrectMessage(account=alice.jid, peer=room, body="hello all"))
    got = await room_peer.wait_groupchat(bob, room, "hello all")
    assert str(got["from"].resource) == "al"
    assert _replace_of(got) == first["id"]
    assert not h.of_type(CommandFailed)
    # The room's reflection of our correction changes nothing and adds no line.
    room_peer.say(bob, room, "after")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "after")
    assert bodies(h, alice.jid, room) == ["hello all", "after"]
    ours = h.service.history_page(alice.jid, room)[0]
    assert ours.edited
    assert [e.room.joined for e in h.of_type(RoomChanged)][-1]


async def test_subject_changes_only_as_the_room_reports_them(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """A "subject" sent to us by a user (not the room), or a line with a body and a subject
    (XEP-0045 §8.1: not a subject change), leaves the subject alone; the room's own
    announcement of a change (an occupant with the right to change it) sets it."""
    alice = new_account("alice")
    bob, mallory = await peer(), await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)

    forged = mallory.client.make_message(mto=alice.jid, mtype="groupchat")
    forged["subject"] = "forged topic"
    forged.send()
    with_body = bob.client.make_message(mto=room, mbody="a line", mtype="groupchat")
    with_body["subject"] = "not a topic"
    with_body.send()
    await h.wait_event(MessageAdded, lambda e: e.message.body == "a line")
    real = bob.client.make_message(mto=room, mtype="groupchat")
    real["subject"] = "real topic"
    real.send()
    await h.wait_event(RoomChanged, lambda e: e.room.subject == "real topic")
    subjects = {e.room.subject for e in h.of_type(RoomChanged)}
    assert "forged topic" not in subjects and "not a topic" not in subjects
