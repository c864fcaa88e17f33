"""xmpp/translate_rooms.py fed real slixmpp stanzas parsed from XML: who may say what in a room
and about our bookmarks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from slixmpp import Iq, Message, Presence

from xmpp_tui.core.models import Affiliation, Bookmark, Occupant, Role
from xmpp_tui.xmpp import translate, translate_rooms
from xmpp_tui.xmpp.inbound import (
    BookmarksPushed,
    OccupantPresence,
    RoomMessageReceived,
    RoomPresenceError,
    RoomSubjectReceived,
)

OWN = "alice@example.org"
ROOM = "team@conference.example.org"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SID = "urn:xmpp:sid:0"
MUC_USER = "http://jabber.org/protocol/muc#user"
EVENT = "http://jabber.org/protocol/pubsub#event"
BM = "urn:xmpp:bookmarks:1"


def now() -> datetime:
    return NOW


def _attrs(defaults: dict[str, str], given: dict[str, str]) -> str:
    return " ".join(f"{k}='{v}'" for k, v in {**defaults, **given}.items())


def message(inner: str, **attributes: str) -> Any:
    shown = _attrs({"from": f"{ROOM}/bob", "to": f"{OWN}/tui", "type": "groupchat"}, attributes)
    return Message(xml=ET.fromstring(f"<message xmlns='jabber:client' {shown}>{inner}</message>"))


def presence(inner: str, **attributes: str) -> Any:
    shown = _attrs({"from": f"{ROOM}/bob", "to": f"{OWN}/tui"}, attributes)
    return Presence(
        xml=ET.fromstring(f"<presence xmlns='jabber:client' {shown}>{inner}</presence>")
    )


def test_groupchat_message_with_the_rooms_stanza_id_only() -> None:
    fact = translate_rooms.room_message(
        message(
            f"<body>hi</body><stanza-id xmlns='{SID}' by='{ROOM}' id='r1'/>"
            f"<stanza-id xmlns='{SID}' by='{OWN}' id='own1'/>"
            f"<origin-id xmlns='{SID}' id='o1'/>",
            id="m1",
        ),
        now=now,
    )
    assert fact == RoomMessageReceived(
        room=ROOM,
        nick="bob",
        body="hi",
        timestamp=NOW,
        message_id="m1",
        origin_id="o1",
        stanza_id="r1",
    )
    forged = translate_rooms.room_message(
        message(f"<body>hi</body><stanza-id xmlns='{SID}' by='{OWN}' id='x'/>"), now=now
    )
    assert isinstance(forged, RoomMessageReceived) and forged.stanza_id is None


def test_only_the_room_stamps_history() -> None:
    stamp = "2025-06-01T10:00:00Z"
    by_room = translate_rooms.room_message(
        message(f"<body>old</body><delay xmlns='urn:xmpp:delay' from='{ROOM}' stamp='{stamp}'/>"),
        now=now,
    )
    assert isinstance(by_room, RoomMessageReceived)
    assert by_room.history and by_room.timestamp == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    by_occupant = translate_rooms.room_message(
        message(f"<body>old</body><delay xmlns='urn:xmpp:delay' from='{OWN}' stamp='{stamp}'/>"),
        now=now,
    )
    assert isinstance(by_occupant, RoomMessageReceived)
    assert not by_occupant.history and by_occupant.timestamp == NOW
    future = translate_rooms.room_message(
        message(
            "<body>x</body>"
            f"<delay xmlns='urn:xmpp:delay' from='{ROOM}' stamp='2099-01-01T00:00:00Z'/>"
        ),
        now=now,
    )
    assert isinstance(future, RoomMessageReceived) and future.timestamp == NOW


def test_subject_and_what_is_not_a_room_line() -> None:
    subject = message("<subject>Plans [b]x[/b]</subject>")
    assert translate_rooms.room_subject(subject) == RoomSubjectReceived(
        room=ROOM, nick="bob", subject="Plans [b]x[/b]"
    )
    assert translate_rooms.room_message(subject, now=now) is None
    # With a body it is a line that carries a subject, not a subject change.
    both = message("<subject>s</subject><body>b</body>")
    assert translate_rooms.room_subject(both) is None
    assert translate_rooms.room_subject(message("<subject>s</subject>", type="chat")) is None
    assert translate_rooms.room_message(message("<body>hi</body>", type="chat"), now=now) is None
    # The room itself (no nick) speaks notices, not lines.
    assert (
        translate_rooms.room_message(message("<body>x</body>", **{"from": ROOM}), now=now) is None
    )
    # A 1:1 reader never takes a groupchat message, and a room's reader no 1:1 one.
    assert translate.chat_message(message("<body>hi</body>"), own_bare=OWN, now=now) is None


def test_occupant_presence_and_errors() -> None:
    own = presence(
        f"<x xmlns='{MUC_USER}'><item affiliation='owner' role='moderator'/>"
        "<status code='110'/><status code='201'/></x>"
    )
    assert translate_rooms.room_presence(own) == OccupantPresence(
        room=ROOM,
        nick="bob",
        available=True,
        own=True,
        created=True,
        statuses=(110, 201),
        occupant=Occupant(nick="bob", role=Role.MODERATOR, affiliation=Affiliation.OWNER),
    )
    gone = presence(f"<x xmlns='{MUC_USER}'><status code='307'/></x>", type="unavailable")
    fact = translate_rooms.room_presence(gone)
    assert isinstance(fact, OccupantPresence) and not fact.available and fact.statuses == (307,)
    error = presence(
        "<error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
        type="error",
    )
    assert translate_rooms.room_presence(error) == RoomPresenceError(
        room=ROOM, condition="not-authorized", text=""
    )
    # A contact's presence (no muc#user) is not an occupant; an occupant is never a contact.
    assert translate_rooms.room_presence(presence("", **{"from": "bob@example.net/x"})) is None
    occupant = presence(f"<x xmlns='{MUC_USER}'/>")
    assert translate.presence(occupant, own_bare=OWN) is None


def _event(inner: str, **attributes: str) -> Any:
    shown = _attrs({"from": OWN, "to": f"{OWN}/tui", "type": "headline"}, attributes)
    xml = (
        f"<message xmlns='jabber:client' {shown}><event xmlns='{EVENT}'>"
        f"<items node='{BM}'>{inner}</items></event></message>"
    )
    return Message(xml=ET.fromstring(xml))


PUBLISH = (
    f"<item id='{ROOM}'><conference xmlns='{BM}' name='Team' autojoin='true'>"
    "<nick>al</nick><password>pw</password></conference></item>"
)


def test_bookmark_notifications_only_from_our_account() -> None:
    pushed = BookmarksPushed(
        published=(Bookmark(jid=ROOM, name="Team", nick="al", password="pw", autojoin=True),),
        retracted=(),
    )
    assert translate_rooms.bookmarks_event(_event(PUBLISH), own_bare=OWN) == pushed
    no_from = _event(PUBLISH)
    del no_from["from"]
    assert translate_rooms.bookmarks_event(no_from, own_bare=OWN) == pushed
    retract = _event(f"<retract id='{ROOM}'/>")
    assert translate_rooms.bookmarks_event(retract, own_bare=OWN) == BookmarksPushed(
        published=(), retracted=(ROOM,)
    )
    for forger in ("mallory@example.org", "example.org", f"{OWN}/phone", "alice@evil.example"):
        assert (
            translate_rooms.bookmarks_event(_event(PUBLISH, **{"from": forger}), own_bare=OWN)
            is None
        )


def test_bookmark_items_and_legacy_storage() -> None:
    pubsub = "http://jabber.org/protocol/pubsub"
    result = Iq(
        xml=ET.fromstring(
            f"<iq xmlns='jabber:client' type='result' id='1'><pubsub xmlns='{pubsub}'>"
            f"<items node='{BM}'><item id='{ROOM}'><conference xmlns='{BM}' autojoin='1'/></item>"
            f"<item id='not a jid/with resource'><conference xmlns='{BM}'/></item>"
            "</items></pubsub></iq>"
        )
    )
    assert translate_rooms.bookmarks_items(result) == (Bookmark(jid=ROOM, autojoin=True),)
    legacy = Iq(
        xml=ET.fromstring(
            "<iq xmlns='jabber:client' type='result' id='2'><query xmlns='jabber:iq:private'>"
            "<storage xmlns='storage:bookmarks'>"
            f"<conference jid='{ROOM}' name='Team' autojoin='true'><nick>al</nick></conference>"
            "<url url='https://example.org' name='not a room'/>"
            "</storage></query></iq>"
        )
    )
    assert translate_rooms.legacy_storage(legacy) == (
        Bookmark(jid=ROOM, name="Team", nick="al", autojoin=True),
    )
