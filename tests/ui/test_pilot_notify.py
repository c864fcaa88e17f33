"""Alerts that reach a user over SSH, against the real Prosody and a real peer: the bell, the
terminal's notification escape and notify_command fire once, with our fixed text only, when a
message arrives while the terminal is blurred; a flood beyond the rate limit adds none; the
terminal title counts unread messages; the password prompt says why it asks."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest
from keyring.backends.fail import Keyring as NoKeyring
from textual import events
from textual.widgets import Static

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import submit, wait_online
from xmpp_tui.notification_settings import NotificationSettings
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.screens.password import NO_KEYRING_NOTE, PasswordScreen

pytestmark = pytest.mark.prosody
SIZE = (80, 24)
TIMEOUT = 15.0
BEL = "\a"
OSC777 = "\x1b]777;notify;xmpp-tui;New message\x1b\\"
#: What the peer sends (XML cannot carry ESC or BEL: text that would pass for a field or markup).
HOSTILE = "pwned;notify;evil ]2;[bold]title[/bold]"


def _recording(app: XmppTuiApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Everything written raw to the terminal from now on (the headless driver drops it)."""
    written: list[str] = []
    assert app._driver is not None
    monkeypatch.setattr(app._driver, "write", written.append)
    return written


def _notify_script(tmp_path: Path) -> tuple[Path, Path]:
    """A notify_command that appends its arguments, one line each, to a file."""
    log = tmp_path / "notified.txt"
    script = tmp_path / "notify.sh"
    script.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a" >> "{log}"; done\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def _unread(app: XmppTuiApp, account: str) -> int:
    return sum(app.main.rosters[account].unread.values())


async def test_a_message_while_blurred_alerts_once_with_fixed_text_and_a_flood_adds_none(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    script, log = _notify_script(tmp_path)
    settings = NotificationSettings(
        terminal_notification="osc777", notify_command=(str(script), "--app", "xmpp-tui")
    )
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    app = make_app(service, cursor_blink=False, notifications=settings)
    async with app.run_test(size=SIZE) as pilot:
        written = _recording(app, monkeypatch)
        await wait_online(app)
        app.post_message(events.AppBlur())
        await wait_until(lambda: not app.app_focus, timeout=TIMEOUT)

        bob.send_chat(alice.jid, HOSTILE)
        await wait_until(lambda: log.exists() and "New message" in log.read_text(), timeout=TIMEOUT)
        assert log.read_text() == "--app\nxmpp-tui\nNew message\n"
        raw = "".join(written)
        assert raw.count(BEL) == 1
        assert raw.count(OSC777) == 1
        await wait_until(lambda: app.main.alerts.title == "xmpp-tui (1)", timeout=TIMEOUT)
        assert "\x1b]2;xmpp-tui (1)\x1b\\" in "".join(written)

        flood = 40
        for n in range(flood):
            bob.send_chat(alice.jid, f"flood {n}")
        await wait_until(lambda: _unread(app, alice.jid) == flood + 1, timeout=TIMEOUT)
        await wait_until(
            lambda: app.main.alerts.title == f"xmpp-tui ({flood + 1})", timeout=TIMEOUT
        )
        await pilot.pause()
        raw = "".join(written)
        assert raw.count(BEL) == 1  # the flood is inside the per-conversation limit
        assert raw.count(OSC777) == 1
        assert log.read_text() == "--app\nxmpp-tui\nNew message\n"
        # Nothing remote reached the terminal or the command.
        assert "pwned" not in raw and bob.jid not in raw and "flood" not in raw
        assert "pwned" not in log.read_text() and bob.jid not in log.read_text()


async def test_no_alert_for_the_chat_in_front_and_one_for_a_chat_behind(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    app = make_app(service, cursor_blink=False)  # the defaults: bell only
    async with app.run_test(size=SIZE) as pilot:
        written = _recording(app, monkeypatch)
        await wait_online(app)
        await submit(pilot, app, f"/msg {bob.jid}")
        assert app.app_focus
        bob.send_chat(alice.jid, "you are reading this")
        pane = app.main.deck.active_pane()
        assert pane is not None
        await wait_until(
            lambda: any(m.body == "you are reading this" for m in pane.history.messages),
            timeout=TIMEOUT,
        )
        await pilot.pause()
        assert BEL not in "".join(written)

        await pilot.press("ctrl+p")  # back to the console: bob's chat is behind
        await wait_until(lambda: app.main.deck.active_chat is None, timeout=TIMEOUT)
        bob.send_chat(alice.jid, "and this one you miss")
        await wait_until(lambda: BEL in "".join(written), timeout=TIMEOUT)
        assert "\x1b]777" not in "".join(written)  # terminal_notification is off by default


async def test_without_a_keyring_the_password_prompt_says_why(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    settings = replace(account_settings(prosody, alice), password_command=None)
    service = build_test_service(
        (settings,),
        tmp_path,
        passwords=PasswordSource(backend=NoKeyring()),  # type: ignore[no-untyped-call]
    )
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: isinstance(app.screen, PasswordScreen), timeout=TIMEOUT)
        note = app.screen.query_one("#password-note", Static)
        assert str(note.render()) == NO_KEYRING_NOTE
        assert "password_command" in NO_KEYRING_NOTE and "keyring" in NO_KEYRING_NOTE
        await pilot.press(*alice.password, "enter")
        await wait_online(app)
