"""Make Alt+1..Alt+9 reach the app in real terminals.

xterm, VTE terminals (GNOME Terminal, Tilix, ...), tmux and most terminals reached over SSH send
Alt+digit as ESC followed by the digit. Textual maps "\\x1b1".."\\x1b9" to "¡™£¢∞§¶•ª" instead:
a workaround for WezTerm on macOS, whose Option+digit sends ESC+digit where other macOS terminals
send those characters. xmpp-tui is a terminal/SSH client whose pane keys are Alt+1..Alt+9, so we
drop exactly those nine entries; the parser then reports ``alt+1``..``alt+9``. Typing "£" (or any
other character) directly is unaffected. On macOS, Option must be set to send Esc+ ("Use Option as
Meta") for Alt+digit to work at all.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import cast

from textual import _ansi_sequences

#: The sequences Textual turns into characters, and the characters it turns them into.
WEZTERM_OPTION_DIGITS: dict[str, str] = {
    f"\x1b{digit}": char for digit, char in zip("123456789", "¡™£¢∞§¶•ª", strict=True)
}


def enable_alt_digits(
    table: MutableMapping[str, object] | None = None,
) -> dict[str, object]:
    """Remove the ESC+1..ESC+9 character mappings; return what was removed (to restore it).

    An entry is removed only if it still maps to the WezTerm character, so a future Textual that
    maps these sequences differently is left alone.
    """
    keys = table
    if keys is None:  # Textual types it as a Mapping; it is a plain dict, shared by the parser
        keys = cast(MutableMapping[str, object], _ansi_sequences.ANSI_SEQUENCES_KEYS)
    removed: dict[str, object] = {}
    for sequence, char in WEZTERM_OPTION_DIGITS.items():
        if keys.get(sequence) == char:
            removed[sequence] = keys.pop(sequence)
    return removed
