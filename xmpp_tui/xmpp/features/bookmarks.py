"""Bookmarks: XEP-0402 (PEP native, one item per room) when the account offers it, else
XEP-0048 in private XML storage (XEP-0049, the whole list at once).

slixmpp's xep_0402 is stanza-only: publish and read through xep_0223 (PEP private data),
delete with xep_0060 retract. Its xep_0048 ``auto_join`` crashes and is never used; the
legacy list is read and written as plain XML here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from xml.etree import ElementTree as ET

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


async def method(client: Any, own_bare: str, timeout: float) -> str:
    """NATIVE when our account offers XEP-0402, else PRIVATE (disco on our bare JID)."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        result = await client.plugin["xep_0030"].get_info(jid=own_bare, timeout=timeout)
    except (IqError, IqTimeout) as error:
        log.info("no disco#info from our account: %s", error)
        return PRIVATE
    features = {str(feature) for feature in result["disco_info"]["features"]}
    return NATIVE if COMPAT_FEATURE in features else PRIVATE


async def fetch(client: Any, how: str, timeout: float) -> tuple[Bookmark, ...]:
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
        return ()
    except IqTimeout:
        log.info("bookmarks not fetched: no answer")
        return ()


async def publish(client: Any, bookmark: Bookmark, timeout: float) -> None:
    """XEP-0402: one item, id = the room's JID."""
    from slixmpp.plugins.xep_0402.stanza import Conference

    conference = Conference()
    conference["autojoin"] = bookmark.autojoin
    if bookmark.name:
        conference["name"] = bookmark.name
    if bookmark.nick:
        conference["nick"] = bookmark.nick
    if bookmark.password:
        conference["password"] = bookmark.password
    await _wrap(
        client.plugin["xep_0223"].store(
            conference, node=BOOKMARKS_NS, id=bookmark.jid, timeout=timeout
        )
    )


async def retract(client: Any, room: str, timeout: float) -> None:
    await _wrap(
        client.plugin["xep_0060"].retract(None, BOOKMARKS_NS, room, notify=True, timeout=timeout)
    )


async def store_private(client: Any, bookmarks: Iterable[Bookmark], timeout: float) -> None:
    """XEP-0048 in private XML storage: the whole list replaces the stored one."""
    iq = client.make_iq_set()
    query = ET.SubElement(iq.xml, f"{{{PRIVATE_NS}}}query")
    storage = ET.SubElement(query, f"{{{LEGACY_BOOKMARKS_NS}}}storage")
    for bookmark in bookmarks:
        element = ET.SubElement(
            storage,
            f"{{{LEGACY_BOOKMARKS_NS}}}conference",
            jid=bookmark.jid,
            autojoin="true" if bookmark.autojoin else "false",
        )
        if bookmark.name:
            element.set("name", bookmark.name)
        if bookmark.nick:
            ET.SubElement(element, f"{{{LEGACY_BOOKMARKS_NS}}}nick").text = bookmark.nick
        if bookmark.password:
            ET.SubElement(element, f"{{{LEGACY_BOOKMARKS_NS}}}password").text = bookmark.password
    await request(iq, timeout)


async def _private_get(client: Any, timeout: float) -> Any:
    iq = client.make_iq_get()
    query = ET.SubElement(iq.xml, f"{{{PRIVATE_NS}}}query")
    ET.SubElement(query, f"{{{LEGACY_BOOKMARKS_NS}}}storage")
    return await iq.send(timeout=timeout)


async def _wrap(pending: Any) -> None:
    """A slixmpp IQ future: its refusal or silence becomes a UserFacingError."""
    from slixmpp.exceptions import IqError, IqTimeout

    from xmpp_tui.core.errors import UserFacingError

    try:
        await pending
    except IqTimeout as error:
        raise UserFacingError("The server did not answer", "Try again in a moment") from error
    except IqError as error:
        condition = str(error.iq["error"]["condition"]) or "error"
        raise UserFacingError(
            f"The server refused to change the bookmarks: {condition}", "Try again later"
        ) from error
