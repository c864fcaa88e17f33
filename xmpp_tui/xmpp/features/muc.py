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

MUC_NS = "http://jabber.org/protocol/muc"
OWNER_NS = "http://jabber.org/protocol/muc#owner"
DATA_NS = "jabber:x:data"


#: slixmpp fires "message" only for messages with a body; a subject change has none.
SUBJECT_EVENT = "room_subject"


def register(client: Any) -> None:
    """Report subject-only messages as :data:`SUBJECT_EVENT` (without loading xep_0045)."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    ns = client.default_ns
    client.register_handler(
        Callback(
            "room subject",
            MatchXPath(f"{{{ns}}}message/{{{ns}}}subject"),
            lambda msg: client.event(SUBJECT_EVENT, msg),
        )
    )


def join(
    client: Any, room: str, nick: str, *, password: str, history: int, archived: bool = False
) -> None:
    """Presence to room/nick with ``<history maxstanzas=history/>``; ``archived``: the room
    keeps a MAM archive we catch up from, so no history at all (``<history maxchars='0'/>``)."""
    pres = client.make_presence(pto=f"{room}/{nick}")
    x = ET.SubElement(pres.xml, f"{{{MUC_NS}}}x")
    if archived:
        ET.SubElement(x, f"{{{MUC_NS}}}history", maxchars="0")
    else:
        ET.SubElement(x, f"{{{MUC_NS}}}history", maxstanzas=str(max(history, 0)))
    if password:
        ET.SubElement(x, f"{{{MUC_NS}}}password").text = password
    pres.send()


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


async def accept_default_configuration(client: Any, room: str, timeout: float) -> None:
    """Unlock a room we just created (status 201) as an instant room (XEP-0045 §10.1.2)."""
    iq = client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{OWNER_NS}}}query")
    ET.SubElement(query, f"{{{DATA_NS}}}x", type="submit")
    await request(iq, timeout)
