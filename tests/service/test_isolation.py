"""One account failing never touches another; forged roster pushes change nothing."""

from __future__ import annotations

from pathlib import Path

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import FAST, Harness, account_settings
from xmpp_tui.core.commands import AddContact, SendMessage
from xmpp_tui.core.events import AccountFailed, ConnectionChanged, RosterItemChanged
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.service.factory import build_service
from xmpp_tui.settings import Settings


async def test_two_accounts_one_failing(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    good, bad = new_account("good"), new_account("bad")
    bob = await peer()
    service = build_service(
        Settings(
            accounts=(
                account_settings(prosody, bad, password="nope"),
                account_settings(prosody, good),
            )
        ),
        home=tmp_path,
        passwords=PasswordSource(use_keyring=False),
        timing=FAST,
    )
    h = Harness(service=service, account=good.jid)
    service.subscribe(h.events.append)
    await service.start()
    try:
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
    finally:
        await service.stop()


async def test_forged_roster_push_is_ignored(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    from tests.service.harness import start_harness

    alice = new_account("alice")
    mallory = await peer()
    bob = await peer()
    h = await start_harness(account_settings(prosody, alice, resource="tui"), tmp_path)
    try:
        await h.wait_online()
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
    finally:
        await h.stop()
