"""Room history from the room's own archive (XEP-0313 in XEP-0045 rooms, Prosody muc_mam):
join without the classic replay and catch up from the room's cursor, so a rejoin neither
duplicates nor misses; the classic history for a room without an archive; older pages on
scroll-back from the room's archive."""

from __future__ import annotations

from typing import Any

import pytest

from tests import room_peer
from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import Harness, HarnessFactory
from tests.service.test_rooms import bodies, joined, new_room
from xmpp_tui.core.commands import FetchOlderHistory, JoinRoom, LeaveRoom, SendMessage
from xmpp_tui.core.events import MessageAdded, OlderHistoryFetched, RoomChanged
from xmpp_tui.core.models import Delivery
from xmpp_tui.service import room_history


async def _settle(peer: Peer) -> None:
    """Everything the peer sent has been handled (and archived) by the server."""
    await peer.client.plugin["xep_0199"].ping(timeout=30)


def _cursor(h: Harness, room: str) -> str | None:
    return h.service._store.cursors.get(h.account, room)  # test hook: no public API


def _all(h: Harness, room: str) -> list[str]:
    return [m.body for m in h.service.history_page(h.account, room, limit=1000)]


async def test_archived_room_catches_up_from_its_cursor_on_rejoin(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    for n in range(3):
        room_peer.say(bob, room, f"m{n}")
    await _settle(bob)
    h = await harness(alice)

    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    # First visit: the newest page of the room's archive, with the room's stanza-ids.
    await wait_until(lambda: bodies(h, alice.jid, room) == ["m0", "m1", "m2"])
    stored = h.service.history_page(alice.jid, room)
    assert all(m.stanza_id for m in stored)
    assert _cursor(h, room) == stored[-1].stanza_id
    assert _cursor(h, alice.jid) != stored[-1].stanza_id  # the account's own cursor is apart

    await h.service.execute(LeaveRoom(account=alice.jid, room=room))
    await h.wait_event(RoomChanged, lambda e: e.room.jid == room and not e.room.joined)
    # More than the room's classic history holds (20): only the archive can give them all.
    away = [f"away {n:02}" for n in range(25)]
    for body in away:
        room_peer.say(bob, room, body)
    await _settle(bob)

    joins = len([e for e in h.of_type(RoomChanged) if e.room.joined])
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await wait_until(lambda: len([e for e in h.of_type(RoomChanged) if e.room.joined]) > joins)
    assert bodies(h, alice.jid, room) == ["m0", "m1", "m2", *away]  # none twice, none lost
    assert _cursor(h, room) == h.service.history_page(alice.jid, room)[-1].stanza_id

    # Live messages go on after the catch-up; ours is reflected once and delivered.
    await h.service.execute(SendMessage(account=alice.jid, peer=room, body="back"))
    await room_peer.wait_groupchat(bob, room, "back")
    room_peer.say(bob, room, "welcome back")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "welcome back")
    await wait_until(
        lambda: (
            [m.delivery for m in h.service.history_page(alice.jid, room) if m.body == "back"]
            == [Delivery.DELIVERED]
        )
    )
    assert bodies(h, alice.jid, room)[-2:] == ["back", "welcome back"]


async def test_rejoin_after_restart_reads_only_what_is_new(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    room_peer.say(bob, room, "before")
    await _settle(bob)
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    await wait_until(lambda: bodies(h, alice.jid, room) == ["before"])
    await h.stop()
    room_peer.say(bob, room, "while stopped")
    await _settle(bob)

    again = await harness(alice)  # same store: the room's cursor survives
    await again.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(again, room)
    await wait_until(lambda: bodies(again, alice.jid, room) == ["before", "while stopped"])
    # Only the new message was published: the archive was read from the cursor.
    assert [e.message.body for e in again.of_type(MessageAdded)] == ["while stopped"]


async def test_room_without_archive_gets_the_classic_history(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("plain")
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_enablearchiving": "0"})
    for n in range(3):
        room_peer.say(bob, room, f"p{n}")
    await _settle(bob)
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    await wait_until(lambda: bodies(h, alice.jid, room) == ["p0", "p1", "p2"])
    assert _cursor(h, room) is None  # no archive, no cursor

    # Scroll-back in a room without an archive: nothing older, said at once.
    await h.service.execute(FetchOlderHistory(account=alice.jid, peer=room))
    answer = await h.wait_event(OlderHistoryFetched, lambda e: e.peer == room)
    assert (answer.count, answer.complete, answer.error) == (0, True, "")


async def test_older_pages_in_a_room_come_from_its_archive(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(room_history, "OLDER_PAGE", 6)
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    said = [f"line {n:02}" for n in range(30)]
    for body in said:
        room_peer.say(bob, room, body)
    await _settle(bob)
    h = await harness(alice)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    await wait_until(lambda: _all(h, room) == said[-room_history.FIRST_PAGE :])

    await h.service.execute(FetchOlderHistory(account=alice.jid, peer=room))
    first = await h.wait_event(OlderHistoryFetched, lambda e: e.peer == room)
    assert (first.count, first.complete, first.error) == (6, False, "")
    assert _all(h, room) == said[4:]
    await h.service.execute(FetchOlderHistory(account=alice.jid, peer=room))
    await wait_until(lambda: len(h.of_type(OlderHistoryFetched)) == 2)
    second = h.of_type(OlderHistoryFetched)[1]
    assert (second.count, second.complete) == (4, True)
    # Every message once, in the room's order, from the room's occupant.
    assert _all(h, room) == said
    assert {m.sender for m in h.service.history_page(alice.jid, room, limit=1000)} == {
        f"{room}/bob"
    }


async def test_live_messages_during_the_catch_up_come_after_it_in_order(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A line said while the archive is being read is held and recorded after the archive's
    lines: the history's order is the room's order, and nothing is stored twice."""
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    for n in range(3):
        room_peer.say(bob, room, f"old {n}")
    await _settle(bob)
    h = await harness(alice)
    client = h.service._sessions[alice.jid].client  # test hook: slow the archive down
    original = client.room_archive_page
    said = False

    async def archive_page_after_a_live_line(*args: Any, **kwargs: Any) -> Any:
        nonlocal said
        if not said:
            said = True
            room_peer.say(bob, room, "live meanwhile")
            await room_peer.wait_groupchat(bob, room, "live meanwhile")
            await _settle(bob)  # the room has sent it to alice too, before the archive page
        return await original(*args, **kwargs)

    monkeypatch.setattr(client, "room_archive_page", archive_page_after_a_live_line)
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    await wait_until(lambda: len(bodies(h, alice.jid, room)) == 4)
    assert said
    assert bodies(h, alice.jid, room) == ["old 0", "old 1", "old 2", "live meanwhile"]
    published = [e.message.body for e in h.of_type(MessageAdded)]
    assert published == ["old 0", "old 1", "old 2", "live meanwhile"]


async def test_a_cursor_the_room_forgot_reads_its_newest_page(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    room_peer.say(bob, room, "still there")
    await _settle(bob)
    h = await harness(alice)
    h.service._store.cursors.set(alice.jid, room, "no-such-id")  # expired or reset archive
    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    await joined(h, room)
    await wait_until(lambda: bodies(h, alice.jid, room) == ["still there"])
    assert _cursor(h, room) == h.service.history_page(alice.jid, room)[-1].stanza_id
