"""docs/commands.md lists exactly the commands of COMMANDS, with the same usage."""

from __future__ import annotations

import re
from pathlib import Path

from xmpp_tui.core.slash import COMMANDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "commands.md"
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_CODE = re.compile(r"`([^`]*)`")


def table_rows(markdown: str) -> list[list[str]]:
    """Cells of every row of the first Markdown table, the header and its rule left out."""
    rows: list[list[str]] = []
    in_table = False
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|"):
            if in_table:
                break
            continue
        in_table = True
        cells = [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(stripped)[1:-1]]
        rows.append(cells)
    assert len(rows) >= 2, "docs/commands.md has no table"
    header, rule, *body = rows
    assert [cell.lower() for cell in header[:1]] == ["command"]
    assert all(set(cell) <= set("-: ") for cell in rule)
    return body


def documented() -> list[tuple[str, tuple[str, ...], str]]:
    """(usage, aliases, summary) for every row."""
    result = []
    for cells in table_rows(DOC.read_text(encoding="utf-8")):
        assert len(cells) == 3, cells
        usage = _CODE.fullmatch(cells[0])
        assert usage is not None, f"the usage should be in backticks: {cells[0]!r}"
        aliases = tuple(_CODE.findall(cells[1]))
        result.append((usage.group(1), aliases, cells[2]))
    return result


def test_doc_lists_exactly_the_declared_commands() -> None:
    assert [usage for usage, _, _ in documented()] == [spec.usage for spec in COMMANDS]


def test_doc_aliases_and_summaries_match() -> None:
    expected = [
        (spec.usage, tuple(f"/{alias}" for alias in spec.aliases), spec.summary)
        for spec in COMMANDS
    ]
    assert documented() == expected


def test_doc_describes_the_keys() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in (
        "Alt+1",
        "Ctrl+N",
        "Ctrl+P",
        "PageUp",
        "PageDown",
        "Tab",
        "Shift+Enter",
        "Ctrl+J",
        "Enter",
        "Ctrl+Q",
        "Up",
        "Down",
    ):
        assert key in text, key
