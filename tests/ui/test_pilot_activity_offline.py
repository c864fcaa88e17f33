"""The activity view over a seeded store, offline: what was unread before this run is listed
with its stored time, and the view fits 80x24."""

from __future__ import annotations

from pathlib import Path

from tests.peer import wait_until
from tests.ui.pilot_helpers import submit
from tests.ui.support import ALICE, BOB, CAROL, offline_app
from xmpp_tui.ui.screens.activity_view import ActivityScreen
from xmpp_tui.ui.view_state import ChatKey

SIZE = (80, 24)


async def test_activity_lists_what_was_unread_before_with_its_stored_time(
    tmp_path: Path,
) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/activity")
        await wait_until(lambda: isinstance(app.screen, ActivityScreen))
        view = app.screen
        assert isinstance(view, ActivityScreen)
        # Carol's "ping" (12:05) is newer than Bob's last unread line (12:03).
        assert view.keys == [ChatKey(ALICE, CAROL), ChatKey(ALICE, BOB)]
        assert view.lines[0] == f"   12:05   1  {CAROL}"  # one account: no account column
        box = view.query_one("Vertical")
        assert box.region.right <= SIZE[0] and box.region.bottom <= SIZE[1]
        await pilot.press("down", "enter")
        await wait_until(lambda: app.main.deck.active_chat == ChatKey(ALICE, BOB))
        await wait_until(
            lambda: [e.key for e in app.main.activity.entries()] == [ChatKey(ALICE, CAROL)]
        )


async def test_alt_a_with_nothing_unread_says_so(tmp_path: Path) -> None:
    app = offline_app(tmp_path, seed=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+a")
        await pilot.pause()
        assert app.main.deck.active_chat is None
        assert any(
            n.message == "No other conversation has unread messages" for n in app._notifications
        )
