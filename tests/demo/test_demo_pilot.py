"""The app in demo mode at 80x24, driven by the pilot: both demo accounts online, Bob online
in the roster, the bookmarked room joined under each account, and Bob answering a line typed
in his pane."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peer import wait_until
from tests.service.harness import build_test_service
from tests.ui.pilot_helpers import active_pane, console_lines, submit, wait_online
from xmpp_tui.core.models import Show
from xmpp_tui.demo.world import DemoWorld
from xmpp_tui.ui.app import make_app
from xmpp_tui.ui.view_state import ChatKey

pytestmark = pytest.mark.prosody
SIZE = (80, 24)
TIMEOUT = 15.0
YOU = "you@localhost"
BOB = "bob@localhost"


async def test_demo_app_at_80x24(demo_world: DemoWorld, tmp_path: Path) -> None:
    service = build_test_service(
        demo_world.account_settings(), tmp_path, passwords=demo_world.passwords
    )
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        roster = app.main.roster_view
        await wait_until(
            lambda: any(
                row.account == YOU and row.jid == BOB and row.show is not Show.OFFLINE
                for row in roster.contacts
            ),
            timeout=TIMEOUT,
            message=f"Bob not online; console: {console_lines(app)[-4:]}",
        )
        await wait_until(
            lambda: (
                {row.account for row in roster.rooms if row.jid == demo_world.room and row.joined}
                == set(demo_world.client_jids)
            ),
            timeout=TIMEOUT,
            message=f"room not joined by both; rooms: {roster.rooms}",
        )
        await submit(pilot, app, f"/msg {BOB}")
        assert app.main.deck.active_chat == ChatKey(YOU, BOB)
        history = active_pane(app).history
        await wait_until(
            lambda: any("I'm Bob, the demo bot" in row for row in history.rendered_rows()),
            timeout=TIMEOUT,
            message=f"no greeting; rows: {history.rendered_rows()[-3:]}",
        )
        await submit(pilot, app, "hello")
        await wait_until(
            lambda: any("Nice to meet you" in row for row in history.rendered_rows()),
            timeout=TIMEOUT,
            message=f"no answer; rows: {history.rendered_rows()[-3:]}",
        )
