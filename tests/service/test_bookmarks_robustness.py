"""Bookmarks are never wiped or reset by accident, against the real server: a load that got no
answer refuses writes (and is retried), XEP-0048 writes re-read the stored list, an edit keeps
what was not given and the XEP-0402 ``<extensions/>``, /leave turns autojoin off, and a room's
name follows its bookmark."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from xml.etree import ElementTree as ET

from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import HarnessFactory
from tests.service.test_bookmarks import NS, PUBSUB, latest, publish_from
from tests.service.test_rooms import joined, new_room
from xmpp_tui.core.commands import AddBookmark, JoinRoom, LeaveRoom, RemoveBookmark
from xmpp_tui.core.events import BookmarksChanged, CommandFailed, Notice, RoomChanged
from xmpp_tui.core.models import Bookmark
from xmpp_tui.xmpp.features import bookmarks as feature

PRIVATE = "jabber:iq:private"
LEGACY = "storage:bookmarks"
#: Every IQ times out at once (a real slixmpp timeout, before any answer can arrive).
NO_ANSWER = 1e-6


async def stored_item(device: Peer, room: str) -> ET.Element | None:
    """The raw XEP-0402 ``<conference/>`` of ``room`` as the server keeps it."""
    iq = device.client.make_iq_get()
    pubsub = ET.SubElement(iq.xml, f"{{{PUBSUB}}}pubsub")
    items = ET.SubElement(pubsub, f"{{{PUBSUB}}}items", node=NS)
    ET.SubElement(items, f"{{{PUBSUB}}}item", id=room)
    result: Any = await iq.send(timeout=5)
    return next(result.xml.iter(f"{{{NS}}}conference"), None)


async def stored_rooms(device: Peer) -> dict[str, ET.Element]:
    """Every XEP-0402 bookmark the server keeps, by room."""
    iq = device.client.make_iq_get()
    pubsub = ET.SubElement(iq.xml, f"{{{PUBSUB}}}pubsub")
    ET.SubElement(pubsub, f"{{{PUBSUB}}}items", node=NS)
    result: Any = await iq.send(timeout=5)
    found: dict[str, ET.Element] = {}
    for item in result.xml.iter(f"{{{PUBSUB}}}item"):
        conference = item.find(f"{{{NS}}}conference")
        if conference is not None:
            found[item.get("id") or ""] = conference
    return found


async def store_legacy(device: Peer, *rooms: str) -> None:
    """Another (XEP-0048 only) device stores its whole list in private XML storage."""
    iq = device.client.make_iq_set()
    query = ET.SubElement(iq.xml, f"{{{PRIVATE}}}query")
    storage = ET.SubElement(query, f"{{{LEGACY}}}storage")
    for room in rooms:
        ET.SubElement(storage, f"{{{LEGACY}}}conference", jid=room, name="Old", autojoin="false")
    await iq.send(timeout=5)


async def test_unread_bookmarks_are_never_overwritten(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """A load without an answer is "unknown", not "none": a write is refused (and the load
    retried first) instead of replacing what is stored with the one new bookmark."""
    alice = new_account("alice")
    kept, added = new_room("kept"), new_room("added")
    phone = await peer(alice, resource="phone")
    await publish_from(phone, kept, autojoin=False)
    h = await harness(alice)
    await h.wait_event(BookmarksChanged, lambda e: bool(e.bookmarks))
    session = h.service._sessions[alice.jid]
    client = session.client
    # A disco without an answer tells nothing: no silent fall back to XEP-0048.
    assert await client.bookmarks_method(NO_ANSWER) is None
    assert await client.fetch_bookmarks(feature.NATIVE, NO_ANSWER) is None
    assert await client.fetch_bookmarks(feature.NATIVE, 5) is not None

    # The next fresh session's load gets no answer.
    normal = session.timing
    session.timing = replace(normal, iq_timeout=NO_ANSWER)
    await session.bookmarks.load()
    await h.wait_event(Notice, lambda e: "could not be read" in e.text)
    assert not session.bookmarks.loaded
    await h.service.execute(AddBookmark(account=alice.jid, room=added, nick="al"))
    failed = await h.wait_event(CommandFailed)
    assert "not changed" in failed.message
    await h.service.execute(RemoveBookmark(account=alice.jid, room=kept))
    await wait_until(lambda: len(h.of_type(CommandFailed)) == 2)
    assert set(await stored_rooms(phone)) == {kept}  # untouched

    # The server answers again: the write loads first, then adds to what is stored.
    session.timing = normal
    await h.service.execute(AddBookmark(account=alice.jid, room=added, nick="al"))
    await h.wait_event(Notice, lambda e: e.text.startswith("Bookmarked"))
    assert session.bookmarks.loaded and session.bookmarks.method == feature.NATIVE
    assert set(await stored_rooms(phone)) == {kept, added}
    assert {b.jid for b in latest(h.of_type(BookmarksChanged))} == {kept, added}


async def test_private_storage_write_rereads_the_stored_list(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """XEP-0048 stores the whole list at once: a change re-reads it first, so an entry another
    device stored that we did not know of (no notification on XEP-0048-only servers) stays."""
    alice = new_account("alice")
    theirs, ours = new_room("theirs"), new_room("ours")
    h = await harness(alice)
    await h.wait_event(BookmarksChanged)
    session = h.service._sessions[alice.jid]
    session.bookmarks.method = feature.PRIVATE
    phone = await peer(alice, resource="phone")
    await store_legacy(phone, theirs)
    # Prosody mirrors it into XEP-0402 and notifies us; a XEP-0048-only server would not:
    # forget it, as such a client would never have learnt of it.
    await h.wait_event(BookmarksChanged, lambda e: any(b.jid == theirs for b in e.bookmarks))
    session.bookmarks.items.clear()

    await h.service.execute(AddBookmark(account=alice.jid, room=ours, autojoin=True))
    await h.wait_event(Notice, lambda e: e.text.startswith("Bookmarked"))
    stored = await session.client.fetch_bookmarks(feature.PRIVATE, 5)
    assert stored is not None
    assert {b.jid: b for b in stored} == {
        theirs: Bookmark(jid=theirs, name="Old"),
        ours: Bookmark(jid=ours, autojoin=True),
    }
    assert {b.jid for b in latest(h.of_type(BookmarksChanged))} == {theirs, ours}


async def test_edit_changes_only_what_is_given_and_keeps_extensions(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """`/bookmark add ROOM --nick foo` on an existing bookmark: name and autojoin stay, and
    so does the XEP-0402 ``<extensions/>`` another client put there (§3.1)."""
    alice = new_account("alice")
    room = new_room()
    phone = await peer(alice, resource="phone")
    await publish_from(phone, room, autojoin=True, nick="old")
    # The other client adds its own extension element to the item.
    conference = await stored_item(phone, room)
    assert conference is not None
    extensions = ET.SubElement(conference, f"{{{NS}}}extensions")
    ET.SubElement(extensions, "{urn:example:client}state", pinned="yes")
    iq = phone.client.make_iq_set()
    pubsub = ET.SubElement(iq.xml, f"{{{PUBSUB}}}pubsub")
    publish = ET.SubElement(pubsub, f"{{{PUBSUB}}}publish", node=NS)
    ET.SubElement(publish, f"{{{PUBSUB}}}item", id=room).append(conference)
    await iq.send(timeout=5)

    h = await harness(alice)
    await joined(h, room)  # the autojoin bookmark, loaded
    await h.service.execute(AddBookmark(account=alice.jid, room=room, nick="foo"))
    await h.wait_event(Notice, lambda e: e.text == f"Bookmarked {room} (autojoin)")
    assert latest(h.of_type(BookmarksChanged)) == (
        Bookmark(jid=room, name="Team room", nick="foo", autojoin=True),
    )
    stored = await stored_item(phone, room)
    assert stored is not None
    assert stored.get("name") == "Team room" and stored.get("autojoin") in ("true", "1")
    assert stored.findtext(f"{{{NS}}}nick") == "foo"
    kept = stored.find(f"{{{NS}}}extensions/{{urn:example:client}}state")
    assert kept is not None and kept.get("pinned") == "yes"

    # --no-autojoin turns it off, the rest as it was.
    await h.service.execute(AddBookmark(account=alice.jid, room=room, autojoin=False))
    await h.wait_event(Notice, lambda e: e.text == f"Bookmarked {room}")
    assert latest(h.of_type(BookmarksChanged)) == (
        Bookmark(jid=room, name="Team room", nick="foo", autojoin=False),
    )


async def test_leave_turns_autojoin_off_so_the_room_stays_left(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    left, other = new_room("left"), new_room("other")
    phone = await peer(alice, resource="phone")
    await publish_from(phone, left, autojoin=True)
    await publish_from(phone, other, autojoin=True)
    h = await harness(alice)
    await joined(h, left)
    await h.service.execute(LeaveRoom(account=alice.jid, room=left))
    await h.wait_event(
        Notice, lambda e: e.text == f"Autojoin turned off for the bookmark of {left}"
    )
    stored = await stored_rooms(phone)
    assert stored[left].get("autojoin") in ("false", "0")
    assert stored[left].get("name") == "Team room"  # the rest kept
    assert stored[other].get("autojoin") == "true"
    await h.stop()

    # The next start joins the other autojoin room, not the one left.
    again = await harness(alice)
    await joined(again, other)
    session = again.service._sessions[alice.jid]
    assert not session.rooms.is_entering_or_in(left)
    assert [r.jid for r in again.service.rooms(alice.jid)] == [other]


async def test_room_name_follows_its_bookmark(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    room = new_room()
    h = await harness(alice)
    await h.wait_event(BookmarksChanged)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    assert (await joined(h, room)).room.name == ""
    await h.service.execute(AddBookmark(account=alice.jid, room=room, name="Big Room"))
    changed = await h.wait_event(RoomChanged, lambda e: e.room.name == "Big Room")
    assert changed.room.joined and changed.room.jid == room
