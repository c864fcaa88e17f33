"""Bookmarks: XEP-0402 (PEP native, one item per room) when the account offers it, else
XEP-0048 in private XML storage (XEP-0049, the whole list at once).

slixmpp's xep_0402 is stanza-only: publish and read through xep_0223 (PEP private data),
delete with xep_0060 retract. Its xep_0048 ``auto_join`` crashes and is never used; the
legacy list is read and written as plain XML here.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import Bookmark
from xmpp_tui.xmpp import translate_rooms
from xmpp_tui.xmpp.iq import request
from xmpp_tui.xmpp.translate_rooms import BOOKMARKS_NS, LEGACY_BOOKMARKS_NS

log = logging.getLogger(__name__)

#: The account advertises this when it keeps XEP-0402 and XEP-0048 in step (XEP-0402 §5.1).
COMPAT_FEATURE = f"{BOOKMARKS_NS}#compat"
PRIVATE_NS = "jabber:iq:private"

NATIVE = "xep_0402"
PRIVATE = "xep_0048"


def register(client: Any) -> None:
    """Before the first presence: ``+notify`` for XEP-0402 goes into our caps (XEP-0163)."""
    from slixmpp.plugins.xep_0402.stanza import Conference

    client.plugin["xep_0223"].node_profiles[BOOKMARKS_NS] = {"pubsub#max_items": "max"}
    client.plugin["xep_0163"].register_pep("bookmarks2", Conference)


async def method(client: Any, own_bare: str, timeout: float) -> str | None:
    """NATIVE when our account offers XEP-0402, PRIVATE when it answers without it, None
    when we could not tell (no answer, or a server fault): never a guess."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        result = await client.plugin["xep_0030"].get_info(jid=own_bare, timeout=timeout)
    except IqTimeout:
        log.info("no disco#info from our account: no answer")
        return None
    except IqError as error:
        condition = str(error.iq["error"]["condition"])
        log.info("no disco#info from our account: %s", condition)
        # A server that does not answer disco on accounts has no XEP-0402 either.
        return PRIVATE if condition in _NOT_OFFERED else None
    features = {str(feature) for feature in result["disco_info"]["features"]}
    return NATIVE if COMPAT_FEATURE in features else PRIVATE


#: Error conditions meaning "the server has no such thing" rather than "it failed".
_NOT_OFFERED = frozenset({"service-unavailable", "feature-not-implemented"})


async def fetch(client: Any, how: str, timeout: float) -> tuple[Bookmark, ...] | None:
    """Every bookmark; () when none are stored, None when they could not be read."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        if how == NATIVE:
            result = await client.plugin["xep_0223"].retrieve(BOOKMARKS_NS, timeout=timeout)
            return translate_rooms.bookmarks_items(result)
        result = await _private_get(client, timeout)
        return translate_rooms.legacy_storage(result)
    except IqError as error:
        if str(error.iq["error"]["condition"]) == "item-not-found":
            return ()  # no bookmarks stored yet
        log.info("bookmarks not fetched: %s", error)
        return None
    except IqTimeout:
        log.info("bookmarks not fetched: no answer")
        return None


#: Turns the stored bookmark of a room (None: there is none) into the one to store.
Edit = Callable[[Bookmark | None], Bookmark]
#: The same for XEP-0048, where None removes the room's entry.
PrivateEdit = Callable[[Bookmark | None], Bookmark | None]


async def edit_native(client: Any, room: str, edit: Edit, timeout: float) -> Bookmark:
    """XEP-0402: read this room's item as stored now, change it, publish it (id = the
    room's JID). Children and attributes we do not know (``<extensions/>``, §3.1) are kept."""
    from slixmpp.exceptions import IqError, IqTimeout
    from slixmpp.plugins.xep_0402.stanza import Conference

    element: ET.Element | None = None
    try:
        result = await client.plugin["xep_0060"].get_item(None, BOOKMARKS_NS, room, timeout=timeout)
    except IqError as error:
        if str(error.iq["error"]["condition"]) != "item-not-found":
            raise _not_read(error) from error
    except IqTimeout as error:
        raise _not_read(error) from error
    else:
        element = next(result.xml.iter(f"{{{BOOKMARKS_NS}}}conference"), None)
    bookmark = edit(translate_rooms.conference(room, element))
    conference = Conference(xml=copy.deepcopy(element)) if element is not None else Conference()
    conference["autojoin"] = bookmark.autojoin
    conference["name"] = bookmark.name  # empty: the attribute goes
    conference["nick"] = bookmark.nick
    conference["password"] = bookmark.password
    await _wrap(
        client.plugin["xep_0223"].store(conference, node=BOOKMARKS_NS, id=room, timeout=timeout)
    )
    return bookmark


