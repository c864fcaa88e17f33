"""RFC 6121 roster and presence against the real server, with real peers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.service.harness import HarnessFactory
from xmpp_tui.core.commands import (
    AddContact,
    ApproveSubscription,
    DenySubscription,
    RemoveContact,
    RenameContact,
    RequestSubscription,
    SetGroups,
    SetPresence,
    Unsubscribe,
)
from xmpp_tui.core.events import (
    CommandFailed,
    PresenceChanged,
    RosterItemChanged,
    RosterItemRemoved,
    SubscriptionAnswered,
    SubscriptionRequested,
)
from xmpp_tui.core.models import Show, Subscription


async def test_add_contact_subscription_completes_both_ways(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer(auto_authorize=None)
    h = await harness(alice)
    request = bob.expect("presence_subscribe")
    await h.service.execute(
        AddContact(account=alice.jid, jid=bob.jid, name="Bob", groups=("Friends",))
    )
    await bob.wait_future(request)
    bob.client.send_presence(pto=alice.jid, ptype="subscribed")
    await h.wait_event(SubscriptionAnswered, lambda e: e.jid == bob.jid and e.approved)
    # bob asks back; alice pre-approved when adding, so the server approves at once
    bob.client.send_presence(pto=alice.jid, ptype="subscribe")
    await h.wait_event(
        RosterItemChanged,
        lambda e: e.item.jid == bob.jid and e.item.subscription is Subscription.BOTH,
    )
    item = next(i for i in h.service.snapshot(alice.jid).roster if i.jid == bob.jid)
    assert (item.name, item.groups) == ("Bob", ("Friends",))
    # bob's presence per resource reaches alice
    bob.client.send_presence(pshow="away", pstatus="lunch")
    seen = await h.wait_event(
        PresenceChanged, lambda e: e.presence.jid == bob.jid and e.presence.show is Show.AWAY
    )
    best = seen.presence.best
    assert best is not None and (best.resource, best.status) == ("peer", "lunch")


async def test_rename_group_remove(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    await h.service.execute(AddContact(account=alice.jid, jid=bob.jid))
    await h.wait_event(RosterItemChanged, lambda e: e.item.jid == bob.jid)
    await h.service.execute(RenameContact(account=alice.jid, jid=bob.jid, name="Robert B"))
    await h.wait_event(RosterItemChanged, lambda e: e.item.name == "Robert B")
    await h.service.execute(SetGroups(account=alice.jid, jid=bob.jid, groups=("Work", "Ops")))
    changed = await h.wait_event(RosterItemChanged, lambda e: e.item.groups == ("Ops", "Work"))
    assert changed.item.name == "Robert B"
    await h.service.execute(RemoveContact(account=alice.jid, jid=bob.jid))
    await h.wait_event(RosterItemRemoved, lambda e: e.jid == bob.jid)
    assert all(i.jid != bob.jid for i in h.service.snapshot(alice.jid).roster)


async def test_incoming_request_approve_and_revoke(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer(auto_authorize=None)
    h = await harness(alice)
    approved = bob.expect("presence_subscribed")
    bob.client.register_plugin("xep_0172")  # user nickname in the request
    bob.client.send_presence_subscription(pto=alice.jid, ptype="subscribe", pnick="Bobby")
    request = await h.wait_event(SubscriptionRequested, lambda e: e.jid == bob.jid)
    assert request.nick == "Bobby"
    await h.service.execute(ApproveSubscription(account=alice.jid, jid=bob.jid))
    await bob.wait_future(approved)
    # bob now sees alice's presence, including a status change
    status = bob.expect("changed_status")
    await h.service.execute(SetPresence(account=alice.jid, show=Show.DND, status="busy"))
    pres = await bob.wait_future(status)
    assert (pres["show"], pres["status"]) == ("dnd", "busy")
    revoked = bob.expect("presence_unsubscribed")
    await h.service.execute(DenySubscription(account=alice.jid, jid=bob.jid))
    await bob.wait_future(revoked)
    # alice asks for bob's presence, bob agrees, alice later stops it
    asked = bob.expect("presence_subscribe")
    await h.service.execute(RequestSubscription(account=alice.jid, jid=bob.jid))
    await bob.wait_future(asked)
    bob.client.send_presence(pto=alice.jid, ptype="subscribed")
    await h.wait_event(SubscriptionAnswered, lambda e: e.jid == bob.jid and e.approved)
    unsub = bob.expect("presence_unsubscribe")
    await h.service.execute(Unsubscribe(account=alice.jid, jid=bob.jid))
    await bob.wait_future(unsub)


async def test_roster_versioning_keeps_cached_items(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, tmp_path: Path
) -> None:
    from xmpp_tui.store import Store

    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    await h.service.execute(AddContact(account=alice.jid, jid=bob.jid, name="Bob"))
    await h.wait_event(RosterItemChanged, lambda e: e.item.jid == bob.jid)
    await h.stop()
    store = Store.open(tmp_path / "history.sqlite3")
    version, _items = store.roster.load(alice.jid)
    store.close()
    assert version  # the server offers versioning and we kept its version
    for _login in range(2):  # the "unchanged" answer must not lose the version
        again = await harness(alice, online=False)
        # Cached roster is shown before the connection is even up.
        assert [i.jid for i in again.service.snapshot(alice.jid).roster] == [bob.jid]
        await again.wait_online()
        assert [i.name for i in again.service.snapshot(alice.jid).roster] == ["Bob"]
        await again.stop()
        store = Store.open(tmp_path / "history.sqlite3")
        assert store.roster.load(alice.jid)[0], "the roster version was lost"
        store.close()


@pytest.mark.parametrize("bad", ["bob@@example.org", "@example.org", "bob@", "a b@example.org"])
async def test_malformed_jid_is_a_clear_command_error(
    new_account: AccountFactory, harness: HarnessFactory, bad: str
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    await h.service.execute(AddContact(account=alice.jid, jid=bad))
    failed = await h.wait_event(CommandFailed)
    assert bad in failed.message and "\n" not in failed.message
    assert failed.hint
    await wait_until(lambda: h.service.snapshot(alice.jid).roster == ())
