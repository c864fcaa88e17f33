"""ESC+digit is Alt+digit: the pane keys work in xterm, VTE terminals and tmux."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest
from textual import _ansi_sequences, events
from textual._xterm_parser import XTermParser

from xmpp_tui.ui.terminal_keys import WEZTERM_OPTION_DIGITS, enable_alt_digits

_TABLE = cast(dict[str, object], _ansi_sequences.ANSI_SEQUENCES_KEYS)


@pytest.fixture
def restored_table() -> Iterator[None]:
    saved = dict(_TABLE)
    try:
        yield
    finally:
        _TABLE.clear()
        _TABLE.update(saved)


def _keys(data: str) -> list[str]:
    parser = XTermParser()
    messages = [*parser.feed(data), *parser.feed("")]  # "" flushes a lone ESC sequence
    return [m.key for m in messages if isinstance(m, events.Key)]


@pytest.mark.usefixtures("restored_table")
def test_escape_digit_becomes_alt_digit_and_typed_characters_stay() -> None:
    for sequence in WEZTERM_OPTION_DIGITS:
        _TABLE[sequence] = WEZTERM_OPTION_DIGITS[sequence]  # as Textual ships it
    assert _keys("\x1b1") == ["inverted_exclamation_mark"]  # the composer would type "¡"
    removed = enable_alt_digits()
    assert removed == WEZTERM_OPTION_DIGITS
    for digit in "123456789":
        assert _keys(f"\x1b{digit}") == [f"alt+{digit}"]
    assert _keys("£") == ["pound_sign"]
    assert enable_alt_digits() == {}  # idempotent


def test_other_mappings_are_left_alone() -> None:
    table: dict[str, object] = {"\x1b1": "something else", "\x1b0": "º", "\x1b2": "™"}
    assert enable_alt_digits(table) == {"\x1b2": "™"}
    assert table == {"\x1b1": "something else", "\x1b0": "º"}
