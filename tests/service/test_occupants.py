"""Occupant use cases (XEP-0045 §7) against the real Prosody with real occupants: roles,
affiliations and presence of each occupant; nick changes (303/110), a taken nick refused with
another one offered; the subject changed, refused when the room does not allow it; our show
in the room; coalesced snapshots; XEP-0410 self-ping rejoining a room that forgot us."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from xml.etree import ElementTree as ET

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import FAST, Harness, HarnessFactory
from tests.service.test_rooms import joined, new_room
from xmpp_tui.core.commands import (
    AddContact,
    ChangeNick,
    JoinRoom,
    SendMessage,
    SetPresence,
    SetSubject,
)
from xmpp_tui.core.events import CommandFailed, MessageAdded, RoomChanged
from xmpp_tui.core.models import (
    Affiliation,
    ConversationKind,
    Direction,
    Occupant,
    Role,
    RoomInfo,
    Show,
)


def room_info(h: Harness, account: str, room: str) -> RoomInfo:
    return next(r for r in h.service.rooms(account) if r.jid == room)


def person(h: Harness, account: str, room: str, nick: str) -> Occupant | None:
    return next((p for p in room_info(h, account, room).people if p.nick == nick), None)


def expect_where(peer: Any, event: str, predicate: Callable[[Any], bool]) -> asyncio.Future[Any]:
    """A future for the next ``event`` of ``peer`` that matches, registered now."""
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def handler(data: Any) -> None:
        if predicate(data) and not future.done():
            future.set_result(data)
            peer.client.del_event_handler(event, handler)

    peer.client.add_event_handler(event, handler)
    return future


def presence_from(peer: Any, full: str) -> asyncio.Future[Any]:
    return expect_where(peer, "presence", lambda p: str(p["from"]) == full)


async def test_occupants_roles_presence_and_nick_changes(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    carol = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")  # the owner (created it)
    await room_peer.join(carol, room, "carol")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)
    await wait_until(lambda: len(room_info(h, alice.jid, room).people) == 3)
    people = room_info(h, alice.jid, room).people
    # Moderators first (the owner), then participants by nick; we are among them.
    assert [p.nick for p in people] == ["bob", "al", "carol"]
    assert (people[0].role, people[0].affiliation) == (Role.MODERATOR, Affiliation.OWNER)
    assert (people[2].role, people[2].affiliation) == (Role.PARTICIPANT, Affiliation.NONE)

    # Carol goes away: her show reaches the list.
    carol.client.send_presence(pto=f"{room}/carol", pshow="away", pstatus="lunch [b]x[/b]")
    carol_away = Occupant(nick="carol", show=Show.AWAY, status="lunch [b]x[/b]")
    await wait_until(lambda: person(h, alice.jid, room, "carol") == carol_away)

    # Carol renames herself (303): renamed in the list, never shown as leaving.
    carol.client.send_presence(pto=f"{room}/carol2")
    await wait_until(lambda: person(h, alice.jid, room, "carol2") is not None)
    assert person(h, alice.jid, room, "carol") is None

    # Our own nick change: bob sees the new nick; our snapshot follows.
    seen = presence_from(bob, f"{room}/al2")
    await h.service.execute(ChangeNick(account=alice.jid, room=room, nick="al2"))
    await bob.wait_future(seen)
    assert room_info(h, alice.jid, room).nick == "al2"
    assert person(h, alice.jid, room, "al") is None and person(h, alice.jid, room, "al2")
    assert not h.of_type(CommandFailed)

    # A taken nick: refused by the room at once, another one offered; we keep ours.
    await h.service.execute(ChangeNick(account=alice.jid, room=room, nick="bob"))
    failed = await h.wait_event(CommandFailed)
    assert "someone else uses that nickname" in failed.message
    assert failed.hint == "Try /nick bob_"
    assert room_info(h, alice.jid, room).nick == "al2" and room_info(h, alice.jid, room).joined

    # Our show reaches the room as directed presence.
    away = presence_from(bob, f"{room}/al2")
    await h.service.execute(SetPresence(account=alice.jid, show=Show.DND, status="busy"))
    got = await bob.wait_future(away)
    assert str(got["show"]) == "dnd" and str(got["status"]) == "busy"


async def test_subject_refused_then_allowed(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_changesubject": "0"})
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)

    await h.service.execute(SetSubject(account=alice.jid, room=room, subject="mine"))
    failed = await h.wait_event(CommandFailed)
    assert failed.command == "SetSubject" and "Cannot change the subject" in failed.message
    assert room_info(h, alice.jid, room).subject == ""

    await room_peer.configure(bob, room, {"muc#roomconfig_changesubject": "1"})
    # execute() returns once the room reported the new subject from room/al (our nick).
    await h.service.execute(SetSubject(account=alice.jid, room=room, subject="Plans"))
    assert room_info(h, alice.jid, room).subject == "Plans"
    assert len(h.of_type(CommandFailed)) == 1


async def test_many_presences_one_snapshot(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """Occupants entering in a burst publish a few snapshots, not one per presence."""
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    h = await harness(alice, timing=replace(FAST, occupants_coalesce=1.0))
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)
    before = len(h.of_type(RoomChanged))
    extras = [await peer() for _ in range(6)]
    for n, other in enumerate(extras):  # sent without waiting: they arrive together
        room_peer.send_join(other, room, f"guest{n}")
    await h.wait_event(RoomChanged, lambda e: len(e.room.people) == 8)
    snapshots = len(h.of_type(RoomChanged)) - before
    assert 1 <= snapshots < 6, snapshots


async def test_self_ping_rejoins_a_room_that_forgot_us(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
) -> None:
    """The room drops us without a word (as a restarted MUC service would): Prosody's own
    occupant removal, through its admin shell. XEP-0410 self-ping notices and rejoins."""
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    h = await harness(alice, timing=replace(FAST, room_ping_interval=0.5))
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)
    # Positive control: a room that knows us answers the ping, and nothing is rejoined.
    session = h.service._sessions[alice.jid]  # test hook: one round now
    assert await session.rooms.self_ping.ping_all() == []
    back = presence_from(bob, f"{room}/al")
    forget_occupant(prosody, room, "al")
    assert f"{room}/al" not in room_occupants(prosody, room)
    got = await bob.wait_future(back, timeout=10)  # we entered again
    assert got["type"] != "unavailable"
    await wait_until(lambda: f"{room}/al" in room_occupants(prosody, room), timeout=10)
    await wait_until(lambda: room_info(h, alice.jid, room).joined)
    assert not h.of_type(CommandFailed)


def forget_occupant(prosody: ProsodyServer, room: str, nick: str) -> None:
    """Remove ``nick`` from ``room`` inside Prosody, telling nobody."""
    prosody.admin(
        "> local r = prosody.hosts['conference.localhost'].modules.muc.get_room_from_jid("
        f"'{room}'); local o = r:get_occupant_by_nick('{room}/{nick}'); "
        "for real in o:each_session() do r._jid_nick[real] = nil end; "
        f"r._occupants['{room}/{nick}'] = nil"
    )


def room_occupants(prosody: ProsodyServer, room: str) -> list[str]:
    """The occupant JIDs (room/nick) Prosody holds for ``room``."""
    return prosody.admin(
        "> local r = prosody.hosts['conference.localhost'].modules.muc.get_room_from_jid("
        f"'{room}'); local t = {{}}; for nick in r:each_occupant() do t[#t+1] = nick end; "
        "return table.concat(t, ' ')"
    ).split()


def from_peer(jid: str) -> Callable[[MessageAdded], bool]:
    return lambda event: event.message.peer == jid


def private_to(peer: Any, to: str, body: str, *, mark: bool = True) -> None:
    """A chat message to ``to``; ``mark``: with XEP-0045's muc#user element (a PM)."""
    msg = peer.client.make_message(mto=to, mbody=body, mtype="chat")
    if mark:
        ET.SubElement(msg.xml, "{http://jabber.org/protocol/muc#user}x")
    msg.send()


