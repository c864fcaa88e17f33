"""XEP-0045 moderator, admin and owner use cases (§8 - §10): roles, affiliations, their lists,
the room's configuration form, destroying a room.

Raw IQs to the room (slixmpp's xep_0045 is not loaded, see muc.py; its ``send_role_list()``
also writes the role into ``affiliation=``). Each answer comes back through IQ matching, from
the room we asked; the readers below coerce what they take to plain ``str``.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from xmpp_tui.core.forms import DataForm
from xmpp_tui.core.models import RoomListEntry
from xmpp_tui.xmpp.forms import find_form, read_form, write_submission
from xmpp_tui.xmpp.iq import request
from xmpp_tui.xmpp.message_events import fire_on

ADMIN_NS = "http://jabber.org/protocol/muc#admin"
OWNER_NS = "http://jabber.org/protocol/muc#owner"

ROLES = ("moderator", "participant", "visitor", "none")
AFFILIATIONS = ("owner", "admin", "member", "outcast", "none")

#: Lists kept by affiliation (§9.3 ban, §9.5 members, §10.5 owners, §10.8 admins) and by role
#: (§8.5 voice, §9.8 moderators).
AFFILIATION_LISTS = ("owner", "admin", "member", "outcast")
ROLE_LISTS = ("moderator", "participant")

#: Bound on the entries kept from one list (a room is remote).
MAX_ENTRIES = 5000


async def set_role(
    client: Any, room: str, nick: str, role: str, reason: str, timeout: float
) -> None:
    """Kick (role none), voice, devoice, grant or revoke moderator (§8.2, §8.3, §8.4, §9.6)."""
    await _admin_set(client, room, {"nick": nick, "role": role}, reason, timeout)


async def set_affiliation(
    client: Any, room: str, jid: str, affiliation: str, reason: str, timeout: float
) -> None:
    """Ban (outcast), unban or revoke (none), member, admin, owner (§9.1 - §9.4, §10.3 - §10.7)."""
    await _admin_set(client, room, {"jid": jid, "affiliation": affiliation}, reason, timeout)


async def fetch_list(
    client: Any, room: str, name: str, timeout: float
) -> tuple[RoomListEntry, ...]:
    """One of :data:`AFFILIATION_LISTS` or :data:`ROLE_LISTS`, as the room gives it."""
    attribute = "role" if name in ROLE_LISTS else "affiliation"
    iq = client.make_iq_get(ito=room)
    query = ET.SubElement(iq.xml, f"{{{ADMIN_NS}}}query")
    ET.SubElement(query, f"{{{ADMIN_NS}}}item", {attribute: name})
    result = await request(iq, timeout)
    entries: list[RoomListEntry] = []
    answer = result.xml.find(f"{{{ADMIN_NS}}}query")
    for item in (answer.findall(f"{{{ADMIN_NS}}}item") if answer is not None else [])[:MAX_ENTRIES]:
        reason = item.find(f"{{{ADMIN_NS}}}reason")
        entries.append(
            RoomListEntry(
                jid=item.get("jid") or "",
                nick=item.get("nick") or "",
                reason=(reason.text or "") if reason is not None else "",
            )
        )
    return tuple(entries)


async def fetch_config(client: Any, room: str, timeout: float) -> DataForm:
    """The room's configuration form (§10.2); owners only."""
    iq = client.make_iq_get(ito=room)
    ET.SubElement(iq.xml, f"{{{OWNER_NS}}}query")
    result = await request(iq, timeout)
    form = find_form(result.xml.find(f"{{{OWNER_NS}}}query"))
    return read_form(form) if form is not None else DataForm()


async def submit_config(client: Any, room: str, form: DataForm, timeout: float) -> None:
    iq = client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{OWNER_NS}}}query")
    write_submission(query, form)
    await request(iq, timeout)


async def destroy(client: Any, room: str, reason: str, timeout: float) -> None:
    """Destroy the room (§10.9); the occupants are told ``reason``."""
    iq = client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{OWNER_NS}}}query")
    element = ET.SubElement(query, f"{{{OWNER_NS}}}destroy")
    if reason:
        ET.SubElement(element, f"{{{OWNER_NS}}}reason").text = reason
    await request(iq, timeout)


async def _admin_set(
    client: Any, room: str, attributes: dict[str, str], reason: str, timeout: float
) -> None:
    iq = client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{ADMIN_NS}}}query")
    item = ET.SubElement(query, f"{{{ADMIN_NS}}}item", attributes)
    if reason:
        ET.SubElement(item, f"{{{ADMIN_NS}}}reason").text = reason
    await request(iq, timeout)


# -- XEP-0425 message moderation ---------------------------------------------------------------

FASTEN_NS = "urn:xmpp:fasten:0"
MODERATE_V0 = "urn:xmpp:message-moderate:0"
MODERATE_V1 = "urn:xmpp:message-moderate:1"
RETRACT_V0 = "urn:xmpp:message-retract:0"
RETRACT_V1 = "urn:xmpp:message-retract:1"

#: Fired for a message that may carry a moderation (it has no body: slixmpp's "message"
#: event would not fire for it).
MODERATION_EVENT = "room_moderation"


def register(client: Any) -> None:
    """Report moderation announcements (v0 through fastening, v1 as a retraction), once."""
    fire_on(client, MODERATION_EVENT, f"{{{FASTEN_NS}}}apply-to", f"{{{RETRACT_V1}}}retract")


async def moderate(
    client: Any, room: str, stanza_id: str, reason: str, version: int, timeout: float
) -> None:
    """Ask ``room`` to retract its message ``stanza_id`` for everyone (XEP-0425 v0 or v1)."""
    iq = client.make_iq_set(ito=room)
    if version >= 1:
        element = ET.SubElement(iq.xml, f"{{{MODERATE_V1}}}moderate", id=stanza_id)
        ET.SubElement(element, f"{{{RETRACT_V1}}}retract")
        reason_ns = MODERATE_V1
    else:
        apply_to = ET.SubElement(iq.xml, f"{{{FASTEN_NS}}}apply-to", id=stanza_id)
        element = ET.SubElement(apply_to, f"{{{MODERATE_V0}}}moderate")
        ET.SubElement(element, f"{{{RETRACT_V0}}}retract")
        reason_ns = MODERATE_V0
    if reason:
        ET.SubElement(element, f"{{{reason_ns}}}reason").text = reason
    await request(iq, timeout)
