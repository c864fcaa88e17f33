"""The right-hand pane switcher: pane 1 is the console, then one pane per open conversation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import tzinfo

from textual.widgets import ContentSwitcher

from xmpp_tui.core.models import AccountId
from xmpp_tui.ui.view_state import (
    ChatKey,
    PaneList,
    close_chat,
    cycle_pane,
    open_chat,
    select_pane,
    short_names,
)
from xmpp_tui.ui.widgets.chat_pane import ChatPane
from xmpp_tui.ui.widgets.console_pane import ConsolePane

CONSOLE_ID = "console"


class PaneDeck(ContentSwitcher):
    DEFAULT_CSS = """
    PaneDeck { height: 1fr; }
    """

    def __init__(
        self,
        *,
        tz: tzinfo | None,
        make_chat: Callable[[ChatKey, str], ChatPane],
        id: str | None = None,
    ) -> None:
        self.console = ConsolePane(tz=tz, id=CONSOLE_ID)
        super().__init__(self.console, initial=CONSOLE_ID, id=id)
        self._make_chat = make_chat  # (key, widget id) -> a new pane
        self._panes = PaneList()
        self._ids: dict[ChatKey, str] = {}
        self._serial = 0  # widget ids are never reused, so a closing pane cannot clash

    @property
    def panes(self) -> PaneList:
        return self._panes

    @property
    def active_chat(self) -> ChatKey | None:
        return self._panes.active_chat

    def chat(self, key: ChatKey) -> ChatPane | None:
        widget_id = self._ids.get(key)
        return self.get_child_by_id(widget_id, ChatPane) if widget_id else None

    def chats(self) -> Iterator[ChatPane]:
        for key in self._panes.chats:
            pane = self.chat(key)
            if pane is not None:
                yield pane

    def active_pane(self) -> ChatPane | None:
        key = self.active_chat
        return self.chat(key) if key else None

    async def open(self, key: ChatKey) -> ChatPane:
        """Show ``key``'s conversation, creating its pane on first use."""
        if key not in self._ids:
            self._serial += 1
            widget_id = f"chat-{self._serial}"
            pane = self._make_chat(key, widget_id)
            pane.display = False
            await self.mount(pane)
            self._ids[key] = widget_id
        self._show(open_chat(self._panes, key))
        opened = self.chat(key)
        assert opened is not None
        return opened

    async def close(self, key: ChatKey) -> None:
        widget_id = self._ids.pop(key, None)
        if widget_id is None:
            return
        self._show(close_chat(self._panes, key))
        await self.get_child_by_id(widget_id).remove()

    def select(self, index: int) -> None:
        self._show(select_pane(self._panes, index))

    def cycle(self, step: int) -> None:
        self._show(cycle_pane(self._panes, step))

    def _show(self, panes: PaneList) -> None:
        self._panes = panes
        key = panes.active_chat
        self.current = self._ids[key] if key else CONSOLE_ID

    def label(self, *, accounts: Sequence[AccountId] = ()) -> str:
        """``2/3 bob@example.org`` style position for the status bar; with several ``accounts``
        open, the pane's account too (``2/3 bob@example.org via alice``)."""
        key = self.active_chat
        where = key.peer if key else "console"
        if key is not None and len(accounts) > 1:
            where += f" via {short_names(accounts).get(key.account, key.account)}"
        return f"{self._panes.active + 1}/{self._panes.count} {where}"
