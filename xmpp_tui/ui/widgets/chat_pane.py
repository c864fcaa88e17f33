"""One conversation pane: a header (who, presence, resource, status) over the history."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from xmpp_tui.core.models import ContactPresence, Delivery, StoredMessage
from xmpp_tui.ui.render import one_line, presence_text, safe_name
from xmpp_tui.ui.view_state import ChatKey
from xmpp_tui.ui.widgets.history_view import HistoryView, PageLoader


def header_text(name: str, jid: str, presence: ContactPresence) -> Text:
    """Two lines: display name and bare JID; presence, best resource and status text."""
    first = one_line(name, "bold")
    if name != jid:  # the bare JID is always shown: a name alone can impersonate
        first = Text.assemble(first, "  ", one_line(jid, "dim"))
    second = presence_text(presence.show)
    best = presence.best
    if best is not None:
        second.append("  /")
        second.append_text(safe_name(best.resource))
        if best.status:
            second.append("  ")
            second.append_text(one_line(best.status, "italic"))
    return Text("\n").join([first, second])


class ChatPane(Vertical):
    DEFAULT_CSS = """
    ChatPane { height: 1fr; }
    ChatPane > .chat-header {
        height: 2;
        padding: 0 1;
        background: $panel;
    }
    """

    def __init__(
        self,
        key: ChatKey,
        *,
        load_page: PageLoader,
        name: str,
        presence: ContactPresence,
        tz: tzinfo | None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.key = key
        self._name = name
        self._presence = presence
        self._history = HistoryView(load_page=load_page, peer_name=name, tz=tz)
        self._header = Static(header_text(name, key.peer, presence), classes="chat-header")

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._history

    @property
    def history(self) -> HistoryView:
        return self._history

    def update_contact(self, name: str, presence: ContactPresence) -> None:
        self._name, self._presence = name, presence
        self._header.update(header_text(name, self.key.peer, presence))
        self._history.set_peer_name(name)

    def add_message(self, message: StoredMessage) -> None:
        self._history.add_message(message)

    def set_delivery(self, message_id: int, delivery: Delivery) -> None:
        self._history.set_delivery(message_id, delivery)
