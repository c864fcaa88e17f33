"""Where the IM-suite features meet group chat and scroll-back, against the real server:
what a review of the merged features found, kept fixed.

- an occupant cannot mark our room messages read (XEP-0333 is one-to-one);
- our own copy of a private message to an occupant (a carbon from our other device) never
  lands in the room's conversation, where it would read as said in public;
- a correction that comes in the same older archive page as its original corrects it.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from tests import room_peer
from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import Harness, HarnessFactory
from tests.service.test_extras import _displayed, _send
from xmpp_tui.core.commands import (
    AddBookmark,
    FetchOlderHistory,
    JoinRoom,
    LeaveRoom,
    ListRooms,
    SendMessage,
)
from xmpp_tui.core.events import (
    BookmarksChanged,
    CommandFailed,
    MessageAdded,
    Notice,
    OlderHistoryFetched,
    RoomChanged,
    RoomsListed,
)
from xmpp_tui.core.models import Bookmark, Delivery, Direction
from xmpp_tui.service import older_history

MUC = "conference.localhost"
MUC_ADMIN = "http://jabber.org/protocol/muc#admin"


async def _settle(peer: Peer) -> None:
    """Everything the peer sent has been handled by the server."""
    await peer.client.plugin["xep_0199"].ping(timeout=30)


async def _join(h: Harness, account: str, room: str, nick: str) -> None:
    await h.service.execute(JoinRoom(account=account, room=room, nick=nick))
    await h.wait_event(RoomChanged, lambda e: e.room.jid == room and e.room.joined)


async def _barrier(h: Harness, bob: Peer, room: str, text: str) -> None:
    """A room message from bob that arrives after everything bob sent before it."""
    room_peer.say(bob, room, text)
    await h.wait_event(MessageAdded, lambda e: e.message.body == text)


async def test_an_occupant_cannot_mark_our_room_messages_read(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = f"markers-{bob.jid.split('@')[0]}@{MUC}"
    await room_peer.join(bob, room, "bob")
    h = await harness(alice)
    await _join(h, alice.jid, room, "alicia")

    await h.service.execute(SendMessage(account=alice.jid, peer=room, body="hi room"))
    await room_peer.wait_groupchat(bob, room, "hi room")
    await wait_until(
        lambda: h.service.history_page(alice.jid, room)[-1].delivery is Delivery.DELIVERED
    )
    ours = h.service.history_page(alice.jid, room)[-1]
    assert ours.origin_id
    # bob, through the room, claims to have read it (and to have received it).
    _displayed(bob, f"{room}/alicia", ours.origin_id)
    receipt = bob.client.make_message(mto=f"{room}/alicia", mtype="chat")
    receipt["receipt"] = ours.origin_id
    receipt.send()
    await _barrier(h, bob, room, "barrier")
    stored = [m for m in h.service.history_page(alice.jid, room) if m.id == ours.id]
    assert [m.delivery for m in stored] == [Delivery.DELIVERED]


async def test_our_private_message_to_an_occupant_never_lands_in_the_room(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    phone = await peer(alice, resource="phone")
    room = f"pm-{bob.jid.split('@')[0]}@{MUC}"
    await room_peer.join(bob, room, "bob")
    await room_peer.join(phone, room, "alice-phone")
    h = await harness(alice)
    await _join(h, alice.jid, room, "alicia")

    # The phone whispers to bob through the room; we get the carbon of it.
    phone.send_chat(f"{room}/bob", "secret whisper to bob")
    await _settle(phone)
    await _barrier(h, bob, room, "public line")
    everywhere = [
        m.body
        for conversation in (room, *h.service.conversations(alice.jid))
        for m in h.service.history_page(alice.jid, conversation, limit=1000)
    ]
    assert "public line" in everywhere
    assert "secret whisper to bob" not in everywhere
    assert not [e for e in h.of_type(MessageAdded) if e.message.body == "secret whisper to bob"]


async def test_a_correction_in_an_older_page_corrects_its_original(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(older_history, "PAGE_SIZE", 20)
    alice = new_account("alice")
    bob = await peer()
    ids = [_send(bob, alice.jid, f"old {n:03}") for n in range(6)]
    _send(bob, alice.jid, "old 003 fixed", replace=ids[3])
    for n in range(6, 12):
        _send(bob, alice.jid, f"old {n:03}")
    await _settle(bob)
    h = await harness(alice)
    await wait_until(
        lambda: len(h.service.history_page(alice.jid, bob.jid, limit=100)) == 12, timeout=15
    )
    connection = h.service._store.database.connection  # test hook: forget all but the last two
    connection.execute(
        "DELETE FROM messages WHERE account = ? AND peer = ? AND body < 'old 010'",
        (alice.jid, bob.jid),
    )

    await h.service.execute(FetchOlderHistory(account=alice.jid, peer=bob.jid))
    fetched = await h.wait_event(OlderHistoryFetched)
    assert fetched.error == ""
    page = h.service.history_page(alice.jid, bob.jid, limit=100)
    assert [m.body for m in page] == [
        *(f"old {n:03}" for n in range(3)),
        "old 003 fixed",
        *(f"old {n:03}" for n in range(4, 12)),
    ]
    assert [m.body for m in page if m.edited] == ["old 003 fixed"]


async def test_join_refuses_an_address_that_is_not_a_room(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    presences: list[str] = []
    bob.client.add_event_handler(
        "presence", lambda p: presences.append(str(p["from"])) if p["to"].resource else None
    )
    h = await harness(alice)
    for address, why in (
        (bob.jid, "localhost is not a group chat service"),
        ("localhost", "is not a room address"),
    ):
        await h.service.execute(JoinRoom(account=alice.jid, room=address))
        failed = await h.wait_event(CommandFailed, lambda e, w=why: w in e.message)  # type: ignore[misc]
        assert failed.account == alice.jid
    # The real thing still works, and only it got our presence.
    room = f"real-{bob.jid.split('@')[0]}@{MUC}"
    await _join(h, alice.jid, room, "alicia")
    await _settle(bob)
    assert not [p for p in presences if p.startswith(alice.jid)]


async def test_rejoining_a_room_reads_everything_said_while_away(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """No archive cursor yet (a room we just made): the catch-up goes on from the newest
    message seen live, not from the room's newest page (which would skip the rest)."""
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    room = f"away-{bob.jid.split('@')[0]}@{MUC}"
    await _join(h, alice.jid, room, "alicia")  # creates it
    await room_peer.join(bob, room, "bob")
    await _barrier(h, bob, room, "seen live")
    await h.service.execute(LeaveRoom(account=alice.jid, room=room))
    await h.wait_event(RoomChanged, lambda e: e.room.jid == room and not e.room.joined)
    for n in range(30):
        room_peer.say(bob, room, f"away {n:02}")
    await _settle(bob)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="alicia"))
    await wait_until(
        lambda: (
            sum(m.body.startswith("away ") for m in h.service.history_page(alice.jid, room)) == 30
        ),
        timeout=15,
        message="not all 30 messages said while away were read",
    )
    bodies = [m.body for m in h.service.history_page(alice.jid, room, limit=100)]
    assert [b for b in bodies if b.startswith("away ")] == [f"away {n:02}" for n in range(30)]
    assert bodies.count("seen live") == 1


