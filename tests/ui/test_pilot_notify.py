"""Alerts that reach a user over SSH, against the real Prosody and a real peer: the bell, the
terminal's notification escape and notify_command fire once, with our fixed text only, when a
message arrives while the terminal is blurred; a flood beyond the rate limit adds none; the
terminal title counts unread messages; the password prompt says why it asks; a whole
conversation needs no mouse."""

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
from tests.ui.pilot_helpers import console_lines, submit, wait_online
from tests.ui.support import fixed_clock, offline_service
from xmpp_tui.notification_settings import NotificationSettings
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.ui import terminal_codes
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.notifier import AlertKind
from xmpp_tui.ui.screens.alerts import TITLE_DELAY
from xmpp_tui.ui.screens.password import NO_KEYRING_NOTE, PasswordScreen
from xmpp_tui.ui.view_state import ChatKey
from xmpp_tui.ui.widgets.composer import Composer
from xmpp_tui.ui.widgets.roster import RosterView

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


async def test_a_whole_conversation_with_the_keyboard_only(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    """Open a chat, send, go to the roster and back, switch panes, scroll, close: keys only."""
    alice = new_account("alice")
    bob = await peer()
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    app = make_app(service, cursor_blink=False)
    main = app.main
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await pilot.press(*f"/msg {bob.jid}", "enter")
        await wait_until(lambda: main.deck.active_chat is not None, timeout=TIMEOUT)
        assert isinstance(app.focused, Composer)
        await pilot.press(*"hello by keys", "enter")
        await bob.wait_body("hello by keys", timeout=TIMEOUT)

        await pilot.press("tab")  # an empty composer: Tab leaves it, to the roster
        assert isinstance(app.focused, RosterView)
        await pilot.press("ctrl+p")  # the console in front
        await wait_until(lambda: main.deck.active_chat is None, timeout=TIMEOUT)
        await pilot.press("escape")  # back to typing
        assert isinstance(app.focused, Composer)
        # The roster: Tab to it, arrows to bob, Enter opens his chat and returns to typing.
        await pilot.press("tab")
        roster = main.roster_view
        for _ in range(roster.option_count):
            option = roster.highlighted_option
            if option is not None and bob.jid in str(option.prompt):
                break
            await pilot.press("down")
        await pilot.press("enter")
        await wait_until(lambda: main.deck.active_chat is not None, timeout=TIMEOUT)
        assert main.deck.active_chat is not None and main.deck.active_chat.peer == bob.jid
        assert isinstance(app.focused, Composer)

        bob.send_chat(alice.jid, "reply")
        pane = main.deck.active_pane()
        assert pane is not None
        await wait_until(
            lambda: any(m.body == "reply" for m in pane.history.messages), timeout=TIMEOUT
        )
        await pilot.press("pageup", "pagedown")  # scrolling the history needs no mouse
        await pilot.press("ctrl+n", "ctrl+n")  # round the two panes, back to bob's
        assert main.deck.active_chat is not None and main.deck.active_chat.peer == bob.jid
        await pilot.press(*"/close", "enter")
        await wait_until(lambda: main.deck.active_chat is None, timeout=TIMEOUT)
        assert main.deck.chat(ChatKey(alice.jid, bob.jid)) is None


@pytest.mark.parametrize("title", [True, False])
async def test_the_title_shows_the_stored_unread_count_and_is_restored_at_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, title: bool
) -> None:
    """The seeded store has 4 unread messages (bob 3, carol 1): the title says so from the start."""
    service = offline_service(tmp_path)
    settings = NotificationSettings(terminal_title=title)
    app = make_app(service, clock=fixed_clock, cursor_blink=False, notifications=settings)
    written: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        written = _recording(app, monkeypatch)
        if title:
            await wait_until(lambda: app.main.alerts.title == "xmpp-tui (4)", timeout=TIMEOUT)
            raw = "".join(written)
            assert raw.startswith(terminal_codes.SAVE_TITLE + "\x1b]2;xmpp-tui (4)\x1b\\")
        else:
            await pilot.pause(TITLE_DELAY * 2)  # the update would be due by now
            assert app.main.alerts.title is None
    raw = "".join(written)
    if title:
        assert raw.endswith("\x1b]2;\x1b\\" + terminal_codes.RESTORE_TITLE)
    else:
        assert "\x1b]2;" not in raw and terminal_codes.RESTORE_TITLE not in raw


async def test_a_failing_notify_command_is_reported_once(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-notifier"
    settings = NotificationSettings(bell=False, notify_command=(str(missing),))
    app = make_app(offline_service(tmp_path), cursor_blink=False, notifications=settings)
    async with app.run_test(size=SIZE) as pilot:

        def failures() -> list[str]:
            return [line for line in console_lines(app) if "notify_command failed" in line]

        for _ in range(3):
            app.main.alerts.alert(AlertKind.MESSAGE)
            await wait_until(lambda: not app.main.alerts.command_running, timeout=TIMEOUT)
            await pilot.pause()
        assert len(failures()) == 1
        assert "notify_command failed (cannot run " in failures()[0]


async def test_what_came_while_we_were_away_counts_as_unread_but_does_not_ring(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At login the server's archive (and its offline store) bring what bob wrote meanwhile:
    history, not news. The title and the roster count it; nothing rings."""
    alice = new_account("alice")
    bob = await peer()
    for n in range(3):
        bob.send_chat(alice.jid, f"while you were away {n}")
    await bob.client.plugin["xep_0199"].ping(timeout=TIMEOUT)  # the server has stored them
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    settings = NotificationSettings(terminal_notification="osc9")
    app = make_app(service, cursor_blink=False, notifications=settings)
    async with app.run_test(size=SIZE):
        written = _recording(app, monkeypatch)
        await wait_online(app)
        await wait_until(lambda: _unread(app, alice.jid) == 3, timeout=TIMEOUT)
        await wait_until(lambda: app.main.alerts.title == "xmpp-tui (3)", timeout=TIMEOUT)
        raw = "".join(written)
        assert BEL not in raw and "\x1b]9;" not in raw
