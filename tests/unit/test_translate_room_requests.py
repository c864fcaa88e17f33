"""Voice and registration requests read from real stanza objects: only from a room's bare JID,
only with the right form type, every value a plain str."""

from __future__ import annotations

from typing import Any

from tests.unit.test_translate_rooms import OWN, ROOM, message
from xmpp_tui.xmpp.inbound import RegistrationRequestReceived, VoiceRequestReceived
from xmpp_tui.xmpp.translate_room_requests import form_message, is_room_request

REQUEST = "http://jabber.org/protocol/muc#request"
REGISTER = "http://jabber.org/protocol/muc#register"


def form(form_type: str, **fields: str) -> str:
    items = "".join(
        f"<field var='{var.replace('_', '#', 1)}'><value>{value}</value></field>"
        for var, value in fields.items()
    )
    return (
        "<x xmlns='jabber:x:data' type='form'>"
        f"<field var='FORM_TYPE' type='hidden'><value>{form_type}</value></field>{items}</x>"
    )


def request(inner: str, **attributes: str) -> Any:
    return message(inner, **{"from": ROOM, "type": "normal", **attributes})


def test_voice_request_from_the_room() -> None:
    stanza = request(form(REQUEST, muc_roomnick="carol", muc_jid="carol@x/y"))
    assert is_room_request(stanza)
    assert form_message(stanza) == VoiceRequestReceived(room=ROOM, nick="carol", jid="carol@x/y")


def test_registration_request_keeps_the_form() -> None:
    stanza = request(form(REGISTER, muc_register_roomnick="[b]dave[/b]", muc_jid="dave@x"))
    fact = form_message(stanza)
    assert isinstance(fact, RegistrationRequestReceived)
    assert (fact.room, fact.nick, fact.jid) == (ROOM, "[b]dave[/b]", "dave@x")
    nick = fact.form.field("muc#register_roomnick")
    assert nick is not None and type(nick.value) is str


def test_requests_not_from_a_room_are_dropped() -> None:
    voice = form(REQUEST, muc_roomnick="carol")
    assert form_message(request(voice, **{"from": f"{ROOM}/mallory"})) is None  # an occupant
    assert (
        form_message(request(voice, **{"from": "mallory@localhost"})) is not None
    )  # the service checks it is a room we are in
    assert form_message(request(voice, **{"from": "localhost"})) is None  # a server
    assert form_message(request(voice, type="groupchat")) is None
    assert form_message(request(voice, type="error")) is None
    assert form_message(request(form(REQUEST))) is None  # no nick: nothing to answer
    other = request(form("urn:example:other", muc_roomnick="x"))
    assert not is_room_request(other) and form_message(other) is None
    assert form_message(request("<body>hi</body>", to=f"{OWN}/tui")) is None


def test_a_form_does_not_hide_an_ordinary_message() -> None:
    """Only a request that is taken as one loses its body: a groupchat line or an occupant's
    or contact's message carrying such a form stays an ordinary message for everyone."""
    register = form(REGISTER, muc_register_roomnick="bob")
    line = request(f"<body>visible to all</body>{register}", type="groupchat")
    assert not is_room_request(line)
    occupant = request(f"<body>hi</body>{register}", **{"from": f"{ROOM}/bob"})
    assert not is_room_request(occupant)
    contact = request(f"<body>hi</body>{register}", **{"from": "carol@localhost/phone"})
    assert not is_room_request(contact)
    assert is_room_request(request(f"<body>fallback</body>{register}"))  # from the room
