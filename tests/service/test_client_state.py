"""XEP-0352 in the service: the wish survives a reconnect, and Prosody's csi_simple shows the
server got it (a contact's presence update is held while inactive)."""

from __future__ import annotations

import asyncio

from tests.peer import AccountFactory, PeerFactory
from tests.service.harness import Harness, HarnessFactory
from xmpp_tui.core.commands import AddContact, Connect, Disconnect, SetClientState
from xmpp_tui.core.events import ClientStateChanged, ConnectionChanged, PresenceChanged
from xmpp_tui.core.models import ConnectionState, Show

#: How long an unheld presence would take at most to arrive (loopback: milliseconds).
DELIVERY_WINDOW = 1.0


def _states(h: Harness) -> list[bool]:
    return [e.active for e in h.of_type(ClientStateChanged)]


def _shows(h: Harness, jid: str) -> list[Show]:
    return [e.presence.show for e in h.of_type(PresenceChanged) if e.presence.jid == jid]


async def test_inactive_wished_while_offline_goes_out_on_the_fresh_session(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer(auto_authorize=True)
    h = await harness(alice)
    await h.service.execute(AddContact(account=alice.jid, jid=bob.jid))
    await h.wait_event(PresenceChanged, lambda e: e.presence.jid == bob.jid)
    # already active on a fresh stream: nothing to send
    await h.service.execute(SetClientState(account=alice.jid, active=True))

    await h.service.execute(Disconnect(account=alice.jid))
    await h.wait_event(ConnectionChanged, lambda e: e.state is ConnectionState.DISCONNECTED)
    await h.service.execute(SetClientState(account=alice.jid, active=False))
    assert _states(h) == []  # offline: only remembered
    await h.service.execute(Connect(account=alice.jid))
    await h.wait_event(ClientStateChanged)
    assert h.count(ConnectionState.ONLINE) == 2
    assert _states(h) == [False]

    before = len(_shows(h, bob.jid))
    bob.client.send_presence(pshow="away", pstatus="held back")
    # Once bob's ping is answered, the server has routed his presence: sent on or held.
    await bob.client.plugin["xep_0199"].ping(timeout=10)
    await asyncio.sleep(DELIVERY_WINDOW)
    assert Show.AWAY not in _shows(h, bob.jid)[before:]

    await h.service.execute(SetClientState(account=alice.jid, active=True))
    await h.wait_event(PresenceChanged, lambda e: e.presence.show is Show.AWAY)
    assert _states(h) == [False, True]


async def test_a_fresh_session_reports_the_active_state_it_starts_in(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    """The status bar's "inactive" must not outlive the stream that was told so."""
    alice = new_account("alice")
    h = await harness(alice)
    await h.service.execute(SetClientState(account=alice.jid, active=False))
    await h.wait_event(ClientStateChanged)
    await h.service.execute(Disconnect(account=alice.jid))
    await h.wait_event(ConnectionChanged, lambda e: e.state is ConnectionState.DISCONNECTED)
    await h.service.execute(SetClientState(account=alice.jid, active=True))
    await h.service.execute(Connect(account=alice.jid))
    await h.wait_event(ClientStateChanged, lambda e: e.active)
    assert _states(h) == [False, True]
