"""Bookmarks against the real server: XEP-0402 add/list/remove, a bookmark added by another
device applied live and autojoined, autojoin at start, forged notifications ignored, and the
XEP-0048 private-storage fallback."""

from __future__ import annotations

import asyncio
from typing import Any
from xml.etree import ElementTree as ET

from tests import room_peer
from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import HarnessFactory
from tests.service.test_rooms import joined, new_room
from xmpp_tui.core.commands import AddBookmark, RemoveBookmark, SendMessage
from xmpp_tui.core.events import BookmarksChanged, MessageAdded, Notice
from xmpp_tui.core.models import Bookmark
from xmpp_tui.xmpp.features import bookmarks as feature

NS = "urn:xmpp:bookmarks:1"
PUBSUB = "http://jabber.org/protocol/pubsub"
EVENT = "http://jabber.org/protocol/pubsub#event"


def latest(events: list[BookmarksChanged]) -> tuple[Bookmark, ...]:
    return events[-1].bookmarks if events else ()


async def publish_from(device: Peer, room: str, *, autojoin: bool, nick: str = "") -> None:
    """Another client of the same account publishes a XEP-0402 bookmark (raw pubsub)."""
    iq = device.client.make_iq_set()
    pubsub = ET.SubElement(iq.xml, f"{{{PUBSUB}}}pubsub")
    publish = ET.SubElement(pubsub, f"{{{PUBSUB}}}publish", node=NS)
    item = ET.SubElement(publish, f"{{{PUBSUB}}}item", id=room)
    conference = ET.SubElement(
        item, f"{{{NS}}}conference", name="Team room", autojoin="true" if autojoin else "false"
    )
    if nick:
        ET.SubElement(conference, f"{{{NS}}}nick").text = nick
    options = ET.SubElement(pubsub, f"{{{PUBSUB}}}publish-options")
    form = ET.SubElement(options, "{jabber:x:data}x", type="submit")
    for var, value in (
        ("FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"),
        ("pubsub#persist_items", "true"),
        ("pubsub#access_model", "whitelist"),
        ("pubsub#max_items", "max"),
    ):
        field = ET.SubElement(form, "{jabber:x:data}field", var=var)
        ET.SubElement(field, "{jabber:x:data}value").text = value
    await iq.send(timeout=5)


def forged_event(sender: Peer, to: str, room: str, *, retract: bool = False) -> Any:
    msg = sender.client.make_message(mto=to)
    event = ET.SubElement(msg.xml, f"{{{EVENT}}}event")
    items = ET.SubElement(event, f"{{{EVENT}}}items", node=NS)
    if retract:
        ET.SubElement(items, f"{{{EVENT}}}retract", id=room)
    else:
        item = ET.SubElement(items, f"{{{EVENT}}}item", id=room)
        ET.SubElement(item, f"{{{NS}}}conference", autojoin="true", name="evil")
    return msg


