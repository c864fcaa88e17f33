"""One conversation pane: a header (who, presence, what they are doing, resource, status) over
the history."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from xmpp_tui.core.models import ChatState, ContactPresence, Delivery, StoredMessage
from xmpp_tui.ui.render import jid_text, one_line, presence_text, safe_name
from xmpp_tui.ui.theme_roles import role
from xmpp_tui.ui.view_state import ChatKey
from xmpp_tui.ui.widgets.history_view import HistoryView, PageLoader

#: Shown instead of "offline" for someone who does not share their presence with us.
NOT_SHARED = "presence not shared"

#: The header's second line for a contact on the block list (XEP-0191).
BLOCKED_TEXT = "⊘ blocked"
#: After :data:`BLOCKED_TEXT`: how to undo it.
BLOCKED_HINT = "/unblock to write to them"

#: The contact's chat state (XEP-0085) in the header; nothing while they are simply active.
PEER_STATE_TEXT: dict[ChatState, tuple[str, str]] = {
    ChatState.COMPOSING: ("typing…", "bold"),
    ChatState.PAUSED: ("stopped typing", "italic"),
    ChatState.INACTIVE: ("away from the chat", "dim italic"),
    ChatState.GONE: ("closed the chat", "dim italic"),
}


def header_text(
    name: str,
    jid: str,
    presence: ContactPresence,
    *,
    shared: bool = True,
    via: str | None = None,
    state: ChatState = ChatState.ACTIVE,
    blocked: bool = False,
) -> Text:
    """Two lines: display name, bare JID (and the account when several are open); presence, chat
    state ("typing…"), best resource and status text. Each line is cut with "…" by the header's
    CSS, never wrapped, so the chat state comes before the remote, possibly long, status.

    For a blocked contact the second line only says so: nothing flows either way."""
    first = one_line(name, "bold")
    if name != jid:  # the bare JID is always shown: a name alone can impersonate
        first = Text.assemble(first, "  ", jid_text(jid, "dim"))
    else:
        first = jid_text(jid, "bold")
    if via:
        first = Text.assemble(first, "  via ", one_line(via, "italic"))
    if blocked:
        second = Text.assemble((BLOCKED_TEXT, role("error")), "  ", (BLOCKED_HINT, "dim"), end="")
        return Text("\n").join([first, second])
    doing = PEER_STATE_TEXT.get(state)
    if not shared and presence.best is None:
        off = role("presence-offline")
        second = Text.assemble(("○ ", off), (NOT_SHARED, off), end="")
        if doing is not None:
            second.append("  ")
            second.append(*doing)
        return Text("\n").join([first, second])
    second = presence_text(presence.show)
    if doing is not None:
        second.append("  ")
        second.append(*doing)
    best = presence.best
    if best is not None:
        second.append("  /")
        second.append_text(safe_name(best.resource))
        if best.status:
            second.append("  ")
            second.append_text(one_line(best.status, "italic"))
    return Text("\n").join([first, second])


class ChatPane(Vertical):
    class OlderWanted(Message):
        """The history is at its top and the store has nothing older: ask the archive."""

        def __init__(self, key: ChatKey) -> None:
            super().__init__()
            self.key = key

    DEFAULT_CSS = """
    ChatPane { height: 1fr; }
    ChatPane > .chat-header {
        height: 2;
        padding: 0 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    ChatPane > .new-below {
        display: none;
        height: 1;
        padding: 0 1;
        background: $accent-muted;
        text-style: bold;
    }
    ChatPane > .new-below.-shown { display: block; }
    """

    def __init__(
        self,
        key: ChatKey,
        *,
        load_page: PageLoader,
        name: str,
        presence: ContactPresence,
        tz: tzinfo | None,
        shared: bool = True,
        blocked: bool = False,
        via: str | None = None,
        gaps: frozenset[int] = frozenset(),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.key = key
        self._via = via
        self._contact_name, self._presence, self._shared = name, presence, shared
        self._blocked = blocked
        self._peer_state = ChatState.ACTIVE
        self._history = HistoryView(load_page=load_page, peer_name=name, tz=tz, gaps=gaps)
        self._header = Static(self._header_text(), classes="chat-header")
        self._new_below = Static("", classes="new-below")

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._history
        yield self._new_below

    @property
    def header(self) -> Static:
        return self._header

    @property
    def new_below(self) -> Static:
        return self._new_below

    def on_history_view_unseen_changed(self, event: HistoryView.UnseenChanged) -> None:
        """Scrolled up while messages arrived: say how many wait below."""
        count = event.count
        noun = "message" if count == 1 else "messages"
        self._new_below.update(Text(f"↓ {count} new {noun}"))
        self._new_below.set_class(count > 0, "-shown")

    def on_history_view_older_wanted(self, event: HistoryView.OlderWanted) -> None:
        event.stop()
        self.post_message(self.OlderWanted(self.key))

    @property
    def history(self) -> HistoryView:
        return self._history

    @property
    def peer_state(self) -> ChatState:
        """What the contact is doing in this conversation (XEP-0085)."""
        return self._peer_state

    @property
    def blocked(self) -> bool:
        """Whether the contact is on the account's block list (the header says so)."""
        return self._blocked

    def update_contact(
        self, name: str, presence: ContactPresence, *, shared: bool = True, blocked: bool = False
    ) -> None:
        self._contact_name, self._presence, self._shared = name, presence, shared
        self._blocked = blocked
        self._header.update(self._header_text())
        self._history.set_peer_name(name)

    def set_peer_state(self, state: ChatState) -> None:
        if state is not self._peer_state:
            self._peer_state = state
            self._header.update(self._header_text())

    def restyle(self) -> None:
        self._header.update(self._header_text())

    def _header_text(self) -> Text:
        return header_text(
            self._contact_name,
            self.key.peer,
            self._presence,
            shared=self._shared,
            via=self._via,
            state=self._peer_state,
            blocked=self._blocked,
        )

    def add_message(self, message: StoredMessage) -> None:
        self._history.add_message(message)

    def add_messages(self, messages: list[StoredMessage]) -> None:
        self._history.add_messages(messages)

    def set_delivery(self, message_id: int, delivery: Delivery) -> None:
        self._history.set_delivery(message_id, delivery)
