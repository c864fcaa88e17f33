"""Moderator, admin and owner use cases (XEP-0045 §8 - §10) against the real server, with real
occupants: kick, voice, devoice, ban, unban, affiliations and their lists, the configuration
form, destroy; and each refusal shown as one clear line."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests import room_peer
from tests.peer import DEFAULT_TIMEOUT, AccountFactory, Peer, PeerFactory
from tests.service.harness import Harness, HarnessFactory
from tests.service.test_rooms import joined, new_room
from xmpp_tui.core.commands import (
    DestroyRoom,
    FetchRoomConfig,
    FetchRoomLists,
    JoinRoom,
    ModerateMessage,
    SetAffiliation,
    SetRole,
    SubmitRoomConfig,
)
from xmpp_tui.core.events import (
    CommandFailed,
    MessageAdded,
    MessageCorrected,
    Notice,
    RoomChanged,
    RoomConfigFetched,
    RoomListsFetched,
)

MUC_USER = room_peer.MUC_USER
MUC_ADMIN = "http://jabber.org/protocol/muc#admin"


def presence_future(peer: Peer, predicate: Callable[[Any], bool]) -> asyncio.Future[Any]:
    """The next presence matching ``predicate``, registered now (before acting)."""
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_presence(pres: Any) -> None:
        if predicate(pres) and not got.done():
            got.set_result(pres)

    peer.client.add_event_handler("presence", on_presence)
    got.add_done_callback(lambda _: peer.client.del_event_handler("presence", on_presence))
    return got


def item_of(pres: Any) -> ET.Element:
    item: ET.Element | None = pres.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item")
    assert item is not None
    return item


def statuses(pres: Any) -> set[str]:
    return {s.get("code") or "" for s in pres.xml.iter(f"{{{MUC_USER}}}status")}


async def own_room(h: Harness, prefix: str = "adm") -> str:
    """A new room that the harness account creates (owner, moderator)."""
    room = new_room(prefix)
    await h.service.execute(JoinRoom(account=h.account, room=room))
    await joined(h, room)
    return room


async def test_kick_voice_devoice(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    room = await own_room(h)
    bob, carol = await peer(), await peer()
    await room_peer.join(bob, room, "bob")
    await room_peer.join(carol, room, "carol")

    # Devoice: bob (and everyone) sees bob's role become visitor; voice gives it back.
    visitor = presence_future(
        bob, lambda p: str(p["from"]) == f"{room}/bob" and item_of(p).get("role") == "visitor"
    )
    await h.service.execute(SetRole(account=alice.jid, room=room, nick="bob", role="devoice"))
    await bob.wait_future(visitor, what="devoiced")
    await h.wait_event(Notice, lambda e: e.text == f"bob may no longer speak in {room}")
    voiced = presence_future(
        bob, lambda p: str(p["from"]) == f"{room}/bob" and item_of(p).get("role") == "participant"
    )
    await h.service.execute(SetRole(account=alice.jid, room=room, nick="bob", role="voice"))
    await bob.wait_future(voiced, what="voiced")

    # Kick with a reason: carol gets status 307, our actor nick and the reason.
    kicked = presence_future(
        carol, lambda p: str(p["from"]) == f"{room}/carol" and p["type"] == "unavailable"
    )
    await h.service.execute(
        SetRole(account=alice.jid, room=room, nick="carol", role="kick", reason="too loud")
    )
    pres = await carol.wait_future(kicked, what="kicked")
    assert "307" in statuses(pres)
    reason = item_of(pres).find(f"{{{MUC_USER}}}reason")
    assert reason is not None and reason.text == "too loud"
    await h.wait_event(Notice, lambda e: e.text == f"Kicked carol from {room}")
    # The room tells every occupant (us too) who was kicked, by whom and why.
    nick = alice.jid.split("@")[0]
    await h.wait_event(
        Notice, lambda e: e.text == f"carol was kicked from {room} by {nick} (too loud)"
    )
    assert not h.of_type(CommandFailed)

    # A nick that is not in the room: one clear line.
    await h.service.execute(SetRole(account=alice.jid, room=room, nick="nobody", role="none"))
    failed = await h.wait_event(CommandFailed)
    assert failed.message.startswith(f"{room} refused to kick nobody")


async def test_participant_may_not_kick_and_sees_why(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob, carol = await peer(), await peer()
    room = new_room("noadm")
    await room_peer.join(bob, room, "bob")  # the owner
    await room_peer.join(carol, room, "carol")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)

    # Prosody 0.12 answers not-allowed (XEP-0045 leaves the condition to the service).
    await h.service.execute(SetRole(account=alice.jid, room=room, nick="carol", role="none"))
    failed = await h.wait_event(CommandFailed)
    assert failed.message == (
        f"{room} refused to kick carol (not-allowed): you lack the rights for that there, "
        "or they outrank you"
    )
    assert failed.hint == "Only moderators kick and (de)voice; only admins and owners ban"
    await h.service.execute(
        SetAffiliation(account=alice.jid, room=room, jid=bob.jid, affiliation="outcast")
    )
    banned = await h.wait_event(
        CommandFailed, lambda e: e.message.startswith(f"{room} refused to ban")
    )
    assert "(not-allowed)" in banned.message
    await h.service.execute(FetchRoomConfig(account=alice.jid, room=room))
    await h.wait_event(
        CommandFailed, lambda e: "configured by you (forbidden)" in e.message, timeout=10
    )
    # Nor may a participant remove a message (XEP-0425): we know our role, so it is said
    # at once, before asking the room.
    room_peer.say(bob, room, "owner speaking")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "owner speaking")
    await h.service.execute(ModerateMessage(account=alice.jid, room=room, nick="bob"))
    await h.wait_event(
        CommandFailed, lambda e: e.message == f"Only moderators can remove messages in {room}"
    )
    assert not h.of_type(RoomConfigFetched)


async def test_we_see_who_kicked_us_and_why(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("kicked")
    await room_peer.join(bob, room, "bob")
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    info = (await joined(h, room)).room

    iq = bob.client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{MUC_ADMIN}}}query")
    item = ET.SubElement(query, f"{{{MUC_ADMIN}}}item", nick=info.nick, role="none")
    ET.SubElement(item, f"{{{MUC_ADMIN}}}reason").text = "off topic"
    await iq.send(timeout=DEFAULT_TIMEOUT)

    notice = await h.wait_event(Notice, lambda e: e.text.startswith(f"You left {room}"))
    assert notice.text == f"You left {room}: you were kicked by bob (off topic)"
    out = await h.wait_event(RoomChanged, lambda e: e.room.jid == room and not e.room.joined)
    assert out.room.left == "you were kicked by bob (off topic)"  # the room's header says it


async def test_ban_unban_affiliations_and_lists(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    room = await own_room(h)
    bob, carol, dave = await peer(), await peer(), await peer()
    await room_peer.join(bob, room, "bob")

    # Ban an occupant: out with 301 and the reason; the ban list holds them.
    banned = presence_future(
        bob, lambda p: str(p["from"]) == f"{room}/bob" and p["type"] == "unavailable"
    )
    await h.service.execute(
        SetAffiliation(
            account=alice.jid, room=room, jid=bob.jid, affiliation="outcast", reason="spam"
        )
    )
    pres = await bob.wait_future(banned, what="banned")
    assert "301" in statuses(pres)
    assert item_of(pres).findtext(f"{{{MUC_USER}}}reason") == "spam"
    await h.wait_event(Notice, lambda e: e.text == f"Banned {bob.jid} from {room}")
    nick = alice.jid.split("@")[0]
    await h.wait_event(Notice, lambda e: e.text == f"bob was banned from {room} by {nick} (spam)")

    for who, affiliation in ((carol, "member"), (dave, "admin")):
        await h.service.execute(
            SetAffiliation(account=alice.jid, room=room, jid=who.jid, affiliation=affiliation)
        )
    await h.service.execute(FetchRoomLists(account=alice.jid, room=room))
    lists = dict((await h.wait_event(RoomListsFetched)).lists)
    assert [e.jid for e in lists["outcast"]] == [bob.jid]  # Prosody keeps no reason
    assert [e.jid for e in lists["member"]] == [carol.jid]
    assert [e.jid for e in lists["admin"]] == [dave.jid]
    assert [e.jid for e in lists["owner"]] == [alice.jid]
    assert [e.nick for e in lists["moderator"]] == [alice.jid.split("@")[0]]

    # The banned user cannot come back; unbanned, they can.
    refused = presence_future(bob, lambda p: p["type"] == "error")
    rejoin = bob.client.make_presence(pto=f"{room}/bob")
    ET.SubElement(rejoin.xml, f"{{{room_peer.MUC}}}x")
    rejoin.send()
    error = await bob.wait_future(refused, what="join refused")
    assert error["error"]["condition"] == "forbidden"
    await h.service.execute(
        SetAffiliation(account=alice.jid, room=room, jid=bob.jid, affiliation="none")
    )
    await h.wait_event(Notice, lambda e: e.text.startswith(f"{bob.jid} no longer has"))
    await room_peer.join(bob, room, "bob")

    # Owner, then revoke: the owner list follows.
    await h.service.execute(
        SetAffiliation(account=alice.jid, room=room, jid=dave.jid, affiliation="owner")
    )
    h.events.clear()
    await h.service.execute(FetchRoomLists(account=alice.jid, room=room))
    lists = dict((await h.wait_event(RoomListsFetched)).lists)
    assert sorted(e.jid for e in lists["owner"]) == sorted([alice.jid, dave.jid])
    assert lists["outcast"] == ()
    assert not h.of_type(CommandFailed)


async def test_configure_and_destroy(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    room = await own_room(h)
    bob = await peer()
    await room_peer.join(bob, room, "bob")

    await h.service.execute(FetchRoomConfig(account=alice.jid, room=room))
    form = (await h.wait_event(RoomConfigFetched)).form
    name = form.field("muc#roomconfig_roomname")
    assert name is not None and name.editable
    hidden = form.field("FORM_TYPE")
    assert hidden is not None and hidden.values == ("http://jabber.org/protocol/muc#roomconfig",)
    changed = form.with_values(
        {"muc#roomconfig_roomname": ("Team room",), "muc#roomconfig_moderatedroom": ("1",)}
    )
    await h.service.execute(SubmitRoomConfig(account=alice.jid, room=room, form=changed))
    await h.wait_event(Notice, lambda e: e.text == f"Saved the configuration of {room}")

    h.events.clear()
    await h.service.execute(FetchRoomConfig(account=alice.jid, room=room))
    again = (await h.wait_event(RoomConfigFetched)).form
    assert again.field("muc#roomconfig_roomname").value == "Team room"  # type: ignore[union-attr]
    assert again.field("muc#roomconfig_moderatedroom").checked  # type: ignore[union-attr]
    # The room reflects it: its disco#info name is the new one.
    info = await bob.client.plugin["xep_0030"].get_info(jid=JID(room), timeout=DEFAULT_TIMEOUT)
    assert any(i[3] == "Team room" for i in info["disco_info"]["identities"])

    gone = presence_future(
        bob, lambda p: str(p["from"]) == f"{room}/bob" and p["type"] == "unavailable"
    )
    await h.service.execute(DestroyRoom(account=alice.jid, room=room, reason="done here"))
    pres = await bob.wait_future(gone, what="room destroyed")
    destroy = pres.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}destroy")
    assert destroy is not None
    assert destroy.findtext(f"{{{MUC_USER}}}reason") == "done here"
    await h.wait_event(Notice, lambda e: e.text == f"Destroyed {room}")
    await h.wait_event(
        Notice, lambda e: e.text == f"You left {room}: the room was destroyed (done here)"
    )
    await h.wait_event(RoomChanged, lambda e: e.room.jid == room and not e.room.joined)


async def test_instant_and_reserved_rooms(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    bob = await peer()

    # Instant: unlocked at once with the defaults, and we are told how to change them.
    instant = await own_room(h, "instant")
    await h.wait_event(Notice, lambda e: e.text.startswith(f"Created {instant} with the default"))
    await room_peer.join(bob, instant, "bob")

    # Reserved: the form comes first and the room stays locked until it is saved.
    reserved = new_room("reserved")
    await h.service.execute(JoinRoom(account=alice.jid, room=reserved, configure=True))
    fetched = await h.wait_event(RoomConfigFetched, lambda e: e.room == reserved)
    assert fetched.new_room
    assert not any(e.text.startswith(f"Created {reserved}") for e in h.of_type(Notice))
    refused = presence_future(bob, lambda p: p["type"] == "error")
    attempt = bob.client.make_presence(pto=f"{reserved}/bob")
    ET.SubElement(attempt.xml, f"{{{room_peer.MUC}}}x")
    attempt.send()
    error = await bob.wait_future(refused, what="locked room refused")
    assert error["error"]["condition"] == "item-not-found"
    form = fetched.form.with_values({"muc#roomconfig_roomname": ("Reserved one",)})
    await h.service.execute(SubmitRoomConfig(account=alice.jid, room=reserved, form=form))
    await h.wait_event(Notice, lambda e: e.text == f"Saved the configuration of {reserved}")
    await room_peer.join(bob, reserved, "bob")
    info = await bob.client.plugin["xep_0030"].get_info(jid=JID(reserved), timeout=DEFAULT_TIMEOUT)
    assert [i[3] for i in info["disco_info"]["identities"]] == ["Reserved one"]


async def test_moderate_a_message_and_apply_only_the_rooms_moderations(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    room = await own_room(h, "moder")
    bob, carol = await peer(), await peer()
    await room_peer.join(bob, room, "bob")
    await room_peer.join(carol, room, "carol")

    # An occupant forging a moderation (from room/carol) changes nothing.
    room_peer.say(bob, room, "buy cheap stuff")
    spam = await h.wait_event(MessageAdded, lambda e: e.message.body == "buy cheap stuff")
    assert spam.message.stanza_id
    forged = carol.client.make_message(mto=room, mbody="", mtype="groupchat")
    apply_to = ET.SubElement(forged.xml, "{urn:xmpp:fasten:0}apply-to", id=spam.message.stanza_id)
    moderated = ET.SubElement(apply_to, "{urn:xmpp:message-moderate:0}moderated", by=f"{room}/x")
    ET.SubElement(moderated, "{urn:xmpp:message-retract:0}retract")
    forged.send()
    room_peer.say(carol, room, "after the forgery")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "after the forgery")
    assert not h.of_type(MessageCorrected)

    # The moderator removes it: bob sees the room's announcement, our copy is a tombstone.
    announced: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_message(msg: Any) -> None:
        found = msg.xml.find("{urn:xmpp:fasten:0}apply-to")
        if found is not None and str(msg["from"]) == room and not announced.done():
            announced.set_result(msg)

    bob.client.register_handler(
        Callback(
            "moderation seen",
            MatchXPath("{jabber:client}message/{urn:xmpp:fasten:0}apply-to"),
            on_message,
        )
    )
    await h.service.execute(
        ModerateMessage(account=alice.jid, room=room, nick="bob", reason="spam")
    )
    msg = await bob.wait_future(announced, what="moderation announcement")
    assert msg.xml.find("{urn:xmpp:fasten:0}apply-to").get("id") == spam.message.stanza_id
    corrected = await h.wait_event(MessageCorrected)
    assert corrected.message.id == spam.message.id
    nick = alice.jid.split("@")[0]
    assert corrected.message.body == f"(removed by moderator {nick}: spam)"
    stored = [m.body for m in h.service.history_page(alice.jid, room)]
    assert "buy cheap stuff" not in stored
    await h.wait_event(Notice, lambda e: e.text == f"Removed bob's last message from {room}")

    # Nothing of nobody's to remove.
    await h.service.execute(ModerateMessage(account=alice.jid, room=room, nick="nobody"))
    await h.wait_event(
        CommandFailed, lambda e: e.message == f"No message from nobody in {room} to remove"
    )
