"""XEP-0045 entity use cases (§6): find the MUC services of a server, list a service's rooms,
and read a room's disco#info before joining it (name, description, occupants, features).

Every answer is remote text: names and descriptions are returned raw here and sanitised where
they are shown. Items are kept only when they are plain bare JIDs (a service lists its rooms;
a room with a resource or a malformed address is dropped).
"""

from __future__ import annotations

import logging
from typing import Any
from xml.etree import ElementTree as ET

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import RoomDetails, RoomListing

log = logging.getLogger(__name__)

DATA_NS = "jabber:x:data"
ROOMINFO_FORM = "http://jabber.org/protocol/muc#roominfo"
MUC_NS = "http://jabber.org/protocol/muc"
#: How many rooms of one service we show (a public service may list thousands).
MAX_ROOMS = 500


async def services(client: Any, server: str, timeout: float) -> tuple[str, ...]:
    """The MUC services among ``server``'s items: identity conference/text, feature muc."""
    items = await _items(client, server, timeout)
    found: list[str] = []
    for jid, _name in items:
        try:
            result = await client.plugin["xep_0030"].get_info(jid=jid, timeout=timeout)
        except Exception:  # noqa: BLE001 - one silent item must not hide the others
            log.info("no disco#info from %s", jid)
            continue
        query = result["disco_info"]
        conference = any(
            str(category) == "conference" and str(kind) == "text"
            for category, kind, _lang, _name in query["identities"]
        )
        if conference and MUC_NS in {str(f) for f in query["features"]}:
            found.append(jid)
    return tuple(found)


async def rooms(client: Any, service: str, timeout: float) -> tuple[RoomListing, ...]:
    """The rooms ``service`` lists (its disco#items), sorted by name, at most MAX_ROOMS."""
    items = await _items(client, service, timeout)
    listed = [RoomListing(jid=jid, name=name) for jid, name in items if "@" in jid]
    listed.sort(key=lambda room: ((room.name or room.jid).casefold(), room.jid))
    return tuple(listed[:MAX_ROOMS])


async def details(client: Any, room: str, timeout: float) -> RoomDetails:
    """The room's disco#info: identity name, muc#roominfo fields, features."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        result = await client.plugin["xep_0030"].get_info(jid=room, timeout=timeout)
    except IqTimeout as error:
        raise UserFacingError(f"{room} did not answer", "Check the address") from error
    except IqError as error:
        condition = str(error.iq["error"]["condition"]) or "error"
        reason = "it does not exist" if condition == "item-not-found" else condition
        raise UserFacingError(f"No information about {room}: {reason}", "") from error
    query = result["disco_info"]
    names = [
        str(name or "")
        for category, _kind, _lang, name in query["identities"]
        if str(category) == "conference"
    ]
    fields = _form_fields(query.xml)
    count = fields.get("muc#roominfo_occupants", "")
    return RoomDetails(
        jid=room,
        name=next((name for name in names if name), ""),
        description=fields.get("muc#roominfo_description", ""),
        subject=fields.get("muc#roominfo_subject", ""),
        occupants=int(count) if count.isdigit() else None,
        features=tuple(sorted({str(feature) for feature in query["features"]})),
    )


async def _items(client: Any, jid: str, timeout: float) -> list[tuple[str, str]]:
    from slixmpp.exceptions import IqError, IqTimeout
    from slixmpp.jid import JID, InvalidJID

    try:
        result = await client.plugin["xep_0030"].get_items(jid=jid, timeout=timeout)
    except IqTimeout as error:
        raise UserFacingError(f"{jid} did not answer", "Check the address") from error
    except IqError as error:
        condition = str(error.iq["error"]["condition"]) or "error"
        raise UserFacingError(f"{jid} refused to list its items ({condition})", "") from error
    found: list[tuple[str, str]] = []
    for item_jid, _node, name in result["disco_items"]["items"]:
        try:
            parsed = JID(str(item_jid))
        except InvalidJID:
            continue
        if parsed.resource or not parsed.domain:
            continue
        found.append((str(parsed.bare), str(name or "")))
    return found


def _form_fields(query: ET.Element) -> dict[str, str]:
    """The muc#roominfo form's single values (XEP-0128 extended info)."""
    for form in query.findall(f"{{{DATA_NS}}}x"):
        values: dict[str, str] = {}
        for field in form.findall(f"{{{DATA_NS}}}field"):
            value = field.find(f"{{{DATA_NS}}}value")
            values[field.get("var") or ""] = (value.text or "") if value is not None else ""
        if values.get("FORM_TYPE") == ROOMINFO_FORM:
            return values
    return {}
