"""Issue #6 item 6: xmpp-tui started for an account another xmpp-tui already runs says so
in one line instead of fighting over the connection; /connect tries again."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest

from tests.lock_holder import hold_lock_async
from tests.peer import AccountFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import console_lines, submit, wait_online
from xmpp_tui.ui.app import make_app

pytestmark = pytest.mark.prosody


async def test_account_open_elsewhere_is_one_clear_line_then_connect(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    other = await hold_lock_async(tmp_path, alice.jid)  # the xmpp-tui already running
    try:
        service = build_test_service((account_settings(prosody, alice),), tmp_path)
        app = make_app(service, cursor_blink=False)
        expected = (
            f"{alice.jid} is already open in another xmpp-tui "
            f"(pid {other.pid} on {socket.gethostname()}); close it there first"
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(
                lambda: any(expected in line for line in console_lines(app)),
                message=f"console: {console_lines(app)[-4:]}",
            )
            assert sum(expected in line for line in console_lines(app)) == 1
            assert "/connect" in next(line for line in console_lines(app) if expected in line)
            assert "failed" in app.main.status_bar.plain
            other.send_signal(signal.SIGKILL)  # closed there (or crashed: same thing)
            await other.wait()
            await submit(pilot, app, "/connect")
            await wait_online(app)
    finally:
        if other.returncode is None:
            other.kill()
            await other.wait()
