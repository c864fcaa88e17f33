"""A room pane (XEP-0045): the chat pane's history and composer flow, with a header for a room:
its name and address, whether we are in it and under which nick, how many occupants, the
subject. Lines show each occupant's nick (render.py), and a message naming our nick is
highlighted."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal

from xmpp_tui.core.models import Affiliation, ChatState, ContactPresence, Role, RoomInfo
from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.theme_roles import role
from xmpp_tui.ui.view_state import ChatKey
from xmpp_tui.ui.widgets.chat_pane import ChatPane
from xmpp_tui.ui.widgets.history_view import PageLoader
from xmpp_tui.ui.widgets.occupant_list import OccupantList

#: Narrower than this, a room's pane shows no occupant list (Tab still completes nicks).
MIN_WIDTH_WITH_LIST = 50

#: The header's second line while we are not in the room.
NOT_JOINED = "not joined: /join to enter"


def room_header_text(room: str, info: RoomInfo | None, *, via: str | None = None) -> Text:
    """Two lines: ``name  room@service``; ``● in as nick  N occupants  subject``."""
    name = (info.name if info else "") or room
    first = one_line(name, "bold")
    if name != room:
        first = Text.assemble(first, "  ", one_line(room, "dim"))
    if via:
        first = Text.assemble(first, "  via ", one_line(via, "italic"))
    if info is None or not info.joined:
        second = Text.assemble(("○ ", role("room-left")), end="")
        if info is not None and info.left:  # kicked, banned, ...: by whom and why, in view
            second.append_text(one_line(info.left, "bold"))
            second.append("; ")
        second.append(NOT_JOINED, style=role("room-left"))
    else:
        count = len(info.occupants)
        noun = "occupant" if count == 1 else "occupants"
        second = Text.assemble(
            ("● ", role("room-joined")), "in as ", one_line(info.nick, "bold"), end=""
        )
        second.append(_own_standing(info))
        second.append(f"  {count} {noun}")
    if info is not None and info.subject:
        second.append("  ")
        second.append_text(one_line(info.subject, "italic"))
    return Text("\n").join([first, second])


def _own_standing(info: RoomInfo) -> str:
    """`` (owner, moderator)``: our affiliation and role when they are more than the usual."""
    own = next((p for p in info.people if p.nick == info.nick), None)
    if own is None:
        return ""
    words = [own.affiliation.value] if own.affiliation is not Affiliation.NONE else []
    if own.role is not Role.PARTICIPANT:
        words.append(own.role.value)
    return f" ({', '.join(words)})" if words else ""


class RoomPane(ChatPane):
    DEFAULT_CSS = """
    RoomPane > .room-body { height: 1fr; }
    RoomPane > .room-body > HistoryView { width: 1fr; }
    """

    def __init__(
        self,
        key: ChatKey,
        *,
        load_page: PageLoader,
        info: RoomInfo | None,
        tz: tzinfo | None,
        via: str | None = None,
        id: str | None = None,
    ) -> None:
        self._info = info
        super().__init__(
            key,
            load_page=load_page,
            name=(info.name if info else "") or key.peer,
            presence=ContactPresence(jid=key.peer),
            tz=tz,
            via=via,
            id=id,
        )
        self.history.set_own_nick(info.nick if info else "")
        self._occupants = OccupantList(id="occupants")
        if info is not None:
            self._occupants.set_people(info.people, info.nick)

    def compose(self) -> ComposeResult:
        yield self.header
        with Horizontal(classes="room-body"):
            yield self.history
            yield self._occupants
        yield self.new_below

    def on_resize(self, event: events.Resize) -> None:
        """Too narrow for both: the history keeps the room (the header still counts them)."""
        self._occupants.display = event.size.width >= MIN_WIDTH_WITH_LIST

    @property
    def occupants(self) -> OccupantList:
        return self._occupants

    @property
    def nicks(self) -> tuple[str, ...]:
        """Who is in the room now (for Tab completion)."""
        return self._info.occupants if self._info is not None else ()

    @property
    def info(self) -> RoomInfo | None:
        return self._info

    def update_room(self, info: RoomInfo) -> None:
        self._info = info
        self.history.set_own_nick(info.nick)
        self.header.update(self._header_text())
        self._occupants.set_people(info.people, info.nick)

    def update_contact(
        self, name: str, presence: ContactPresence, *, shared: bool = True, blocked: bool = False
    ) -> None:
        """A room is not a contact: roster changes leave its header alone."""

    def set_peer_state(self, state: ChatState) -> None:
        """Chat states in rooms are not shown (yet)."""

    def _header_text(self) -> Text:
        return room_header_text(self.key.peer, self._info, via=self._via)
