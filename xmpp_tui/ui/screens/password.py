"""Ask for an account's password (no password command, no keyring entry, or it was wrong)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.screens.choice import move_between_buttons

#: Why the prompt comes at every start on a machine without a keyring (SSH, a server, tmux).
NO_KEYRING_NOTE = (
    "No system keyring is available, so the password is asked at each start; "
    "set password_command in config.toml to avoid typing it."
)


class PasswordScreen(ModalScreen[str | None]):
    """Dismisses with the typed password, or None when cancelled (Escape)."""

    DEFAULT_CSS = """
    PasswordScreen { align: center middle; }
    PasswordScreen > Vertical {
        width: 60;
        max-width: 100%;
        height: auto;
        padding: 1 2;
        border: thick $primary;
        background: $surface;
    }
    PasswordScreen .prompt-title { text-style: bold; }
    PasswordScreen .prompt-reason { color: $warning; }
    PasswordScreen .prompt-note { color: $text-muted; }
    PasswordScreen Horizontal { height: auto; align-horizontal: right; }
    PasswordScreen Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, account: str, reason: str = "", *, note: str = "") -> None:
        super().__init__()
        self.account = account
        self.reason = reason
        self.note = note  # our own text: why we ask

    def compose(self) -> ComposeResult:
        with Vertical():
            title = Text("Password for ")
            title.append_text(one_line(self.account))
            yield Static(title, classes="prompt-title")
            if self.reason:
                yield Static(one_line(self.reason), classes="prompt-reason")
            if self.note:
                yield Static(Text(self.note), classes="prompt-note", id="password-note")
            yield Input(password=True, placeholder="password", id="password")
            yield Static(Text("Enter logs in; Escape leaves the account offline.", style="dim"))
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Log in", id="ok", variant="primary")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        password = self.query_one(Input).value
        if password:
            self.dismiss(password)

    def on_key(self, event: events.Key) -> None:
        move_between_buttons(self, event)

    def action_cancel(self) -> None:
        self.dismiss(None)
