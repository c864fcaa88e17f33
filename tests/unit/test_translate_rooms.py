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
    RoomDeclined,
    RoomInvited,
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


MAM = "urn:xmpp:mam:2"


def archive_result(inner: str, *, outer_from: str = ROOM, result_id: str = "r9") -> Any:
    """A XEP-0313 result as a room's archive sends it (slixmpp parses the forwarded message)."""
    from slixmpp.plugins.xep_0203.stanza import Delay
    from slixmpp.plugins.xep_0297.stanza import Forwarded
    from slixmpp.plugins.xep_0313.stanza import Result
    from slixmpp.xmlstream import register_stanza_plugin

    register_stanza_plugin(Message, Result)
    register_stanza_plugin(Result, Forwarded)
    register_stanza_plugin(Forwarded, Message, iterable=True)
    register_stanza_plugin(Forwarded, Delay)
    return Message(
        xml=ET.fromstring(
            f"<message xmlns='jabber:client' from='{outer_from}' to='{OWN}/tui'>"
            f"<result xmlns='{MAM}' queryid='q1' id='{result_id}'>"
            "<forwarded xmlns='urn:xmpp:forward:0'>"
            "<delay xmlns='urn:xmpp:delay' stamp='2025-05-01T10:00:00Z'/>"
            f"{inner}</forwarded></result></message>"
        )
    )


def archived_message(body: str = "old news", **attributes: str) -> str:
    shown = _attrs({"from": f"{ROOM}/bob", "type": "groupchat"}, attributes)
    return (
        f"<message xmlns='jabber:client' {shown}><body>{body}</body>"
        f"<origin-id xmlns='{SID}' id='o7'/></message>"
    )


def test_room_archive_result_becomes_an_occupants_message() -> None:
    fact = translate_rooms.room_archived(
        archive_result(archived_message(id="m7")), room=ROOM, now=now
    )
    assert fact == RoomMessageReceived(
        room=ROOM,
        nick="bob",
        body="old news",
        timestamp=datetime(2025, 5, 1, 10, 0, tzinfo=UTC),
        message_id="m7",
        origin_id="o7",
        stanza_id="r9",  # the room's result id is its stanza-id
        history=True,
    )


def test_room_archive_result_stamp_never_in_the_future() -> None:
    late = archive_result(archived_message()).xml
    late.find(f"{{{MAM}}}result/{{urn:xmpp:forward:0}}forwarded/{{urn:xmpp:delay}}delay").set(
        "stamp", "2099-01-01T00:00:00Z"
    )
    fact = translate_rooms.room_archived(Message(xml=late), room=ROOM, now=now)
    assert fact is not None and fact.timestamp == NOW


def test_room_archive_results_only_from_that_room() -> None:
    """A result from anyone but the room (a user guessing the queryid, another room, an
    occupant's full JID), or forwarding a message from elsewhere, is dropped."""
    other = "other@conference.example.org"
    forged = [
        archive_result(archived_message(), outer_from="mallory@example.org/x"),
        archive_result(archived_message(), outer_from=other),
        archive_result(archived_message(), outer_from=f"{ROOM}/bob"),
        archive_result(archived_message(**{"from": f"{other}/bob"})),
        archive_result(archived_message(**{"from": "bob@example.org/phone"})),
        archive_result(archived_message(type="chat")),
        archive_result(archived_message(**{"from": ROOM})),  # the room itself: no occupant
        archive_result(archived_message(), result_id=""),
    ]
    assert [translate_rooms.room_archived(r, room=ROOM, now=now) for r in forged] == [None] * 8
    # Positive control: the same shape from the room is accepted.
    assert translate_rooms.room_archived(archive_result(archived_message()), room=ROOM, now=now)


def test_room_message_correction_and_occupant_id() -> None:
    fact = translate_rooms.room_message(
        message(
            "<body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"
            "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-1'/>",
            id="m2",
        ),
        now=now,
    )
    assert fact is not None
    assert (fact.replace_id, fact.occupant_id) == ("m1", "occ-1")
    # Two occupant-ids: the room did not replace the sender's own; neither is believed.
    doubled = translate_rooms.room_message(
        message(
            "<body>x</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ-1'/>"
            "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/>"
        ),
        now=now,
    )
    assert doubled is not None and doubled.occupant_id is None and doubled.replace_id is None


CONFERENCE = "jabber:x:conference"


def test_direct_invitation_names_the_room_and_the_sender() -> None:
    direct = message(
        f"<x xmlns='{CONFERENCE}' jid='{ROOM}' reason='come' password='pw'/>",
        **{"from": "bob@example.org/phone", "type": "normal"},
    )
    assert translate_rooms.is_invitation(direct)
    assert translate_rooms.invitation(direct, own_bare=OWN) == RoomInvited(
        room=ROOM, inviter="bob@example.org", reason="come", password="pw", direct=True
    )
    # Not a room's address (no local part, or a full JID), or from ourselves: dropped.
    for bad, sender in (
        ("conference.example.org", "bob@example.org/phone"),
        (f"{ROOM}/nick", "bob@example.org/phone"),
        (ROOM, f"{OWN}/laptop"),
    ):
        stanza = message(
            f"<x xmlns='{CONFERENCE}' jid='{bad}'/>", **{"from": sender, "type": "normal"}
        )
        assert translate_rooms.invitation(stanza, own_bare=OWN) is None


def test_mediated_invitation_only_from_a_room() -> None:
    inner = (
        f"<x xmlns='{MUC_USER}'><invite from='{ROOM}/bob'><reason>meet</reason></invite>"
        f"<password>pw</password></x><x xmlns='{CONFERENCE}' jid='{ROOM}'>meet</x>"
    )
    # As Prosody sends it (with a XEP-0249 element too): mediated, naming room/nick.
    fact = translate_rooms.invitation(
        message(inner, **{"from": ROOM, "type": "normal"}), own_bare=OWN
    )
    assert fact == RoomInvited(
        room=ROOM, inviter=f"{ROOM}/bob", reason="meet", password="pw", direct=False
    )
    named = f"<x xmlns='{MUC_USER}'><invite from='carol@example.org/x'/></x>"
    fact = translate_rooms.invitation(
        message(named, **{"from": ROOM, "type": "normal"}), own_bare=OWN
    )
    assert fact is not None and fact.inviter == "carol@example.org"
    # From a user (a full JID, or a bare JID with no local part): not a room, dropped.
    for sender in ("mallory@example.org/x", f"{ROOM}/bob", "example.org"):
        forged = message(named, **{"from": sender, "type": "normal"})
        assert translate_rooms.invitation(forged, own_bare=OWN) is None
    assert not translate_rooms.is_invitation(message("<body>hi</body>"))


def test_decline_of_our_invitation_only_from_the_room() -> None:
    inner = (
        f"<x xmlns='{MUC_USER}'><decline from='carol@example.org/x'>"
        "<reason>busy</reason></decline></x><body>carol declined</body>"
    )
    stanza = message(inner, **{"from": ROOM, "type": "normal"})
    assert translate_rooms.is_invitation(stanza)
    assert translate_rooms.declined(stanza) == RoomDeclined(
        room=ROOM, decliner="carol@example.org", reason="busy"
    )
    for sender in ("mallory@example.org/x", f"{ROOM}/bob"):
        assert translate_rooms.declined(message(inner, **{"from": sender})) is None
