"""XEP-0352 Client State Indication from the terminal's focus, against the real Prosody.

Prosody's ``csi_simple`` (loaded by tests/prosody_server.py) holds a contact's presence
update back while the session is inactive and delivers it when the session becomes active:
that is how the server side shows it received the state.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual import events

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import record_commands
from tests.ui.support import offline_service
from xmpp_tui.core.commands import SetClientState
from xmpp_tui.core.events import ClientStateChanged, Event
from xmpp_tui.core.models import Show
from xmpp_tui.ui.app import XmppTuiApp, make_app

pytestmark = pytest.mark.prosody
SIZE = (80, 24)
TIMEOUT = 15.0
#: How long an unheld presence would take at most to show (loopback: milliseconds).
DELIVERY_WINDOW = 1.0


def _bob_show(app: XmppTuiApp, jid: str) -> Show | None:
    row = next((r for r in app.main.roster_view.contacts if r.jid == jid), None)
    return row.show if row is not None else None


async def test_blur_holds_presence_updates_on_the_server_and_focus_releases_them(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer(auto_authorize=True)
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    seen: list[Event] = []
    service.subscribe(seen.append)
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: ": online" in app.main.status_bar.plain, timeout=TIMEOUT)
        await pilot.press(*f"/add {bob.jid}", "enter")
        await wait_until(lambda: _bob_show(app, bob.jid) is Show.AVAILABLE, timeout=TIMEOUT)
        app.main.client_state.machine.settle = 0.0  # no debounce in the test

        def states() -> list[bool]:
            return [e.active for e in seen if isinstance(e, ClientStateChanged)]

        app.post_message(events.AppBlur())
        await wait_until(lambda: states() == [False], timeout=TIMEOUT)
        await wait_until(lambda: "online inactive" in app.main.status_bar.plain, timeout=TIMEOUT)

        bob.client.send_presence(pshow="away", pstatus="held back")
        # Once bob's ping is answered, the server has routed his presence (same stream):
        # sent on to alice or held. Unheld, it would show within milliseconds.
        await bob.client.plugin["xep_0199"].ping(timeout=TIMEOUT)
        await asyncio.sleep(DELIVERY_WINDOW)
        assert _bob_show(app, bob.jid) is Show.AVAILABLE

        app.post_message(events.AppFocus())
        await wait_until(lambda: states() == [False, True], timeout=TIMEOUT)
        await wait_until(lambda: _bob_show(app, bob.jid) is Show.AWAY, timeout=TIMEOUT)
        await wait_until(lambda: "inactive" not in app.main.status_bar.plain, timeout=TIMEOUT)


async def test_every_account_follows_idle_time_and_a_key_wakes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = ("alice@localhost", "carol@localhost")
    service = offline_service(tmp_path, seed=False, accounts=accounts)
    app = make_app(service, cursor_blink=False, idle_inactive_after=0.3)
    async with app.run_test(size=SIZE) as pilot:
        sent = record_commands(app, monkeypatch)
        reporter = app.main.client_state
        reporter.machine.settle = 0.0

        def states() -> list[tuple[str, bool]]:
            return [(c.account, c.active) for c in sent if isinstance(c, SetClientState)]

        # idle for 0.3 s: inactive, once per account
        await wait_until(lambda: len(states()) == 2, timeout=TIMEOUT)
        assert sorted(states()) == [(accounts[0], False), (accounts[1], False)]
        await pilot.press("x")
        await wait_until(lambda: len(states()) == 4, timeout=TIMEOUT)
        assert sorted(states()[2:]) == [(accounts[0], True), (accounts[1], True)]


async def test_a_quick_blur_and_focus_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = offline_service(tmp_path, seed=False)
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        sent = record_commands(app, monkeypatch)
        app.post_message(events.AppBlur())
        await pilot.pause()
        assert not app.app_focus
        app.post_message(events.AppFocus())
        await pilot.pause()
        assert app.app_focus and app.main.client_state.active
        assert not [c for c in sent if isinstance(c, SetClientState)]
        # a blur that lasts sends "inactive" once the debounce ran out
        app.main.client_state.machine.settle = 0.2
        app.post_message(events.AppBlur())
        await wait_until(
            lambda: [c.active for c in sent if isinstance(c, SetClientState)] == [False],
            timeout=TIMEOUT,
        )
