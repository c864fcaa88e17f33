"""XEP-0357 push notifications against the real Prosody (mod_cloud_notify) and a real app
server (the XEP-0114 component in tests/push_app_server.py).

A push is what the server sends while nobody is there to receive: our client's link is cut
through the fault proxy (refusing reconnects) so its XEP-0198 session hibernates, or the
service is stopped (an offline message). "No push" is proved by a control: a second account
whose push is on, reached after the first on the same streams, so its notification comes in
after the one the first account would have caused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fault_proxy import FaultProxy
from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.push_app_server import PushAppServer
from tests.service.harness import Harness, HarnessFactory
from xmpp_tui.core.commands import (
    DisablePush,
    Disconnect,
    EnablePush,
    QueryInfo,
    QueryPushStatus,
)
from xmpp_tui.core.events import (
    CommandFailed,
    ConnectionChanged,
    InfoReceived,
    MessageAdded,
    Notice,
    PushStatusReported,
)
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.core.push import PushStatus

pytestmark = pytest.mark.prosody


@pytest.fixture
async def proxy(prosody: ProsodyServer) -> AsyncIterator[FaultProxy]:
    async with FaultProxy("127.0.0.1", prosody.c2s_port, seed=5) as p:
        yield p


@pytest.fixture
async def app_server(prosody: ProsodyServer) -> AsyncIterator[PushAppServer]:
    async with PushAppServer(prosody) as server:
        yield server


async def status(h: Harness) -> PushStatus:
    """Ask for the push state and return the answer."""
    before = len(h.of_type(PushStatusReported))
    await h.service.execute(QueryPushStatus(account=h.account))
    await wait_until(lambda: len(h.of_type(PushStatusReported)) > before)
    return h.of_type(PushStatusReported)[-1].status


async def notice(h: Harness, text: str) -> Notice:
    return await h.wait_event(Notice, lambda e: text in e.text)


async def received(h: Harness, body: str) -> None:
    await h.wait_event(MessageAdded, lambda e: e.message.body == body)
    # The server asks for an ack after every stanza: two round trips later it has ours,
    # so the message is not left unacked in the queue a hibernation would push from.
    before = len(h.of_type(InfoReceived))
    for _ in range(2):  # execute() returns once the server has answered
        await h.service.execute(QueryInfo(account=h.account, jid="localhost"))
    assert len(h.of_type(InfoReceived)) == before + 2


async def hibernate(proxy: FaultProxy, *harnesses: Harness) -> None:
    """Cut every link through ``proxy`` and keep it down: the server hibernates them."""
    proxy.refuse(True)
    proxy.cut()
    for h in harnesses:
        await h.wait_event(ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING)


async def routed(peer: Peer) -> None:
    """The server has routed everything ``peer`` sent so far (it answers in order)."""
    await peer.client.plugin["xep_0199"].ping(timeout=10)


async def test_enable_pushes_while_hibernated_and_offline_never_while_live(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    proxy: FaultProxy,
    app_server: PushAppServer,
    tmp_path: Path,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, port=proxy.port)
    assert (await status(h)) == PushStatus(supported=True)

    await h.service.execute(EnablePush(account=alice.jid, service=app_server.jid))
    await notice(h, f"Push notifications on: {app_server.jid}")
    state = await status(h)
    assert state.enabled and state.service == app_server.jid and not state.from_config
    node = state.node
    assert len(node) >= 20  # generated: opaque and random

    bob.send_chat(alice.jid, "while you look")
    await received(h, "while you look")

    await hibernate(proxy, h)
    bob.send_chat(alice.jid, "while hibernated")
    note = await app_server.wait_for(node, lambda n: n.body == "while hibernated")
    assert note.sender == "localhost"
    assert note.fields["last-message-sender"].startswith(bob.jid)
    # Pushed in order on one stream: the live message would have come first.
    assert [n.body for n in app_server.received if n.body == "while you look"] == []

    # The next start (same store) enables it again, same node, without config.
    await h.stop()
    h2 = await harness(alice, home=tmp_path)
    state = await status(h2)
    assert (state.enabled, state.node, state.error) == (True, node, "")
    # Closed cleanly: a message stored offline is pushed too.
    await h2.stop()
    bob.send_chat(alice.jid, "while closed")
    await app_server.wait_for(node, lambda n: n.body == "while closed")


async def test_disable_stops_pushes_and_is_remembered(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    proxy: FaultProxy,
    app_server: PushAppServer,
    tmp_path: Path,
) -> None:
    alice, carol = new_account("alice"), new_account("carol")
    bob = await peer()
    h = await harness(alice, port=proxy.port, home=tmp_path / "alice")
    control = await harness(carol, port=proxy.port, home=tmp_path / "carol")
    await h.service.execute(EnablePush(account=alice.jid, service=app_server.jid, node="a-1"))
    await control.service.execute(EnablePush(account=carol.jid, service=app_server.jid, node="c-1"))
    await notice(h, "Push notifications on")
    await notice(control, "Push notifications on")

    await h.service.execute(DisablePush(account=alice.jid))
    await notice(h, f"Push notifications off: {app_server.jid} is no longer told")
    state = await status(h)
    assert (state.enabled, state.service) == (False, "")

    await hibernate(proxy, h, control)
    bob.send_chat(alice.jid, "after disable")
    bob.send_chat(carol.jid, "control")
    await app_server.wait_for("c-1", lambda n: n.body == "control")
    assert app_server.for_node("a-1") == []

    # Forgotten: the next start does not enable it again.
    await h.stop()
    h2 = await harness(alice, home=tmp_path / "alice")
    state = await status(h2)
    assert (state.enabled, state.attempted, state.service) == (False, False, "")
    assert not any("Push" in e.text for e in h2.of_type(Notice))


async def test_config_enables_push_at_every_fresh_session(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    proxy: FaultProxy,
    app_server: PushAppServer,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, port=proxy.port, push_service=app_server.jid, push_node="cfg-1")
    state = await status(h)
    assert state == PushStatus(
        supported=True,
        service=app_server.jid,
        node="cfg-1",
        from_config=True,
        enabled=True,
        attempted=True,
    )
    # A different app server than config.toml's is refused: the file wins at every start.
    await h.service.execute(EnablePush(account=alice.jid, service="other.localhost"))
    failed = await h.wait_event(CommandFailed, lambda e: e.command == "EnablePush")
    assert "config.toml sets push_service = push.localhost" in failed.message

    await hibernate(proxy, h)
    bob.send_chat(alice.jid, "configured")
    await app_server.wait_for("cfg-1", lambda n: n.body == "configured")


async def test_refusals_and_missing_support_are_one_line_each(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    harness: HarnessFactory,
    app_server: PushAppServer,
    tmp_path: Path,
) -> None:
    alice = new_account("alice")
    h = await harness(alice, home=tmp_path / "first")
    assert (await status(h)).supported is True
    prosody.admin('module:unload("cloud_notify", "localhost")')
    try:
        # Support was seen on this stream: the server's own refusal is what is reported.
        await h.service.execute(EnablePush(account=alice.jid, service=app_server.jid))
        failed = await h.wait_event(CommandFailed, lambda e: e.command == "EnablePush")
        assert failed.message == (
            "The server refused to turn push notifications on: service-unavailable"
        )
        state = await status(h)
        assert (state.enabled, state.attempted, state.error) == (
            False,
            True,
            "service-unavailable",
        )
        # A fresh session of a configured account: the account no longer offers push.
        configured = await harness(
            alice,
            home=tmp_path / "second",
            resource="second",
            push_service=app_server.jid,
        )
        await notice(configured, "Push notifications are not on: Your server does not offer")
        state = await status(configured)
        assert (state.supported, state.enabled, state.error) == (False, False, "not offered")
        await configured.service.execute(EnablePush(account=alice.jid))
        failed = await configured.wait_event(CommandFailed)
        assert failed.message == "Your server does not offer push notifications (XEP-0357)"
    finally:
        prosody.admin('module:load("cloud_notify", "localhost")')


async def test_commands_need_a_connection_and_something_to_disable(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    await h.service.execute(DisablePush(account=alice.jid))
    failed = await h.wait_event(CommandFailed, lambda e: e.command == "DisablePush")
    assert failed.message == "Push notifications are not on"
    await h.service.execute(EnablePush(account=alice.jid))
    failed = await h.wait_event(CommandFailed, lambda e: e.command == "EnablePush")
    assert failed.message == "No app server is set up for push notifications"
    await h.service.execute(Disconnect(account=alice.jid))
    await h.service.execute(EnablePush(account=alice.jid, service="push.localhost"))
    failed = await h.wait_event(CommandFailed, lambda e: "not connected" in e.message)
    assert failed.message == f"{alice.jid} is not connected"


async def test_a_registration_config_no_longer_asks_for_is_removed_at_the_next_start(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    app_server: PushAppServer,
    tmp_path: Path,
) -> None:
    """The server keeps a registration after the stream ends (mod_cloud_notify stores it):
    when config.toml stops naming the app server, the next start disables it there, so the
    phone stops hearing about messages; a control account shows the pushes still flow."""
    alice, carol = new_account("alice"), new_account("carol")
    bob = await peer()
    h = await harness(alice, home=tmp_path / "alice", push_service=app_server.jid, push_node="a-1")
    assert (await status(h)).enabled
    await h.stop()
    h2 = await harness(alice, home=tmp_path / "alice")  # push_service removed from config
    state = await status(h2)
    assert (state.enabled, state.service) == (False, "")
    await h2.stop()
    control = await harness(carol, home=tmp_path / "carol")
    await control.service.execute(EnablePush(account=carol.jid, service=app_server.jid, node="c-1"))
    await notice(control, "Push notifications on")
    await control.stop()
    bob.send_chat(alice.jid, "offline for alice")
    await routed(bob)
    bob.send_chat(carol.jid, "offline for carol")
    await app_server.wait_for("c-1", lambda n: n.body == "offline for carol")
    assert app_server.for_node("a-1") == []
