"""/push in the app against the real Prosody (mod_cloud_notify): enable, then status."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peer import AccountFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.push_app_server import PushAppServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import console_lines, submit, wait_online
from xmpp_tui.ui.app import make_app

pytestmark = pytest.mark.prosody
SIZE = (80, 24)


async def test_push_enable_then_status_in_the_console(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    app = make_app(service, cursor_blink=False)
    async with PushAppServer(prosody) as app_server, app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, "/push")
        await wait_until(lambda: "  server support: yes" in console_lines(app))
        assert console_lines(app)[-2:] == [
            "  app server: none (/push enable APP_SERVER_JID)",
            "  state: off",
        ]

        await submit(pilot, app, f"/push enable {app_server.jid} tui-node")
        await wait_until(
            lambda: any(
                f"Push notifications on: {app_server.jid}" in ln for ln in console_lines(app)
            )
        )
        # Typed in a chat pane, the answer comes to the front in the console.
        await submit(pilot, app, "/msg bob@localhost")
        assert app.main.deck.active_pane() is not None
        await submit(pilot, app, "/push status")
        await wait_until(lambda: "  last enable: succeeded" in console_lines(app))
        await wait_until(lambda: app.main.deck.active_pane() is None)
        block = console_lines(app)[-6:]
        assert block[0].endswith(f"{alice.jid}: push notifications (XEP-0357)")
        assert block[1:] == [
            "  server support: yes",
            f"  app server: {app_server.jid} (from /push enable)",
            "  node: tui-node",
            "  state: on",
            "  last enable: succeeded",
        ]

        await submit(pilot, app, "/push enable")  # no JID: the one set up before
        await wait_until(
            lambda: sum("Push notifications on" in ln for ln in console_lines(app)) == 2
        )
        await submit(pilot, app, "/push enable bogus")
        await wait_until(lambda: "bogus is not an app server's address" in console_lines(app)[-1])
