"""XEP-0030 / XEP-0092: what a server or a contact's device is and speaks."""

from __future__ import annotations

from tests.peer import AccountFactory, PeerFactory
from tests.service.harness import HarnessFactory
from xmpp_tui.core.commands import QueryInfo
from xmpp_tui.core.events import CommandFailed, InfoReceived


async def test_info_for_the_server_and_a_device(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer(alice, resource="phone")  # our own other device answers us
    h = await harness(alice)

    await h.service.execute(QueryInfo(account=alice.jid, jid="localhost"))
    server = await h.wait_event(InfoReceived, lambda e: e.jid == "localhost")
    assert ("server", "im", "Prosody") in server.identities
    assert "urn:xmpp:blocking" in server.features
    assert server.software.startswith("Prosody")

    await h.service.execute(QueryInfo(account=alice.jid, jid=bob.full_jid))
    device = await h.wait_event(InfoReceived, lambda e: e.jid == bob.full_jid)
    assert "urn:xmpp:receipts" in device.features

    await h.service.execute(QueryInfo(account=alice.jid, jid="nobody@localhost/none"))
    failed = await h.wait_event(CommandFailed)
    assert "nobody@localhost/none" in failed.message
