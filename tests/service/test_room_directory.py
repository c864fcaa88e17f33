"""Rooms before joining (XEP-0045 §6) and invitations (XEP-0045 §7.8, XEP-0249) against the
real server: the server's MUC service found, its rooms listed, a room's info read without
joining; invitations sent (direct, or through a members-only room), received (both kinds,
never joined by themselves), declined through the room, forgeries dropped."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests import room_peer
from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import HarnessFactory
from tests.service.test_rooms import MUC, joined, new_room
from xmpp_tui.core.commands import (
    Block,
    DeclineInvitation,
    InviteToRoom,
    JoinRoom,
    ListRooms,
    QueryRoomInfo,
    SendMessage,
)
from xmpp_tui.core.events import (
    CommandFailed,
    InvitationReceived,
    MessageAdded,
    Notice,
    RoomDetailsReceived,
    RoomsListed,
)
from xmpp_tui.service import room_directory

MUC_USER = "http://jabber.org/protocol/muc#user"
CONFERENCE = "jabber:x:conference"


def direct_invite(peer: Peer, to: str, room: str, reason: str = "") -> None:
    msg = peer.client.make_message(mto=to, mbody=f"join {room}")
    x = ET.SubElement(msg.xml, f"{{{CONFERENCE}}}x", jid=room)
    if reason:
        x.set("reason", reason)
    msg.send()


def mediated_invite(peer: Peer, room: str, to: str, reason: str) -> None:
    msg = peer.client.make_message(mto=room)
    x = ET.SubElement(msg.xml, f"{{{MUC_USER}}}x")
    invite = ET.SubElement(x, f"{{{MUC_USER}}}invite", to=to)
    ET.SubElement(invite, f"{{{MUC_USER}}}reason").text = reason
    msg.send()


async def wait_stanza(peer: Peer, predicate: Any, timeout: float = 10.0) -> Any:
    """A message (with or without a body) the peer received that matches ``predicate``."""
    got: list[Any] = []

    def on_stanza(msg: Any) -> None:
        if predicate(msg):
            got.append(msg)

    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    name = f"wait {id(got)}"
    peer.client.register_handler(
        Callback(name, MatchXPath(f"{{{peer.client.default_ns}}}message"), on_stanza)
    )
    try:
        await wait_until(lambda: bool(got), timeout=timeout)
    finally:
        peer.client.remove_handler(name)
    return got[0]


async def test_services_rooms_and_room_info_before_joining(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("listed")
    await room_peer.join(
        bob,
        room,
        "bob",
        config={
            "muc#roomconfig_roomname": "Team [b]Room[/b]",
            "muc#roomconfig_roomdesc": "Where we plan",
            "muc#roomconfig_publicroom": "1",
        },
    )
    h = await harness(alice)

    # No service named: the server's own MUC service is found (disco items + identities).
    await h.service.execute(ListRooms(account=alice.jid))
    listed = await h.wait_event(RoomsListed)
    assert listed.service == MUC
    ours = [r for r in listed.rooms if r.jid == room]
    assert [r.name for r in ours] == ["Team [b]Room[/b]"]
    # Named explicitly: the same.
    await h.service.execute(ListRooms(account=alice.jid, service=MUC))
    await wait_until(lambda: len(h.of_type(RoomsListed)) == 2)
    assert any(r.jid == room for r in h.of_type(RoomsListed)[1].rooms)

    await h.service.execute(QueryRoomInfo(account=alice.jid, room=room))
    details = (await h.wait_event(RoomDetailsReceived)).details
    assert (details.jid, details.name, details.description) == (
        room,
        "Team [b]Room[/b]",
        "Where we plan",
    )
    assert details.occupants == 1
    assert "urn:xmpp:mam:2" in details.features and "muc_public" in details.features
    assert h.service.rooms(alice.jid) == ()  # asked, not joined

    await h.service.execute(QueryRoomInfo(account=alice.jid, room=new_room("nowhere")))
    failed = await h.wait_event(CommandFailed)
    assert "does not exist" in failed.message
    # A service that is not there: one clear line, no traceback.
    await h.service.execute(ListRooms(account=alice.jid, service="nothing.localhost"))
    await wait_until(lambda: len(h.of_type(CommandFailed)) == 2)


async def test_invite_direct_or_through_a_members_only_room(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    open_room, closed_room = new_room("open"), new_room("closed")
    h = await harness(alice)
    for room in (open_room, closed_room):
        await h.service.execute(JoinRoom(account=alice.jid, room=room))
        await joined(h, room)
    # alice created both (instant rooms); make one members-only as its owner would.
    owner = await peer(alice, resource="config")
    await room_peer.configure(owner, closed_room, {"muc#roomconfig_membersonly": "1"})

    await h.service.execute(InviteToRoom(account=alice.jid, room=open_room, jid=bob.jid))
    direct = await wait_stanza(bob, lambda m: m.xml.find(f"{{{CONFERENCE}}}x") is not None)
    assert direct.xml.find(f"{{{CONFERENCE}}}x").get("jid") == open_room
    assert str(direct["from"].bare) == alice.jid

    h.service._sessions[alice.jid].rooms.features.pop(closed_room, None)  # re-read its config
    await h.service.execute(
        InviteToRoom(account=alice.jid, room=closed_room, jid=bob.jid, reason="plans")
    )
    mediated = await wait_stanza(
        bob, lambda m: m.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite") is not None
    )
    assert str(mediated["from"]) == closed_room
    invite = mediated.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite")
    # The room names the inviter: the real JID, or room/nick when it hides real JIDs.
    nick = alice.jid.split("@")[0]
    assert invite.get("from") in (alice.jid, f"{closed_room}/{nick}")
    assert invite.findtext(f"{{{MUC_USER}}}reason") == "plans"
    # The room made bob a member: he may enter now.
    await room_peer.join(bob, closed_room, "bob")
    assert any("through the room" in n.text for n in h.of_type(Notice))

    # carol declines through the room: a notice for alice, not a chat with the room's JID.
    carol = await peer()
    await h.service.execute(InviteToRoom(account=alice.jid, room=closed_room, jid=carol.jid))
    await wait_stanza(
        carol, lambda m: m.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite") is not None
    )
    no = carol.client.make_message(mto=closed_room)
    x = ET.SubElement(no.xml, f"{{{MUC_USER}}}x")
    decline = ET.SubElement(x, f"{{{MUC_USER}}}decline", to=alice.jid)
    ET.SubElement(decline, f"{{{MUC_USER}}}reason").text = "busy [b]now[/b]"
    no.send()
    said = await h.wait_event(Notice, lambda n: "declined" in n.text)
    assert said.text == f"{carol.jid} declined your invitation to {closed_room}: busy [b]now[/b]"
    assert not h.of_type(MessageAdded)

    # Not in the room: refused with a clear line.
    await h.service.execute(InviteToRoom(account=alice.jid, room=new_room(), jid=bob.jid))
    failed = await h.wait_event(CommandFailed)
    assert "not in" in failed.message


async def test_invitations_received_are_offered_never_joined(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob, mallory = await peer(), await peer()
    room = new_room("members")
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_membersonly": "1"})
    h = await harness(alice)

    # Direct (XEP-0249): offered, the fallback body is not a chat message.
    elsewhere = new_room("elsewhere")
    direct_invite(bob, alice.jid, elsewhere, reason="come [b]in[/b]")
    got = await h.wait_event(InvitationReceived)
    assert (got.room, got.inviter, got.reason, got.direct) == (
        elsewhere,
        bob.jid,
        "come [b]in[/b]",
        True,
    )

    # Forged "mediated" invitation from a user (not a room): dropped.
    forged = mallory.client.make_message(mto=alice.jid)
    x = ET.SubElement(forged.xml, f"{{{MUC_USER}}}x")
    ET.SubElement(x, f"{{{MUC_USER}}}invite", attrib={"from": bob.jid})
    forged.send()
    # Mediated through the room (bob owns it): offered, naming bob.
    mediated_invite(bob, room, alice.jid, "team meeting")
    await wait_until(lambda: len(h.of_type(InvitationReceived)) == 2)
    second = h.of_type(InvitationReceived)[1]
    # A semi-anonymous room names the inviter by occupant JID (room/nick), not the real JID.
    assert (second.room, second.inviter, second.reason, second.direct) == (
        room,
        f"{room}/bob",
        "team meeting",
        False,
    )
    assert h.service.rooms(alice.jid) == ()  # nothing joined by itself
    assert not h.of_type(MessageAdded)

    # Declined through the room: bob hears it from the room.
    await h.service.execute(
        DeclineInvitation(account=alice.jid, room=room, inviter=second.inviter, reason="busy")
    )
    declined = await wait_stanza(
        bob, lambda m: m.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}decline") is not None
    )
    assert str(declined["from"]) == room
    assert (
        declined.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}decline").findtext(
            f"{{{MUC_USER}}}reason"
        )
        == "busy"
    )

    # A blocked inviter's invitations are dropped; a control message after them arrives.
    await h.service.execute(Block(account=alice.jid, jid=mallory.jid))
    await wait_until(lambda: mallory.jid in h.service._sessions[alice.jid].blocked)
    direct_invite(mallory, alice.jid, room)
    bob.send_chat(alice.jid, "control")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "control")
    assert len(h.of_type(InvitationReceived)) == 2

    # Accepting is joining (the user's choice): the room let alice in as a member.
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    await h.service.execute(SendMessage(account=alice.jid, peer=room, body="thanks"))
    await room_peer.wait_groupchat(bob, room, "thanks")


async def test_invitation_floods_add_no_more_than_a_few_offers(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same room twice is one offer; past the cap, invitations are dropped (T18)."""
    monkeypatch.setattr(room_directory, "MAX_PENDING_INVITATIONS", 2)
    alice = new_account("alice")
    mallory = await peer()
    h = await harness(alice)
    rooms = [new_room("spam") for _ in range(3)]
    direct_invite(mallory, alice.jid, rooms[0])
    direct_invite(mallory, alice.jid, rooms[0])
    direct_invite(mallory, alice.jid, rooms[1])
    direct_invite(mallory, alice.jid, rooms[2])
    mallory.send_chat(alice.jid, "control")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "control")
    assert [e.room for e in h.of_type(InvitationReceived)] == rooms[:2]
