"""One account failing never touches another; forged roster pushes change nothing."""

from __future__ import annotations

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import HarnessFactory, account_settings
from xmpp_tui.core.commands import AddContact, SendMessage
from xmpp_tui.core.events import AccountFailed, ConnectionChanged, RosterItemChanged
from xmpp_tui.core.models import ConnectionState


async def test_two_accounts_one_failing(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    good, bad = new_account("good"), new_account("bad")
    bob = await peer()
    good_settings = account_settings(prosody, good)
    bad_settings = account_settings(prosody, bad, password="nope")
    h = await harness(good_settings, accounts=(bad_settings, good_settings), online=False)
    service = h.service
    failed = await h.wait_event(AccountFailed)
    assert failed.account == bad.jid
    await h.wait_event(
        ConnectionChanged, lambda e: e.account == good.jid and e.state is ConnectionState.ONLINE
    )
    await service.execute(SendMessage(account=good.jid, peer=bob.jid, body="still here"))
    await bob.wait_body("still here")
    assert service.snapshot(bad.jid).state is ConnectionState.FAILED
    # history is per account: the failing one has nothing
    assert service.history_page(bad.jid, bob.jid) == []


async def test_forged_roster_push_is_ignored(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    mallory = await peer()
    bob = await peer()
    h = await harness(alice, resource="tui")
    push = mallory.client.Iq()
    push["type"] = "set"
    push["to"] = f"{alice.jid}/tui"
    push["roster"]["items"] = {"evil@localhost": {"name": "Trust me", "subscription": "both"}}
    push.send()
    # positive control: our own roster change arrives as a push and is applied
    await h.service.execute(AddContact(account=alice.jid, jid=bob.jid))
    await h.wait_event(RosterItemChanged, lambda e: e.item.jid == bob.jid)
    await wait_until(lambda: bob.jid in [i.jid for i in h.service.snapshot(alice.jid).roster])
    assert "evil@localhost" not in [i.jid for i in h.service.snapshot(alice.jid).roster]
    assert all(e.item.jid != "evil@localhost" for e in h.of_type(RosterItemChanged))
