"""Pane 1: notices, errors, subscription requests and help, one line each."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.widgets import RichLog

from xmpp_tui.ui.render import console_line

#: Console line kinds and their styles.
STYLES = {"info": "", "error": "bold red", "request": "bold yellow", "help": ""}


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
        super().__init__(
            id=id, markup=False, highlight=False, wrap=True, max_lines=2000, min_width=20
        )
        self._tz = tz
        self.lines_written: list[str] = []  # plain text, for tests and /help checks

    def add_line(self, text: str, *, when: datetime, kind: str = "info") -> None:
        """Write one sanitised line (newlines in ``text`` become ⏎)."""
        line = console_line(text, when=when, tz=self._tz, style=STYLES.get(kind, ""))
        self._write(line)

    def add_block(self, text: str, *, when: datetime) -> None:
        """Write a multi-line local text (help) as one line per row."""
        for row in text.splitlines() or [""]:
            self._write(console_line(row, when=when, tz=self._tz))

    def _write(self, line: Text) -> None:
        self.lines_written.append(line.plain)
        self.write(line)
