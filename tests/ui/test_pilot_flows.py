"""The app at 80x24 against the real Prosody: type, press, then assert the widget and the peer."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import active_pane, wait_online
from xmpp_tui.core.models import Delivery, Direction, Subscription
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.settings import AccountSettings
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.render import SENDER_CELLS, truncate_cells
from xmpp_tui.ui.view_state import ChatKey, ContactRow
from xmpp_tui.ui.widgets.composer import Composer

pytestmark = pytest.mark.prosody
SIZE = (80, 24)
TIMEOUT = 15.0


def _app(
    account: AccountSettings, home: Path, passwords: PasswordSource | None = None
) -> XmppTuiApp:
    return make_app(build_test_service((account,), home, passwords=passwords), cursor_blink=False)


async def _open_chat(pilot: Pilot[int], jid: str) -> None:
    await pilot.press(*f"/msg {jid}", "enter")
    await pilot.pause()


def _contact(app: XmppTuiApp, jid: str) -> ContactRow | None:
    return next((row for row in app.main.roster_view.contacts if row.jid == jid), None)


async def test_typed_message_reaches_the_peer_and_is_marked(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    app = _app(account_settings(prosody, alice), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await _open_chat(pilot, bob.jid)
        assert isinstance(app.focused, Composer)
        await pilot.press(*"hello from the tui", "enter")
        received = await bob.wait_body("hello from the tui", timeout=TIMEOUT)
        assert received["from"].bare == alice.jid
        history = active_pane(app).history
        await wait_until(
            lambda: any(
                m.body == "hello from the tui"
                and m.delivery in (Delivery.ACKED, Delivery.DELIVERED)
                for m in history.messages
            ),
            timeout=TIMEOUT,
            message=f"no acked mark; rows: {history.rendered_rows()[-3:]}",
        )
        assert history.rendered_rows()[-1].endswith("✓") or "✓✓" in history.rendered_rows()[-1]


async def test_peer_message_shows_in_open_pane_and_counts_unread_otherwise(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    carol = await peer()
    app = _app(account_settings(prosody, alice), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await _open_chat(pilot, bob.jid)
        # ESC cannot cross XML; C1 controls and bidi overrides can (SECURITY.md 2.1).
        bob.send_chat(alice.jid, "hi alice [@click=app.quit]x[/]\x9b\u202e")
        history = active_pane(app).history
        await wait_until(
            lambda: any("hi alice" in row for row in history.rendered_rows()), timeout=TIMEOUT
        )
        shown = "\n".join(history.rendered_rows())
        assert f"<{truncate_cells(bob.jid, SENDER_CELLS)}> hi alice" in shown
        assert "[@click=app.quit]x[/]<U+009B><U+202E>" in shown
        assert "\x9b" not in shown and "\u202e" not in shown
        contact = _contact(app, bob.jid)
        assert contact is not None and contact.unread == 0  # seen at once

        carol.send_chat(alice.jid, "psst")
        await wait_until(
            lambda: (row := _contact(app, carol.jid)) is not None and row.unread == 1,
            timeout=TIMEOUT,
        )
        assert app.main.deck.active_chat == ChatKey(alice.jid, bob.jid)


async def test_add_contact_and_peer_approves(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer(auto_authorize=True)
    app = _app(account_settings(prosody, alice), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await pilot.press(*f"/add {bob.jid} Bob B", "enter")

        def subscribed() -> bool:
            row = _contact(app, bob.jid)
            return row is not None and row.subscription in (Subscription.TO, Subscription.BOTH)

        await wait_until(
            subscribed,
            timeout=TIMEOUT,
            message=f"roster: {app.main.roster_view.contacts}; "
            f"console: {app.main.deck.console.lines_written[-4:]}",
        )
        row = _contact(app, bob.jid)
        assert row is not None and row.name == "Bob B" and not row.waiting_for_them
        # Bob is online, so once subscribed his presence shows.
        await wait_until(
            lambda: (r := _contact(app, bob.jid)) is not None and r.show.value != "offline",
            timeout=TIMEOUT,
        )


async def test_history_is_shown_after_a_restart(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    first = _app(account_settings(prosody, alice), tmp_path)
    async with first.run_test(size=SIZE) as pilot:
        await wait_online(first)
        await pilot.press(*f"/msg {bob.jid} before the restart", "enter")
        await bob.wait_body("before the restart", timeout=TIMEOUT)
        bob.send_chat(alice.jid, "reply before the restart")
        await wait_until(
            lambda: any(
                m.direction is Direction.INCOMING for m in active_pane(first).history.messages
            ),
            timeout=TIMEOUT,
        )
        await pilot.press("ctrl+q")

    second = _app(account_settings(prosody, alice), tmp_path)
    async with second.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _open_chat(pilot, bob.jid)
        history = active_pane(second).history
        bodies = [(m.direction, m.body) for m in history.messages]
        assert bodies == [
            (Direction.OUTGOING, "before the restart"),
            (Direction.INCOMING, "reply before the restart"),
        ]
        rows = history.rendered_rows()
        assert rows[0].startswith("── "), rows  # the day separator
        assert rows[1].endswith("<me> before the restart ✓✓"), rows
        assert f"<{truncate_cells(bob.jid, SENDER_CELLS)}> reply before" in rows[2], rows


async def test_wrong_password_prompt_then_keyring_offer(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    """No password source: the prompt; a wrong one says so and asks again; the right one
    logs in and the app offers to keep it in the (secure) keyring, which the next start uses."""
    from dataclasses import replace

    from textual.widgets import Button, Input

    from tests.keyrings import MemoryKeyring
    from xmpp_tui.secrets import KEYRING_SERVICE
    from xmpp_tui.ui.screens.choice import ChoiceScreen
    from xmpp_tui.ui.screens.password import PasswordScreen

    alice = new_account("alice")
    keyring = MemoryKeyring()
    settings = replace(account_settings(prosody, alice), password_command=None)

    def app() -> XmppTuiApp:
        return _app(settings, tmp_path, PasswordSource(backend=keyring))

    first = app()
    async with first.run_test(size=SIZE) as pilot:
        await wait_until(lambda: isinstance(first.screen, PasswordScreen), timeout=TIMEOUT)
        await pilot.press(*"not-it", "enter")
        await wait_until(
            lambda: (
                isinstance(first.screen, PasswordScreen) and first.screen.reason == "wrong password"
            ),
            timeout=TIMEOUT,
        )
        assert any(
            "rejected the password" in line for line in first.main.deck.console.lines_written
        )
        first.screen.query_one(Input).value = ""
        await pilot.press(*alice.password, "enter")
        await wait_until(lambda: isinstance(first.screen, ChoiceScreen), timeout=TIMEOUT)
        assert ": online" in first.main.status_bar.plain
        yes = next(b for b in first.screen.query(Button) if b.id == "yes")
        yes.press()
        await wait_until(lambda: (KEYRING_SERVICE, alice.jid) in keyring.store, timeout=TIMEOUT)
    assert keyring.store[(KEYRING_SERVICE, alice.jid)] == alice.password

    second = app()
    async with second.run_test(size=SIZE):
        await wait_online(second)  # from the keyring: no prompt this time
        assert not isinstance(second.screen, PasswordScreen)
