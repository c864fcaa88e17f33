"""Start-up (issue #8): a big roster drawn lazily and navigable; a service started before
the UI loses and doubles nothing; the screen is usable while the server does not answer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.peer import wait_until
from tests.ui.pilot_helpers import console_lines, inject
from tests.ui.support import ALICE, BOB, NOW, fixed_clock, offline_app, offline_service
from xmpp_tui.core.events import (
    AccountFailed,
    ConnectionChanged,
    MessageAdded,
    PresenceChanged,
    RosterReplaced,
)
from xmpp_tui.core.models import (
    ConnectionState,
    ContactPresence,
    ResourcePresence,
    RosterItem,
    Show,
    Subscription,
)
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.settings import AccountSettings, Settings
from xmpp_tui.ui import launch
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.early_start import EarlyStart
from xmpp_tui.ui.widgets.roster import RosterView

SIZE = (80, 24)
TIMEOUT = 15.0
MANY = 2000


def _contacts(count: int) -> tuple[RosterItem, ...]:
    return tuple(
        RosterItem(
            jid=f"c{index:04d}@example.org",
            name=f"Contact {index:04d}",
            subscription=Subscription.BOTH,
        )
        for index in range(count)
    )


def _drawn_rows(roster: RosterView) -> list[str]:
    return [roster.render_line(y).text for y in range(roster.size.height)]


def _built_prompts(roster: RosterView) -> int:
    """Rows whose prompt was built (drawn at least once)."""
    return sum(1 for option in roster.options if getattr(option, "_make", None) is None)


async def test_a_2000_contact_roster_is_drawn_lazily_and_navigable(tmp_path: Path) -> None:
    app = offline_app(tmp_path, seed=False)
    async with app.run_test(size=SIZE) as pilot:
        roster = app.main.roster_view
        inject(app, RosterReplaced(account=ALICE, items=_contacts(MANY)))
        await wait_until(lambda: len(roster.contacts) == MANY, timeout=TIMEOUT)
        await wait_until(
            lambda: any("Contact 0000" in row for row in _drawn_rows(roster)), timeout=TIMEOUT
        )
        # Only what was on screen was built, not 2,000 prompts.
        assert _built_prompts(roster) < 3 * roster.size.height
        roster.focus()
        await pilot.press("end")
        # The scroll to the last row lands after a refresh (a busy machine: several).
        await wait_until(
            lambda: any("Contact 1999" in row for row in _drawn_rows(roster)), timeout=TIMEOUT
        )
        assert _built_prompts(roster) < 6 * roster.size.height
        # A presence changes one row's data; the roster is not rebuilt in full either.
        inject(
            app,
            PresenceChanged(
                account=ALICE,
                presence=ContactPresence(
                    jid="c1999@example.org",
                    resources=(ResourcePresence(resource="r", show=Show.AWAY),),
                ),
            ),
        )
        await pilot.pause()
        await wait_until(
            lambda: any(
                row.jid == "c1999@example.org" and row.show is Show.AWAY for row in roster.contacts
            ),
            timeout=TIMEOUT,
        )
        assert _built_prompts(roster) < 6 * roster.size.height
        await pilot.press("enter")  # the highlighted (last) contact's conversation
        await wait_until(lambda: app.main.deck.active_chat is not None, timeout=TIMEOUT)
        chat = app.main.deck.active_chat
        assert chat is not None and chat.peer == "c1999@example.org"


async def test_events_before_the_screen_are_applied_once_after_the_state_before(
    tmp_path: Path,
) -> None:
    """The launcher starts the service before the app: events published meanwhile are held,
    then applied after the state from *before* the start. A message stored and published
    early must count once as unread, not twice (store count + event)."""
    service = offline_service(tmp_path, seed=False)
    early = EarlyStart(service)
    assert early.initial[ALICE].unread == {}
    app = make_app(service, clock=fixed_clock, cursor_blink=False, early=early)
    # As the service does: stored first, then published.
    message = service._store.history.add_incoming(
        account=ALICE,
        peer=BOB,
        sender=f"{BOB}/phone",
        body="early bird",
        timestamp=NOW,
        stanza_id="s-early",
        origin_id="o-early",
        message_id="m-early",
    )
    assert message is not None
    service._bus.publish(MessageAdded(account=ALICE, message=message))
    service._bus.publish(RosterReplaced(account=ALICE, items=_contacts(3)))
    service._bus.publish(
        AccountFailed(account=ALICE, message="held elsewhere", hint="close the other one")
    )
    service._bus.publish(ConnectionChanged(account=ALICE, state=ConnectionState.FAILED, detail="x"))
    assert early.waiting == 4
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        main = app.main
        # The three contacts, and Bob (not in the roster, an unread message) below them.
        await wait_until(lambda: len(main.roster_view.contacts) == 4, timeout=TIMEOUT)
        await wait_until(lambda: main.rosters[ALICE].unread.get(BOB) == 1, timeout=TIMEOUT)
        await pilot.pause()
        assert main.rosters[ALICE].unread.get(BOB) == 1
        assert any("held elsewhere" in line for line in console_lines(app))
        assert early.waiting == 0


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_launch_shows_the_screen_while_the_server_does_not_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, black_hole: int
) -> None:
    """`run_app` itself (service first, Textual imported meanwhile, one loop): the screen is
    up and usable while the connection still waits for the server."""
    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    seen: list[str] = []

    async def drive(pilot: Pilot[object]) -> None:
        app = pilot.app
        assert isinstance(app, XmppTuiApp)
        main = app.main
        await wait_until(lambda: "connecting" in main.status_bar.plain, timeout=TIMEOUT)
        await pilot.press(*"/help", "enter")
        await wait_until(
            lambda: any("/quit" in line for line in console_lines(app)), timeout=TIMEOUT
        )
        seen.append(main.status_bar.plain)
        app.exit(0)

    original = XmppTuiApp.run

    def headless(self: XmppTuiApp, **options: object) -> int | None:
        loop = options.get("loop")
        assert isinstance(loop, asyncio.AbstractEventLoop)
        return original(self, headless=True, size=SIZE, auto_pilot=drive, loop=loop)

    monkeypatch.setattr(XmppTuiApp, "run", headless)
    settings = Settings(
        accounts=(
            AccountSettings(
                jid="alice@example.org",
                host="127.0.0.1",
                port=black_hole,
                password_command="printf secret",
            ),
        ),
    )
    assert launch.run_app(settings, passwords=PasswordSource(use_keyring=False)) == 0
    assert seen and "connecting" in seen[0]
