"""/addaccount at 80x24 against the real Prosody: fill the form with the keyboard, test the
connection (wrong password, then right), save, and check the running app, the file on disk and a
new start."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton

from tests.keyrings import MemoryKeyring
from tests.peer import AccountFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import console_lines, submit, wait_online
from xmpp_tui.config_writer import add_account
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.secrets import KEYRING_SERVICE, PasswordSource
from xmpp_tui.settings import resolve_settings
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.screens.account_setup import NO_KEYRING, AccountSetupScreen
from xmpp_tui.ui.screens.choice import ChoiceScreen

pytestmark = pytest.mark.prosody
SIZE = (80, 24)
TIMEOUT = 15.0

CONFIG = """\
# my accounts — keep this comment
idle_inactive_after = 120  # two minutes

# an old account, not used in this test
[[accounts]]
jid = "old@example.invalid"   # do not touch
"""


async def _open_setup(pilot: Pilot[int], app: XmppTuiApp) -> AccountSetupScreen:
    await submit(pilot, app, "/addaccount")
    await wait_until(lambda: isinstance(app.screen, AccountSetupScreen), timeout=5)
    screen = app.screen
    assert isinstance(screen, AccountSetupScreen)
    return screen


def _focused_id(app: XmppTuiApp) -> str | None:
    return app.focused.id if app.focused is not None else None


async def test_add_account_tests_saves_connects_and_a_new_start_reads_it(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    config.chmod(0o600)
    keyring = MemoryKeyring()
    service = build_test_service(
        (account_settings(prosody, alice),), tmp_path, passwords=PasswordSource(backend=keyring)
    )
    app = make_app(service, cursor_blink=False, config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        screen = await _open_setup(pilot, app)
        await wait_until(lambda: screen.keyring_ok is True, timeout=5)
        assert screen.query_one("#from-keyring", RadioButton).value  # the default when usable
        assert _focused_id(app) == "jid"

        # Address, password (wrong first), server, CA file: Tab between them.
        await pilot.press(*bob.jid, "tab", *"wrong-secret", "tab")
        await pilot.press(*f"127.0.0.1:{prosody.c2s_port}", "tab", *str(prosody.cafile), "tab")
        assert _focused_id(app) == "direct-tls"
        await pilot.press("tab")
        assert _focused_id(app) == "password-from"
        await pilot.press("tab")  # the command field is off while the keyring is chosen
        assert _focused_id(app) == "test"
        await pilot.press("enter")
        await wait_until(
            lambda: screen.status_text.startswith("Login refused"),
            timeout=TIMEOUT,
            message=f"status: {screen.status_text!r}",
        )

        # Back to the password, mend it, test again.
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "shift+tab", "shift+tab")
        assert _focused_id(app) == "password"
        password_field = screen.query_one("#password", Input)
        await pilot.press(*["backspace"] * len(password_field.value), *bob.password)
        assert password_field.value == bob.password and password_field.password  # masked
        await pilot.press("tab", "tab", "tab", "tab", "tab")
        assert _focused_id(app) == "test"
        await pilot.press("enter")
        await wait_until(
            lambda: screen.status_text.startswith("Connection works"),
            timeout=TIMEOUT,
            message=f"status: {screen.status_text!r}",
        )
        assert bob.jid in screen.status_text

        await pilot.press("tab", "tab")
        assert _focused_id(app) == "save"
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, AccountSetupScreen), timeout=5)

        # The running app opened the account and it connects.
        assert bob.jid in app.service.accounts
        await wait_until(
            lambda: app.service.snapshot(bob.jid).state is ConnectionState.ONLINE,
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-4:]}",
        )
        assert any(f"Added {bob.jid}" in line for line in console_lines(app))

    # On disk: the old file byte for byte, then the new table; the password only in the keyring.
    text = config.read_text(encoding="utf-8")
    assert text.startswith(CONFIG)
    assert f'jid = "{bob.jid}"' in text[len(CONFIG) :]
    assert bob.password not in text and "wrong-secret" not in text
    assert keyring.store[(KEYRING_SERVICE, bob.jid)] == bob.password

    # A new start reads it: the settings from that file, the password from the keyring.
    settings = resolve_settings(argparse.Namespace(jids=[bob.jid], config=str(config)))
    (bob_settings,) = settings.accounts
    assert (bob_settings.host, bob_settings.port) == ("127.0.0.1", prosody.c2s_port)
    assert bob_settings.ca_file == prosody.cafile
    assert bob_settings.password_command is None
    assert settings.idle_inactive_after == 120
    again = make_app(
        build_test_service(
            (replace(bob_settings, resource="again"),),
            tmp_path / "again",
            passwords=PasswordSource(backend=keyring),
        ),
        cursor_blink=False,
    )
    async with again.run_test(size=SIZE):
        await wait_online(again)


async def test_first_start_without_any_account_opens_the_setup_screen(tmp_path: Path) -> None:
    service = build_test_service((), tmp_path)  # no keyring in this service
    config = tmp_path / "new" / "config.toml"
    app = make_app(service, cursor_blink=False, config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: isinstance(app.screen, AccountSetupScreen), timeout=5)
        screen = app.screen
        assert isinstance(screen, AccountSetupScreen)
        await wait_until(lambda: screen.keyring_ok is False, timeout=5)
        assert screen.query_one("#from-keyring", RadioButton).disabled
        assert screen.query_one("#from-ask", RadioButton).value
        assert NO_KEYRING in str(screen.query_one("#keyring-note").render())

        # A bad address is named, nothing is written.
        await pilot.press(*"no-at-sign..", "tab", "tab", "tab", "tab", "tab", "tab")
        assert _focused_id(app) == "test"
        await pilot.press("tab", "tab", "enter")
        await wait_until(lambda: screen.status_text.startswith("Address"), timeout=5)
        assert not config.exists()

        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, AccountSetupScreen), timeout=5)
        assert any("/addaccount" in line for line in console_lines(app))
        assert not config.exists()


async def test_remove_account_asks_then_clears_config_keyring_and_screen(
    prosody: ProsodyServer, new_account: AccountFactory, tmp_path: Path
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    config.chmod(0o600)
    bob_settings = replace(account_settings(prosody, bob), password_command=None)
    add_account(config, bob_settings)
    keyring = MemoryKeyring()
    keyring.set_password(KEYRING_SERVICE, bob.jid, bob.password)
    service = build_test_service(
        (account_settings(prosody, alice), bob_settings),
        tmp_path,
        passwords=PasswordSource(backend=keyring),
    )
    app = make_app(service, cursor_blink=False, config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: all(
                app.service.snapshot(jid).state is ConnectionState.ONLINE
                for jid in (alice.jid, bob.jid)
            ),
            timeout=TIMEOUT,
        )
        await submit(pilot, app, f"/forgetaccount {bob.jid}")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen), timeout=5)
        assert _focused_id(app) == "keep"  # the harmless answer has the focus
        await pilot.press("left", "enter")
        await wait_until(
            lambda: any(f"{bob.jid}: removed from" in line for line in console_lines(app)),
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-3:]}",
        )
        assert app.service.accounts == (alice.jid,)
        # One account left: the bar names it in full (with two it would use short names).
        assert bob.jid not in app.main.status_bar.plain
        assert f"{alice.jid}: online" in app.main.status_bar.plain
        assert bob.jid not in app.main.rosters
        assert app.service.snapshot(alice.jid).state is ConnectionState.ONLINE
    assert config.read_text(encoding="utf-8") == CONFIG + "\n"
    assert (KEYRING_SERVICE, bob.jid) not in keyring.store
