"""sanitize_for_display, sanitize_identifier (SECURITY.md T1, T3; S-UI-2).

Log escaping (T21) is tested with xmpp_tui.logs.escape_controls in test_logs.py.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xmpp_tui.core.sanitize import (
    MAX_COMBINING_MARKS,
    NEWLINE_MARK,
    TRUNCATION_SUFFIX,
    sanitize_for_display,
    sanitize_identifier,
)

# The forbidden sets, written out from SECURITY.md rather than imported, so the test checks the
# rule and not the implementation's idea of it.
C0 = set(range(0x00, 0x20))
C1 = set(range(0x80, 0xA0))
DEL = {0x7F}
BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E}
JOINERS = {0x200C, 0x200D}  # allowed in bodies: emoji ZWJ sequences, Persian, Indic scripts
TAGS = set(range(0xE0000, 0xE0080))
VARIATION_SELECTORS = {*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}
SURROGATES = set(range(0xD800, 0xE000))
LINE_SEPARATORS = {0x2028, 0x2029}


def is_noncharacter(cp: int) -> bool:
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


BODY_FORBIDDEN = (
    (C0 - {0x0A}) | C1 | DEL | BIDI | (ZERO_WIDTH - JOINERS) | TAGS | SURROGATES | LINE_SEPARATORS
)
IDENTIFIER_FORBIDDEN = (
    C0 | C1 | DEL | BIDI | ZERO_WIDTH | TAGS | VARIATION_SELECTORS | SURROGATES | LINE_SEPARATORS
)


def body_violations(text: str) -> list[str]:
    return [
        f"U+{ord(ch):04X}" for ch in text if ord(ch) in BODY_FORBIDDEN or is_noncharacter(ord(ch))
    ]


def identifier_violations(text: str) -> list[str]:
    return [
        f"U+{ord(ch):04X}"
        for ch in text
        if ord(ch) in IDENTIFIER_FORBIDDEN
        or is_noncharacter(ord(ch))
        or unicodedata.category(ch) == "Cf"
    ]


def longest_mark_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        longest = max(longest, run)
    return longest


# Strategies: all of Unicode (surrogates included), and text dense in the characters that matter.
ANY_CHAR = st.characters(exclude_categories=())
NASTY = st.sampled_from(
    sorted(
        chr(cp)
        for cp in (
            C0
            | C1
            | DEL
            | BIDI
            | ZERO_WIDTH
            | set(range(0xE0000, 0xE0004))
            | {0xE007F}
            | {0xFE0F, 0xE0100, 0xD800, 0xDFFF, 0xFFFE, 0xFFFF, 0x1FFFF, 0xFDD0}
            | LINE_SEPARATORS
            | {0x0301, 0x0489, 0x034F, 0x3164, 0x2400, 0x241B, 0x23CE, 0x3C, 0x3E, 0x2B}
        )
    )
)
ANY_TEXT = st.text(st.one_of(ANY_CHAR, NASTY), max_size=300)
PRINTABLE_ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=500)
MAX_LEN = st.integers(min_value=len(TRUNCATION_SUFFIX) + 1, max_value=400)

PROPERTY = settings(max_examples=2000, deadline=None)


# --- properties (S-UI-2) --------------------------------------------------------------------


@PROPERTY
@given(ANY_TEXT)
@example("\x1b]52;c;SGVsbG8=\x07")
@example("a\r\nb\rc\u2028d")
def test_body_output_has_no_forbidden_character(text: str) -> None:
    assert body_violations(sanitize_for_display(text)) == []


@PROPERTY
@given(ANY_TEXT)
@example("\u202eevil\u202c\u200b\n")
def test_identifier_output_has_no_forbidden_character(text: str) -> None:
    out = sanitize_identifier(text)
    assert identifier_violations(out) == []
    assert "\n" not in out and "\r" not in out


@PROPERTY
@given(ANY_TEXT, MAX_LEN)
@example("a" * 20 + "\u202e", 25)
@example("\r\n" * 10, 13)
def test_body_is_idempotent(text: str, max_len: int) -> None:
    once = sanitize_for_display(text, max_len=max_len)
    assert sanitize_for_display(once, max_len=max_len) == once


@PROPERTY
@given(ANY_TEXT, MAX_LEN)
def test_identifier_is_idempotent(text: str, max_len: int) -> None:
    once = sanitize_identifier(text, max_len=max_len)
    assert sanitize_identifier(once, max_len=max_len) == once


@PROPERTY
@given(PRINTABLE_ASCII)
def test_printable_ascii_is_unchanged(text: str) -> None:
    assert sanitize_for_display(text) == text
    assert sanitize_identifier(text, max_len=1000) == text


@PROPERTY
@given(st.lists(PRINTABLE_ASCII, max_size=5))
def test_body_keeps_line_feeds(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert sanitize_for_display(text) == text


ORDINARY = st.characters(
    categories=("L", "N", "P", "S", "Zs"),
    # Invisible "letters" that identifiers show as placeholders (Hangul fillers).
    exclude_characters=("\u115f", "\u1160", "\u3164", "\uffa0"),
)


@PROPERTY
@given(st.text(ORDINARY, max_size=200))
def test_ordinary_letters_are_unchanged(text: str) -> None:
    assert sanitize_for_display(text) == text
    assert sanitize_identifier(text) == text


@PROPERTY
@given(ANY_TEXT, MAX_LEN)
def test_length_is_bounded(text: str, max_len: int) -> None:
    for sanitize in (sanitize_for_display, sanitize_identifier):
        out = sanitize(text, max_len=max_len)
        assert len(out) <= max_len
        # A placeholder is at most 9 code points (<U+E0041>) and, in UTF-8, at most 4 times the
        # bytes of what it replaces (surrogates counted as 3 bytes).
        assert len(out) <= 9 * len(text) or out.endswith(TRUNCATION_SUFFIX)
        size_in = len(text.encode("utf-8", "surrogatepass"))
        assert len(out.encode("utf-8")) <= 4 * size_in or out.endswith(TRUNCATION_SUFFIX)


@PROPERTY
@given(ANY_TEXT)
def test_combining_marks_are_capped(text: str) -> None:
    assert longest_mark_run(sanitize_for_display(text)) <= MAX_COMBINING_MARKS
    assert longest_mark_run(sanitize_identifier(text)) <= MAX_COMBINING_MARKS


@PROPERTY
@given(ANY_TEXT)
def test_output_is_valid_utf8(text: str) -> None:
    sanitize_for_display(text).encode("utf-8")
    sanitize_identifier(text).encode("utf-8")


# --- examples -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2Jhi", "\u241b[2Jhi"),  # lone ESC -> ␛, the rest stays as text
        ("\x1b]52;c;SGVsbG8=\x07", "\u241b]52;c;SGVsbG8=\u2407"),  # OSC 52 clipboard write
        ("\x00\x01\x1f", "\u2400\u2401\u241f"),
        ("a\x7fb", "a\u2421b"),
        ("\x9b31m\x9d", "<U+009B>31m<U+009D>"),  # C1 CSI and OSC
        ("\x85", "<U+0085>"),
        ("abc\u202edcba", "abc<U+202E>dcba"),  # Trojan Source
        ("\u2066x\u2069", "<U+2066>x<U+2069>"),
        ("a\u200bb\u2060c\ufeffd\u00ade", "a<U+200B>b<U+2060>c<U+FEFF>d<U+00AD>e"),
        ("x\U000e0041\U000e007f", "x<U+E0041><U+E007F>"),  # tag characters
        ("\ud800", "<U+D800>"),
        ("\ufffe\uffff\U0001fffe", "<U+FFFE><U+FFFF><U+1FFFE>"),
        ("line\u2028forged", "line<U+2028>forged"),
        ("a\tb", "a    b"),
        ("a\r\nb", "a\nb"),
        ("a\rb", "a\u240db"),
        ("<U+202E> stays as typed", "<U+202E> stays as typed"),
    ],
)
def test_display_examples(raw: str, shown: str) -> None:
    assert sanitize_for_display(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("alice\n[12:00] <bob> hi", f"alice{NEWLINE_MARK}[12:00] <bob> hi"),
        ("a\r\nb\rc", f"a{NEWLINE_MARK}b{NEWLINE_MARK}c"),
        ("a\tb", "a b"),
        ("\u202eecila", "<U+202E>ecila"),
        ("al\u200dice", "al<U+200D>ice"),  # zero-width joiner: not in identifiers
        ("alice\ufe0f", "alice<U+FE0F>"),  # variation selector: not in identifiers
        ("\u3164", "<U+3164>"),  # Hangul filler: a blank-looking name
        ("a\u2061b", "a<U+2061>b"),  # any other format character
        ("\x1b]0;title\x07", "\u241b]0;title\u2407"),
    ],
)
def test_identifier_examples(raw: str, shown: str) -> None:
    assert sanitize_identifier(raw) == shown


@pytest.mark.parametrize(
    "text",
    [
        "日本語のメッセージ",
        "Ελληνικά, русский, čeština, Português",
        "مرحبا بالعالم",
        "שלום עולם",
        "👍🏽 🎉 ❤️",  # skin tone and emoji presentation selector
        "👩\u200d💻 👨\u200d👩\u200d👧",  # ZWJ sequences
        "می\u200cخواهم",  # Persian with a zero-width non-joiner
        "क्षत्रिय",
        "e\u0301\u0302",  # combining accents under the cap
    ],
)
def test_real_text_is_unchanged_in_bodies(text: str) -> None:
    assert sanitize_for_display(text) == text


@pytest.mark.parametrize("text", ["日本語", "مرحبا", "שלום", "Zoë", "O'Brien [at] <home>", "👍"])
def test_real_names_are_unchanged(text: str) -> None:
    assert sanitize_identifier(text) == text


def test_markup_is_not_escaped() -> None:
    # Rendering goes through Content/Text; escaping here would show backslashes to the user.
    text = "[link='http://evil.example/']x[/] [@click=app.quit]y[/]"
    assert sanitize_for_display(text) == text
    assert sanitize_identifier(text) == text


def test_zalgo_is_capped_at_four_marks_per_base() -> None:
    assert sanitize_for_display("a" + "\u0301" * 50 + "b") == "a" + "\u0301" * 4 + "b"
    assert sanitize_identifier("\u0301" * 10) == "\u0301" * 4


def test_truncation_keeps_within_max_len() -> None:
    out = sanitize_for_display("x" * 100, max_len=50)
    assert out == "x" * (50 - len(TRUNCATION_SUFFIX)) + TRUNCATION_SUFFIX
    assert len(out) == 50
    assert sanitize_for_display("x" * 50, max_len=50) == "x" * 50


def test_default_limits() -> None:
    assert len(sanitize_for_display("y" * 100_000)) == 16384
    assert len(sanitize_identifier("y" * 1000)) == 256
    assert sanitize_identifier("y" * 1000).endswith(TRUNCATION_SUFFIX)


def test_truncation_does_not_cut_a_placeholder_in_half() -> None:
    keep = 20 - len(TRUNCATION_SUFFIX)
    out = sanitize_for_display("a" * (keep - 3) + "\u202e" + "b" * 20, max_len=20)
    assert out == "a" * (keep - 3) + TRUNCATION_SUFFIX


def test_too_small_max_len_is_refused() -> None:
    with pytest.raises(ValueError, match="max_len"):
        sanitize_for_display("abc", max_len=len(TRUNCATION_SUFFIX))
    with pytest.raises(ValueError, match="max_len"):
        sanitize_identifier("abc", max_len=0)
