"""XEP-0085 chat states with a real peer: seen both ways, sent only when it makes sense."""

from __future__ import annotations

from dataclasses import replace

from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import HarnessFactory, account_settings
from xmpp_tui.core.commands import SendChatState, SendMessage
from xmpp_tui.core.events import ChatStateChanged
from xmpp_tui.core.models import ChatState


async def _peer_with_states(peer: PeerFactory) -> tuple[Peer, list[str]]:
    """A peer whose client speaks XEP-0085, and the states it receives, in order."""
    bob = await peer()
    bob.client.register_plugin("xep_0085")
    states: list[str] = []
    bob.client.add_event_handler("chatstate", lambda msg: states.append(str(msg["chat_state"])))
    return bob, states


async def test_states_both_ways(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob, states = await _peer_with_states(peer)
    h = await harness(alice)

    # Before bob shows support, nothing standalone is sent; a message says "active".
    await h.service.execute(
        SendChatState(account=alice.jid, peer=bob.jid, state=ChatState.COMPOSING)
    )
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="hi"))
    await bob.wait_body("hi")
    assert states == ["active"]

    # bob types: alice sees it, and now knows bob's client understands states
    typing = bob.client.make_message(mto=f"{alice.jid}/tui", mtype="chat")
    typing["chat_state"] = "composing"
    typing.send()
    seen = await h.wait_event(ChatStateChanged, lambda e: e.peer == bob.jid)
    assert seen.state is ChatState.COMPOSING

    await h.service.execute(
        SendChatState(account=alice.jid, peer=bob.jid, state=ChatState.COMPOSING)
    )
    await h.service.execute(
        SendChatState(account=alice.jid, peer=bob.jid, state=ChatState.COMPOSING)
    )
    await h.service.execute(SendChatState(account=alice.jid, peer=bob.jid, state=ChatState.PAUSED))
    await wait_until(lambda: states == ["active", "composing", "paused"])


async def test_sending_states_can_be_switched_off(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob, states = await _peer_with_states(peer)
    h = await harness(replace(account_settings(prosody, alice), send_chat_states=False))
    typing = bob.client.make_message(mto=f"{alice.jid}/tui", mtype="chat")
    typing["chat_state"] = "composing"
    typing.send()
    await h.wait_event(ChatStateChanged, lambda e: e.peer == bob.jid)  # still shown to us
    await h.service.execute(
        SendChatState(account=alice.jid, peer=bob.jid, state=ChatState.COMPOSING)
    )
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="plain"))
    await bob.wait_body("plain")
    assert "composing" not in states
