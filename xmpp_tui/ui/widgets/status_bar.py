"""The bottom line: which pane is shown, then each account's connection state and presence.

The pane position comes first so it never falls off the end. With one account the line has room
for the whole story (``alice@example.org: failed: wrong password``); with several, each account
gets a short name and a short state (``alice: online | bob@x: retry 4s | carol: failed``) and the
details stay in the console. An account whose server was told the user is not looking
(XEP-0352 ``inactive``) says ``inactive`` after its state: the server is then holding back
presence updates and chat states until the terminal has focus again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from xmpp_tui.core.clock import Clock
from xmpp_tui.core.events import SyncProgress
from xmpp_tui.core.models import AccountId, ConnectionState, Show
from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.theme_roles import role
from xmpp_tui.ui.view_state import ConnectionView, connection_label, short_names

_STATE_STYLES = {
    ConnectionState.ONLINE: role("state-online"),
    ConnectionState.CONNECTING: role("state-connecting"),
    ConnectionState.RECONNECTING: role("state-connecting"),
    ConnectionState.FAILED: role("state-failed"),
    ConnectionState.DISCONNECTED: role("state-offline"),
}
_SHORT_STATES = {
    ConnectionState.ONLINE: "online",
    ConnectionState.CONNECTING: "connecting",
    ConnectionState.RECONNECTING: "retrying",
    ConnectionState.FAILED: "failed",
    ConnectionState.DISCONNECTED: "offline",
}
#: Our own presence while online, as the status bar says it ("available" is just "online").
_OWN_SHOW = {
    Show.AVAILABLE: "online",
    Show.CHAT: "chat",
    Show.AWAY: "away",
    Show.XA: "xa",
    Show.DND: "dnd",
}


def short_label(view: ConnectionView, now: datetime, show: Show | None = None) -> str:
    """``online``, ``away``, ``connecting``, ``retry 4s``, ``failed``, ``offline``."""
    if view.state is ConnectionState.ONLINE and show is not None:
        return _OWN_SHOW.get(show, "online")
    if view.state is ConnectionState.RECONNECTING and view.next_attempt_at is not None:
        return f"retry {max(0, round((view.next_attempt_at - now).total_seconds()))}s"
    return _SHORT_STATES[view.state]


def sync_label(progress: SyncProgress) -> str:
    """``sync 1,200/10,000 msgs`` (or ``sync 1,200 msgs`` when the server gave no count)."""
    total = f"/{progress.total:,}" if progress.total else ""
    return f"sync {progress.messages:,}{total} msgs"


def status_text(
    connections: Mapping[AccountId, ConnectionView],
    pane: str,
    now: datetime,
    presences: Mapping[AccountId, Show] | None = None,
    syncs: Mapping[AccountId, SyncProgress] | None = None,
    inactive: Collection[AccountId] = (),
) -> Text:
    presences, syncs = presences or {}, syncs or {}
    parts: list[Text] = []
    names = short_names(list(connections))
    for account, view in connections.items():
        show = presences.get(account)
        if len(connections) == 1:
            label = connection_label(view, now)
            if view.state is ConnectionState.ONLINE and show is not None:
                label = _OWN_SHOW.get(show, label)
            name = account
        else:
            label, name = short_label(view, now, show), names[account]
        part = Text.assemble(one_line(name), ": ", one_line(label, _STATE_STYLES[view.state]))
        if account in inactive and view.state is ConnectionState.ONLINE:
            part.append(" inactive", style="dim")
        progress = syncs.get(account)
        if progress is not None:
            part.append(f" {sync_label(progress)}", style=role("sync"))
        parts.append(part)
    text = one_line(f"[{pane}]", "bold")
    if parts:
        text.append("  ")
        text.append_text(Text(" | ").join(parts))
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
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(
        self, *, clock: Clock, accounts: Sequence[AccountId] = (), id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self._clock = clock
        # In the config file's order, whichever account reports first.
        self._connections: dict[AccountId, ConnectionView] = {
            account: ConnectionView() for account in accounts
        }
        self._presences: dict[AccountId, Show] = {}
        self._syncs: dict[AccountId, SyncProgress] = {}
        self._inactive: set[AccountId] = set()
        self._pane = "1"

    def on_mount(self) -> None:
        # Counts down "reconnecting in 12s"; cheap when nothing is reconnecting.
        self.set_interval(1.0, self._tick)

    def set_connection(self, account: AccountId, view: ConnectionView) -> None:
        self._connections[account] = view
        self._redraw()

    def connection_labels(self) -> dict[AccountId, str]:
        """Each account's connection state in a few words, as of now (for ``/account``)."""
        now = self._clock()
        return {account: connection_label(view, now) for account, view in self._connections.items()}

    def forget(self, account: AccountId) -> None:
        """The account was removed (/forgetaccount): it leaves the bar."""
        self._connections.pop(account, None)
        self._presences.pop(account, None)
        self._syncs.pop(account, None)
        self._inactive.discard(account)
        self._redraw()

    def set_presence(self, account: AccountId, show: Show) -> None:
        self._presences[account] = show
        self._redraw()

    def set_sync(self, account: AccountId, progress: SyncProgress | None) -> None:
        """A running archive catch-up (None: it ended)."""
        if progress is None:
            self._syncs.pop(account, None)
        else:
            self._syncs[account] = progress
        self._redraw()

    def set_client_state(self, account: AccountId, *, active: bool) -> None:
        """What the account's server was last told (XEP-0352)."""
        if active:
            self._inactive.discard(account)
        else:
            self._inactive.add(account)
        self._redraw()

    def set_pane(self, label: str) -> None:
        self._pane = label
        self._redraw()

    def restyle(self) -> None:
        self._redraw()

    def _tick(self) -> None:
        if any(v.next_attempt_at for v in self._connections.values()):
            self._redraw()

    @property
    def plain(self) -> str:
        return self._text().plain

    def _text(self) -> Text:
        return status_text(
            self._connections,
            self._pane,
            self._clock(),
            self._presences,
            self._syncs,
            self._inactive,
        )

    def _redraw(self) -> None:
        self.update(self._text())
