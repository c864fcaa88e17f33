"""Pane 1: notices, errors, subscription requests and help.

The entries are kept as data and laid out at the pane's real width: a line written while a
conversation hides the console (a hidden widget has no width) is laid out when the console is
shown, and every entry is laid out again when the width changes.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, tzinfo

from rich.console import RenderableType
from rich.padding import Padding
from textual.events import Resize
from textual.widgets import RichLog

from xmpp_tui.ui.render import console_line, one_line
from xmpp_tui.ui.theme_roles import role

#: Console line kinds and their styles.
STYLES = {"info": "", "error": role("error"), "request": role("request"), "help": ""}
MAX_ENTRIES = 2000


class ConsolePane(RichLog):
    DEFAULT_CSS = """
    ConsolePane {
        height: 1fr;
        border: none;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, tz: tzinfo | None, id: str | None = None) -> None:
        # markup=False: a line is a Text built from sanitised strings, never parsed.
        super().__init__(id=id, markup=False, highlight=False, wrap=True, max_lines=MAX_ENTRIES)
        self._tz = tz
        self._entries: deque[RenderableType] = deque(maxlen=MAX_ENTRIES)
        self._laid_out_width = 0  # the width every entry in `lines` was laid out at
        self._stale = False  # entries were added that `lines` does not hold yet
        self.lines_written: list[str] = []  # plain text, for tests and /help checks

    def add_line(self, text: str, *, when: datetime, kind: str = "info") -> None:
        """Write one sanitised line (newlines in ``text`` become ⏎)."""
        line = console_line(text, when=when, tz=self._tz, style=STYLES.get(kind, ""))
        self._add(line, line.plain)

    def add_block(self, text: str, *, when: datetime) -> None:
        """Write a multi-line local text (help): one time stamp for the block, and each row
        keeps its indentation when it wraps (a hanging indent, not a fold back to column 0)."""
        rows = text.splitlines() or [""]
        first = console_line(rows[0], when=when, tz=self._tz)
        self._add(first, first.plain)
        for row in rows[1:]:
            body = row.lstrip(" ")
            indent = len(row) - len(body)
            self._add(Padding(one_line(body), (0, 0, 0, indent)), row)

    def _add(self, entry: RenderableType, plain: str) -> None:
        self.lines_written.append(plain)
        self._entries.append(entry)
        width = self._width()
        if width and width == self._laid_out_width and not self._stale:
            self.write(entry, width=width)
        else:
            self._stale = True
            self._relayout()

    def _width(self) -> int:
        return self.scrollable_content_region.width if self.display else 0

    def on_resize(self, event: Resize) -> None:
        super().on_resize(event)  # RichLog learns that its size is known
        event.prevent_default()  # ...once: the line above was RichLog's handler
        self._relayout()

    def on_show(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        """Lay every entry out at the current width (nothing while hidden or not sized yet)."""
        width = self._width()
        if width <= 0 or not self._size_known:
            return
        if width == self._laid_out_width and not self._stale:
            return
        at_bottom = self.scroll_y >= self.max_scroll_y
        self.clear()
        self._laid_out_width, self._stale = width, False
        for entry in self._entries:
            self.write(entry, width=width, scroll_end=False)
        if at_bottom:
            self.scroll_end(animate=False, immediate=False, x_axis=False)

    def restyle(self) -> None:
        """The theme changed: lay every entry out again (its roles resolve anew)."""
        self._stale = True
        self._relayout()

    def rendered_rows(self) -> list[str]:
        """The laid-out rows as plain text (what is on screen, scrolled)."""
        return [strip.text.rstrip() for strip in self.lines]