async def retract(client: Any, room: str, timeout: float) -> None:
    await _wrap(
        client.plugin["xep_0060"].retract(None, BOOKMARKS_NS, room, notify=True, timeout=timeout)
    )


async def edit_private(
    client: Any, room: str, edit: PrivateEdit, timeout: float
) -> tuple[Bookmark, ...]:
    """XEP-0048 in private XML storage (XEP-0049) holds the whole list in one document: read
    it as stored now (another device may have changed it), change only ``room``'s entry
    (``edit`` returns None: remove it), write the document back and return the new list.
    Other entries, other children of the storage (``<url/>``) and children and attributes
    of the entry we do not know are written back as they were read."""
    from slixmpp.exceptions import IqError, IqTimeout

    stored: ET.Element | None = None
    try:
        result = await _private_get(client, timeout)
    except IqError as error:
        if str(error.iq["error"]["condition"]) != "item-not-found":
            raise _not_read(error) from error
    except IqTimeout as error:
        raise _not_read(error) from error
    else:
        stored = next(result.xml.iter(f"{{{LEGACY_BOOKMARKS_NS}}}storage"), None)
    storage = (
        copy.deepcopy(stored)
        if stored is not None
        else ET.Element(f"{{{LEGACY_BOOKMARKS_NS}}}storage")
    )
    element = next(
        (
            e
            for e in storage.findall(f"{{{LEGACY_BOOKMARKS_NS}}}conference")
            if translate_rooms.legacy_room(e) == room
        ),
        None,
    )
    before = translate_rooms.legacy_conference(element) if element is not None else None
    bookmark = edit(before)
    if bookmark is None:
        if element is not None:
            storage.remove(element)
    else:
        if element is None:
            element = ET.SubElement(storage, f"{{{LEGACY_BOOKMARKS_NS}}}conference")
        fill_legacy(element, bookmark)
    iq = client.make_iq_set()
    query = ET.SubElement(iq.xml, f"{{{PRIVATE_NS}}}query")
    query.append(storage)
    await request(iq, timeout)
    return translate_rooms.legacy_bookmarks(storage)


def fill_legacy(element: ET.Element, bookmark: Bookmark) -> None:
    """Make a XEP-0048 ``<conference/>`` say ``bookmark``; what else it holds stays."""
    element.set("jid", bookmark.jid)
    element.set("autojoin", "true" if bookmark.autojoin else "false")
    if bookmark.name:
        element.set("name", bookmark.name)
    else:
        element.attrib.pop("name", None)
    for tag, text in (("nick", bookmark.nick), ("password", bookmark.password)):
        child = element.find(f"{{{LEGACY_BOOKMARKS_NS}}}{tag}")
        if text and child is None:
            child = ET.SubElement(element, f"{{{LEGACY_BOOKMARKS_NS}}}{tag}")
        if text and child is not None:
            child.text = text
        elif child is not None:
            element.remove(child)


async def _private_get(client: Any, timeout: float) -> Any:
    iq = client.make_iq_get()
    query = ET.SubElement(iq.xml, f"{{{PRIVATE_NS}}}query")
    ET.SubElement(query, f"{{{LEGACY_BOOKMARKS_NS}}}storage")
    return await iq.send(timeout=timeout)


def _not_read(error: Exception) -> UserFacingError:
    """Reading the stored bookmarks before a change failed: nothing is written."""
    from slixmpp.exceptions import IqError

    why = "no answer"
    if isinstance(error, IqError):
        why = str(error.iq["error"]["condition"]) or "error"
    return UserFacingError(
        f"Bookmarks not changed: the stored ones could not be read ({why})",
        "Try again in a moment",
    )


async def _wrap(pending: Any) -> None:
    """A slixmpp IQ future: its refusal or silence becomes a UserFacingError."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        await pending
    except IqTimeout as error:
        raise UserFacingError("The server did not answer", "Try again in a moment") from error
    except IqError as error:
        condition = str(error.iq["error"]["condition"]) or "error"
        raise UserFacingError(
            f"The server refused to change the bookmarks: {condition}", "Try again later"
        ) from error
