"""One conversation's history, rendered virtually (STYLE.md habit 7).

Only the messages of the loaded pages are held; each is wrapped to the current width on demand and
its rows kept in an LRU (a day separator row goes above the first message of each local day).
`render_line` maps a screen row to (message, row) by bisecting the row offsets, so a long history
costs no widgets and no full re-render. Older pages are fetched in a worker when the view is
scrolled to the top. Scrolled up, new incoming messages are counted (`unseen_below`) and stay
unread until the view is back at the bottom.

Stuck to the bottom, appended messages are not laid out one by one as they come: a burst (a
flood, a catch-up) is laid out in one pass at most every `SETTLE_DELAY`, and past `WINDOW_MAX`
held messages only the newest that fill `KEEP_SCREENS` screens are kept (the others were never
wrapped if they came in the same burst); scrolling up pages the older ones back in from the
store. Scrolled up, appends are laid out at once and nothing is dropped, so the reader's rows
stay put.

When the store has nothing older, reaching the top (or paging up there) posts `OlderWanted`: the
screen asks the server's archive, and `older_fetched` loads what it stored, above, keeping the
reader's position. A banner row above the oldest message says "loading older messages…" and then
"beginning of the archive". An archive gap (`add_gap`) is a distinct line after its message.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import Any, ClassVar

from textual import work
from textual.cache import LRUCache
from textual.events import MouseScrollUp, Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from xmpp_tui.core.models import Delivery, Direction, StoredMessage
from xmpp_tui.ui.render import (
    MessageStyles,
    day_separator,
    gap_line,
    history_banner,
    message_lines,
)

#: Loads up to ``limit`` messages older than ``before_id`` (None: the newest), oldest first.
PageLoader = Callable[[int | None, int], Sequence[StoredMessage]]

PAGE_SIZE = 100

#: Appends that arrive while the view is stuck to the bottom are laid out together, at most this
#: often (a flood's messages are not each wrapped as they come: most are never on screen).
SETTLE_DELAY = 0.05
#: Stuck to the bottom, the view keeps at most this many messages; past it, only the newest ones
#: that fill `KEEP_SCREENS` screens stay (older ones are paged in from the store on scroll up).
WINDOW_MAX = PAGE_SIZE
KEEP_SCREENS = 3

LOADING_OLDER = "loading older messages…"
ARCHIVE_START = "beginning of the archive"


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

    class OlderWanted(Message):
        """At the top with nothing older in the store: fetch a page from the archive."""

    def __init__(
        self,
        *,
        load_page: PageLoader,
        peer_name: str,
        tz: tzinfo | None,
        gaps: frozenset[int] = frozenset(),
        own_nick: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._load_page = load_page
        self._gaps = set(gaps)  # message ids an archive gap follows
        self._banner = ""  # the row above the oldest message ("" : none)
        self._fetching = False  # an archive page was asked for and has not come
        self._archive_complete = False  # the archive has nothing older either
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
        # Keyed by the message itself (its text and marks change with a correction or receipt).
        self._strips: LRUCache[tuple[StoredMessage, int, str, bool, bool, str], list[Strip]] = (
            LRUCache(1024)
        )
        self._styles = MessageStyles()
        self._complete = False  # no older messages in the store
        self._loading = False
        #: The view shows the newest row; kept across resizes (the composer growing shrinks the
        #: view without scrolling it, and the bottom must stay in view).
        self._stuck = True
        self.unseen_below = 0  # incoming messages added while scrolled up
        self._settle_timer: Timer | None = None  # appends waiting to be laid out

    # -- data in ------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._load_styles()
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
            if stick:
                self._settle_soon()
            else:
                self._relayout_from(len(self._messages) - 1, stick_to_bottom=False)
        else:  # older than the newest loaded (rare): insert in order
            insort(self._messages, message, key=lambda m: m.id)
            self._set_messages(self._messages)
            self._row_counts.clear()  # a day separator may move to the next message
            self._relayout(stick_to_bottom=stick)
        if not stick and message.direction is Direction.INCOMING:
            self.unseen_below += 1
            self.post_message(self.UnseenChanged(self.unseen_below))

    def add_messages(self, messages: Sequence[StoredMessage]) -> None:
        """`add_message` for a burst (an archive page): newer messages are appended with one
        relayout and one scroll, so a catch-up costs one layout per burst, not per message."""
        if len(messages) == 1:
            self.add_message(messages[0])
            return
        stick = self._at_bottom()
        first_new: int | None = None
        incoming = 0
        for message in messages:
            if message.id in self._positions or (
                self._messages and message.id < self._messages[-1].id
            ):
                if first_new is not None:  # keep the appended rows counted before a replace
                    self._relayout_from(first_new, stick_to_bottom=False)
                    first_new = None
                self.add_message(message)  # a replacement or an older one: the usual path
                continue
            self._row_counts.pop(message.id, None)
            self._positions[message.id] = len(self._messages)
            self._messages.append(message)
            if first_new is None:
                first_new = len(self._messages) - 1
            if message.direction is Direction.INCOMING:
                incoming += 1
        if first_new is not None:
            if stick:
                self._settle_soon()
            else:
                self._relayout_from(first_new, stick_to_bottom=False)
        if not stick and incoming:
            self.unseen_below += incoming
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

    def _load_styles(self) -> None:
        self._styles = MessageStyles(
            time=self.get_component_rich_style("history-view--time"),
            own=self.get_component_rich_style("history-view--own"),
            peer=self.get_component_rich_style("history-view--peer"),
            continuation=self.get_component_rich_style("history-view--continuation"),
        )

    def restyle(self) -> None:
        """The theme changed: draw every row again in its colours."""
        self._load_styles()
        self._strips.clear()
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
        if new_value <= 0 and not self._loading:
            if self._complete or not self._messages:
                self.want_older()
            else:
                self._loading = True
                self.load_older()

    def scroll_page_up(self, *args: Any, **kwargs: Any) -> None:
        at_top = self.scroll_y <= 0
        super().scroll_page_up(*args, **kwargs)
        if at_top:  # nothing to scroll (a short or empty history): still ask for older
            self.want_older()

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        if self.scroll_y <= 0:
            self.want_older()

    def want_older(self) -> None:
        """Ask the archive for older messages, once at a time, until it has no more."""
        if not (self._complete or not self._messages) or self._loading:
            return  # the store still has older pages: load_older comes first
        if self._fetching or self._archive_complete:
            return
        self._fetching = True
        self._set_banner(LOADING_OLDER)
        self.post_message(self.OlderWanted())

    def older_fetched(self, count: int, complete: bool, error: str = "") -> None:
        """The archive page asked for by `OlderWanted` is stored (or failed: ``error``)."""
        self._fetching = False
        self._archive_complete = complete
        if error:
            self._set_banner(f"older messages could not be fetched: {error}")
            return
        if count:
            self._complete = False  # the store now has older messages: load them above
            self._loading = True
            self.load_older()
        else:
            self._set_banner(ARCHIVE_START if complete else "")

    def add_gap(self, after_id: int) -> None:
        """Messages may be missing after message ``after_id`` (archive fallback)."""
        if after_id in self._gaps:
            return
        self._gaps.add(after_id)
        if after_id in self._positions:
            self._row_counts.pop(after_id, None)
            self._relayout_kept()

    @property
    def banner(self) -> str:
        return self._banner

    def _set_banner(self, text: str) -> None:
        if text != self._banner:
            self._banner = text
            if self.scroll_y <= 0 and not self._at_bottom():
                self._relayout(stick_to_bottom=False)  # at the top: the banner comes into view
            else:
                self._relayout_kept()

    def _relayout_kept(self) -> None:
        """Lay out again, keeping the rows the reader looks at (or the bottom) in place."""
        if self._at_bottom():
            self._relayout(stick_to_bottom=True)
            return
        anchor = self._anchor()
        self._relayout(stick_to_bottom=False)
        self._restore(anchor)

    def _anchor(self) -> tuple[int, float] | None:
        """The message at the top of the view and how far into it (rows) the view starts."""
        if not self._messages or not self._starts:
            return None
        row = self.scroll_y
        index = max(0, bisect_right(self._starts, int(row)) - 1)
        return self._messages[index].id, row - self._starts[index]

    def _restore(self, anchor: tuple[int, float] | None) -> None:
        if anchor is None:
            return
        index = self._positions.get(anchor[0])
        if index is None or index >= len(self._starts):
            return
        y = max(0.0, self._starts[index] + anchor[1])
        self.scroll_to(y=y, animate=False, immediate=True, force=True)

    @work(exclusive=True, group="history-older", exit_on_error=False)
    async def load_older(self) -> None:
        try:
            before = self._messages[0].id if self._messages else None
            older = list(self._load_page(before, PAGE_SIZE))
            self._complete = len(older) < PAGE_SIZE
            if self._complete and self._archive_complete:
                self._banner = ARCHIVE_START
            elif not self._fetching:
                self._banner = ""
            if older:
                anchor = self._anchor()
                stick = self._at_bottom()
                known = self._positions
                if self._messages:  # may lose its day separator
                    self._row_counts.pop(self._messages[0].id, None)
                self._set_messages([m for m in older if m.id not in known] + self._messages)
                self._relayout(stick_to_bottom=stick)
                if not stick:  # keep the rows the user was looking at in place
                    self._restore(anchor)
            else:
                self._relayout_kept()
        finally:
            self._loading = False
        if not older and self.scroll_y <= 0:
            self.want_older()  # the store ran out exactly at a page boundary

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
        if not self._laid_out:
            index = 0  # the kept rows cannot be trusted: lay out everything
        index = min(index, len(self._starts))  # appends not laid out yet come along
        starts = self._starts[:index]
        if index == 0:
            total = self._banner_rows
        elif index < len(self._starts):
            total = self._starts[index]  # a replaced message: the rows above it stay
        else:
            total = self._total  # an appended message: after every known row
        for message in self._messages[index:]:
            starts.append(total)
            total += self._rows_counted(message)
        self._starts, self._total = starts, total
        self._laid_out = True
        self.virtual_size = Size(self._width, total)
        self.refresh()
        if stick_to_bottom:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def _settle_soon(self) -> None:
        """Lay out the appended messages shortly, all at once (stuck to the bottom)."""
        if self._settle_timer is None and self.is_mounted:
            self._settle_timer = self.set_timer(SETTLE_DELAY, self.settle, name="history-settle")

    def settle(self) -> None:
        """Lay out the messages appended since the last layout; stuck to the bottom, first drop
        the oldest ones past the window (never laid out if they were appended meanwhile)."""
        if self._settle_timer is not None:
            self._settle_timer.stop()
            self._settle_timer = None
        pending = self._laid_out and len(self._starts) < len(self._messages)
        if not pending:
            return
        if self._at_bottom() and self._trim():
            self._relayout(stick_to_bottom=True)
        else:
            self._relayout_from(len(self._starts), stick_to_bottom=self._at_bottom())

    def _trim(self) -> bool:
        """Past `WINDOW_MAX` messages, keep the newest that fill `KEEP_SCREENS` screens."""
        if len(self._messages) <= WINDOW_MAX or self._width <= 0:
            return False
        keep_rows = KEEP_SCREENS * max(self.size.height, 1)
        rows = 0
        first = len(self._messages)
        while first > 1 and rows < keep_rows:
            first -= 1
            rows += self._rows_counted(self._messages[first])
        if first == 0:
            return False
        kept = self._messages[first:]
        counts = self._row_counts
        self._row_counts = {m.id: counts[m.id] for m in kept if m.id in counts}
        self._row_counts.pop(kept[0].id, None)  # it gets the day separator now
        self._set_messages(kept)
        self._complete = False  # the dropped ones are in the store: paged in on scroll up
        if not self._fetching:
            self._banner = ""
        return True

    def _rows_counted(self, message: StoredMessage) -> int:
        count = self._row_counts.get(message.id)
        if count is None:
            count = len(self._rows_of(message))
            self._row_counts[message.id] = count
        return count

    def _new_day(self, message: StoredMessage) -> bool:
        """Whether a day separator goes above ``message``: first loaded, or a new local date."""
        index = self._positions.get(message.id, 0)
        if index == 0:
            return True
        previous = self._messages[index - 1].timestamp.astimezone(self._tz).date()
        return message.timestamp.astimezone(self._tz).date() != previous

    @property
    def _banner_rows(self) -> int:
        return 1 if self._banner else 0

    def _rows_of(self, message: StoredMessage) -> list[Strip]:
        new_day = self._new_day(message)
        gap = message.id in self._gaps
        key = (message, self._width, self._peer_name, new_day, gap, self._own_nick)
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
        if gap:
            lines.append(gap_line(self._width))
        strips = [Strip(list(line.render(console)), line.cell_len) for line in lines]
        self._strips[key] = strips
        return strips

    def row_strip(self, row: int) -> Strip:
        """The strip for history row ``row`` (0 = first row of the oldest loaded message)."""
        if not 0 <= row < self._total:
            return Strip([])
        if row < self._banner_rows:
            line = history_banner(self._banner)
            return Strip(list(line.render(self.app.console)), line.cell_len)
        index = bisect_right(self._starts, row) - 1
        return self._rows_of(self._messages[index])[row - self._starts[index]]

    def rendered_rows(self) -> list[str]:
        """Every loaded row as plain text (what a test or a screen reader would read)."""
        self.settle()
        return [self.row_strip(row).text for row in range(self._total)]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        strip = self.row_strip(scroll_y + y)
        style = self.rich_style
        return strip.apply_style(style).crop_extend(scroll_x, scroll_x + self.size.width, style)
