"""The rest of XEP-0045 against the real server: the reserved nickname (§7.12), asking for
voice and answering such requests (§7.13, §8.6), registering with a room (§7.10, §9.9)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp import JID
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests import room_peer
from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import HarnessFactory
from tests.service.test_room_admin import presence_future
from tests.service.test_rooms import bodies, joined, new_room
from xmpp_tui.core.commands import (
    AnswerRegistrationRequest,
    AnswerVoiceRequest,
    ConvertToRoom,
    FetchRoomRegistration,
    JoinRoom,
    RegisterWithRoom,
    RequestVoice,
    SendMessage,
)
from xmpp_tui.core.events import (
    CommandFailed,
    MessageAdded,
    Notice,
    RegistrationRequested,
    RoomChanged,
    RoomConverted,
    RoomRegistrationForm,
    VoiceRequested,
)
from xmpp_tui.core.models import Role

MUC_ADMIN = "http://jabber.org/protocol/muc#admin"


async def reserve(owner: Peer, room: str, jid: str, nick: str, affiliation: str = "member") -> None:
    """The owner makes ``jid`` a member with ``nick`` reserved (Prosody keeps the item's nick
    as the reservation, as a registration would)."""
    iq = owner.client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{MUC_ADMIN}}}query")
    ET.SubElement(query, f"{{{MUC_ADMIN}}}item", jid=jid, affiliation=affiliation, nick=nick)
    await iq.send(timeout=5)


async def test_join_without_a_nick_uses_the_reserved_one(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    bob = await peer()
    room, plain = new_room("resv"), new_room("plain")
    await room_peer.join(bob, room, "bob")
    await room_peer.join(bob, plain, "bob")
    await reserve(bob, room, alice.jid, "alice-here")

    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    assert (await joined(h, room)).room.nick == "alice-here"
    # A room that keeps no nickname for us: our local part, as before.
    await h.service.execute(JoinRoom(account=alice.jid, room=plain))
    assert (await joined(h, plain)).room.nick == alice.jid.split("@")[0]


DATA = "jabber:x:data"
REQUEST = "http://jabber.org/protocol/muc#request"


def form_message(peer: Peer, to: str, fields: dict[str, str]) -> None:
    """A message holding a submitted data form (as a client, or a forger, sends it)."""
    msg = peer.client.make_message(mto=to)
    form = ET.SubElement(msg.xml, f"{{{DATA}}}x", type="submit")
    for var, value in fields.items():
        field = ET.SubElement(form, f"{{{DATA}}}field", var=var)
        ET.SubElement(field, f"{{{DATA}}}value").text = value
    msg.send()


def form_of(msg: Any) -> dict[str, str]:
    form = msg.xml.find(f"{{{DATA}}}x")
    assert form is not None, f"no form in {msg}"
    return {
        f.get("var") or "": f.findtext(f"{{{DATA}}}value") or ""
        for f in form.findall(f"{{{DATA}}}field")
    }


def form_future(peer: Peer) -> asyncio.Future[Any]:
    """The next message holding a data form (Prosody's have no body: slixmpp's "message"
    event would not fire), registered now."""
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    name = f"form {id(got)}"

    def on_message(msg: Any) -> None:
        if not got.done():
            got.set_result(msg)

    peer.client.register_handler(
        Callback(name, MatchXPath(f"{{jabber:client}}message/{{{DATA}}}x"), on_message)
    )
    got.add_done_callback(lambda _: peer.client.remove_handler(name))
    return got


def role_is(room: str, nick: str, role: str) -> Callable[[Any], bool]:
    def check(pres: Any) -> bool:
        item = pres.xml.find(f"{{{room_peer.MUC_USER}}}x/{{{room_peer.MUC_USER}}}item")
        return (
            str(pres["from"]) == f"{room}/{nick}"
            and item is not None
            and (item.get("role") == role)
        )

    return check


async def test_visitor_asks_for_voice_and_moderator_is_asked(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    bob = await peer()
    room = new_room("voice")
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_moderatedroom": "1"})
    nick = alice.jid.split("@")[0]

    # Alice is a visitor here: her request reaches the moderator (bob) as the room's form.
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    got = form_future(bob)
    await h.service.execute(RequestVoice(account=alice.jid, room=room))
    await h.wait_event(Notice, lambda e: e.text == f"Asked the moderators of {room} for voice")
    msg = await bob.wait_future(got, what="voice request")
    assert str(msg["from"]) == room
    fields = form_of(msg)
    assert fields["FORM_TYPE"] == REQUEST and fields["muc#roomnick"] == nick
    assert not h.of_type(CommandFailed)

    # Bob makes alice an admin (a moderator): carol, a visitor, asks; alice approves.
    moderator = presence_future(bob, role_is(room, nick, "moderator"))
    await reserve(bob, room, alice.jid, nick, affiliation="admin")
    await bob.wait_future(moderator, what="alice moderator")
    await h.wait_event(
        RoomChanged,
        lambda e: (
            e.room.jid == room
            and any(p.nick == nick and p.role is Role.MODERATOR for p in e.room.people)
        ),
    )
    carol = await peer()
    await room_peer.join(carol, room, "carol")
    form_message(carol, room, {"FORM_TYPE": REQUEST, "muc#role": "participant"})
    request = await h.wait_event(VoiceRequested, lambda e: e.room == room)
    assert request.nick == "carol" and request.jid.startswith(carol.jid)
    voiced = presence_future(carol, role_is(room, "carol", "participant"))
    await h.service.execute(
        AnswerVoiceRequest(
            account=alice.jid, room=room, nick=request.nick, jid=request.jid, allow=True
        )
    )
    await carol.wait_future(voiced, what="carol voiced")
    await h.wait_event(Notice, lambda e: e.text == f"Gave carol a voice in {room}")

    # Now a participant, alice cannot ask again: one clear line, nothing sent.
    await h.service.execute(RequestVoice(account=alice.jid, room=room))
    failed = await h.wait_event(CommandFailed)
    assert failed.message == f"You may already speak in {room}"


async def test_voice_request_only_from_a_room_we_moderate(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    mallory, bob = await peer(), await peer()
    room = new_room("forge")
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_moderatedroom": "1"})
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    # A request form straight from a user (not from the room): dropped, the line after
    # it from the same sender arrives (in order) and nothing asks alice anything.
    form_message(mallory, alice.jid, {"FORM_TYPE": REQUEST, "muc#roomnick": "bob"})
    mallory.send_chat(alice.jid, "after")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "after")
    assert not h.of_type(VoiceRequested)
    assert [m.body for m in h.service.history_page(alice.jid, mallory.jid)] == ["after"]


async def test_register_with_a_room_then_join_under_that_nick(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    bob = await peer()
    room = new_room("reg")
    await room_peer.join(bob, room, "bob")

    # Not affiliated: Prosody lets only members register (one clear line).
    await h.service.execute(FetchRoomRegistration(account=alice.jid, room=room))
    failed = await h.wait_event(CommandFailed)
    assert failed.message == f"{room} lets only its members register"
    assert failed.hint == "Ask one of its admins to add you"

    iq = bob.client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{MUC_ADMIN}}}query")
    ET.SubElement(query, f"{{{MUC_ADMIN}}}item", jid=alice.jid, affiliation="member")
    await iq.send(timeout=5)
    h.events.clear()
    await h.service.execute(FetchRoomRegistration(account=alice.jid, room=room))
    shown = await h.wait_event(RoomRegistrationForm)
    assert shown.registered == ""
    nick_field = shown.form.field("muc#register_roomnick")
    assert nick_field is not None and nick_field.required
    form = shown.form.with_values({"muc#register_roomnick": ("ally",)})
    await h.service.execute(RegisterWithRoom(account=alice.jid, room=room, form=form))
    await h.wait_event(Notice, lambda e: e.text == f"Registered with {room}")
    assert not h.of_type(CommandFailed)

    # Asked again: the room says we are registered, and under which nick.
    await h.service.execute(FetchRoomRegistration(account=alice.jid, room=room))
    again = await h.wait_event(RoomRegistrationForm, lambda e: e.registered != "")
    assert again.registered == "ally"
    # The nickname is now reserved for us (§7.12): /join without one uses it.
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    assert (await joined(h, room)).room.nick == "ally"


MUC_USER = room_peer.MUC_USER
REGISTER = "http://jabber.org/protocol/muc#register"


class ScriptedRoom:
    """A room played by the ``push.localhost`` XEP-0114 component (Prosody 0.12 never sends
    registration requests to admins: it registers affiliated users at once and refuses the
    others): it seats whoever joins as an admin, passes on requests, records what comes back."""

    def __init__(self, client: Any, room: str) -> None:
        self.client = client
        self.room = room
        self.forms: asyncio.Queue[Any] = asyncio.Queue()
        self.occupant = ""

    def seat(self, pres: Any) -> None:
        to = pres["to"]
        if str(to.bare) != self.room or pres["type"] in ("unavailable", "error"):
            return
        self.occupant = str(pres["from"])
        reply = self.client.make_presence(pto=self.occupant, pfrom=str(to))
        x = ET.SubElement(reply.xml, f"{{{MUC_USER}}}x")
        ET.SubElement(x, f"{{{MUC_USER}}}item", affiliation="admin", role="moderator")
        ET.SubElement(x, f"{{{MUC_USER}}}status", code="110")
        reply.send()

    def pass_on(self, fields: dict[str, str], *, sender: str | None = None) -> None:
        msg = self.client.make_message(mto=self.occupant, mfrom=sender or self.room)
        form = ET.SubElement(msg.xml, f"{{{DATA}}}x", type="form")
        for var, value in fields.items():
            field = ET.SubElement(form, f"{{{DATA}}}field", var=var)
            ET.SubElement(field, f"{{{DATA}}}value").text = value
        msg.send()


async def scripted_room(prosody: ProsodyServer, room: str) -> tuple[ScriptedRoom, Any]:
    from slixmpp import ComponentXMPP

    client = ComponentXMPP(
        "push.localhost", prosody.component_secret, "127.0.0.1", prosody.component_port
    )
    client.register_plugin("xep_0030")
    disco = client.plugin["xep_0030"]
    disco.add_identity(
        category="conference", itype="text", name="Scripted", jid=JID("push.localhost")
    )
    disco.add_feature("http://jabber.org/protocol/muc", jid=JID("push.localhost"))
    scripted = ScriptedRoom(client, room)
    started: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_start(_event: Any) -> None:
        if not started.done():
            started.set_result(None)

    client.add_event_handler("session_start", on_start)
    client.add_event_handler("presence", scripted.seat)
    client.register_handler(
        Callback(
            "forms",
            MatchXPath(f"{{jabber:component:accept}}message/{{{DATA}}}x"),
            scripted.forms.put_nowait,
        )
    )
    client.connect()
    await asyncio.wait_for(started, 10)
    return scripted, client


async def test_registration_request_approved_by_an_admin(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    room = f"scripted-{new_room('r').split('@')[0]}@push.localhost"
    scripted, component = await scripted_room(prosody, room)
    try:
        await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="al"))
        await joined(h, room)
        request = {
            "FORM_TYPE": REGISTER,
            "muc#register_first": "Dave",
            "muc#register_roomnick": "dave",
            "muc#jid": "dave@localhost",
        }
        # From anyone but the room itself (an occupant's JID, another room): dropped.
        scripted.pass_on(request, sender=f"{room}/mallory")
        scripted.pass_on(request, sender=f"other-{room}")
        scripted.pass_on(request)
        shown = await h.wait_event(RegistrationRequested)
        assert (shown.room, shown.nick, shown.jid) == (room, "dave", "dave@localhost")
        first = shown.form.field("muc#register_first")
        assert first is not None and first.value == "Dave"

        await h.service.execute(
            AnswerRegistrationRequest(account=alice.jid, room=room, form=shown.form, allow=True)
        )
        answer = await asyncio.wait_for(scripted.forms.get(), 5)
        assert str(answer["from"].bare) == alice.jid and str(answer["to"]) == room
        form = answer.xml.find(f"{{{DATA}}}x")
        assert form is not None and form.get("type") == "submit"
        assert form_of(answer) == {**request, "muc#register_allow": "1"}
        await h.wait_event(
            Notice, lambda e: e.text == f"Approved the registration of dave with {room}"
        )
        assert len(h.of_type(RegistrationRequested)) == 1
    finally:
        component.disconnect()


def message_future(peer: Peer, predicate: Callable[[Any], bool]) -> asyncio.Future[Any]:
    """The next message (with or without a body) matching ``predicate``, registered now."""
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    name = f"message {id(got)}"

    def on_message(msg: Any) -> None:
        if predicate(msg) and not got.done():
            got.set_result(msg)

    peer.client.register_handler(Callback(name, MatchXPath("{jabber:client}message"), on_message))
    got.add_done_callback(lambda _: peer.client.remove_handler(name))
    return got


async def test_convert_a_chat_into_a_room_with_its_last_messages(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    bob = await peer()
    for body in ("one", "two", "three"):
        bob.send_chat(alice.jid, body)
    await wait_until(lambda: len(bodies(h, alice.jid, bob.jid)) == 3)
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="four"))
    await bob.wait_body("four")

    invited = message_future(
        bob, lambda m: m.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite") is not None
    )
    await h.service.execute(ConvertToRoom(account=alice.jid, peer=bob.jid, history=2))
    converted = await h.wait_event(RoomConverted)
    room = converted.room
    assert converted.peer == bob.jid and converted.history == 2
    assert room.endswith("@conference.localhost")
    invitation = await bob.wait_future(invited, what="invitation")
    assert str(invitation["from"]) == room
    invite = invitation.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}invite")
    assert invite is not None and invite.findtext(f"{{{MUC_USER}}}reason") == (
        "Our chat goes on in this room"
    )
    # (Prosody 0.12 rebuilds a mediated invitation from its to, from and reason: the
    # <continue/> we send does not reach bob.)

    # Bob enters and is given the two messages carried over, each naming its author.
    replayed: list[Any] = []
    bob.client.add_event_handler(
        "message", lambda m: replayed.append(m) if m["type"] == "groupchat" else None
    )
    pres = bob.client.make_presence(pto=f"{room}/bob")
    ET.SubElement(
        ET.SubElement(pres.xml, f"{{{room_peer.MUC}}}x"), f"{{{room_peer.MUC}}}history"
    ).set("maxstanzas", "10")
    pres.send()
    await wait_until(lambda: len(replayed) >= 2, timeout=10)
    # Every reader sees them under our nick: the text names the author and the time.
    texts = [str(m["body"]) for m in replayed[:2]]
    assert texts[0].endswith(f"] {bob.jid}: three") and texts[1].endswith(f"] {alice.jid}: four")
    assert all(t.startswith("[") and " UTC] " in t for t in texts)
    # Members only, and bob a member: what was carried is for him only.
    config = await h.service._sessions[alice.jid].client.fetch_room_config(room, 10)
    members_only = config.field("muc#roomconfig_membersonly")
    assert members_only is not None and members_only.checked
    authors = [
        {d.get("from") for d in m.xml.findall("{urn:xmpp:delay}delay")} for m in replayed[:2]
    ]
    assert bob.jid in authors[0] and alice.jid in authors[1]
    assert not h.of_type(CommandFailed)


async def test_convert_refused_for_a_room(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    room = new_room("conv")
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    await h.service.execute(ConvertToRoom(account=alice.jid, peer=room))
    failed = await h.wait_event(CommandFailed)
    assert failed.message == f"{room} is a room already"
