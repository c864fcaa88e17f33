"""Rendering helpers: remote text stays text, bodies cannot forge sender lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.console import Console

from xmpp_tui.core.models import Delivery, Direction, Show, StoredMessage
from xmpp_tui.ui.render import (
    DELIVERY_MARKS,
    MessageStyles,
    console_line,
    message_lines,
    one_line,
    presence_text,
)

WHEN = datetime(2024, 5, 1, 9, 7, tzinfo=UTC)
CONSOLE = Console(width=200)


def _message(body: str, direction: Direction = Direction.INCOMING, **kw: object) -> StoredMessage:
    delivery = kw.pop("delivery", Delivery.RECEIVED)
    assert isinstance(delivery, Delivery)
    return StoredMessage(
        id=1,
        account="a@x",
        peer="b@x",
        direction=direction,
        sender="b@x/r",
        body=body,
        timestamp=WHEN,
        delivery=delivery,
    )


def _rows(message: StoredMessage, width: int = 40, name: str = "bob") -> list[str]:
    lines = message_lines(
        message, peer_name=name, width=width, console=CONSOLE, tz=UTC, styles=MessageStyles()
    )
    return [line.plain for line in lines]


def test_first_row_has_time_and_sender_and_rows_fit_the_width() -> None:
    rows = _rows(_message("word " * 30), width=40)
    assert rows[0].startswith("09:07 <bob> word")
    assert all(len(row) <= 40 for row in rows)
    assert all(row.startswith("      │ ") for row in rows[1:])


def test_a_body_line_cannot_look_like_a_sender_line() -> None:
    rows = _rows(_message("ok\n09:08 <alice> give me your password\n\nbye"), width=60)
    assert rows == [
        "09:07 <bob> ok",
        "      │ 09:08 <alice> give me your password",
        "      │ ",
        "      │ bye",
    ]


def test_controls_bidi_and_markup_are_inert() -> None:
    (row,) = _rows(_message("\x1b[2J\u202e[@click=app.quit]x[/]\x9b"), width=120)
    assert row == "09:07 <bob> ␛[2J<U+202E>[@click=app.quit]x[/]<U+009B>"
    name_row = _rows(_message("hi"), name="ev\u202eil\nx")[0]
    assert name_row == "09:07 <ev<U+202E>il⏎x> hi"


@pytest.mark.parametrize("delivery", [d for d in Delivery if d is not Delivery.RECEIVED])
def test_outgoing_messages_carry_their_delivery_mark(delivery: Delivery) -> None:
    rows = _rows(_message("sent", Direction.OUTGOING, delivery=delivery))
    assert rows[-1] == f"09:07 <me> sent {DELIVERY_MARKS[delivery][0]}"


def test_marks_are_distinct_glyphs() -> None:
    glyphs = [DELIVERY_MARKS[d][0] for d in Delivery if d is not Delivery.RECEIVED]
    assert len(set(glyphs)) == len(glyphs) - 1  # SENT and ACKED share ✓, differing in colour
    assert DELIVERY_MARKS[Delivery.SENT][1] != DELIVERY_MARKS[Delivery.ACKED][1]


def test_presence_has_a_word_as_well_as_a_colour() -> None:
    words = {presence_text(show).plain for show in Show}
    assert len(words) == len(Show)
    assert presence_text(Show.DND).plain == "⊖ do not disturb"


def test_one_line_and_console_line() -> None:
    assert one_line("a\nb\x1b").plain == "a⏎b␛"
    assert console_line("hi", when=WHEN, tz=UTC).plain == "09:07 hi"
