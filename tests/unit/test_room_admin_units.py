"""Pure parts of room administration: data forms read from and written to XML, the kicked
presence's actor and reason, and the room admin slash commands routed to core commands."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slixmpp import Message, Presence
from textual.app import App
from textual.widgets import OptionList

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.forms import DataForm, FieldType, FormField, field_type
from xmpp_tui.core.models import ConversationKind, Direction, RoomListEntry
from xmpp_tui.core.slash import parse
from xmpp_tui.store import Store
from xmpp_tui.store.moderation import ModerationStore
from xmpp_tui.ui.command_router import RouteContext, route
from xmpp_tui.ui.screens.affiliation_lists import AffiliationListsScreen
from xmpp_tui.xmpp import translate_room_admin, translate_rooms
from xmpp_tui.xmpp.forms import read_form, write_submission
from xmpp_tui.xmpp.inbound import OccupantPresence, RoomMessageModerated

A = "alice@example.org"
ROOM = "team@conference.example.org"
IN_ROOM = RouteContext(A, ROOM, rooms=frozenset({ROOM}))
IN_CHAT = RouteContext(A, "bob@example.org", rooms=frozenset({ROOM}))
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

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
    assert _route("/moderate bob spam") == [
        cmd.ModerateMessage(account=A, room=ROOM, nick="bob", reason="spam")
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


def _message_from(sender: str, inner: str) -> Message:
    return Message(
        xml=ET.fromstring(
            f"<message xmlns='jabber:client' from='{sender}' to='{A}/tui' type='groupchat'>"
            f"{inner}</message>"
        )
    )


V0 = (
    "<apply-to xmlns='urn:xmpp:fasten:0' id='sid-1'>"
    f"<moderated xmlns='urn:xmpp:message-moderate:0' by='{ROOM}/boss'>"
    "<retract xmlns='urn:xmpp:message-retract:0'/><reason>spam</reason></moderated></apply-to>"
)
V1 = (
    "<retract xmlns='urn:xmpp:message-retract:1' id='sid-2'>"
    f"<moderated xmlns='urn:xmpp:message-moderate:1' by='{ROOM}/boss'/>"
    "<reason>off topic</reason></retract>"
)


def test_moderation_only_from_the_room_itself() -> None:
    fact = translate_room_admin.room_moderation(_message_from(ROOM, V0))
    assert fact == RoomMessageModerated(room=ROOM, stanza_id="sid-1", by="boss", reason="spam")
    fact = translate_room_admin.room_moderation(_message_from(ROOM, V1))
    assert fact == RoomMessageModerated(room=ROOM, stanza_id="sid-2", by="boss", reason="off topic")
    # An occupant (room/nick) cannot moderate; a sender's own retraction is not a moderation.
    assert translate_room_admin.room_moderation(_message_from(f"{ROOM}/mallory", V0)) is None
    own_retraction = "<retract xmlns='urn:xmpp:message-retract:1' id='sid-3'/>"
    assert translate_room_admin.room_moderation(_message_from(ROOM, own_retraction)) is None


def test_moderation_store_scoped_to_the_room(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "h.sqlite3")
    try:
        for room, sid in ((ROOM, "sid-1"), ("other@conference.example.org", "sid-9")):
            store.history.add_incoming(
                account=A,
                peer=room,
                sender=f"{room}/bob",
                body="spam",
                timestamp=T0,
                stanza_id=sid,
                origin_id=None,
                message_id=None,
                direction=Direction.INCOMING,
                kind=ConversationKind.GROUPCHAT,
            )
        moderation = ModerationStore(store.database)
        assert moderation.newest_from(A, ROOM, f"{ROOM}/bob") == "sid-1"
        assert moderation.newest_from(A, ROOM, f"{ROOM}/nobody") is None
        # Another room's stanza-id is not this room's to remove.
        assert moderation.retract(A, ROOM, "sid-9", "(removed)") is None
        local_id = moderation.retract(A, ROOM, "sid-1", "(removed)")
        assert local_id is not None
        message = store.history.get(A, local_id)
        assert message is not None and message.body == "(removed)"
        assert moderation.retract(A, ROOM, "sid-1", "(removed)") is None  # once
        assert store.history.search("spam", account=A)  # the other room's copy is still there
        assert all(m.peer != ROOM for m in store.history.search("spam", account=A))
    finally:
        store.close()


async def test_lists_screen_shows_hostile_entries_literally_and_once() -> None:
    sent: list[cmd.Command] = []
    hostile = RoomListEntry(jid="m@x", nick="[@click=app.quit]n[/]", reason="\x1b]8;;x\x07r")
    lists = (("member", (hostile, hostile, RoomListEntry(jid="b@x"))), ("owner", ()))
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = AffiliationListsScreen(A, ROOM, lists, sent.append)
        await app.push_screen(screen)
        await pilot.pause()
        members = screen.query_one("#list-member", OptionList)
        assert members.option_count == 2
        shown = str(members.get_option_at_index(0).prompt)
        assert "[@click=app.quit]n[/]" in shown and "\x1b" not in shown
        admins = screen.query_one("#list-admin", OptionList)
        assert "would not show" in str(admins.get_option_at_index(0).prompt)