async def test_add_list_edit_remove_native(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    room = new_room()
    h = await harness(alice)
    await h.wait_event(BookmarksChanged)  # loaded at start: none yet
    assert latest(h.of_type(BookmarksChanged)) == ()
    session = h.service._sessions[alice.jid]
    assert session.bookmarks.method == feature.NATIVE

    await h.service.execute(
        AddBookmark(account=alice.jid, room=room, name="Team", nick="al", password="pw")
    )
    await h.wait_event(Notice, lambda e: e.text.startswith("Bookmarked"))
    assert latest(h.of_type(BookmarksChanged)) == (
        Bookmark(jid=room, name="Team", nick="al", password="pw", autojoin=False),
    )
    # Edit: autojoin on, the password kept when not given again.
    await h.service.execute(AddBookmark(account=alice.jid, room=room, name="Team", autojoin=True))
    await wait_until(lambda: latest(h.of_type(BookmarksChanged))[0].autojoin)
    assert latest(h.of_type(BookmarksChanged))[0].password == "pw"
    await h.stop()

    # On the server: a new process lists it.
    again = await harness(alice, online=True)
    await again.wait_event(BookmarksChanged, lambda e: bool(e.bookmarks))
    assert [b.jid for b in latest(again.of_type(BookmarksChanged))] == [room]
    await again.service.execute(RemoveBookmark(account=alice.jid, room=room))
    await again.wait_event(Notice, lambda e: e.text.startswith("Removed the bookmark"))
    assert latest(again.of_type(BookmarksChanged)) == ()


async def test_other_device_bookmark_applied_live_and_autojoined_at_start(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    room_peer.say(bob, room, "before alice")
    h = await harness(alice)
    await h.wait_event(BookmarksChanged)
    phone = await peer(alice, resource="phone")

    await publish_from(phone, room, autojoin=True, nick="alice-tui")
    changed = await h.wait_event(BookmarksChanged, lambda e: bool(e.bookmarks))
    assert changed.bookmarks[0].jid == room and changed.bookmarks[0].autojoin
    info = (await joined(h, room)).room  # applied live: joined at once
    assert info.nick == "alice-tui" and info.name == "Team room"
    await h.stop()

    # Restart: autojoined after the initial presence, with the bookmark's nick.
    again = await harness(alice)
    info = (await joined(again, room)).room
    assert info.nick == "alice-tui"
    await again.service.execute(SendMessage(account=alice.jid, peer=room, body="autojoined"))
    got = await room_peer.wait_groupchat(bob, room, "autojoined")
    assert str(got["from"].resource) == "alice-tui"


async def test_forged_bookmark_notifications_change_nothing(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, prosody: Any
) -> None:
    """CVE-2023-28686 shape: only our own account may tell us about our bookmarks."""
    alice = new_account("alice")
    mallory = await peer()
    evil = new_room("evil")
    real = new_room("real")
    h = await harness(alice)
    await h.wait_event(BookmarksChanged)
    await h.service.execute(AddBookmark(account=alice.jid, room=real, name="Real"))
    await h.wait_event(BookmarksChanged, lambda e: bool(e.bookmarks))
    count = len(h.of_type(BookmarksChanged))

    # From another user, a publish of an autojoin room and a retract of the real one.
    forged_event(mallory, alice.jid, evil).send()
    forged_event(mallory, alice.jid, real, retract=True).send()
    # Claiming our server's domain: the server does not let a client choose its "from", so
    # this arrives as mallory's (or not at all); the domain itself as sender is refused in
    # tests/unit/test_translate_rooms.py.
    domain = forged_event(mallory, alice.jid, real, retract=True)
    domain["from"] = "localhost"
    domain.send()
    # Positive control: a message sent after them arrives, so they were processed.
    mallory.send_chat(alice.jid, "control")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "control")
    await asyncio.sleep(0)  # nothing else is pending: the stream is ordered
    assert len(h.of_type(BookmarksChanged)) == count
    assert [b.jid for b in latest(h.of_type(BookmarksChanged))] == [real]
    assert h.service.rooms(alice.jid) == ()  # no forced join


async def test_private_storage_fallback(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    """XEP-0048 in private XML storage, for servers without XEP-0402: add and remove via the
    whole list; Prosody mirrors it into XEP-0402, which proves what was stored."""
    alice = new_account("alice")
    room = new_room()
    h = await harness(alice)
    await h.wait_event(BookmarksChanged)
    session = h.service._sessions[alice.jid]
    session.bookmarks.method = feature.PRIVATE
    await h.service.execute(AddBookmark(account=alice.jid, room=room, nick="al", autojoin=True))
    await h.wait_event(Notice, lambda e: e.text.startswith("Bookmarked"))
    client = session.client
    stored = await client.fetch_bookmarks(feature.PRIVATE, 5)
    assert stored == (Bookmark(jid=room, nick="al", autojoin=True),)
    mirrored = await client.fetch_bookmarks(feature.NATIVE, 5)
    assert mirrored is not None and [b.jid for b in mirrored] == [room]
    await h.service.execute(RemoveBookmark(account=alice.jid, room=room))
    await h.wait_event(Notice, lambda e: e.text.startswith("Removed the bookmark"))
    assert await client.fetch_bookmarks(feature.PRIVATE, 5) == ()
