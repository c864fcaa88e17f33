"""Rendering helpers: remote text stays text, bodies cannot forge sender lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult

from xmpp_tui.core.models import (
    ChatState,
    ConnectionState,
    ContactPresence,
    ConversationKind,
    Delivery,
    Direction,
    ResourcePresence,
    Show,
    StoredMessage,
    Subscription,
)
from xmpp_tui.ui.render import (
    DELIVERY_MARKS,
    MessageStyles,
    console_line,
    day_separator,
    message_lines,
    one_line,
    presence_text,
    sender_label,
    truncate_cells,
)
from xmpp_tui.ui.themes import load_catalog, rich_theme, shipped_themes_dir
from xmpp_tui.ui.view_state import ConnectionView, ContactRow, HeaderRow, short_names
from xmpp_tui.ui.widgets.chat_pane import header_text
from xmpp_tui.ui.widgets.composer import message_text
from xmpp_tui.ui.widgets.roster import contact_prompt, header_prompt
from xmpp_tui.ui.widgets.status_bar import StatusBar, status_text

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
    # Each state its own glyph: a monochrome terminal (or NO_COLOR) tells them apart too.
    assert len(set(glyphs)) == len(glyphs)


def test_presence_has_a_word_as_well_as_a_colour() -> None:
    words = {presence_text(show).plain for show in Show}
    assert len(words) == len(Show)
    assert presence_text(Show.DND).plain == "⊖ do not disturb"


def test_one_line_and_console_line() -> None:
    assert one_line("a\nb\x1b").plain == "a⏎b␛"
    assert console_line("hi", when=WHEN, tz=UTC).plain == "09:07 hi"


def test_long_sender_names_are_cut_with_an_ellipsis_inside_the_brackets() -> None:
    name = "Bartholomew Maximilian Fitzgerald"
    first = _rows(_message("hi"), width=60, name=name)[0]
    assert first == f"09:07 <{name[:19]}…> hi"
    assert "truncated" not in first
    assert sender_label(_message("x"), "Bob") == "Bob"
    wide = truncate_cells("你好" * 6, 20)  # cells, not characters
    assert wide.endswith("…") and Text(wide).cell_len <= 20 and len(wide) < 12


def test_day_separator_uses_the_local_date() -> None:
    late = datetime(2024, 5, 1, 23, 30, tzinfo=UTC)
    assert day_separator(late, UTC, MessageStyles()).plain == "── Wed 01 May 2024 ──"
    tokyo = timezone(timedelta(hours=9))
    assert day_separator(late, tokyo, MessageStyles()).plain == "── Thu 02 May 2024 ──"


def test_roster_rows_fit_their_width_and_keep_their_markers() -> None:
    row = ContactRow(
        account="a@x",
        jid="b@x",
        name="A very long display name indeed",
        show=Show.AVAILABLE,
        unread=12,
        request_pending=True,
        subscription=Subscription.BOTH,
    )
    prompt = contact_prompt(row, 23)
    assert prompt.plain == "● A very long d… [12] ?"
    assert prompt.cell_len <= 23
    header = header_prompt(HeaderRow("someone-with-a-long-name@example.org", is_account=True), 23)
    assert header.plain == "someone-with-a-long-na…"


def test_chat_header_lines_and_presence_not_shared() -> None:
    stranger = header_text("d@x", "d@x", ContactPresence(jid="d@x"), shared=False)
    assert stranger.plain == "d@x\n○ presence not shared"
    contact = header_text("Dee", "d@x", ContactPresence(jid="d@x"), via="a@x")
    assert contact.plain == "Dee  d@x  via a@x\n○ offline"


def test_blocked_contacts_are_marked_in_the_roster_and_the_header() -> None:
    row = ContactRow(
        account="a@x",
        jid="b@x",
        name="A very long display name indeed",
        show=Show.OFFLINE,
        unread=2,
        subscription=Subscription.BOTH,
        blocked=True,
    )
    prompt = contact_prompt(row, 23)
    assert prompt.plain == "⊘ A very long disp… [2]"
    assert prompt.cell_len <= 23
    assert any("dim" in str(span.style) for span in prompt.spans)
    online = ContactPresence(
        jid="d@x", resources=(ResourcePresence(resource="phone", show=Show.AWAY, status="x"),)
    )
    header = header_text("Dee", "d@x", online, blocked=True, state=ChatState.COMPOSING)
    assert header.plain == "Dee  d@x\n⊘ blocked  /unblock to write to them"


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (ChatState.ACTIVE, ""),
        (ChatState.COMPOSING, "  typing…"),
        (ChatState.PAUSED, "  stopped typing"),
        (ChatState.INACTIVE, "  away from the chat"),
        (ChatState.GONE, "  closed the chat"),
    ],
)
def test_chat_header_shows_the_contacts_chat_state_before_their_status(
    state: ChatState, shown: str
) -> None:
    online = ContactPresence(
        jid="d@x", resources=(ResourcePresence(resource="phone", show=Show.AWAY, status="[b]x"),)
    )
    header = header_text("Dee", "d@x", online, state=state)
    assert header.plain.splitlines()[1] == f"◑ away{shown}  /phone  [b]x"
    stranger = header_text("d@x", "d@x", ContactPresence(jid="d@x"), shared=False, state=state)
    assert stranger.plain.splitlines()[1] == f"○ presence not shared{shown}"


def test_status_text_says_inactive_only_for_an_online_account_the_server_was_told() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    views = {
        "alice@x": ConnectionView(ConnectionState.ONLINE),
        "bob@x": ConnectionView(ConnectionState.ONLINE),
        "carol@x": ConnectionView(ConnectionState.DISCONNECTED),
    }
    text = status_text(views, "1", now, inactive={"alice@x", "carol@x"})
    assert text.plain == "[1]  alice: online inactive | bob: online | carol: offline"


def test_status_text_puts_the_pane_first_and_shortens_several_accounts() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    retry = ConnectionView(ConnectionState.RECONNECTING, "no answer", now + timedelta(seconds=4))
    views = {
        "alice@x": ConnectionView(ConnectionState.ONLINE),
        "bob@x": retry,
        "bob@y": ConnectionView(ConnectionState.FAILED, "Untrusted certificate"),
    }
    text = status_text(views, "2/3 carol@x", now, {"alice@x": Show.AWAY})
    assert text.plain == "[2/3 carol@x]  alice: away | bob@x: retry 4s | bob@y: failed"
    one = status_text({"alice@x": views["bob@y"]}, "1/1 console", now)
    assert one.plain == "[1/1 console]  alice@x: failed: Untrusted certificate"
    assert short_names(["a@x", "b@x", "a@y", "@z"]) == {
        "a@x": "a@x",
        "b@x": "b",
        "a@y": "a@y",
        "@z": "@z",
    }


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("hi\n", "hi"),
        ("hi\n  \n\n", "hi"),
        ("a\n\nb", "a\n\nb"),
        ("  indented\nkept  ", "  indented\nkept  "),
        ("\n\n", ""),
    ],
)
def test_trailing_blank_lines_are_dropped(typed: str, sent: str) -> None:
    assert message_text(typed) == sent


def test_me_action_reads_star_name_text_in_both_directions() -> None:
    assert _rows(_message("/me waves [b]hi[/b]"))[0] == "09:07 * bob waves [b]hi[/b]"
    own = _message("/me waves", Direction.OUTGOING, delivery=Delivery.SENT)
    assert _rows(own)[0].startswith("09:07 * me waves")
    assert _rows(_message("/mean it"))[0] == "09:07 <bob> /mean it"  # not an action
    # a nick cannot smuggle control characters into the action line
    assert _rows(_message("/me x"), name="ev\u202eil\x1b")[0] == "09:07 * ev<U+202E>il␛ x"


def test_edited_and_read_marks() -> None:
    edited = replace(_message("fixed"), edited=True)
    assert _rows(edited)[0] == "09:07 <bob> fixed (edited)"
    read = _message("seen", Direction.OUTGOING, delivery=Delivery.DISPLAYED)
    assert _rows(read)[0].endswith("seen ✓✓ read")


def test_styling_becomes_text_styles_not_markup() -> None:
    (line,) = message_lines(
        _message("*bold* _it_ ~gone~ `[b]code[/b]`"),
        peer_name="bob",
        width=80,
        console=CONSOLE,
        tz=UTC,
        styles=MessageStyles(),
    )
    assert line.plain == "09:07 <bob> *bold* _it_ ~gone~ `[b]code[/b]`"

    def style_at(word: str) -> Style:
        start = line.plain.index(word)
        return line.get_style_at_offset(CONSOLE, start)

    assert style_at("bold").bold and style_at("it").italic and style_at("gone").strike
    assert not style_at("[b]code").bold  # the markup inside stays text
    assert style_at("*bold").dim  # directives are dimmed, not hidden


def test_styled_quote_and_block_keep_the_continuation_marker() -> None:
    rows = _rows(_message("look:\n> quoted *x*\n```\n<bob> fake\n```"))
    assert rows[0] == "09:07 <bob> look:"
    assert rows[1:] == [
        "      │ > quoted *x*",
        "      │ ```",
        "      │ <bob> fake",
        "      │ ```",
    ]


def _room_message(sender: str, body: str) -> StoredMessage:
    return StoredMessage(
        id=2,
        account="a@x",
        peer="room@c.x",
        direction=Direction.INCOMING,
        sender=sender,
        body=body,
        timestamp=WHEN,
        delivery=Delivery.RECEIVED,
        kind=ConversationKind.GROUPCHAT,
    )


def test_room_lines_show_the_nick_sanitised_never_a_contact_name() -> None:
    message = _room_message("room@c.x/ma\u202eory[b]", "hi")
    label = sender_label(message, "Bob (contact)")
    assert label.startswith("ma") and label.endswith("ory[b]")
    assert "\u202e" not in label and "Bob" not in label
    assert _rows(message, name="Bob")[0].startswith(f"09:07 <{label}> hi")


def test_an_occupant_called_me_cannot_pass_for_us() -> None:
    theirs = _room_message("room@c.x/me", "I agree to pay bob")
    ours = replace(
        _room_message("room@c.x/alice", "hello"),
        direction=Direction.OUTGOING,
        delivery=Delivery.ACKED,
    )
    assert _rows(theirs)[0].startswith("09:07 <me> I agree")
    assert _rows(ours)[0].startswith("09:07 <alice> hello")  # our nick, not "me"
    assert _rows(replace(ours, body="/me waves"))[0].startswith("09:07 * alice waves")


def test_a_mention_of_our_nick_reverses_the_sender() -> None:
    def sender_style(message: StoredMessage, nick: str) -> Style:
        [line] = message_lines(
            message,
            peer_name="room",
            width=60,
            console=CONSOLE,
            tz=UTC,
            styles=MessageStyles(),
            own_nick=nick,
        )
        return line.get_style_at_offset(CONSOLE, len("09:07 <"))

    assert sender_style(_room_message("room@c.x/bob", "hey AL, look"), "al").reverse
    assert not sender_style(_room_message("room@c.x/bob", "hey all"), "bo").reverse
    assert not sender_style(_room_message("room@c.x/bob", "hey al"), "").reverse


async def test_status_bar_keeps_the_config_order_whichever_account_reports_first() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    bar = StatusBar(clock=lambda: now, accounts=["alice@x", "bob@x"])

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield bar

    host = Host()
    host.console.push_theme(rich_theme(load_catalog([shipped_themes_dir()]).themes["dark"]))
    async with host.run_test():
        bar.set_connection("bob@x", ConnectionView(ConnectionState.FAILED, "busy"))
        bar.set_connection("alice@x", ConnectionView(ConnectionState.ONLINE))
        assert bar.plain == "[1]  alice: online | bob: failed"
