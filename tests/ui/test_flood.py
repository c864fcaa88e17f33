"""Floods from strangers keep the app responsive (issue #7 item 5, SECURITY.md L-2, L-5).

The headless app (real service, real screen) against the real Prosody; an XEP-0114 component
(tests/flood.py) sends from 1,000 JIDs that are in nobody's roster. Measured inside the app:
event-loop lag (p99 target 100 ms), alerts (the notifier's limit: 5 a minute), RSS growth.
The figures are printed (``-s``) and recorded in benchmarks/README.md (benchmarks/flood.py).

The test floods 2,000 messages in 12 s (the L-2 rate, 10,000 a minute, for a fifth of the
time) to stay within a CI minute; benchmarks/flood.py runs the full 10,000 in 60 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flood import LoadGen, run_flood
from tests.peer import AccountFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import wait_online
from xmpp_tui.core.events import ChatStateChanged, Event, MessageAdded, PresenceChanged
from xmpp_tui.core.models import Direction
from xmpp_tui.ui.app import make_app
from xmpp_tui.ui.notifier import PER_MINUTE

pytestmark = pytest.mark.prosody
SIZE = (100, 30)

#: Bounds: the target is p99 < 100 ms; on a loaded 2-core CI the measured p99 was well
#: below (see the module docstring of benchmarks/flood.py for figures), so the bound keeps
#: a margin for load while still failing if the UI does per-message full work.
LAG_P99_MS = 100.0
RSS_GROWTH_MIB = 100.0


async def test_stranger_message_flood_keeps_the_ui_responsive(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    incoming = 0

    def count(event: Event) -> None:
        nonlocal incoming
        if isinstance(event, MessageAdded) and event.message.direction is Direction.INCOMING:
            incoming += 1

    service.subscribe(count)
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE), LoadGen(prosody) as loadgen:
        await wait_online(app)
        figures = await run_flood(
            app,
            loadgen,
            alice.jid,
            kind="message",
            count=2_000,
            senders=1_000,
            seconds=12.0,
            stored=lambda: incoming,
        )
        print(figures.line())
        assert figures.stored == 2_000
        # Every stranger is visible (one "Not in roster" row each), nothing more.
        assert figures.roster_rows == 1_000
        assert 1 <= figures.alerts <= PER_MINUTE
        assert figures.lag_p(0.99) < LAG_P99_MS, figures.line()
        assert figures.rss_growth_mib < RSS_GROWTH_MIB, figures.line()


@pytest.mark.parametrize("kind", ["presence", "chatstate"])
async def test_presence_and_chat_state_storms_keep_the_ui_responsive(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path, kind: str
) -> None:
    alice = new_account("alice")
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    added = 0
    seen: list[Event] = []

    def count(event: Event) -> None:
        nonlocal added
        if isinstance(event, MessageAdded):
            added += 1
        elif isinstance(event, PresenceChanged | ChatStateChanged):
            seen.append(event)

    service.subscribe(count)
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE), LoadGen(prosody) as loadgen:
        await wait_online(app)
        # L-5's rate (10,000 a minute) for 12 s, from 1,000 strangers.
        figures = await run_flood(
            app, loadgen, alice.jid, kind=kind, count=2_000, senders=1_000, seconds=12.0
        )
        print(figures.line(), f"; events {len(seen)}")
        # Every stanza reached the service (so the storm really went through the app).
        await wait_until(lambda: len(seen) >= 2_000, 30, message=f"events: {len(seen)}")
        assert added == 0  # no presence or chat state becomes a message row
        assert figures.alerts == 0
        assert figures.roster_rows == 0  # strangers' presences add no roster rows
        assert figures.lag_p(0.99) < LAG_P99_MS, figures.line()
        assert figures.rss_growth_mib < RSS_GROWTH_MIB, figures.line()