async def test_banned_from_an_autojoin_room_turns_its_autojoin_off(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = f"ban-{bob.jid.split('@')[0]}@{MUC}"
    await room_peer.join(bob, room, "bob")  # bob owns it
    h = await harness(alice)
    await h.service.execute(AddBookmark(account=alice.jid, room=room, autojoin=True))
    await _join(h, alice.jid, room, "alicia")
    await wait_until(lambda: any(b.autojoin for b in _bookmarks(h)), timeout=15)

    ban = bob.client.make_iq_set(ito=room)
    query = ET.SubElement(ban.xml, f"{{{MUC_ADMIN}}}query")
    ET.SubElement(query, f"{{{MUC_ADMIN}}}item", jid=alice.jid, affiliation="outcast")
    await ban.send(timeout=15)

    await h.wait_event(Notice, lambda e: e.text.startswith(f"You left {room}"))
    await wait_until(
        lambda: [b.autojoin for b in _bookmarks(h) if b.jid == room] == [False],
        timeout=15,
        message="the bookmark of a room we are banned from still autojoins",
    )


def _bookmarks(h: Harness) -> tuple[Bookmark, ...]:
    changes = h.of_type(BookmarksChanged)
    return changes[-1].bookmarks if changes else ()


async def test_a_room_without_a_bookmark_is_shown_by_its_own_name(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = f"named-{bob.jid.split('@')[0]}@{MUC}"
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_roomname": "Team [b]Room[/b]"})
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room, nick="alicia"))
    joined = await h.wait_event(RoomChanged, lambda e: e.room.jid == room and e.room.joined)
    assert joined.room.name == "Team [b]Room[/b]"  # remote text, drawn as text


async def test_rooms_of_a_host_that_is_no_group_chat_service_says_so(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    await h.service.execute(ListRooms(account=alice.jid, service="localhost"))
    failed = await h.wait_event(CommandFailed)
    assert failed.message == "localhost is not a group chat service"
    await h.service.execute(ListRooms(account=alice.jid, service=MUC))
    await h.wait_event(RoomsListed, lambda e: e.service == MUC)


async def test_what_our_other_device_says_live_in_a_room_is_ours(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = f"twodev-{bob.jid.split('@')[0]}@{MUC}"
    await room_peer.join(bob, room, "bob")
    h = await harness(alice)
    await _join(h, alice.jid, room, "alicia")
    phone = await peer(alice, resource="phone")
    await room_peer.join(phone, room, "alicia")  # the same occupant, a second session
    room_peer.say(phone, room, "from my phone")
    said = await h.wait_event(MessageAdded, lambda e: e.message.body == "from my phone")
    assert said.message.direction is Direction.OUTGOING
    assert h.service.unread_counts(alice.jid).get(room, 0) == 0
    await _barrier(h, bob, room, "from bob")
    theirs = [m for m in h.service.history_page(alice.jid, room) if m.body == "from bob"]
    assert [m.direction for m in theirs] == [Direction.INCOMING]