async def test_private_messages_with_an_occupant(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """Keyed by room/nick, never under a contact, even one whose name matches the nick."""
    alice = new_account("alice")
    bob = await peer()
    stranger = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    h = await harness(alice)
    await h.service.execute(AddContact(account=alice.jid, jid=bob.jid, name="bob"))
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)

    # Bob writes privately through the room: stored under room/bob as a 1:1 line.
    private_to(bob, f"{room}/al", "psst [b]x[/b]")
    got = await h.wait_event(MessageAdded, lambda e: e.message.body == "psst [b]x[/b]")
    assert (got.message.peer, got.message.sender) == (f"{room}/bob", f"{room}/bob")
    assert got.message.kind is ConversationKind.CHAT
    assert h.service.history_page(alice.jid, bob.jid) == []  # not the contact's
    assert [m.body for m in h.service.history_page(alice.jid, room)] == []  # nor the room's

    # We answer: bob gets it from room/al, marked as a private message.
    answer = expect_where(bob, "message", lambda m: str(m["body"]) == "hush")
    await h.service.execute(SendMessage(account=alice.jid, peer=f"{room}/bob", body="hush"))
    msg = await bob.wait_future(answer)
    assert str(msg["from"]) == f"{room}/al" and msg["type"] == "chat"
    ours = h.service.history_page(alice.jid, f"{room}/bob")
    assert [(m.body, m.direction) for m in ours] == [
        ("psst [b]x[/b]", Direction.INCOMING),
        ("hush", Direction.OUTGOING),
    ]

    # Nobody called zed in the room: refused with one line, nothing stored.
    await h.service.execute(SendMessage(account=alice.jid, peer=f"{room}/zed", body="hi"))
    failed = await h.wait_event(CommandFailed)
    assert failed.message == f"zed is not in {room} now"
    assert h.service.history_page(alice.jid, f"{room}/zed") == []

    # A stranger dressing a message up as a private one (muc#user) from his own JID: he is
    # not a room we are in, so it is dropped. Positive control afterwards, same sender.
    private_to(stranger, alice.jid + "/tui", "i am a room")
    private_to(stranger, alice.jid + "/tui", "plain hello", mark=False)
    plain = await h.wait_event(MessageAdded, lambda e: e.message.body == "plain hello")
    assert plain.message.peer == stranger.jid
    assert not any(e.message.body == "i am a room" for e in h.of_type(MessageAdded))


