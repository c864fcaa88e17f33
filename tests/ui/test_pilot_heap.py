"""The heap is settled once, after the first account is online (ui/heap.py, #8): one full
collection, then what start-up left is frozen out of the collector's later full passes."""

from __future__ import annotations

import gc
from pathlib import Path

from tests.peer import wait_until
from tests.ui.pilot_helpers import inject
from tests.ui.support import ALICE, offline_app
from xmpp_tui.core.events import ConnectionChanged
from xmpp_tui.core.models import ConnectionState


async def test_the_heap_is_frozen_once_the_first_account_is_online(tmp_path: Path) -> None:
    gc.unfreeze()
    app = offline_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() == 0  # start-up alone: nothing frozen yet
        inject(app, ConnectionChanged(account=ALICE, state=ConnectionState.CONNECTING))
        await pilot.pause()
        assert gc.get_freeze_count() == 0  # not online yet
        inject(app, ConnectionChanged(account=ALICE, state=ConnectionState.ONLINE))
        await wait_until(lambda: gc.get_freeze_count() > 0, message="the heap was not frozen")
        assert app.main.status_bar.plain  # the app runs on
        gc.unfreeze()
        # Online again (a reconnect): settled once per process run, not on every login.
        inject(app, ConnectionChanged(account=ALICE, state=ConnectionState.DISCONNECTED))
        inject(app, ConnectionChanged(account=ALICE, state=ConnectionState.ONLINE))
        await pilot.pause()
        await pilot.pause()
        assert gc.get_freeze_count() == 0
