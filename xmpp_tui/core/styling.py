"""XEP-0393 message styling: a body as lines of styled spans (pure; the UI renders them).

Blocks: a line that starts with three backticks opens a preformatted block, closed by a line
that is exactly three backticks (or the end of the body); nothing inside it is styled. A line
starting with ``>`` is a quote (``>>`` a quote in a quote). Spans, on one line only:
``*strong*``, ``_emphasis_``, ``~strike~`` and ```pre``` (nothing styled inside). An opening
directive stands at the start of the line or after whitespace (or after another opening
directive) and is not followed by whitespace; the closing one is the first same character
after at least one other that is not preceded by whitespace. Directives are kept in the text
(XEP-0393 §5.2 lets a client hide them; showing them, dimmed, keeps the text exactly as
sent), so styling never changes what the user reads, only how.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Styling(StrEnum):
    STRONG = "strong"
    EMPHASIS = "emphasis"
    STRIKE = "strike"
    PRE = "pre"  # inline ```pre``` text and the lines of a ``` block
    QUOTE = "quote"
    DIRECTIVE = "directive"  # the *, _, ~, `, ``` and > characters themselves


_SPAN_DIRECTIVES = {
    "*": Styling.STRONG,
    "_": Styling.EMPHASIS,
    "~": Styling.STRIKE,
    "`": Styling.PRE,
}
FENCE = "```"


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    styles: frozenset[Styling] = frozenset()


Line = tuple[Span, ...]


def style_body(body: str) -> list[Line]:
    """``body`` (already sanitised; ``\\n`` separates lines) as one tuple of spans per line.

    Joining every span's text gives each line back unchanged.
    """
    lines: list[Line] = []
    in_block = False
    for text in body.split("\n"):
        if in_block:
            if text == FENCE:
                in_block = False
                lines.append((Span(text, frozenset({Styling.DIRECTIVE})),))
            else:
                lines.append((Span(text, frozenset({Styling.PRE})),) if text else ())
        elif text.startswith(FENCE):
            in_block = True
            lines.append((Span(text, frozenset({Styling.DIRECTIVE})),))
        elif text.startswith(">"):
            lines.append(_quote(text))
        else:
            lines.append(tuple(spans(text)))
    return lines


def _quote(text: str) -> Line:
    depth = len(text) - len(text.lstrip(">"))
    prefix_end = depth + 1 if text[depth : depth + 1] == " " else depth
    quoted = frozenset({Styling.QUOTE})
    prefix = Span(text[:prefix_end], quoted | {Styling.DIRECTIVE})
    return (prefix, *spans(text[prefix_end:], quoted))


def spans(text: str, styles: frozenset[Styling] = frozenset()) -> list[Span]:
    """The spans of one line; ``styles`` are those of the enclosing span or block."""
    out: list[Span] = []
    plain_from = 0
    i = 0
    while i < len(text):
        char = text[i]
        style = _SPAN_DIRECTIVES.get(char)
        if style is None or style in styles or not _may_open(text, i):
            i += 1
            continue
        close = _closing(text, i)
        if close is None:
            i += 1
            continue
        if plain_from < i:
            out.append(Span(text[plain_from:i], styles))
        directive = Span(char, styles | {style, Styling.DIRECTIVE})
        inner = text[i + 1 : close]
        out.append(directive)
        if style is Styling.PRE:
            out.append(Span(inner, styles | {style}))
        else:
            out.extend(spans(inner, styles | {style}))
        out.append(directive)
        i = plain_from = close + 1
    if plain_from < len(text):
        out.append(Span(text[plain_from:], styles))
    return out


def _may_open(text: str, i: int) -> bool:
    if i + 1 >= len(text) or text[i + 1].isspace():
        return False
    return i == 0 or text[i - 1].isspace() or text[i - 1] in _SPAN_DIRECTIVES


def _closing(text: str, opening: int) -> int | None:
    char = text[opening]
    for k in range(opening + 2, len(text)):
        if text[k] == char and not text[k - 1].isspace():
            return k
    return None
