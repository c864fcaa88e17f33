"""The roster pane: groups, presence glyph, unread badge, subscription and blocked markers.

It renders rows computed by `view_state.roster_rows`; Enter on a contact posts
`RosterView.ContactChosen`, and the screen opens the conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from rich.text import Text
from textual.events import Blur, Focus, Resize
from textual.geometry import Size
from textual.message import Message
from textual.visual import VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from xmpp_tui.core.confusables import is_confusable_jid
from xmpp_tui.core.models import AccountId, BareJid, Subscription
from xmpp_tui.ui.render import fit, one_line, presence_glyph
from xmpp_tui.ui.theme_roles import role
from xmpp_tui.ui.view_state import ContactRow, HeaderRow, RoomRow, RosterRow

#: Shown after a contact who asked to see our presence (answer with /approve or /deny).
REQUEST_MARK = "?"
#: Shown after a contact we asked, who has not answered yet.
WAITING_MARK = "…"
#: After a contact whose JID mixes scripts (a look-alike of another address).
CONFUSABLE_FLAG = "⚠"
#: Shown instead of the presence glyph before a blocked contact's (dimmed) name.
BLOCKED_MARK = "⊘"
#: Cells a row may use before the pane is laid out (the pane's width less its border).
DEFAULT_WIDTH = 23


def contact_prompt(row: ContactRow, width: int = DEFAULT_WIDTH) -> Text:
    """One line of at most ``width`` cells: the name is cut with "…", the markers always show."""
    marks = Text(end="")
    if row.unread:
        marks.append(f" [{row.unread}]", style="bold reverse")
    if row.request_pending:
        marks.append(f" {REQUEST_MARK}", style=role("request"))
    if row.waiting_for_them:
        marks.append(f" {WAITING_MARK}", style="dim")
    if is_confusable_jid(row.jid):  # mixed scripts in the JID (SECURITY.md T3)
        marks.append(f" {CONFUSABLE_FLAG}", style="bold reverse")
    style = "bold" if row.unread else ""
    unseen = row.subscription in (Subscription.NONE, Subscription.FROM) and not row.waiting_for_them
    if unseen or row.blocked:
        style += " dim"  # we cannot see their presence (or blocked them)
    name_cells = max(width - 2 - marks.cell_len, 1)
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    if row.blocked:  # blocked: no presence either way, so the mark takes the glyph's place
        text.append(BLOCKED_MARK, style=role("error"))
    else:
        text.append_text(presence_glyph(row.show))
    text.append(" ")
    text.append_text(fit(one_line(row.name, style.strip()), name_cells))
    text.append_text(marks)
    return fit(text, width)


#: Before a room's name: joined or not (the shape carries it, not only the colour).
ROOM_GLYPHS = {True: ("#", role("room-joined")), False: ("#", role("room-left"))}


def room_prompt(row: RoomRow, width: int = DEFAULT_WIDTH) -> Text:
    marks = Text(end="")
    if row.unread:
        marks.append(f" [{row.unread}]", style="bold reverse")
    if row.invited:
        marks.append(f" {REQUEST_MARK}", style=role("request"))
    glyph, glyph_style = ROOM_GLYPHS[row.joined]
    style = ("bold" if row.unread else "") + ("" if row.joined else " dim")
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(glyph, style=glyph_style)
    text.append(" ")
    text.append_text(fit(one_line(row.name, style.strip()), max(width - 2 - marks.cell_len, 1)))
    text.append_text(marks)
    return fit(text, width)


def header_prompt(row: HeaderRow, width: int = DEFAULT_WIDTH) -> Text:
    style = "bold reverse" if row.is_account else "bold underline"
    return fit(one_line(row.title, style), width)


class _RowOption(Option):
    """A row whose prompt is built when it is first drawn: of 2,000 contacts only the
    rows on screen ever are (issue #8: the roster was rebuilt in full at each redraw)."""

    def __init__(
        self, make: Callable[[], Text], *, id: str | None = None, disabled: bool = False
    ) -> None:
        super().__init__("", id=id, disabled=disabled)
        self._make: Callable[[], Text] | None = make

    @property
    def prompt(self) -> VisualType:
        if self._make is not None:
            self._prompt, self._make = self._make(), None
        return self._prompt


class RosterView(OptionList):
    DEFAULT_CSS = """
    RosterView {
        width: 24;
        height: 1fr;
        border: none;
        border-right: vkey $border-blurred;
        padding: 0;
        & > .option-list--option-disabled { color: $text-muted; }
    }
    """

    class ContactChosen(Message):
        """Enter (or a click) on a contact."""

        def __init__(self, account: AccountId, jid: BareJid) -> None:
            super().__init__()
            self.account = account
            self.jid = jid

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: dict[str, ContactRow | RoomRow] = {}
        self._shown: Sequence[RosterRow] = ()
        self._width = 0

    @property
    def contacts(self) -> tuple[ContactRow, ...]:
        return tuple(row for row in self._rows.values() if isinstance(row, ContactRow))

    @property
    def rooms(self) -> tuple[RoomRow, ...]:
        return tuple(row for row in self._rows.values() if isinstance(row, RoomRow))

    def show_rows(self, rows: Sequence[RosterRow]) -> None:
        """Replace every row, keeping the highlighted contact highlighted."""
        kept = self._highlighted_contact()
        options: list[Option] = []
        self._rows = {}
        self._shown = rows
        width = self._row_width()
        highlight: int | None = None
        for index, row in enumerate(rows):
            if isinstance(row, HeaderRow):
                options.append(_RowOption(partial(header_prompt, row, width), disabled=True))
                continue
            option_id = f"contact-{index}"
            self._rows[option_id] = row
            prompt: Callable[[], Text] = (
                partial(room_prompt, row, width)
                if isinstance(row, RoomRow)
                else partial(contact_prompt, row, width)
            )
            options.append(_RowOption(prompt, id=option_id))
            if kept == (row.account, row.jid) and highlight is None:
                highlight = index
        self.set_options(options)
        if highlight is None and self._rows:
            # Start on a contact, not a (disabled) group header, so Enter opens a chat.
            highlight = self.get_option_index(next(iter(self._rows)))
        if highlight is not None:
            self.highlighted = highlight

    def _update_lines(self) -> None:
        """OptionList's line map, without drawing every prompt to measure its height: each
        row is one line (every prompt is cut to the pane's width, see `_row_width`)."""
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        lines = cache.lines
        for index in range(lines[-1][0] + 1 if lines else 0, len(self.options)):
            cache.index_to_line[index] = len(lines)
            cache.heights[index] = 1
            lines.append((index, 0))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        virtual_size = Size(width, len(lines))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)

    def restyle(self) -> None:
        self.show_rows(self._shown)

    def _row_width(self) -> int:
        # OptionList wraps long prompts whatever the Text says: rows are cut to this width.
        self._width = self.scrollable_content_region.width
        return self._width if self._width > 0 else DEFAULT_WIDTH

    def on_resize(self, _event: Resize) -> None:
        self._refit()

    def on_focus(self, _event: Focus) -> None:
        # The focus border takes columns without a Resize: rows cut for the old width would
        # wrap into blank lines.
        self.call_after_refresh(self._refit)

    def on_blur(self, _event: Blur) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        if self.scrollable_content_region.width != self._width and self._shown:
            self.show_rows(self._shown)

    def highlight_contact(self, account: AccountId, jid: BareJid) -> bool:
        for option_id, row in self._rows.items():
            if (row.account, row.jid) == (account, jid):
                self.highlighted = self.get_option_index(option_id)
                return True
        return False

    def _highlighted_contact(self) -> tuple[AccountId, BareJid] | None:
        option = self.highlighted_option
        row = self._rows.get(option.id or "") if option is not None else None
        return (row.account, row.jid) if row else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        row = self._rows.get(event.option.id or "")
        if row is not None:
            self.post_message(self.ContactChosen(row.account, row.jid))
