"""Switching panes for the main screen: one composer draft per pane, read marks, status line.

Every way of changing the visible pane (Alt+n, Ctrl+N/P, /msg, Enter on the roster, /close,
/help) goes through :meth:`PaneControl.switch`, which keeps what was typed with the pane it was
typed in: a half-written message never follows the user into another conversation. It also
tells `OwnChatStates` which conversation went behind (inactive) or was closed (gone).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from xmpp_tui.core.commands import MarkRead
from xmpp_tui.ui.view_state import AccountRoster, ChatKey, clear_unread

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen

#: The console's draft is kept under this key; conversations under their `ChatKey`.
CONSOLE = None


class PaneControl:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.drafts: dict[ChatKey | None, str] = {}
        #: Panes whose draft is an edit of our message (local id): it stays an edit.
        self.edits: dict[ChatKey | None, int | None] = {}

    async def switch(self, change: Callable[[], Awaitable[object] | None]) -> None:
        """Run ``change`` (a deck operation), keeping each pane's draft with its pane."""
        screen = self.screen
        leaving = screen.deck.active_chat
        self.drafts[leaving] = screen.composer.text
        self.edits.pop(leaving, None)
        if screen.composer.editing:
            self.edits[leaving] = screen.composer.edit_target
        result = change()
        if result is not None:
            await result
        arriving = screen.deck.active_chat
        closed = leaving not in screen.deck.panes.chats and leaving is not CONSOLE
        if closed:
            self.drafts.pop(leaving, None)  # closed: its draft goes with it
            self.edits.pop(leaving, None)
        screen.chat_states.switched(leaving, arriving, closed=closed)
        if arriving != leaving:
            screen.composer.swap_draft(self.drafts.pop(arriving, ""))
            if arriving in self.edits:  # still an edit of that message, not a new one
                screen.composer.start_editing(screen.composer.text, self.edits.pop(arriving))
        self.after_switch()

    async def open_chat(self, key: ChatKey) -> None:
        await self.switch(lambda: self.screen.deck.open(key))
        self.screen.composer.focus()

    async def close(self, key: ChatKey) -> None:
        await self.switch(lambda: self.screen.deck.close(key))

    async def select(self, index: int) -> None:
        await self.switch(lambda: self.screen.deck.select(index))

    async def cycle(self, step: int) -> None:
        await self.switch(lambda: self.screen.deck.cycle(step))

    def after_switch(self) -> None:
        """The visible pane changed: clear its unread count and update the status bar."""
        screen = self.screen
        key = screen.deck.active_chat
        if key is not None and self.is_read(key):
            self.mark_read(key)
        screen.status_bar.set_pane(screen.deck.label(accounts=screen.service.accounts))
        screen.update_placeholder()

    def is_read(self, key: ChatKey) -> bool:
        """What arrives in ``key`` is read: its pane is in front, at the bottom, the app focused."""
        screen = self.screen
        if screen.deck.active_chat != key or not screen.app.app_focus:
            return False
        pane = screen.deck.chat(key)
        return pane is None or pane.history.unseen_below == 0

    def mark_read(self, key: ChatKey) -> None:
        screen = self.screen
        roster = screen.rosters.setdefault(key.account, AccountRoster())
        if roster.unread.get(key.peer):
            screen.rosters[key.account] = clear_unread(roster, key.peer)
            screen.refresh_roster()
            screen.execute(MarkRead(account=key.account, peer=key.peer))

    def refresh_read(self) -> None:
        """Focus came back, or the history reached the bottom: the visible pane is read now."""
        key = self.screen.deck.active_chat
        if key is not None and self.is_read(key):
            self.mark_read(key)
