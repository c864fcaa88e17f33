"""Pure parts of room administration: data forms read from and written to XML, the kicked
presence's actor and reason, and the room admin slash commands routed to core commands."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from slixmpp import Presence

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.forms import DataForm, FieldType, FormField, field_type
from xmpp_tui.core.slash import parse
from xmpp_tui.ui.command_router import RouteContext, route
from xmpp_tui.xmpp import translate_rooms
from xmpp_tui.xmpp.forms import read_form, write_submission
from xmpp_tui.xmpp.inbound import OccupantPresence

A = "alice@example.org"
ROOM = "team@conference.example.org"
IN_ROOM = RouteContext(A, ROOM, rooms=frozenset({ROOM}))
IN_CHAT = RouteContext(A, "bob@example.org", rooms=frozenset({ROOM}))

FORM_XML = """
<x xmlns='jabber:x:data' type='form'>
  <title>Configure [b]room[/b]</title>
  <instructions>Fill it in</instructions>
  <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
  <field type='fixed'><value>Section</value></field>
  <field var='muc#roomconfig_roomname' type='text-single' label='Name'><value>Old</value></field>
  <field var='muc#roomconfig_roomdesc' type='text-multi' label='About'>
    <desc>What the room is for</desc><value>a</value><value>b</value></field>
  <field var='muc#roomconfig_persistentroom' type='boolean' label='Persistent'>
    <value>true</value><required/></field>
  <field var='muc#roomconfig_whois' type='list-single' label='Who'>
    <value>moderators</value>
    <option label='Moderators'><value>moderators</value></option>
    <option label='Anyone'><value>anyone</value></option></field>
  <field var='weird' type='no-such-type'><value>w</value></field>
</x>"""


def test_read_form_every_part() -> None:
    form = read_form(ET.fromstring(FORM_XML))
    assert form.title == "Configure [b]room[/b]"
    assert form.instructions == ("Fill it in",)
    types = [f.type for f in form.fields]
    assert types == [
        FieldType.HIDDEN,
        FieldType.FIXED,
        FieldType.TEXT_SINGLE,
        FieldType.TEXT_MULTI,
        FieldType.BOOLEAN,
        FieldType.LIST_SINGLE,
        FieldType.TEXT_SINGLE,  # an unknown type is text-single (XEP-0004 §3.3)
    ]
    about = form.field("muc#roomconfig_roomdesc")
    assert about is not None and about.values == ("a", "b") and about.desc == "What the room is for"
    persistent = form.field("muc#roomconfig_persistentroom")
    assert persistent is not None and persistent.checked and persistent.required
    whois = form.field("muc#roomconfig_whois")
    assert whois is not None and [(o.value, o.label) for o in whois.options] == [
        ("moderators", "Moderators"),
        ("anyone", "Anyone"),
    ]


def test_submission_keeps_hidden_drops_fixed() -> None:
    form = read_form(ET.fromstring(FORM_XML)).with_values(
        {"muc#roomconfig_roomname": ("New",), "unknown": ("x",), "": ("y",)}
    )
    parent = ET.Element("query")
    write_submission(parent, form)
    x = parent[0]
    assert x.get("type") == "submit"
    got = {
        f.get("var"): [v.text for v in f.findall("{jabber:x:data}value")]
        for f in x.findall("{jabber:x:data}field")
    }
    assert got == {
        "FORM_TYPE": ["http://jabber.org/protocol/muc#roomconfig"],
        "muc#roomconfig_roomname": ["New"],
        "muc#roomconfig_roomdesc": ["a", "b"],
        "muc#roomconfig_persistentroom": ["true"],
        "muc#roomconfig_whois": ["moderators"],
        "weird": ["w"],
    }


def test_form_model_basics() -> None:
    assert field_type("jid-multi") is FieldType.JID_MULTI
    assert not FormField(var="b", type=FieldType.BOOLEAN, values=("0",)).checked
    assert FormField(var="b", type=FieldType.BOOLEAN, values=("1",)).checked
    assert DataForm().field("x") is None


def test_kicked_presence_has_actor_and_reason() -> None:
    pres = Presence(
        xml=ET.fromstring(
            f"<presence xmlns='jabber:client' from='{ROOM}/al' to='{A}/tui' type='unavailable'>"
            "<x xmlns='http://jabber.org/protocol/muc#user'>"
            "<item affiliation='none' role='none'><actor nick='boss'/><reason>spam</reason></item>"
            "<status code='307'/><status code='110'/></x></presence>"
        )
    )
    fact = translate_rooms.room_presence(pres)
    assert isinstance(fact, OccupantPresence)
    assert (fact.actor, fact.reason, fact.own, fact.available) == ("boss", "spam", True, False)
    assert 307 in fact.statuses


def _route(line: str, ctx: RouteContext = IN_ROOM) -> list[object]:
    parsed = parse(line)
    assert parsed is not None
    return list(route(parsed, ctx))


def test_room_admin_commands_route() -> None:
    assert _route("/kick bob too loud") == [
        cmd.SetRole(account=A, room=ROOM, nick="bob", role="none", reason="too loud")
    ]
    assert _route("/voice bob") == [
        cmd.SetRole(account=A, room=ROOM, nick="bob", role="participant")
    ]
    assert _route("/devoice bob") == [cmd.SetRole(account=A, room=ROOM, nick="bob", role="visitor")]
    assert _route("/role bob Moderator") == [
        cmd.SetRole(account=A, room=ROOM, nick="bob", role="moderator")
    ]
    assert _route("/ban bob@example.org spam") == [
        cmd.SetAffiliation(
            account=A, room=ROOM, jid="bob@example.org", affiliation="outcast", reason="spam"
        )
    ]
    assert _route("/unban bob@example.org") == [
        cmd.SetAffiliation(account=A, room=ROOM, jid="bob@example.org", affiliation="none")
    ]
    assert _route("/affiliation bob@example.org member") == [
        cmd.SetAffiliation(account=A, room=ROOM, jid="bob@example.org", affiliation="member")
    ]
    assert _route("/affiliations") == [cmd.FetchRoomLists(account=A, room=ROOM)]
    assert _route("/configure") == [cmd.FetchRoomConfig(account=A, room=ROOM)]
    assert _route("/destroy bye all") == [cmd.DestroyRoom(account=A, room=ROOM, reason="bye all")]


@pytest.mark.parametrize(
    ("line", "ctx", "message"),
    [
        ("/kick bob", IN_CHAT, "/kick works in a room's pane"),
        ("/role bob king", IN_ROOM, "king is not a role"),
        ("/affiliation bob@example.org boss", IN_ROOM, "boss is not an affiliation"),
        ("/ban example.org", IN_ROOM, "/ban needs a user's address"),
    ],
)
def test_room_admin_refusals(line: str, ctx: RouteContext, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        _route(line, ctx)


def test_join_configure_asks_for_a_reserved_room() -> None:
    actions = _route(f"/join {ROOM}/al --configure", IN_CHAT)
    assert actions[1] == cmd.JoinRoom(account=A, room=ROOM, nick="al", configure=True)
    actions = _route(f"/join {ROOM} secret", IN_CHAT)
    assert actions[1] == cmd.JoinRoom(account=A, room=ROOM, password="secret")
