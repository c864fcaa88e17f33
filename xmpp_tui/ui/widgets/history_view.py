"""One conversation's history, rendered virtually (STYLE.md habit 7).

Only the messages of the loaded pages are held; each is wrapped to the current width on demand and
its rows kept in an LRU (a day separator row goes above the first message of each local day).
`render_line` maps a screen row to (message, row) by bisecting the row offsets, so a long history
costs no widgets and no full re-render. Older pages are fetched in a worker when the view is
scrolled to the top. Scrolled up, new incoming messages are counted (`unseen_below`) and stay
unread until the view is back at the bottom.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import ClassVar

from textual import work
from textual.cache import LRUCache
from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from xmpp_tui.core.models import Delivery, Direction, StoredMessage
from xmpp_tui.ui.render import MessageStyles, day_separator, message_lines

#: Loads up to ``limit`` messages older than ``before_id`` (None: the newest), oldest first.
PageLoader = Callable[[int | None, int], Sequence[StoredMessage]]

PAGE_SIZE = 100


class HistoryView(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "history-view--time",
        "history-view--own",
        "history-view--peer",
        "history-view--continuation",
    }
    DEFAULT_CSS = """
    HistoryView {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
        & > .history-view--time { color: $text-muted; }
        & > .history-view--own { color: $accent; text-style: bold; }
        & > .history-view--peer { color: $secondary; text-style: bold; }
        & > .history-view--continuation { color: $text-muted; }
    }
    """

    class UnseenChanged(Message):
        """The number of new messages below the view changed (0: the user caught up)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class ReachedBottom(Message):
        """Scrolled back to the newest message: what arrived meanwhile has been seen."""

    def __init__(
        self,
        *,
        load_page: PageLoader,
        peer_name: str,
        tz: tzinfo | None,
        own_nick: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._load_page = load_page
        self._peer_name = peer_name
        self._own_nick = own_nick  # in a room: messages naming it are highlighted
        self._tz = tz
        self._messages: list[StoredMessage] = []  # by id, oldest first
        self._positions: dict[int, int] = {}  # message id -> index in self._messages
        self._row_counts: dict[int, int] = {}  # message id -> rows at self._width
        self._starts: list[int] = []  # first row of each message
        self._total = 0
        self._laid_out = False  # _starts and _total match _messages at self._width
        self._width = 0
        self._strips: LRUCache[tuple[int, Delivery, int, str, bool, str], list[Strip]] = LRUCache(
            1024
        )
        self._styles = MessageStyles()
        self._complete = False  # no older messages in the store
        self._loading = False
        #: The view shows the newest row; kept across resizes (the composer growing shrinks the
        #: view without scrolling it, and the bottom must stay in view).
        self._stuck = True
        self.unseen_below = 0  # incoming messages added while scrolled up

    # -- data in ------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._styles = MessageStyles(
            time=self.get_component_rich_style("history-view--time"),
            own=self.get_component_rich_style("history-view--own"),
            peer=self.get_component_rich_style("history-view--peer"),
            continuation=self.get_component_rich_style("history-view--continuation"),
        )
        page = list(self._load_page(None, PAGE_SIZE))
        self._complete = len(page) < PAGE_SIZE
        self._set_messages(page)
        self._relayout(stick_to_bottom=True)

    @property
    def messages(self) -> tuple[StoredMessage, ...]:
        return tuple(self._messages)

    def add_message(self, message: StoredMessage) -> None:
        """Append a new message (or replace a known one), keeping the bottom in view.

        The usual cases cost one message's rows, not a relayout of everything loaded: a newer
        message is appended; a known one (a delivery update) is replaced in place and the rows are
        recounted from it on (its mark may change its height).
        """
        stick = self._at_bottom()
        self._row_counts.pop(message.id, None)
        index = self._positions.get(message.id)
        if index is not None:
            self._messages[index] = message
            self._relayout_from(index, stick_to_bottom=stick)
            return
        if not self._messages or message.id > self._messages[-1].id:
            self._positions[message.id] = len(self._messages)
            self._messages.append(message)
            self._relayout_from(len(self._messages) - 1, stick_to_bottom=stick)
        else:  # older than the newest loaded (rare): insert in order
            insort(self._messages, message, key=lambda m: m.id)
            self._set_messages(self._messages)
            self._row_counts.clear()  # a day separator may move to the next message
            self._relayout(stick_to_bottom=stick)
        if not stick and message.direction is Direction.INCOMING:
            self.unseen_below += 1
            self.post_message(self.UnseenChanged(self.unseen_below))

    def set_delivery(self, message_id: int, delivery: Delivery) -> None:
        index = self._positions.get(message_id)
        if index is not None:
            self.add_message(replace(self._messages[index], delivery=delivery))

    def _set_messages(self, messages: list[StoredMessage]) -> None:
        self._messages = messages
        self._positions = {message.id: index for index, message in enumerate(messages)}

    def set_own_nick(self, nick: str) -> None:
        if nick != self._own_nick:
            self._own_nick = nick
            if self.is_mounted:
                self.refresh()

    def set_peer_name(self, name: str) -> None:
        if name != self._peer_name:
            self._peer_name = name
            self._row_counts.clear()
            self._relayout(stick_to_bottom=self._at_bottom())

    # -- older pages --------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._stuck = new_value >= self.max_scroll_y
        if self._stuck and self.unseen_below:
            self.unseen_below = 0
            self.post_message(self.UnseenChanged(0))
            self.post_message(self.ReachedBottom())
        if new_value <= 0 and not self._complete and not self._loading and self._messages:
            self._loading = True
            self.load_older()

    @work(exclusive=True, group="history-older", exit_on_error=False)
    async def load_older(self) -> None:
        try:
            before = self._messages[0].id if self._messages else None
            older = list(self._load_page(before, PAGE_SIZE))
            self._complete = len(older) < PAGE_SIZE
            if older:
                rows_before = self._total
                known = self._positions
                self._row_counts.pop(self._messages[0].id, None)  # may lose its day separator
                self._set_messages([m for m in older if m.id not in known] + self._messages)
                self._relayout(stick_to_bottom=False)
                # Keep the rows the user was looking at in place.
                self.scroll_to(
                    y=self._total - rows_before, animate=False, immediate=True, force=True
                )
        finally:
            self._loading = False
        #: The view shows the newest row; kept across resizes (the composer growing shrinks the
        #: view without scrolling it, and the bottom must stay in view).
        self._stuck = True
        self.unseen_below = 0  # incoming messages added while scrolled up

    # -- layout and rendering -----------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        bottom = self._at_bottom()
        if width != self._width:
            self._width = width
            self._row_counts.clear()
            self._relayout(stick_to_bottom=bottom)
        elif bottom:  # only the height changed (the composer grew): keep the newest in view
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def _at_bottom(self) -> bool:
        """At the bottom now, or before a resize that shrank the view without scrolling it."""
        return self._stuck or self.scroll_y >= self.max_scroll_y

    def _relayout(self, *, stick_to_bottom: bool) -> None:
        self._laid_out = False
        self._relayout_from(0, stick_to_bottom=stick_to_bottom)

    def _relayout_from(self, index: int, *, stick_to_bottom: bool) -> None:
        """Recount rows from message ``index`` on; those before it are known not to change."""
        if self._width <= 0:
            self._width = self.scrollable_content_region.width
        if self._width <= 0:
            self._laid_out = False
            return  # not laid out yet: on_resize will come back here
        if not self._laid_out or index > len(self._starts):
            index = 0  # the kept rows cannot be trusted: lay out everything
        starts = self._starts[:index]
        if index == 0:
            total = 0
        elif index < len(self._starts):
            total = self._starts[index]  # a replaced message: the rows above it stay
        else:
            total = self._total  # an appended message: after every known row
        for message in self._messages[index:]:
            starts.append(total)
            count = self._row_counts.get(message.id)
            if count is None:
                count = len(self._rows_of(message))
                self._row_counts[message.id] = count
            total += count
        self._starts, self._total = starts, total
        self._laid_out = True
        self.virtual_size = Size(self._width, total)
        self.refresh()
        if stick_to_bottom:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def _new_day(self, message: StoredMessage) -> bool:
        """Whether a day separator goes above ``message``: first loaded, or a new local date."""
        index = self._positions.get(message.id, 0)
        if index == 0:
            return True
        previous = self._messages[index - 1].timestamp.astimezone(self._tz).date()
        return message.timestamp.astimezone(self._tz).date() != previous

    def _rows_of(self, message: StoredMessage) -> list[Strip]:
        new_day = self._new_day(message)
        key = (message.id, message.delivery, self._width, self._peer_name, new_day, self._own_nick)
        cached = self._strips.get(key)
        if cached is not None:
            return cached
        console = self.app.console
        lines = [day_separator(message.timestamp, self._tz, self._styles)] if new_day else []
        lines += message_lines(
            message,
            peer_name=self._peer_name,
            width=self._width,
            console=console,
            tz=self._tz,
            styles=self._styles,
            own_nick=self._own_nick,
        )
        strips = [Strip(list(line.render(console)), line.cell_len) for line in lines]
        self._strips[key] = strips
        return strips

    def row_strip(self, row: int) -> Strip:
        """The strip for history row ``row`` (0 = first row of the oldest loaded message)."""
        if not 0 <= row < self._total:
            return Strip([])
        index = bisect_right(self._starts, row) - 1
        return self._rows_of(self._messages[index])[row - self._starts[index]]

    def rendered_rows(self) -> list[str]:
        """Every loaded row as plain text (what a test or a screen reader would read)."""
        return [self.row_strip(row).text for row in range(self._total)]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        strip = self.row_strip(scroll_y + y)
        style = self.rich_style
        return strip.apply_style(style).crop_extend(scroll_x, scroll_x + self.size.width, style)
