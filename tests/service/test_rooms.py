"""Group chat core (XEP-0045) against the real server: join, speak, listen, leave, refusals,
history replayed on rejoin without duplicates, our own message reflected once."""

from __future__ import annotations

import secrets
import time
from xml.etree import ElementTree as ET

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.service.harness import Harness, HarnessFactory
from xmpp_tui.core.commands import Connect, Disconnect, JoinRoom, LeaveRoom, SendMessage
from xmpp_tui.core.events import CommandFailed, MessageAdded, Notice, RoomChanged
from xmpp_tui.core.models import ConversationKind, Delivery, Direction

MUC = "conference.localhost"


def new_room(prefix: str = "room") -> str:
    return f"{prefix}-{secrets.token_hex(4)}@{MUC}"


async def joined(h: Harness, room: str) -> RoomChanged:
    return await h.wait_event(RoomChanged, lambda e: e.room.jid == room and e.room.joined)


def bodies(h: Harness, account: str, room: str) -> list[str]:
    return [m.body for m in h.service.history_page(account, room)]


async def test_join_send_receive_leave(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    room_peer.say(bob, room, "topic-less hello")
    h = await harness(alice)

    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    info = (await joined(h, room)).room
    assert info.nick == alice.jid.split("@")[0]  # default nick: our local part
    assert not h.of_type(CommandFailed)
    # The room's history on join is stored under the room, from room/nick, never a contact.
    replayed = await h.wait_event(MessageAdded, lambda e: e.message.body == "topic-less hello")
    assert replayed.message.peer == room
    assert replayed.message.sender == f"{room}/bob"
    assert replayed.message.kind is ConversationKind.GROUPCHAT
    await wait_until(lambda: "bob" in h.service.rooms(alice.jid)[0].occupants)

    # Send: bob receives it once; our own reflection matches the outbox row (not shown twice).
    await h.service.execute(SendMessage(account=alice.jid, peer=room, body="hi room"))
    got = await room_peer.wait_groupchat(bob, room, "hi room")
    assert str(got["from"].resource) == info.nick
    await wait_until(
        lambda: h.service.history_page(alice.jid, room)[-1].delivery is Delivery.DELIVERED
    )
    ours = [m for m in h.service.history_page(alice.jid, room) if m.body == "hi room"]
    assert len(ours) == 1 and ours[0].direction is Direction.OUTGOING
    assert ours[0].stanza_id  # gained the room's stanza-id from the reflection

    # The subject, set by the room's owner, reaches the room's snapshot.
    subject = bob.client.make_message(mto=room, mtype="groupchat")
    subject["subject"] = "Plans [b]x[/b]"
    subject.send()
    await h.wait_event(RoomChanged, lambda e: e.room.subject == "Plans [b]x[/b]")

    # Receive live.
    room_peer.say(bob, room, "welcome [b]alice[/b]")
    live = await h.wait_event(MessageAdded, lambda e: e.message.body == "welcome [b]alice[/b]")
    assert live.message.direction is Direction.INCOMING
    assert live.message.stanza_id  # by = the room

    # Leave: the room says we left; a message to it afterwards is refused by the room check.
    await h.service.execute(LeaveRoom(account=alice.jid, room=room))
    await h.wait_event(RoomChanged, lambda e: e.room.jid == room and not e.room.joined)
    assert h.service.rooms(alice.jid) == ()
    before = len(h.of_type(MessageAdded))
    room_peer.say(bob, room, "after you left")
    await room_peer.wait_groupchat(bob, room, "after you left")  # bob's own reflection
    assert "after you left" not in bodies(h, alice.jid, room)
    assert len(h.of_type(MessageAdded)) == before


async def test_rejoin_after_restart_replays_history_without_duplicates(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    for n in range(3):
        room_peer.say(bob, room, f"line {n}")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    await h.service.execute(SendMessage(account=alice.jid, peer=room, body="mine"))
    await room_peer.wait_groupchat(bob, room, "mine")
    await wait_until(lambda: bodies(h, alice.jid, room) == ["line 0", "line 1", "line 2", "mine"])
    await h.service.execute(JoinRoom(account=alice.jid, room=room))  # already in: no-op
    await h.stop()

    # Same store, new process: join again; the room replays the same history (ours too).
    again = await harness(alice)
    await again.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(again, room)
    room_peer.say(bob, room, "fresh")
    await again.wait_event(MessageAdded, lambda e: e.message.body == "fresh")
    assert bodies(again, alice.jid, room) == ["line 0", "line 1", "line 2", "mine", "fresh"]


async def test_join_refused_fast_with_a_clear_reason(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    owner = await peer()
    locked = new_room("secret")
    members = new_room("members")
    await room_peer.join(
        owner,
        locked,
        "owner",
        config={
            "muc#roomconfig_passwordprotectedroom": "1",
            "muc#roomconfig_roomsecret": "right-pw",
        },
    )
    await room_peer.join(owner, members, "owner", config={"muc#roomconfig_membersonly": "1"})
    h = await harness(alice)

    started = time.monotonic()
    await h.service.execute(JoinRoom(account=alice.jid, room=locked, password="wrong"))
    failed = await h.wait_event(CommandFailed)
    assert failed.command == "JoinRoom"
    assert "password" in failed.message and locked in failed.message
    await h.service.execute(JoinRoom(account=alice.jid, room=members))
    failed = await h.wait_event(CommandFailed, lambda e: members in e.message)
    assert "members only" in failed.message
    assert time.monotonic() - started < 4  # the server's answer, not a timeout
    assert h.service.rooms(alice.jid) == ()

    # Positive control: the right password gets in.
    await h.service.execute(JoinRoom(account=alice.jid, room=locked, password="right-pw"))
    await joined(h, locked)


async def test_groupchat_only_from_a_room_we_are_in(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """A type=groupchat message from a user, or from a room we never joined, is dropped; a
    room occupant's presence never becomes a contact's (SECURITY.md T9)."""
    alice = new_account("alice")
    mallory = await peer()
    room = new_room()
    await room_peer.join(mallory, room, "mallory")
    h = await harness(alice)
    mallory.client.make_message(mto=alice.jid, mbody="fake room line", mtype="groupchat").send()
    # Positive control: a normal chat message after them arrives, so they were processed.
    mallory.send_chat(alice.jid, "control")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "control")
    assert [e.message.body for e in h.of_type(MessageAdded)] == ["control"]
    assert h.service.room_history(alice.jid) == []


async def test_rooms_rejoined_after_a_fresh_session(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """Offline and back (a new session, not a resumption): back in the room, same nick,
    the replayed history not stored twice, a message written while offline sent after."""
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    room_peer.say(bob, room, "early")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)
    await h.wait_event(MessageAdded, lambda e: e.message.body == "early")

    await h.service.execute(Disconnect(account=alice.jid))
    await h.wait_event(RoomChanged, lambda e: e.room.jid == room and not e.room.joined)
    await h.service.execute(SendMessage(account=alice.jid, peer=room, body="while away"))
    rejoins = len([e for e in h.of_type(RoomChanged) if e.room.joined])
    await h.service.execute(Connect(account=alice.jid))
    await wait_until(
        lambda: len([e for e in h.of_type(RoomChanged) if e.room.joined]) > rejoins, timeout=10
    )
    assert h.service.rooms(alice.jid)[0].nick == "al"
    got = await room_peer.wait_groupchat(bob, room, "while away")
    assert str(got["from"].resource) == "al"
    room_peer.say(bob, room, "after")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "after")
    assert bodies(h, alice.jid, room) == ["early", "while away", "after"]


async def test_no_message_to_a_room_we_left(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """After /leave, text typed in the room's pane is refused, never sent as a 1:1 message
    to the room's address."""
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    room_peer.say(bob, room, "history")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await h.wait_event(MessageAdded, lambda e: e.message.body == "history")
    await h.service.execute(LeaveRoom(account=alice.jid, room=room))
    await h.service.execute(SendMessage(account=alice.jid, peer=room, body="lost?"))
    failed = await h.wait_event(CommandFailed)
    assert failed.message == f"You are not in {room}" and "/join" in failed.hint
    assert bodies(h, alice.jid, room) == ["history"]


async def test_kicked_says_so_and_is_not_rejoined(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    owner = await peer()
    room = new_room()
    await room_peer.join(owner, room, "owner")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)
    kick = owner.client.make_iq_set(ito=room)
    query = ET.SubElement(kick.xml, "{http://jabber.org/protocol/muc#admin}query")
    ET.SubElement(query, "{http://jabber.org/protocol/muc#admin}item", nick="al", role="none")
    await kick.send(timeout=5)
    notice = await h.wait_event(Notice, lambda e: room in e.text)
    assert notice.text == f"You left {room}: you were kicked by owner"  # actor: the kicking nick
    assert h.service.rooms(alice.jid) == ()  # not wanted: no rejoin on the next session
