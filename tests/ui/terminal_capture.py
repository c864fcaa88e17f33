"""Capture every byte the real app writes to the terminal, and check it (SECURITY.md T1-T3, S-UI-1).

`RecordingDriver` is Textual's headless driver that says it is not headless: the app then renders
each frame into escape sequences exactly as for a real terminal and hands them to ``write``, which
keeps them. Run the app with ``app.driver_class = RecordingDriver`` and
``app.run_test(headless=False)``.

The allow-list is what Textual itself emits while drawing, plus our own fixed sequences, and
nothing else:

- Textual: CSI SGR ``ESC [ ... m`` (colours, attributes), CSI CUP ``ESC [ row ; col H`` (cursor
  moves), DEC modes ``ESC [ ? 2026/25 h/l``, LF between the rows of a full frame, and the kitty
  pointer shape ``ESC ] 22 ; NAME BEL`` (NAME a fixed word such as "default");
- ours (`ui/terminal_codes.py`): the window title ``ESC ] 2 ; TITLE ESC \\`` where TITLE is only
  "", "xmpp-tui" or "xmpp-tui (N)", the title stack push/pop ``ESC [ 22 ; 2 t`` /
  ``ESC [ 23 ; 2 t``, the bell BEL, and the OSC 777/OSC 9 notification with one of the fixed
  `ALERT_TEXT` texts (off by default).

Everything else is a finding: any other CSI, any other OSC (``ESC ]`` or U+009D), DCS/APC/PM/SOS
(``ESC P``, ``ESC _``, ``ESC ^``, ``ESC X`` or U+0090/009F/009E/0098), any other ESC, any other C0
control, any C1 control (U+0080-U+009F), any bidi control, invisible zero-width character
(U+200B, U+2060, U+FEFF, U+00AD, U+180E), tag character (U+E0000-U+E007F) or lone surrogate. ZWJ
and ZWNJ may appear: message bodies keep them for emoji sequences and scripts that need them.
"""

from __future__ import annotations

import re

from textual.drivers.headless_driver import HeadlessDriver

from xmpp_tui.ui.notifier import ALERT_TEXT, ALERT_TITLE

_ALERTS = "|".join(re.escape(text) for text in (*ALERT_TEXT.values(), ALERT_TITLE))
ALLOWED_SEQUENCE = re.compile(
    r"\x1b\[[0-9;:]*m"  # SGR
    r"|\x1b\[[0-9]+;[0-9]+H"  # cursor position
    r"|\x1b\[\?(?:2026|25)[hl]"  # synchronised update, cursor visibility
    r"|\n"  # between the rows of a full frame
    r"|\x1b\]22;[a-z-]+\x07"  # kitty pointer shape (Textual)
    r"|\x1b\]2;(?:xmpp-tui(?: \([0-9]+\))?)?\x1b\\"  # our window title
    r"|\x1b\[2[23];2t"  # title stack push / pop
    rf"|\x1b\](?:777;notify;(?:{_ALERTS});|9;)(?:{_ALERTS})\x1b\\"  # our notification
)
BIDI = frozenset(
    chr(cp) for cp in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
INVISIBLE = frozenset("\u200b\u2060\ufeff\u00ad\u180e")


class RecordingDriver(HeadlessDriver):
    """A headless driver whose app renders for a terminal; every write is kept."""

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        CAPTURED.append(data)

    def flush(self) -> None:
        pass


#: What the app wrote, in order (cleared by each test that reads it).
CAPTURED: list[str] = []


def findings(output: str) -> list[str]:
    """Each forbidden code point or sequence in ``output``, with a little context."""
    rest = ALLOWED_SEQUENCE.sub("", output)
    found: list[str] = []
    for index, ch in enumerate(rest):
        cp = ord(ch)
        bad = (
            (cp < 0x20 and ch != "\x07")
            or 0x7F <= cp <= 0x9F
            or ch in BIDI
            or ch in INVISIBLE
            or 0xE0000 <= cp <= 0xE007F
            or 0xD800 <= cp <= 0xDFFF
        )
        if bad:
            found.append(f"U+{cp:04X} near {rest[max(index - 20, 0) : index + 20]!r}")
    return found
