"""The bottom line: each account's connection state, and which pane is shown."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from xmpp_tui.core.clock import Clock
from xmpp_tui.core.models import AccountId, ConnectionState
from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.view_state import ConnectionView, connection_label

_STATE_STYLES = {
    ConnectionState.ONLINE: "green",
    ConnectionState.CONNECTING: "yellow",
    ConnectionState.RECONNECTING: "yellow",
    ConnectionState.FAILED: "bold red",
    ConnectionState.DISCONNECTED: "dim",
}


def status_text(connections: Mapping[AccountId, ConnectionView], pane: str, now: datetime) -> Text:
    parts: list[Text] = []
    for account, view in connections.items():
        label = connection_label(view, now)
        parts.append(
            Text.assemble(one_line(account), ": ", one_line(label, _STATE_STYLES[view.state]))
        )
    text = Text(" | ").join(parts)
    text.append_text(one_line(f"  [{pane}]", "bold"))
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """

    def __init__(self, *, clock: Clock, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._connections: dict[AccountId, ConnectionView] = {}
        self._pane = "1"

    def on_mount(self) -> None:
        # Counts down "reconnecting in 12s"; cheap when nothing is reconnecting.
        self.set_interval(1.0, self._tick)

    def set_connection(self, account: AccountId, view: ConnectionView) -> None:
        self._connections[account] = view
        self._redraw()

    def set_pane(self, label: str) -> None:
        self._pane = label
        self._redraw()

    def _tick(self) -> None:
        if any(v.next_attempt_at for v in self._connections.values()):
            self._redraw()

    @property
    def plain(self) -> str:
        return status_text(self._connections, self._pane, self._clock()).plain

    def _redraw(self) -> None:
        self.update(status_text(self._connections, self._pane, self._clock()))
