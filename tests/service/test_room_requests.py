"""The rest of XEP-0045 against the real server: the reserved nickname (§7.12), asking for
voice and answering such requests (§7.13, §8.6), registering with a room (§7.10, §9.9)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from tests import room_peer
from tests.peer import AccountFactory, Peer, PeerFactory
from tests.service.harness import HarnessFactory
from tests.service.test_rooms import joined, new_room
from xmpp_tui.core.commands import JoinRoom

MUC_ADMIN = "http://jabber.org/protocol/muc#admin"


async def reserve(owner: Peer, room: str, jid: str, nick: str, affiliation: str = "member") -> None:
    """The owner makes ``jid`` a member with ``nick`` reserved (Prosody keeps the item's nick
    as the reservation, as a registration would)."""
    iq = owner.client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{MUC_ADMIN}}}query")
    ET.SubElement(query, f"{{{MUC_ADMIN}}}item", jid=jid, affiliation=affiliation, nick=nick)
    await iq.send(timeout=5)


async def test_join_without_a_nick_uses_the_reserved_one(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    bob = await peer()
    room, plain = new_room("resv"), new_room("plain")
    await room_peer.join(bob, room, "bob")
    await room_peer.join(bob, plain, "bob")
    await reserve(bob, room, alice.jid, "alice-here")

    await h.service.execute(JoinRoom(account=alice.jid, room=room))
    assert (await joined(h, room)).room.nick == "alice-here"
    # A room that keeps no nickname for us: our local part, as before.
    await h.service.execute(JoinRoom(account=alice.jid, room=plain))
    assert (await joined(h, plain)).room.nick == alice.jid.split("@")[0]
