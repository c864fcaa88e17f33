"""Our chat state machine (XEP-0085) with a fake clock: each transition reported once."""

from __future__ import annotations

import pytest

from xmpp_tui.core.models import ChatState
from xmpp_tui.ui.typing_state import PAUSE_AFTER, TypingState, is_message_draft

ACTIVE, COMPOSING, PAUSED = ChatState.ACTIVE, ChatState.COMPOSING, ChatState.PAUSED
INACTIVE, GONE = ChatState.INACTIVE, ChatState.GONE


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("", False),
        ("h", True),
        (" ", True),
        ("/", False),
        ("/close", False),
        ("/msg bob@x hi", False),
        ("//not a command", True),
        ("/me", True),
        ("/me waves", True),
        ("/meet", False),
    ],
)
def test_a_message_draft_is_not_a_command(draft: str, expected: bool) -> None:
    assert is_message_draft(draft) is expected


def test_the_first_keystroke_is_composing_once_and_a_pause_after_five_seconds() -> None:
    typing = TypingState()
    assert typing.state is ACTIVE
    assert typing.pause_due_in(0.0) is None
    assert typing.edited("h", 0.0) is COMPOSING
    assert typing.edited("he", 1.0) is None
    assert typing.edited("hel", 2.0) is None
    assert typing.pause_due_in(3.0) == PAUSE_AFTER - 1.0
    assert typing.tick(6.9) is None  # the last key was at 2.0
    assert typing.tick(7.0) is PAUSED
    assert typing.tick(9.0) is None
    assert typing.pause_due_in(9.0) is None
    assert typing.edited("hell", 10.0) is COMPOSING  # typing again
    assert typing.tick(15.0) is PAUSED


def test_emptying_the_draft_is_active_and_sending_is_silent() -> None:
    typing = TypingState(pause_after=1.0)
    assert typing.edited("h", 0.0) is COMPOSING
    assert typing.edited("", 0.5) is ACTIVE
    assert typing.tick(5.0) is None  # no pause after the draft went
    assert typing.edited("", 0.6) is None
    assert typing.edited("hi", 1.0) is COMPOSING
    assert typing.tick(2.0) is PAUSED
    assert typing.edited("", 3.0) is ACTIVE  # emptied from paused too
    assert typing.edited("x", 4.0) is COMPOSING
    typing.sent()  # the message carries <active/>
    assert typing.state is ACTIVE
    assert typing.tick(10.0) is None
    assert typing.edited("", 10.0) is None


def test_turning_the_draft_into_a_command_ends_composing() -> None:
    typing = TypingState()
    assert typing.edited("/", 0.0) is None  # starting a command is not composing
    assert typing.edited("/close", 0.1) is None
    assert typing.edited("hello", 1.0) is COMPOSING
    assert typing.edited("/status away", 2.0) is ACTIVE


def test_hidden_and_shown_and_closed() -> None:
    typing = TypingState(pause_after=1.0)
    assert typing.shown() is None  # already active
    assert typing.edited("h", 0.0) is COMPOSING
    assert typing.hidden() is INACTIVE
    assert typing.hidden() is None
    assert typing.tick(5.0) is None  # no pause while hidden
    assert typing.shown() is ACTIVE
    assert typing.shown() is None
    assert typing.edited("hi", 6.0) is COMPOSING
    assert typing.closed() is GONE
    assert typing.closed() is None
    assert typing.hidden() is None
    assert typing.shown() is None


def test_closing_an_inactive_pane_is_gone() -> None:
    typing = TypingState()
    assert typing.hidden() is INACTIVE
    assert typing.closed() is GONE
