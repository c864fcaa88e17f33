"""Make untrusted text safe to show in a terminal (SECURITY.md T1, T3).

Log lines are escaped elsewhere, in one place: :func:`xmpp_tui.logs.escape_controls` (T21).

Every string that came from the network (message body, nick, JID, resource, status, roster name,
error text, ...) passes through one of these functions right before it is rendered:

- :func:`sanitize_for_display` for message bodies: keeps line feeds, expands tabs;
- :func:`sanitize_identifier` for anything that must fit on one line and must not be spoofable:
  nicks, JIDs, resources, status texts, roster and group names, error texts.

Nothing is deleted silently except combining marks beyond :data:`MAX_COMBINING_MARKS` on one base
character. Every other dangerous code point becomes a visible placeholder:

- C0 controls U+0000-U+001F become their Unicode control picture (ESC becomes "␛", U+241B);
- DEL becomes "␡" (U+2421);
- everything else becomes ASCII text such as ``<U+202E>``.

Placeholders are made only of characters that are themselves allowed, so sanitising twice gives
the same result as sanitising once. Sanitising does not escape markup: remote text must be rendered
through ``Content``/``Text``, never parsed as markup (SECURITY.md T2).
"""

from __future__ import annotations

import re
import unicodedata

#: Appended when the text is cut; the result, suffix included, is never longer than ``max_len``.
TRUNCATION_SUFFIX = " [truncated]"
#: Shown in place of a line break inside a single-line identifier.
NEWLINE_MARK = "\u23ce"  # ⏎
#: Most combining marks (Mn, Me) kept on one base character; the rest are dropped ("Zalgo" text).
MAX_COMBINING_MARKS = 4
#: A tab in a message body becomes this many spaces; in an identifier, one space.
TAB_WIDTH = 4

_ZWNJ = "\u200c"
_ZWJ = "\u200d"

_BIDI_CONTROLS = frozenset(
    chr(cp) for cp in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
_ZERO_WIDTH = frozenset(chr(cp) for cp in (0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF))
# Letters and marks that draw nothing: used to make blank or look-alike names.
_INVISIBLE_IN_IDENTIFIERS = frozenset(
    chr(cp) for cp in (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0)
)
_VARIATION_SELECTORS = frozenset(
    chr(cp)
    for cp in (*range(0x180B, 0x180E), 0x180F, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))
)
# Categories that are never shown as they are: controls, surrogates, line/paragraph separators.
_ALWAYS_REPLACED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_COMBINING_CATEGORIES = frozenset({"Mn", "Me"})

_PLAIN_BODY = re.compile(r"[\n\x20-\x7e]*")
_PLAIN_IDENTIFIER = re.compile(r"[\x20-\x7e]*")
_CUT_PLACEHOLDER = re.compile(r"<(?:U(?:\+[0-9A-F]{0,6})?)?$")


def _is_tag_or_noncharacter(cp: int) -> bool:
    return 0xE0000 <= cp <= 0xE007F or 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def _forbidden_in_body(ch: str) -> bool:
    """Whether ``ch`` may not appear in a rendered message body (LF and TAB are handled before)."""
    category = unicodedata.category(ch)
    if category in _ALWAYS_REPLACED_CATEGORIES:
        return True
    if category == "Cf":
        # Joiners are needed by emoji sequences and by Persian and Indic orthography.
        return ch != _ZWJ and ch != _ZWNJ
    return ch in _BIDI_CONTROLS or _is_tag_or_noncharacter(ord(ch))


def _forbidden_in_identifier(ch: str) -> bool:
    """Whether ``ch`` may not appear in a rendered nick, JID, resource, status or name."""
    category = unicodedata.category(ch)
    if category in _ALWAYS_REPLACED_CATEGORIES or category == "Cf":
        return True
    return (
        ch in _ZERO_WIDTH
        or ch in _BIDI_CONTROLS
        or ch in _VARIATION_SELECTORS
        or ch in _INVISIBLE_IN_IDENTIFIERS
        or _is_tag_or_noncharacter(ord(ch))
    )


def _placeholder(ch: str) -> str:
    cp = ord(ch)
    if cp < 0x20:
        return chr(0x2400 + cp)  # control pictures: U+241B "␛" for ESC
    if cp == 0x7F:
        return "\u2421"  # "␡"
    return f"<U+{cp:04X}>"


def _check_max_len(max_len: int) -> None:
    if max_len <= len(TRUNCATION_SUFFIX):
        raise ValueError(f"max_len must be greater than {len(TRUNCATION_SUFFIX)}, got {max_len}")


def _truncate(text: str, max_len: int) -> str:
    if len(text) <= max_len:
        return text
    kept = text[: max_len - len(TRUNCATION_SUFFIX)]
    # Do not leave half a placeholder such as "<U+20" before the suffix.
    cut = _CUT_PLACEHOLDER.search(kept)
    if cut is not None:
        kept = kept[: cut.start()]
    return kept + TRUNCATION_SUFFIX


def _sanitize(text: str, max_len: int, *, single_line: bool) -> str:
    forbidden = _forbidden_in_identifier if single_line else _forbidden_in_body
    tab = " " if single_line else " " * TAB_WIDTH
    out: list[str] = []
    out_len = 0
    marks = 0  # combining marks kept on the current base character
    i = 0
    n = len(text)
    # Stop once the output is certainly too long: the result only depends on what came before.
    while i < n and out_len <= max_len:
        ch = text[i]
        i += 1
        if ch == "\r" and i < n and text[i] == "\n":
            continue  # CRLF is one line break: the LF that follows is handled next
        if ch == "\n" or (single_line and ch == "\r"):
            piece = NEWLINE_MARK if single_line else "\n"
        elif ch == "\t":
            piece = tab
        elif forbidden(ch):
            piece = _placeholder(ch)
        elif unicodedata.category(ch) in _COMBINING_CATEGORIES:
            if marks >= MAX_COMBINING_MARKS:
                continue
            marks += 1
            out.append(ch)
            out_len += 1
            continue
        else:
            piece = ch
        marks = 0
        out.append(piece)
        out_len += len(piece)
    return _truncate("".join(out), max_len)


def sanitize_for_display(text: str, *, max_len: int = 16384) -> str:
    """Return a message body that is safe to render: line feeds kept, everything else visible.

    CR LF becomes LF; a lone CR becomes "␍". Tabs become four spaces. Joiners (U+200C, U+200D) and
    variation selectors are kept because emoji and several scripts need them. The result is at
    most ``max_len`` characters, ending in :data:`TRUNCATION_SUFFIX` when cut.
    """
    _check_max_len(max_len)
    if len(text) <= max_len and _PLAIN_BODY.fullmatch(text):
        return text
    return _sanitize(text, max_len, single_line=False)


def sanitize_identifier(text: str, *, max_len: int = 256) -> str:
    """Return a one-line nick, JID, resource, status, name or error text that is safe to render.

    Line breaks (LF, CR, CR LF) become "⏎" and tabs one space. Bidi controls, zero-width and other
    format characters, variation selectors and invisible letters are shown as ``<U+XXXX>`` so that
    two names that look the same are the same. At most ``max_len`` characters.
    """
    _check_max_len(max_len)
    if len(text) <= max_len and _PLAIN_IDENTIFIER.fullmatch(text):
        return text
    return _sanitize(text, max_len, single_line=True)