async def test_join_with_a_taken_nick_offers_another(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="bob"))
    failed = await h.wait_event(CommandFailed)
    assert failed.message == f"Cannot join {room}: someone else uses that nickname there"
    assert failed.hint == f"Type /join {room}/bob_"
    # Taking the offer works.
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="bob_"))
    assert (await joined(h, room)).room.nick == "bob_"


async def test_subject_only_as_the_room_reports_it(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """A groupchat subject from anyone but the room (a stranger's own JID) changes nothing."""
    alice = new_account("alice")
    bob = await peer()
    stranger = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
    await joined(h, room)
    for sender in (stranger, bob):  # a stranger, then an occupant writing directly to us
        forged = sender.client.make_message(mto=f"{alice.jid}/tui", mtype="groupchat")
        forged["subject"] = "forged"
        forged.send()
        # Then an ordinary line on the same stream: once it is here, so is the forgery.
        sender.client.make_message(mto=alice.jid, mbody="after", mtype="chat").send()
        await h.wait_event(MessageAdded, from_peer(sender.jid))
    real = bob.client.make_message(mto=room, mtype="groupchat")
    real["subject"] = "real"
    real.send()
    await h.wait_event(RoomChanged, lambda e: e.room.subject == "real")
    assert not any(e.room.subject == "forged" for e in h.of_type(RoomChanged))
    assert room_info(h, alice.jid, room).subject == "real"
