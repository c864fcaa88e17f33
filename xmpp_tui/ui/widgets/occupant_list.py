"""The occupants of a room (XEP-0045), beside its history: grouped by role (moderators,
participants, visitors), each with presence and affiliation, our own nick in bold.

Rendered virtually (`ScrollView` + `render_line`): a room of 1,000 occupants draws only the rows
on screen, and a new snapshot only rebuilds a list of row tuples. Enter (or a click) on an
occupant posts :class:`OccupantList.Chosen`: the screen opens a private conversation with them.
Every nick and status is remote text: sanitised, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from xmpp_tui.core.models import Affiliation, Occupant, Role
from xmpp_tui.ui.render import one_line, presence_glyph

#: Group titles, in the order shown.
ROLE_TITLES: dict[Role, str] = {
    Role.MODERATOR: "Moderators",
    Role.PARTICIPANT: "Participants",
    Role.VISITOR: "Visitors",
    Role.NONE: "Others",
}
#: Before the nick: the occupant's lasting standing in the room.
AFFILIATION_MARKS: dict[Affiliation, str] = {
    Affiliation.OWNER: "~",
    Affiliation.ADMIN: "&",
    Affiliation.MEMBER: "+",
    Affiliation.NONE: " ",
    Affiliation.OUTCAST: "!",
}


@dataclass(frozen=True, slots=True)
class OccupantRow:
    """One row: a group title (``occupant`` None) or an occupant."""

    title: str = ""
    occupant: Occupant | None = None


def occupant_rows(people: Sequence[Occupant]) -> list[OccupantRow]:
    """Titles and occupants, by role in :data:`ROLE_TITLES` order (``people`` is already
    sorted within each role by the service)."""
    groups: dict[Role, list[Occupant]] = {role: [] for role in ROLE_TITLES}
    for person in people:
        groups[person.role].append(person)
    rows: list[OccupantRow] = []
    for role, members in groups.items():
        if members:
            rows.append(OccupantRow(title=f"{ROLE_TITLES[role]} ({len(members)})"))
            rows.extend(OccupantRow(occupant=person) for person in members)
    return rows


def occupant_text(person: Occupant, *, own: bool) -> Text:
    """``● ~nick``: presence glyph, affiliation mark, nick (ours in bold)."""
    return Text.assemble(
        presence_glyph(person.show),
        " ",
        (AFFILIATION_MARKS[person.affiliation], "dim"),
        one_line(person.nick, "bold" if own else ""),
        end="",
    )


class OccupantList(ScrollView, can_focus=True):
    """Occupants of one room; the highlighted row follows the keys."""

    class Chosen(Message):
        """Enter or a click on an occupant: talk to them privately."""

        def __init__(self, nick: str) -> None:
            super().__init__()
            self.nick = nick

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "move(-1000000)", "First", show=False),
        Binding("end", "move(1000000)", "Last", show=False),
        Binding("enter", "choose", "Private message", show=False),
    ]

    DEFAULT_CSS = """
    OccupantList {
        width: 20;
        height: 1fr;
        border-left: solid $panel;
        scrollbar-size-vertical: 1;
    }
    """

    _CURSOR = Style(reverse=True)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[OccupantRow] = []
        self._own_nick = ""
        self._cursor = 0

    @property
    def rows(self) -> list[OccupantRow]:
        return self._rows

    @property
    def highlighted_nick(self) -> str | None:
        row = self._rows[self._cursor] if 0 <= self._cursor < len(self._rows) else None
        return row.occupant.nick if row is not None and row.occupant is not None else None

    def set_people(self, people: Sequence[Occupant], own_nick: str) -> None:
        """A new snapshot: the highlight stays on the same nick when it is still there."""
        kept = self.highlighted_nick
        self._rows = occupant_rows(people)
        self._own_nick = own_nick
        self._cursor = 0
        for index, row in enumerate(self._rows):
            if row.occupant is not None and (kept is None or row.occupant.nick == kept):
                self._cursor = index
                break
        self.virtual_size = Size(self.size.width, len(self._rows))
        self.refresh()

    def rendered_rows(self) -> list[str]:
        """Every row as plain text (for tests)."""
        return [self._row_text(row).plain for row in self._rows]

    def _row_text(self, row: OccupantRow) -> Text:
        if row.occupant is None:
            return Text(row.title, style="bold underline", end="")
        return occupant_text(row.occupant, own=row.occupant.nick == self._own_nick)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        style = self.rich_style
        if not 0 <= index < len(self._rows):
            return Strip.blank(self.size.width, style)
        text = self._row_text(self._rows[index])
        text.truncate(max(self.size.width, 1), overflow="ellipsis")
        strip = Strip(list(text.render(self.app.console)), text.cell_len).apply_style(style)
        if index == self._cursor and self.has_focus:
            strip = strip.apply_style(self._CURSOR)
        return strip.crop_extend(scroll_x, scroll_x + self.size.width, style)

    def action_move(self, step: int) -> None:
        occupants = [i for i, row in enumerate(self._rows) if row.occupant is not None]
        if not occupants:
            return
        position = min(range(len(occupants)), key=lambda i: abs(occupants[i] - self._cursor))
        position = max(0, min(len(occupants) - 1, position + step))
        self._cursor = occupants[position]
        self.scroll_to_region_row(self._cursor)
        self.refresh()

    def action_choose(self) -> None:
        nick = self.highlighted_nick
        if nick is not None:
            self.post_message(self.Chosen(nick))

    def scroll_to_region_row(self, row: int) -> None:
        top = self.scroll_offset.y
        height = max(self.size.height, 1)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self._rows) and self._rows[index].occupant is not None:
            self._cursor = index
            self.refresh()
            self.action_choose()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
