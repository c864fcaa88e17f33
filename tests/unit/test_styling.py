"""XEP-0393 styling parser: the examples and edge cases of the XEP."""

from __future__ import annotations

import pytest

from xmpp_tui.core.styling import Span, Styling, spans, style_body

S, E, X, P, Q, D = (
    Styling.STRONG,
    Styling.EMPHASIS,
    Styling.STRIKE,
    Styling.PRE,
    Styling.QUOTE,
    Styling.DIRECTIVE,
)


def _view(text: str) -> list[tuple[str, set[Styling]]]:
    return [(span.text, set(span.styles)) for span in spans(text)]


def test_simple_spans_keep_their_directives() -> None:
    assert _view("I *love* it") == [
        ("I ", set()),
        ("*", {S, D}),
        ("love", {S}),
        ("*", {S, D}),
        (" it", set()),
    ]
    assert [s.text for s in spans("_a_ ~b~ `c`")] == [
        "_",
        "a",
        "_",
        " ",
        "~",
        "b",
        "~",
        " ",
        "`",
        "c",
        "`",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "**",  # empty span
        "* not strong*",  # opening followed by whitespace
        "*not strong *",  # closing preceded by whitespace
        "a*b*",  # opening not at a word start
        "no closing *here",
        "2 * 3 * 4",
    ],
)
def test_not_a_span(text: str) -> None:
    assert _view(text) == [(text, set())]


def test_nesting_and_no_styling_inside_pre() -> None:
    assert _view("*_both_*") == [
        ("*", {S, D}),
        ("_", {S, E, D}),
        ("both", {S, E}),
        ("_", {S, E, D}),
        ("*", {S, D}),
    ]
    assert _view("`*not strong*`") == [("`", {P, D}), ("*not strong*", {P}), ("`", {P, D})]


def test_first_closing_directive_wins() -> None:
    assert [s.text for s in spans("*a* b*")] == ["*", "a", "*", " b*"]


def test_spans_never_cross_lines() -> None:
    lines = style_body("*start\nend*")
    assert lines == [(Span("*start"),), (Span("end*"),)]


def test_pre_block_is_not_styled_and_may_stay_open() -> None:
    lines = style_body("```python\n*x* = 1\n\n```\n*after*")
    assert lines[0] == (Span("```python", frozenset({D})),)
    assert lines[1] == (Span("*x* = 1", frozenset({P})),)
    assert lines[2] == ()
    assert lines[3] == (Span("```", frozenset({D})),)
    assert [s.text for s in lines[4]] == ["*", "after", "*"]
    unclosed = style_body("```\n_still pre_")
    assert unclosed[1] == (Span("_still pre_", frozenset({P})),)


def test_quotes_nest_and_hold_spans() -> None:
    (line,) = style_body(">> quoted *twice*")
    assert line[0] == Span(">> ", frozenset({Q, D}))
    assert [(s.text, set(s.styles)) for s in line[1:]] == [
        ("quoted ", {Q}),
        ("*", {Q, S, D}),
        ("twice", {Q, S}),
        ("*", {Q, S, D}),
    ]
    assert style_body(">no space")[0][0] == Span(">", frozenset({Q, D}))


@pytest.mark.parametrize(
    "body", ["", "plain", "a *b* _c_\n> q\n```\ncode\n```\n~x~ `y`", "***", "* * *", "_*_*"]
)
def test_text_is_kept_exactly(body: str) -> None:
    assert ["".join(s.text for s in line) for line in style_body(body)] == body.split("\n")
