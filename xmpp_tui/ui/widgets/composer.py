"""The multi-line message input: Enter sends, Ctrl+J (or Shift+Enter) breaks the line.

It posts `Composer.Edited` when the user changes the draft (what drives "composing" and "paused",
XEP-0085), but not when sending clears it or a pane switch swaps it.

Up on the first line and Down on the last recall lines sent earlier; Tab completes a command name
at the start of the input and a JID anywhere else (repeated Tab cycles through the matches); in
a room's pane it completes an occupant's nick first ("al: " when it opens the line).

Up in an EMPTY composer asks the screen for our last message in the pane (`EditLastRequested`);
the screen either puts it in editing mode (`start_editing`: the border says so, Enter sends a
XEP-0308 correction, Esc cancels) or, with nothing to edit (the console), recalls as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from xmpp_tui.ui.view_state import common_prefix, complete_word

NEWLINE_KEYS = frozenset({"shift+enter", "ctrl+j"})
RECALL_LIMIT = 200


def message_text(text: str) -> str:
    """What is sent: trailing empty or blank lines go (a stray Ctrl+J), inner ones stay."""
    lines = text.split("\n")
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


@dataclass(slots=True)
class _Cycle:
    """An ongoing Tab cycle: which word is being replaced, by which candidates."""

    row: int
    start: int
    candidates: list[str]
    index: int


class Composer(TextArea):
    DEFAULT_CSS = """
    Composer {
        height: auto;
        min-height: 3;
        max-height: 7;
        border: tall $border-blurred;
        &:focus { border: tall $border; }
    }
    """

    class Submitted(Message):
        """The user pressed Enter on a non-empty input."""

        def __init__(
            self, text: str, *, correction: bool = False, target: int | None = None
        ) -> None:
            super().__init__()
            self.text = text
            #: The text corrects our last message (sent from editing mode).
            self.correction = correction
            #: The local id of the message being corrected (editing mode).
            self.target = target

    class EditLastRequested(Message):
        """Up in an empty input: edit our last message here, if there is one."""

    class Edited(Message):
        """The user changed the draft: typed, deleted, pasted, completed, recalled a line."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self,
        *,
        commands: Callable[[], Iterable[str]],
        jids: Callable[[], Iterable[str]],
        nicks: Callable[[], Iterable[str]] = tuple,
        id: str | None = None,
    ) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            placeholder="Type a message, or /help",
        )
        self._commands = commands  # "/msg", "/add", ...
        self._jids = jids
        self._nicks = nicks  # in a room's pane: its occupants, completed before JIDs
        self._sent: list[str] = []
        self._recall: int | None = None  # index into _sent while recalling
        self._draft = ""
        self._cycle: _Cycle | None = None
        #: The draft as last reported (or set without the user): a change from it is an edit.
        self._known_text = ""
        #: Editing our last message: Enter sends a correction, Esc cancels.
        self.editing = False
        #: The local id of the message being edited (None: the last one when sent).
        self.edit_target: int | None = None

    # -- keys ---------------------------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Report the user's edits; the Changed that sending or a draft swap caused is not one.

        The text is compared when the message is handled, so the check holds however many
        changes are queued: a programmatic change has already updated ``_known_text``.
        """
        if event.text_area is not self or self.text == self._known_text:
            return
        self._known_text = self.text
        self.post_message(self.Edited(self.text))

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key != "tab":
            self._cycle = None
        handled = True
        if key == "enter":
            self.submit()
        elif key in NEWLINE_KEYS:
            start, end = self.selection
            self.replace("\n", start, end)
        elif key == "tab":
            handled = self.complete()
        elif key == "escape" and self.editing:
            self.stop_editing()
        elif key in ("up", "down") and self.editing:
            handled = False  # move within the text being edited
        elif key == "up" and not self.text and self._recall is None:
            self.post_message(self.EditLastRequested())
        elif key == "up" and self.cursor_location[0] == 0:
            handled = self.recall(-1)
        elif key == "down" and self.cursor_location[0] == self.document.line_count - 1:
            handled = self.recall(+1)
        else:
            handled = False
        if handled:
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def submit(self) -> None:
        text = message_text(self.text)
        if not text.strip():
            return
        if not self._sent or self._sent[-1] != text:
            self._sent = [*self._sent, text][-RECALL_LIMIT:]
        self._recall = None
        self._draft = ""
        correction, target = self.editing, self.edit_target
        self.stop_editing()
        self.clear()
        self._known_text = ""  # emptied by sending, not by the user
        self.post_message(self.Submitted(text, correction=correction, target=target))

    def start_editing(self, text: str, target: int | None = None) -> None:
        """Load our last message (local id ``target``) to correct it; the border says what
        Enter will do."""
        self.editing = True
        self.edit_target = target
        self.border_title = "editing your last message: Enter corrects it, Esc cancels"
        self.set_draft(text)
        self._known_text = text  # loaded, not typed

    def stop_editing(self) -> None:
        """Leave editing mode; Esc also empties the input (the edit is dropped)."""
        if not self.editing:
            return
        self.editing = False
        self.edit_target = None
        self.border_title = None
        self.clear()
        self._known_text = ""

    def swap_draft(self, text: str) -> str:
        """Put ``text`` in the input and return what was there (another pane's draft).

        Recalling sent lines and Tab cycling start over: they belonged to the other draft.
        """
        previous = "" if self.editing else self.text  # an edit does not become a draft
        self.stop_editing()
        self._recall, self._draft, self._cycle = None, "", None
        self.set_draft(text)
        self._known_text = text  # another pane's draft, not an edit
        return previous

    def set_draft(self, text: str) -> None:
        """Replace the input (used by the command palette) and put the cursor at the end."""
        self.load_text(text)
        self.move_cursor(self.document.end)

    # -- sent-line recall ---------------------------------------------------------------

    def recall(self, step: int) -> bool:
        """Move through sent lines; False when there is nothing to move to (key falls through)."""
        if not self._sent:
            return False
        if self._recall is None:
            if step > 0:
                return False
            self._draft = self.text
            index = len(self._sent) - 1
        else:
            index = self._recall + step
        if index < 0:
            return True  # already at the oldest: stay
        if index >= len(self._sent):
            self._recall = None
            self.set_draft(self._draft)
            return True
        self._recall = index
        self.set_draft(self._sent[index])
        return True

    # -- completion ---------------------------------------------------------------------

    def complete(self) -> bool:
        """Complete the word before the cursor (a nick in a room first, then a JID); False lets
        Tab move focus when there is none."""
        row, column = self.cursor_location
        before = self.document.get_line(row)[:column]
        start = len(before) - len(before.split(" ")[-1])
        word = before[start:]
        cycle = self._cycle
        if cycle and (cycle.row, cycle.start) == (row, start) and word in cycle.candidates:
            cycle.index = (cycle.index + 1) % len(cycle.candidates)
            self._put(row, start, column, cycle.candidates[cycle.index])
            return True
        if not word and not self.text.strip():
            return False
        is_command = row == 0 and start == 0 and word.startswith("/")
        nicks = [] if is_command else complete_word(word, self._nicks())
        candidates = nicks or complete_word(word, self._commands() if is_command else self._jids())
        if not candidates:
            self.app.bell()
            return True
        if len(candidates) == 1:
            # A nick opening the line addresses its occupant: "al: " (IRC habit).
            addressed = nicks and (row, start) == (0, 0)
            self._put(row, start, column, candidates[0] + (": " if addressed else " "))
            return True
        prefix = common_prefix(candidates)
        if len(prefix) > len(word):
            self._put(row, start, column, prefix)
        else:
            self._cycle = _Cycle(row, start, candidates, 0)
            self._put(row, start, column, candidates[0])
        return True

    def _put(self, row: int, start: int, end: int, text: str) -> None:
        self.replace(text, (row, start), (row, end))
