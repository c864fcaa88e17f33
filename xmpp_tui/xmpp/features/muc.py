"""XEP-0045 group chat, the core: join (with a password and a bounded history), leave, send,
accept the default configuration of a room we created.

slixmpp's xep_0045 is not used: with Prosody its join never sees errors (they carry no muc
element) and waits 300 s, and it silences every later presence of a room it left. The join
outcome is read from the raw presences (`translate_rooms.room_presence`) by the service.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from xmpp_tui.xmpp.iq import request
from xmpp_tui.xmpp.message_events import fire_on

MUC_NS = "http://jabber.org/protocol/muc"
OWNER_NS = "http://jabber.org/protocol/muc#owner"
DATA_NS = "jabber:x:data"
PING_NS = "urn:xmpp:ping"
DISCO_INFO_NS = "http://jabber.org/protocol/disco#info"
#: XEP-0045 §7.12: the disco#info node where a room names our reserved nickname.
RESERVED_NICK_NODE = "x-roomuser-item"


#: slixmpp fires "message" only for messages with a body; a subject change has none.
SUBJECT_EVENT = "room_subject"


def register(client: Any) -> None:
    """Report subject-only messages as :data:`SUBJECT_EVENT` (without loading xep_0045)."""
    fire_on(client, SUBJECT_EVENT, f"{{{client.default_ns}}}subject")


def join(
    client: Any,
    room: str,
    nick: str,
    *,
    password: str,
    history: int,
    archived: bool = False,
    show: str | None = None,
    status: str = "",
) -> None:
    """Presence to room/nick with ``<history maxstanzas=history/>`` and our show and status;
    ``archived``: the room keeps a MAM archive we catch up from, so no history at all
    (``<history maxchars='0'/>``)."""
    pres = client.make_presence(pto=f"{room}/{nick}", pshow=show, pstatus=status or None)
    x = ET.SubElement(pres.xml, f"{{{MUC_NS}}}x")
    if archived:
        ET.SubElement(x, f"{{{MUC_NS}}}history", maxchars="0")
    else:
        ET.SubElement(x, f"{{{MUC_NS}}}history", maxstanzas=str(max(history, 0)))
    if password:
        ET.SubElement(x, f"{{{MUC_NS}}}password").text = password
    pres.send()


async def reserved_nick(client: Any, room: str, timeout: float) -> str:
    """XEP-0045 §7.12: the nickname ``room`` keeps for our bare JID ("" when none, when the
    room refuses, is silent or does not exist). Remote text: coerced to ``str`` here, checked
    as a nickname by the caller."""
    from slixmpp.exceptions import IqError, IqTimeout

    iq = client.make_iq_get(ito=room)
    ET.SubElement(iq.xml, f"{{{DISCO_INFO_NS}}}query", node=RESERVED_NICK_NODE)
    try:
        result = await iq.send(timeout=timeout)
    except (IqError, IqTimeout):
        return ""
    query = result.xml.find(f"{{{DISCO_INFO_NS}}}query")
    if query is None:
        return ""
    for identity in query.findall(f"{{{DISCO_INFO_NS}}}identity"):
        if identity.get("category") == "conference":
            return str(identity.get("name") or "")
    return ""


def leave(client: Any, room: str, nick: str) -> None:
    client.make_presence(pto=f"{room}/{nick}", ptype="unavailable").send()


def send(
    client: Any, room: str, body: str, message_id: str, *, replace_id: str | None = None
) -> None:
    """A groupchat message; origin-id = id lets us match the room's reflection to the outbox.
    With ``replace_id`` it corrects that earlier message of ours (XEP-0308)."""
    msg = client.make_message(mto=room, mbody=body, mtype="groupchat")
    msg["id"] = message_id
    msg["origin_id"]["id"] = message_id
    if replace_id is not None:
        msg["replace"]["id"] = replace_id
    msg.send()
    if client.plugin["xep_0198"].enabled_out:
        from slixmpp.plugins.xep_0198.stanza import RequestAck

        client.send(RequestAck(client))


def change_nick(client: Any, room: str, nick: str, show: str | None, status: str) -> None:
    """XEP-0045 §7.6: a presence to room/NEW (no muc element); 303 + 110 or an error answer."""
    client.send_presence(pto=f"{room}/{nick}", pshow=show, pstatus=status or None)


def send_presence(client: Any, room: str, nick: str, show: str | None, status: str) -> None:
    """Our show and status in a room (XEP-0045 §7.7): rooms see only directed presence."""
    client.send_presence(pto=f"{room}/{nick}", pshow=show, pstatus=status or None)


def set_subject(client: Any, room: str, subject: str, message_id: str) -> None:
    """XEP-0045 §8.1: a groupchat message with a subject and no body."""
    msg = client.make_message(mto=room, mtype="groupchat")
    msg["id"] = message_id
    msg["subject"] = subject
    msg.send()


#: XEP-0410 §3.3: these errors come from another client of the occupant, so we are joined
#: (item-not-found: joined, a nick change of ours under way).
_PING_JOINED = {"service-unavailable", "feature-not-implemented", "item-not-found"}
#: ... and these say nothing about the room: the room's server is unreachable.
_PING_UNKNOWN = {"remote-server-not-found", "remote-server-timeout"}


async def self_ping(client: Any, room: str, nick: str, timeout: float) -> bool | None:
    """XEP-0410 MUC self-ping: True when the room still knows us as ``nick``, False when it
    does not (we were dropped silently), None when the answer says nothing (no answer)."""
    from slixmpp.exceptions import IqError, IqTimeout

    iq = client.make_iq_get(ito=f"{room}/{nick}")
    ET.SubElement(iq.xml, f"{{{PING_NS}}}ping")
    try:
        await iq.send(timeout=timeout)
    except IqTimeout:
        return None
    except IqError as error:
        condition = str(error.iq["error"]["condition"])
        if condition in _PING_UNKNOWN:
            return None
        return condition in _PING_JOINED
    return True


async def accept_default_configuration(client: Any, room: str, timeout: float) -> None:
    """Unlock a room we just created (status 201) as an instant room (XEP-0045 §10.1.2)."""
    iq = client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{OWNER_NS}}}query")
    ET.SubElement(query, f"{{{DATA_NS}}}x", type="submit")
    await request(iq, timeout)
