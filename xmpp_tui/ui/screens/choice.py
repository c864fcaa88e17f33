"""A small modal question with a few buttons (subscription request, save password)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static


def move_between_buttons(screen: Screen[Any], event: events.Key) -> None:
    """Left and Right move between a prompt's buttons (Tab and Shift+Tab still do too)."""
    if event.key not in ("left", "right") or not isinstance(screen.focused, Button):
        return  # in a text field, Left and Right move the cursor
    buttons = list(screen.query(Button))
    index = buttons.index(screen.focused) + (1 if event.key == "right" else -1)
    if 0 <= index < len(buttons):
        buttons[index].focus()
    event.stop()


class ChoiceScreen(ModalScreen[str | None]):
    """Dismisses with the chosen button's id, or None on Escape.

    The prompt is pushed while the user may be typing, so a key meant for the composer can land on
    it: ``default`` names the button that gets focus, and must be the harmless answer.
    """

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        padding: 1 2;
        border: thick $primary;
        background: $surface;
    }
    ChoiceScreen .prompt-title { text-style: bold; }
    ChoiceScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ChoiceScreen Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Later")]

    def __init__(
        self, title: Text, body: Text, choices: Sequence[tuple[str, str]], *, default: str
    ) -> None:
        """``title`` and ``body`` must already be safe `Text`; ``choices`` are (id, label)."""
        super().__init__()
        if default not in {choice_id for choice_id, _ in choices}:
            raise ValueError(f"default {default!r} is not one of the choices")
        self._title = title
        self._body = body
        self._choices = tuple(choices)
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, classes="prompt-title")
            yield Static(self._body)
            with Horizontal():
                for choice_id, label in self._choices:
                    yield Button(Text(label), id=choice_id)

    def on_mount(self) -> None:
        self.query_one(f"#{self.default}", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id)

    def on_key(self, event: events.Key) -> None:
        move_between_buttons(self, event)

    def action_cancel(self) -> None:
        self.dismiss(None)
