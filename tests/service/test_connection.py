"""Connecting: TLS variants, and every error a user must be able to act on."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer, free_ports
from tests.service.harness import FAST, HarnessFactory, account_settings
from xmpp_tui.core.commands import Connect, ProvidePassword, SendMessage, TrustCertificate
from xmpp_tui.core.events import (
    AccountFailed,
    CertificateRejected,
    ConnectionChanged,
    PasswordNeeded,
)
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.xmpp.certificates import fingerprint_sha256


async def test_direct_tls(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    await harness(alice, port=prosody.tls_port, direct_tls=True)  # waits until online


async def test_wrong_password_asks_again_and_recovers(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(account_settings(prosody, alice, password="wrong"), online=False)
    failed = await h.wait_event(AccountFailed)
    assert "rejected the password" in failed.message and alice.jid in failed.message
    needed = await h.wait_event(PasswordNeeded)
    assert needed.reason == "wrong password"
    assert h.service.snapshot(alice.jid).state is ConnectionState.FAILED
    await h.service.execute(ProvidePassword(account=alice.jid, password=alice.password))
    await h.wait_online()


async def test_no_password_source_prompts(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice, password_command=None, online=False)
    needed = await h.wait_event(PasswordNeeded)
    assert needed.reason == ""
    await h.service.execute(ProvidePassword(account=alice.jid, password=alice.password))
    await h.wait_online()


async def test_unreachable_server_retries_with_next_attempt_time(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    (closed_port,) = free_ports(1)
    h = await harness(alice, port=closed_port, online=False)
    retry = await h.wait_event(ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING)
    assert f"127.0.0.1:{closed_port}" in retry.detail
    assert "refused" in retry.detail
    assert retry.next_attempt_at is not None
    # it keeps retrying on its own (back-off), never giving up
    await wait_until(lambda: h.count(ConnectionState.RECONNECTING) >= 2)


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """Accepts TCP connections and never says a word (a frozen server)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_frozen_server_hits_the_watchdog(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    async with silent_server() as port:
        h = await harness(alice, port=port, timing=replace(FAST, connect_timeout=1.0), online=False)
        retry = await h.wait_event(
            ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING, timeout=5
        )
        assert "No answer" in retry.detail
        await h.stop()  # before the silent server goes away


async def test_untrusted_certificate_shows_fingerprint_then_trust(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    # No ca_file: the self-signed test certificate is not trusted by the system store.
    h = await harness(alice, ca_file=None, online=False)
    rejected = await h.wait_event(CertificateRejected)
    expected = fingerprint_sha256(
        ssl.PEM_cert_to_DER_cert(prosody.cafile.read_text(encoding="ascii"))
    )
    assert rejected.certificate.sha256 == expected
    assert "localhost" in rejected.certificate.subject
    assert "self" in rejected.certificate.reason.lower()
    assert h.of_type(AccountFailed) == []  # one report: the certificate event
    assert h.service.snapshot(alice.jid).state is ConnectionState.FAILED
    # a fingerprint other than the presented one is refused
    await h.service.execute(TrustCertificate(account=alice.jid, sha256="AB:" * 31 + "AB"))
    assert h.service.snapshot(alice.jid).state is ConnectionState.FAILED
    await h.service.execute(TrustCertificate(account=alice.jid, sha256=expected))
    await h.wait_online()
    await h.stop()
    # the decision is remembered for this account: the restart comes online untouched
    await harness(alice, ca_file=None)


async def test_resource_conflict_stops_without_ping_pong(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice, resource="desk")
    attempts = h.count(ConnectionState.CONNECTING)
    # Another client binds the same resource: the server kicks us (<conflict/>).
    other = await peer(alice, resource="desk")
    failed = await h.wait_event(AccountFailed)
    assert failed.message.startswith("Another client logged in with the same resource")
    assert f"{alice.jid}/desk" in failed.message
    assert "/connect" in failed.hint
    assert h.service.snapshot(alice.jid).state is ConnectionState.FAILED
    # Absence of a reconnect can only be shown by waiting. FAST retries within 0.3 s and
    # allows 6 attempts in 2 s: a ping-pong would have made several in this time.
    await asyncio.sleep(3.0)
    assert h.count(ConnectionState.CONNECTING) == attempts  # not one attempt
    assert h.service.snapshot(alice.jid).state is ConnectionState.FAILED
    assert other.client.is_connected()  # so the other client was never kicked back
    # Only the user takes the resource back: one attempt.
    await h.service.execute(Connect(account=alice.jid))
    await wait_until(lambda: h.service.snapshot(alice.jid).state is ConnectionState.ONLINE)
    assert h.count(ConnectionState.CONNECTING) == attempts + 1


async def test_message_typed_offline_waits_in_outbox(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice, password_command=None, online=False)
    await h.wait_event(PasswordNeeded)
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="queued"))
    [pending] = h.service.history_page(alice.jid, bob.jid)
    assert pending.delivery.value == "pending"
    await h.service.execute(ProvidePassword(account=alice.jid, password=alice.password))
    await bob.wait_body("queued")


@pytest.mark.parametrize("port_kind", ["starttls", "direct"])
async def test_no_credentials_sent_to_untrusted_server(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory, port_kind: str
) -> None:
    """The certificate probe must stop before SASL: nothing after TLS is written."""
    alice = new_account("alice")
    port = prosody.c2s_port if port_kind == "starttls" else prosody.tls_port
    before = prosody.log_path.read_text(encoding="utf-8", errors="replace")
    h = await harness(
        alice, port=port, direct_tls=port_kind == "direct", ca_file=None, online=False
    )
    await h.wait_event(CertificateRejected)
    await h.stop()
    after = prosody.log_path.read_text(encoding="utf-8", errors="replace")[len(before) :]
    # Prosody logs every SASL exchange; none may have started for this account.
    assert "<auth" not in after
    assert f"Authenticated as {alice.jid}" not in after


async def test_disconnect_then_connect(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    from xmpp_tui.core.commands import Disconnect

    alice = new_account("alice")
    bob = await peer()
    h = await harness(alice)
    await h.service.execute(Disconnect(account=alice.jid))
    assert h.service.snapshot(alice.jid).state is ConnectionState.DISCONNECTED
    onlines = h.count(ConnectionState.ONLINE)
    await h.service.execute(Connect(account=alice.jid))
    await wait_until(lambda: h.count(ConnectionState.ONLINE) > onlines)
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="back"))
    await bob.wait_body("back")
