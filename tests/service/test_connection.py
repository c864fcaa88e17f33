"""Connecting: TLS variants, and every error a user must be able to act on."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer, free_ports
from tests.service.harness import account_settings, start_harness
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
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    settings = account_settings(prosody, alice, port=prosody.tls_port, direct_tls=True)
    h = await start_harness(settings, tmp_path)
    try:
        await h.wait_online()
    finally:
        await h.stop()


async def test_wrong_password_asks_again_and_recovers(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    h = await start_harness(account_settings(prosody, alice, password="wrong"), tmp_path)
    try:
        failed = await h.wait_event(AccountFailed)
        assert "rejected the password" in failed.message and alice.jid in failed.message
        needed = await h.wait_event(PasswordNeeded)
        assert needed.reason == "wrong password"
        assert h.service.snapshot(alice.jid).state is ConnectionState.FAILED
        await h.service.execute(ProvidePassword(account=alice.jid, password=alice.password))
        await h.wait_online()
    finally:
        await h.stop()


async def test_no_password_source_prompts(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    settings = replace(account_settings(prosody, alice), password_command=None)
    h = await start_harness(settings, tmp_path)
    try:
        needed = await h.wait_event(PasswordNeeded)
        assert needed.reason == ""
        await h.service.execute(ProvidePassword(account=alice.jid, password=alice.password))
        await h.wait_online()
    finally:
        await h.stop()


async def test_unreachable_server_retries_with_next_attempt_time(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    (closed_port,) = free_ports(1)
    h = await start_harness(account_settings(prosody, alice, port=closed_port), tmp_path)
    try:
        retry = await h.wait_event(
            ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING
        )
        assert f"127.0.0.1:{closed_port}" in retry.detail
        assert "refused" in retry.detail
        assert retry.next_attempt_at is not None
        # it keeps retrying on its own (back-off), never giving up
        await wait_until(
            lambda: (
                len(
                    [
                        e
                        for e in h.of_type(ConnectionChanged)
                        if e.state is ConnectionState.RECONNECTING
                    ]
                )
                >= 2
            )
        )
    finally:
        await h.stop()


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
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    async with silent_server() as port:
        settings = account_settings(prosody, alice, port=port)
        from tests.service.harness import FAST

        h = await start_harness(settings, tmp_path, timing=replace(FAST, connect_timeout=1.0))
        try:
            retry = await h.wait_event(
                ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING, timeout=5
            )
            assert "No answer" in retry.detail
        finally:
            await h.stop()


async def test_untrusted_certificate_shows_fingerprint_then_trust(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    # No ca_file: the self-signed test certificate is not trusted by the system store.
    settings = replace(account_settings(prosody, alice), ca_file=None)
    h = await start_harness(settings, tmp_path)
    try:
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
    finally:
        await h.stop()
    # the decision is remembered for this account
    again = await start_harness(settings, tmp_path)
    try:
        await again.wait_online()
    finally:
        await again.stop()


async def test_resource_conflict_stops_without_ping_pong(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    h = await start_harness(account_settings(prosody, alice, resource="desk"), tmp_path)
    try:
        await h.wait_online()
        # Another client binds the same resource: the server kicks us.
        await peer(alice, resource="desk")
        failed = await h.wait_event(AccountFailed)
        assert "Another client" in failed.message
        assert "/connect" in failed.hint
        # Absence of a reconnect can only be shown by waiting: FAST's first back-off is at
        # most 0.3 s, so a ping-pong would have started within this.
        await asyncio.sleep(1.0)
        assert h.service.snapshot(alice.jid).state is ConnectionState.FAILED
        assert not any(
            e.state is ConnectionState.CONNECTING
            for e in h.events[h.events.index(failed) :]
            if isinstance(e, ConnectionChanged)
        )
        await h.service.execute(Connect(account=alice.jid))
        await wait_until(lambda: h.service.snapshot(alice.jid).state is ConnectionState.ONLINE)
    finally:
        await h.stop()


async def test_message_typed_offline_waits_in_outbox(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    settings = replace(account_settings(prosody, alice), password_command=None)
    h = await start_harness(settings, tmp_path)
    try:
        await h.wait_event(PasswordNeeded)
        await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="queued"))
        [pending] = h.service.history_page(alice.jid, bob.jid)
        assert pending.delivery.value == "pending"
        await h.service.execute(ProvidePassword(account=alice.jid, password=alice.password))
        await bob.wait_body("queued")
    finally:
        await h.stop()


@pytest.mark.parametrize("port_kind", ["starttls", "direct"])
async def test_no_credentials_sent_to_untrusted_server(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path, port_kind: str
) -> None:
    """The certificate probe must stop before SASL: nothing after TLS is written."""
    alice = new_account("alice")
    port = prosody.c2s_port if port_kind == "starttls" else prosody.tls_port
    settings = replace(
        account_settings(prosody, alice, port=port, direct_tls=port_kind == "direct"),
        ca_file=None,
    )
    before = prosody.log_path.read_text(encoding="utf-8", errors="replace")
    h = await start_harness(settings, tmp_path)
    try:
        await h.wait_event(CertificateRejected)
    finally:
        await h.stop()
    after = prosody.log_path.read_text(encoding="utf-8", errors="replace")[len(before) :]
    # Prosody logs every SASL exchange; none may have started for this account.
    assert "<auth" not in after
    assert f"Authenticated as {alice.jid}" not in after


async def test_disconnect_then_connect(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    from xmpp_tui.core.commands import Disconnect

    alice = new_account("alice")
    bob = await peer()
    h = await start_harness(account_settings(prosody, alice), tmp_path)
    try:
        await h.wait_online()
        await h.service.execute(Disconnect(account=alice.jid))
        assert h.service.snapshot(alice.jid).state is ConnectionState.DISCONNECTED
        onlines = len(
            [e for e in h.of_type(ConnectionChanged) if e.state is ConnectionState.ONLINE]
        )
        await h.service.execute(Connect(account=alice.jid))
        await wait_until(
            lambda: (
                len([e for e in h.of_type(ConnectionChanged) if e.state is ConnectionState.ONLINE])
                > onlines
            )
        )
        await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="back"))
        await bob.wait_body("back")
    finally:
        await h.stop()
