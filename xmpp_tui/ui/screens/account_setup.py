"""The "Add account" screen (``/addaccount``, and at first start when no account is set up).

Fields: address, password (masked), optional server[:port] and CA file, direct TLS, and where
the password comes from at each start (system keyring, a password command, or asked each time;
the keyring choice is off, with the reason, when no secure keyring exists). "Test connection"
logs in once through the service and says how it went; "Save" writes the account to
config.toml (`config_writer.py`: the user's comments stay), stores the password in the keyring
if chosen, and opens the account in the running app. The password is never written to a file.
Keyboard only: Tab/Shift+Tab between fields, Enter on a button, Escape cancels.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from xmpp_tui.config_writer import add_account, remove_account
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.paths import default_config_path
from xmpp_tui.service.account_probe import PROBE_TIMEOUT
from xmpp_tui.service.session import SessionService
from xmpp_tui.settings import AccountSettings, display_path
from xmpp_tui.ui.account_form import AccountForm, PasswordFrom, account_settings, probe_text
from xmpp_tui.ui.render import error_text, one_line
from xmpp_tui.ui.screens.choice import ChoiceScreen, move_between_buttons
from xmpp_tui.ui.view_state import AccountRoster

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen

NO_KEYRING = "No secure keyring here"


@dataclass(frozen=True, slots=True)
class AccountAdded:
    """What the screen did: the account now open, and lines for the console."""

    jid: str
    notes: tuple[str, ...]


class AccountSetupScreen(ModalScreen[AccountAdded | None]):
    """Dismisses with `AccountAdded` after a save, or None when cancelled."""

    DEFAULT_CSS = """
    AccountSetupScreen { align: center middle; }
    AccountSetupScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $primary;
        background: $surface;
    }
    AccountSetupScreen .setup-title { text-style: bold; margin-bottom: 1; }
    AccountSetupScreen .row { height: 1; margin-bottom: 1; }
    AccountSetupScreen .row Label { width: 14; }
    AccountSetupScreen .row Input { width: 1fr; }
    AccountSetupScreen RadioSet { layout: horizontal; width: 1fr; height: 1; }
    AccountSetupScreen RadioButton { margin-right: 2; }
    AccountSetupScreen #keyring-note { color: $text-muted; height: 1; }
    AccountSetupScreen #status { height: 3; }
    AccountSetupScreen #status.failed { color: $error; }
    AccountSetupScreen #status.ok { color: $success; }
    AccountSetupScreen .buttons { height: 1; align-horizontal: right; }
    AccountSetupScreen Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        service: SessionService,
        config_path: Path,
        *,
        probe_timeout: float = PROBE_TIMEOUT,
    ) -> None:
        super().__init__()
        self.service = service
        self.config_path = config_path
        self.probe_timeout = probe_timeout
        #: None until the keyring check is done.
        self.keyring_ok: bool | None = None
        self.status_text = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Add account", classes="setup-title")
            yield from self._row("Address", Input(placeholder="you@example.org", id="jid"))
            yield from self._row("Password", Input(password=True, id="password"))
            yield from self._row(
                "Server", Input(placeholder="optional host[:port]; empty: DNS", id="server")
            )
            yield from self._row(
                "CA file", Input(placeholder="optional PEM file of a private CA", id="ca-file")
            )
            with Horizontal(classes="row"):
                yield Label("")
                yield Checkbox("Direct TLS (XEP-0368)", id="direct-tls", compact=True)
            with Horizontal(classes="row"):
                yield Label("Password from")
                with RadioSet(id="password-from", compact=True):
                    yield RadioButton("keyring", id="from-keyring", disabled=True)
                    yield RadioButton("command", id="from-command")
                    yield RadioButton("ask each time", id="from-ask", value=True)
            yield Static(Text("Checking the system keyring...", end=""), id="keyring-note")
            yield from self._row(
                "Command",
                Input(placeholder="e.g. pass show xmpp/you", id="command", disabled=True),
            )
            yield Static("", id="status")
            with Horizontal(classes="buttons"):
                yield Button("Test connection", id="test", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Save", id="save", variant="primary", compact=True)

    @staticmethod
    def _row(label: str, field: Input) -> ComposeResult:
        field.compact = True
        with Horizontal(classes="row"):
            yield Label(label)
            yield field

    def on_mount(self) -> None:
        blink = bool(getattr(self.app, "cursor_blink", True))
        for field in self.query(Input):
            field.cursor_blink = blink
        self.query_one("#jid", Input).focus()
        self.check_keyring()

    # -- the keyring ---------------------------------------------------------------

    @work(exclusive=True, group="setup-keyring", exit_on_error=False)
    async def check_keyring(self) -> None:
        usable = await self.service.keyring_usable()
        self.keyring_ok = usable
        note = self.query_one("#keyring-note", Static)
        keyring = self.query_one("#from-keyring", RadioButton)
        if usable:
            keyring.disabled = False
            if self.query_one("#from-ask", RadioButton).value:
                keyring.value = True
            note.update(Text("The keyring keeps the password; none is written to a file."))
        else:
            note.update(Text(f"{NO_KEYRING}; use a command or type it at each start."))

    # -- reading the form ------------------------------------------------------------

    def password_from(self) -> PasswordFrom:
        pressed = self.query_one(RadioSet).pressed_button
        if pressed is not None and pressed.id == "from-keyring":
            return PasswordFrom.KEYRING
        if pressed is not None and pressed.id == "from-command":
            return PasswordFrom.COMMAND
        return PasswordFrom.ASK

    def form(self) -> AccountForm:
        def text(field_id: str) -> str:
            return self.query_one(f"#{field_id}", Input).value

        return AccountForm(
            jid=text("jid"),
            password=text("password"),
            server=text("server"),
            ca_file=text("ca-file"),
            direct_tls=self.query_one(Checkbox).value,
            password_from=self.password_from(),
            command=text("command"),
        )

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.query_one("#command", Input).disabled = (
            self.password_from() is not PasswordFrom.COMMAND
        )

    def say(self, text: str, kind: str = "") -> None:
        """The status line (sanitised: it may hold a server's words)."""
        self.status_text = text
        status = self.query_one("#status", Static)
        status.set_classes(kind)
        status.update(one_line(text))

    # -- buttons -------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "test":
            self.test_connection()
        elif event.button.id == "save":
            self.save()
        else:
            self.action_cancel()

    def on_key(self, event: events.Key) -> None:
        move_between_buttons(self, event)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _checked(self) -> tuple[AccountForm, AccountSettings] | None:
        form = self.form()
        try:
            return form, account_settings(form, existing=self.service.accounts)
        except UserFacingError as error:
            self.say(error_text(error.message, error.hint), "failed")
            return None

    @work(exclusive=True, group="setup-probe", exit_on_error=False)
    async def test_connection(self) -> None:
        checked = self._checked()
        if checked is None:
            return
        form, settings = checked
        try:
            if settings.password_command is not None:
                self.say("Running the password command...")
                password = await self.service.password_from_command(
                    settings.jid, settings.password_command
                )
            elif form.password:
                password = form.password
            else:
                raise UserFacingError("Password is empty", "Type it to test the connection")
        except UserFacingError as error:
            self.say(error_text(error.message, error.hint), "failed")
            return
        self.say(f"Connecting to {settings.host or settings.jid.split('@', 1)[1]}...")
        result = await self.service.probe_account(settings, password, timeout=self.probe_timeout)
        self.say(probe_text(result), "ok" if result.ok else "failed")

    @work(exclusive=True, group="setup-save", exit_on_error=False)
    async def save(self) -> None:
        checked = self._checked()
        if checked is None:
            return
        form, settings = checked
        button = self.query_one("#save", Button)
        button.disabled = True  # one save at a time
        try:
            await asyncio.to_thread(add_account, self.config_path, settings)
        except UserFacingError as error:
            self.say(error_text(error.message, error.hint), "failed")
            return
        except OSError as error:
            self.say(
                f"Cannot write {display_path(self.config_path)}: {error.strerror or error}",
                "failed",
            )
            return
        finally:
            button.disabled = False
        notes = [f"Added {settings.jid} to {display_path(self.config_path)}"]
        password = form.password or None
        if form.password_from is PasswordFrom.KEYRING:
            if not await self.service.remember_password(settings.jid, form.password):
                notes.append(
                    f"The keyring refused the password of {settings.jid}; "
                    "you will be asked for it at the next start"
                )
        elif form.password_from is PasswordFrom.COMMAND:
            password = None  # the command is the source, as at every start
        try:
            self.service.add_account(settings, password=password)
        except UserFacingError as error:
            notes.append(error_text(error.message, error.hint))
        self.dismiss(AccountAdded(settings.jid, tuple(notes)))


def open_setup(screen: MainScreen) -> None:
    """Show the "Add account" screen; on save, make room for the account in the main screen."""
    config_path = getattr(screen.app, "config_path", None) or default_config_path()

    def done(result: AccountAdded | None) -> None:
        if result is None:
            if not screen.service.accounts:
                screen.console_line("No account is set up yet: type /addaccount to add one")
            return
        screen.rosters.setdefault(result.jid, AccountRoster())
        if screen.console_account is None:
            screen.console_account = result.jid
        screen.update_placeholder()
        screen.refresh_roster()
        for note in result.notes:
            screen.info_line(note)

    screen.app.push_screen(AccountSetupScreen(screen.service, config_path), done)


def ask_remove(screen: MainScreen, account: str) -> None:
    """``/forgetaccount``: confirm, then remove it from the config file, the keyring and the run."""
    config_path = getattr(screen.app, "config_path", None) or default_config_path()
    title = Text.assemble("Remove the account ", one_line(account), "?")
    body = Text.assemble(
        "It is disconnected, its table leaves ",
        display_path(config_path),
        " and its password leaves the system keyring. Its message history stays, and the "
        "account on the server is not touched.",
    )

    def answered(choice: str | None) -> None:
        if choice == "remove":
            screen.run_worker(
                _remove(screen, account, config_path),
                group="account-remove",
                exit_on_error=False,
            )

    choices = [("remove", "Remove"), ("keep", "Keep")]
    screen.app.push_screen(ChoiceScreen(title, body, choices, default="keep"), answered)


async def _remove(screen: MainScreen, account: str, config_path: Path) -> None:
    try:
        in_file = await asyncio.to_thread(remove_account, config_path, account)
    except UserFacingError as error:
        screen.console_line(error_text(error.message, error.hint), "error")
        return
    except OSError as error:
        screen.console_line(
            f"Cannot write {display_path(config_path)}: {error.strerror or error}", "error"
        )
        return
    was_open = await screen.service.remove_account(account)
    in_keyring = await screen.service.forget_password(account)
    if not (in_file or was_open or in_keyring):
        screen.console_line(f"No account {account} to remove", "error")
        return
    done = [
        f"removed from {display_path(config_path)}" if in_file else "not in the config file",
        "its keyring entry deleted" if in_keyring else "no keyring entry",
    ]
    line = f"{account}: " + ", ".join(done)
    # After the events the stop published (same queue, in order): forget it on screen too.
    screen.app.call_later(_forget_on_screen, screen, account, line)


async def _forget_on_screen(screen: MainScreen, account: str, line: str) -> None:
    for pane in list(screen.deck.chats()):
        if pane.key.account == account:
            await screen.panes.close(pane.key)
    screen.rosters.pop(account, None)
    screen.certificates.pop(account, None)
    screen.status_bar.forget(account)
    if screen.console_account == account:
        remaining = screen.service.accounts
        screen.console_account = remaining[0] if remaining else None
    screen.update_placeholder()
    screen.refresh_roster()
    screen.info_line(line)
