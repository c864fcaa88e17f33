"""The activity view (F2 or ``/activity``) and Alt+A, the jump to the next unread conversation.

`ActivityTracker` belongs to the main screen: it keeps, per conversation, when its newest unread
message came and whether a room line named our nick (`ui/activity.py` has the pure logic), and
redraws the view while it is open (the main screen calls `refresh` with every roster refresh,
which is when unread counts change: a message arriving, a pane read here or on another device).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from xmpp_tui.core.models import Direction, StoredMessage
from xmpp_tui.ui.activity import (
    ActivityEntry,
    ActivityMark,
    activity_entries,
    entry_line,
    next_unread,
    note_unread,
    prune,
    summary,
)
from xmpp_tui.ui.mention_alerts import mentioned
from xmpp_tui.ui.view_state import AccountRoster, ChatKey, short_names

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen

HINT = "Enter: open   Alt+A: next unread   Esc: close"


class ActivityScreen(ModalScreen[ChatKey | None]):
    """Conversations with unread messages, newest first; dismisses with the one chosen."""

    DEFAULT_CSS = """
    ActivityScreen { align: center middle; }
    ActivityScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    ActivityScreen .activity-title { text-style: bold; }
    ActivityScreen OptionList { height: auto; max-height: 16; }
    ActivityScreen .activity-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("alt+a", "next_unread", "Next unread", show=False),
    ]

    def __init__(self, tracker: ActivityTracker) -> None:
        super().__init__()
        self.tracker = tracker
        self.keys: list[ChatKey] = []
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Activity"), classes="activity-title")
            yield OptionList()
            yield Static(Text(HINT), classes="activity-hint")

    def on_mount(self) -> None:
        self.show(self.tracker.entries())
        self.query_one(OptionList).focus()

    def show(self, entries: Sequence[ActivityEntry]) -> None:
        """Redraw the list, keeping the highlight on the same conversation when it is still
        there."""
        options = self.query_one(OptionList)
        index = options.highlighted
        before = self.keys[index] if index is not None and 0 <= index < len(self.keys) else None
        self.keys = [entry.key for entry in entries]
        self.lines = self.tracker.lines(entries)
        title = Text.assemble("Activity: ", summary(entries))
        self.query_one(".activity-title", Static).update(title)
        options.clear_options()
        if not entries:
            options.add_option(Option(Text("Nothing unread"), disabled=True))
            return
        options.add_options(Option(Text(line)) for line in self.lines)
        options.highlighted = self.keys.index(before) if before in self.keys else 0

    @on(OptionList.OptionSelected)
    def on_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.keys):
            self.dismiss(self.keys[event.option_index])

    def action_next_unread(self) -> None:
        key = next_unread(self.tracker.entries(), self.tracker.screen.deck.active_chat)
        if key is not None:
            self.dismiss(key)

    def action_close(self) -> None:
        self.dismiss(None)


class ActivityTracker:
    """The main screen's unread activity across accounts: marks, the view, Alt+A."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.marks: dict[ChatKey, ActivityMark] = {}
        #: Newest stored message per conversation, for what was unread before this run.
        self._earlier: dict[ChatKey, datetime] | None = None
        self.view: ActivityScreen | None = None

    def note(self, key: ChatKey, messages: Sequence[StoredMessage], roster: AccountRoster) -> None:
        """Unread ``messages`` arrived in ``key`` (the pane is not being read)."""
        incoming = [m for m in messages if m.direction is Direction.INCOMING]
        if not incoming:
            return
        info = roster.rooms.get(key.peer)
        mention = info is not None and mentioned(incoming, info.nick, self.screen.clock())
        newest = max(m.timestamp for m in incoming)
        self.marks = note_unread(self.marks, key, newest, mention)

    def entries(self) -> list[ActivityEntry]:
        self.marks = prune(self.marks, self.screen.rosters)
        return activity_entries(self.screen.rosters, self.marks, self._earlier_times())

    def lines(self, entries: Sequence[ActivityEntry]) -> list[str]:
        accounts = self.screen.service.accounts
        names = short_names(accounts) if len(accounts) > 1 else {}
        now = self.screen.clock()
        return [
            entry_line(entry, now, self.screen.tz, names.get(entry.key.account))
            for entry in entries
        ]

    def _earlier_times(self) -> dict[ChatKey, datetime]:
        if self._earlier is None:
            service = self.screen.service
            self._earlier = {
                ChatKey(account, peer): when
                for account in service.accounts
                for peer, when in service.conversation_times(account).items()
            }
        return self._earlier

    def refresh(self) -> None:
        """Unread counts may have changed: redraw the view if it is open."""
        if self.view is not None and self.view.is_attached:
            self.view.show(self.entries())

    def show(self) -> None:
        """Open the view (F2, ``/activity``); Enter there opens the conversation."""
        if self.view is not None and self.view.is_attached:
            return
        view = ActivityScreen(self)
        self.view = view

        async def chosen(key: ChatKey | None) -> None:
            self.view = None
            if key is not None:
                await self.screen.panes.open_chat(key)

        self.screen.app.push_screen(view, chosen)

    async def jump(self) -> None:
        """Alt+A: the next unread conversation (see `ui/activity.py` for the order)."""
        key = next_unread(self.entries(), self.screen.deck.active_chat)
        if key is None:
            self.screen.notify("No other conversation has unread messages", markup=False)
            return
        await self.screen.panes.open_chat(key)
