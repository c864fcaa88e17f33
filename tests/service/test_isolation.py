"""One account failing never touches another; forged roster pushes change nothing."""

from __future__ import annotations

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import HarnessFactory, account_settings
from xmpp_tui.core.commands import AddContact, SendMessage
from xmpp_tui.core.events import AccountFailed, ConnectionChanged, MessageAdded, RosterItemChanged
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


async def test_three_accounts_each_see_only_their_own_while_one_fails(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    """Three accounts in one service, one with a wrong password: the other two chat with the
    same peer, and each message lands in its own account only (history, unread, events)."""
    alice, carol, bad = new_account("alice"), new_account("carol"), new_account("bad")
    bob = await peer()
    settings = [
        account_settings(prosody, alice),
        account_settings(prosody, bad, password="nope"),
        account_settings(prosody, carol),
    ]
    h = await harness(settings[0], accounts=settings, online=False)
    service = h.service
    await wait_until(
        lambda: all(
            service.snapshot(jid).state is ConnectionState.ONLINE for jid in (alice.jid, carol.jid)
        ),
        timeout=15,
    )
    failed = await h.wait_event(AccountFailed)
    assert failed.account == bad.jid

    bob.send_chat(carol.jid, "only for carol")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "only for carol")
    await service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="from alice"))
    received = await bob.wait_body("from alice")
    assert received["from"].bare == alice.jid
    bob.send_chat(alice.jid, "only for alice")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "only for alice")

    # The same peer in two accounts: two conversations, never mixed.
    assert [m.body for m in service.history_page(carol.jid, bob.jid)] == ["only for carol"]
    assert [m.body for m in service.history_page(alice.jid, bob.jid)] == [
        "from alice",
        "only for alice",
    ]
    assert service.unread_counts(alice.jid) == {bob.jid: 1}
    assert service.unread_counts(carol.jid) == {bob.jid: 1}
    assert service.unread_counts(bad.jid) == {}
    owners = {e.message.body: e.account for e in h.of_type(MessageAdded)}
    assert owners == {
        "only for carol": carol.jid,
        "from alice": alice.jid,
        "only for alice": alice.jid,
    }
    assert service.snapshot(bad.jid).state is ConnectionState.FAILED


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
