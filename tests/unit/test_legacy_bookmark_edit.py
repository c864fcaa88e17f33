"""A XEP-0048 entry rewritten in place keeps what we do not know: other attributes, other
children (Prosody's compat module drops them itself, so this is proved here, not against it)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from xmpp_tui.core.models import Bookmark
from xmpp_tui.xmpp import translate_rooms
from xmpp_tui.xmpp.features.bookmarks import fill_legacy

LEGACY = "storage:bookmarks"
ROOM = "team@conference.example.org"


def test_rewritten_entry_keeps_unknown_children_and_attributes() -> None:
    storage = ET.fromstring(
        f"<storage xmlns='{LEGACY}'>"
        f"<conference jid='{ROOM}' name='Team' autojoin='true' x-order='3'>"
        "<nick>al</nick><password>pw</password>"
        "<pinned xmlns='urn:example:client'>yes</pinned>"
        "</conference>"
        "<url name='Site' url='https://example.org/'/>"
        "</storage>"
    )
    element = storage.find(f"{{{LEGACY}}}conference")
    assert element is not None
    fill_legacy(element, Bookmark(jid=ROOM, nick="bob", password="pw", autojoin=False))

    assert translate_rooms.legacy_bookmarks(storage) == (
        Bookmark(jid=ROOM, nick="bob", password="pw", autojoin=False),
    )
    assert "name" not in element.attrib and element.get("x-order") == "3"
    assert element.findtext("{urn:example:client}pinned") == "yes"
    assert storage.find(f"{{{LEGACY}}}url") is not None
    # An option cleared removes its element; one set again comes back.
    fill_legacy(element, Bookmark(jid=ROOM, name="Team", autojoin=True))
    assert element.find(f"{{{LEGACY}}}nick") is None
    assert element.find(f"{{{LEGACY}}}password") is None
    assert element.get("name") == "Team" and element.get("autojoin") == "true"
