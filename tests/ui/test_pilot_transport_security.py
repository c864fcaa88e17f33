"""The UI says how a login is protected: "verified by certificate only (no channel binding)"
on TLS 1.3 (Python has no tls-exporter), "channel binding" when SCRAM-*-PLUS logged in; and a
stripped STARTTLS gives one clear line, not a "wrong password" (S-TLS-2, T12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peer import AccountFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.tls_mitm import TlsMitm
from tests.ui.pilot_helpers import console_lines, inject, wait_online
from xmpp_tui.core.events import ConnectionSecured
from xmpp_tui.core.transport_security import TransportSecurity
from xmpp_tui.settings import AccountSettings
from xmpp_tui.ui.app import XmppTuiApp, make_app

pytestmark = pytest.mark.prosody
SIZE = (100, 30)


def _app(account: AccountSettings, home: Path) -> XmppTuiApp:
    return make_app(build_test_service((account,), home), cursor_blink=False)


async def test_login_line_says_certificate_only_on_tls13(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    app = _app(account_settings(prosody, alice), tmp_path)
    async with app.run_test(size=SIZE):
        await wait_online(app)
        await wait_until(
            lambda: any("channel binding" in line for line in console_lines(app)),
            message=f"no security line; console: {console_lines(app)[-5:]}",
        )
        [line] = [line for line in console_lines(app) if "channel binding" in line]
        assert f" {alice.jid}: TLSv1.3, SCRAM-" in line  # after the time
        assert line.endswith("verified by certificate only (no channel binding)")


async def test_channel_binding_and_pinned_lines(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    app = _app(account_settings(prosody, alice), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        bound = TransportSecurity(tls_version="TLSv1.2", mechanism="SCRAM-SHA-256-PLUS")
        inject(app, ConnectionSecured(account=alice.jid, security=bound))
        pinned = TransportSecurity(tls_version="TLSv1.3", mechanism="SCRAM-SHA-1", pinned=True)
        inject(app, ConnectionSecured(account=alice.jid, security=pinned))
        await pilot.pause()
        lines = [line.split(" ", 1)[1] for line in console_lines(app)]  # without the time
        assert (
            f"{alice.jid}: TLSv1.2, SCRAM-SHA-256-PLUS: channel binding "
            "(the login is bound to this TLS connection)"
        ) in lines
        assert (
            f"{alice.jid}: TLSv1.3, SCRAM-SHA-1: verified by the certificate you trusted only "
            "(no channel binding)"
        ) in lines


async def test_stripped_starttls_shows_one_clear_line(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    async with TlsMitm(
        mode="stripped",
        certfile=prosody.cafile,
        keyfile=prosody.keyfile,
        upstream_port=prosody.tls_port,
        upstream_ca=prosody.cafile,
    ) as server:
        app = _app(account_settings(prosody, alice, port=server.port), tmp_path)
        async with app.run_test(size=SIZE):
            await wait_until(
                lambda: any("offered no TLS" in line for line in console_lines(app)),
                message=f"no error line; console: {console_lines(app)[-5:]}",
            )
            lines = [line for line in console_lines(app) if alice.jid in line]
            assert not any("password" in line.lower() for line in lines), lines
            assert not any("channel binding" in line for line in lines)
    assert b"<auth" not in server.wire
