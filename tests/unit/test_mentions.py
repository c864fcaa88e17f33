"""Nick mentions: a word of its own, any case, regex characters in a nick taken literally;
alerts rate-limited per room and only for fresh incoming room lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from xmpp_tui.core.models import ConversationKind, Delivery, Direction, StoredMessage
from xmpp_tui.ui.mention_alerts import MentionAlerts, mentioned
from xmpp_tui.ui.render import mentions
from xmpp_tui.ui.view_state import ChatKey

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_word_boundary() -> None:
    assert mentions("al: hi", "al")
    assert mentions("hi @AL!", "al")
    assert mentions("ping al", "Al")
    assert not mentions("hello all", "al")
    assert not mentions("ask Sal", "al")
    assert not mentions("anything", "")
    assert mentions("a.b? yes", "a.b")  # regex characters are literal
    assert not mentions("axb", "a.b")


def _line(body: str, *, age: timedelta = timedelta(0), out: bool = False) -> StoredMessage:
    return StoredMessage(
        id=1,
        account="me@x",
        peer="room@muc.x",
        direction=Direction.OUTGOING if out else Direction.INCOMING,
        sender="room@muc.x/bob",
        body=body,
        timestamp=NOW - age,
        delivery=Delivery.RECEIVED if not out else Delivery.SENT,
        kind=ConversationKind.GROUPCHAT,
    )


def test_only_fresh_incoming_lines_alert() -> None:
    assert mentioned([_line("al: hi")], "al", NOW)
    assert not mentioned([_line("al: hi", out=True)], "al", NOW)
    assert not mentioned([_line("al: hi", age=timedelta(hours=1))], "al", NOW)  # replayed


def test_alerts_rate_limited_per_room() -> None:
    alerts = MentionAlerts()
    room, other = ChatKey("me@x", "room@muc.x"), ChatKey("me@x", "other@muc.x")
    assert alerts.due(room, NOW)
    assert not alerts.due(room, NOW + timedelta(seconds=1))
    assert alerts.due(other, NOW + timedelta(seconds=1))
    assert alerts.due(room, NOW + timedelta(seconds=6))


def test_our_own_line_that_came_back_as_incoming_does_not_alert() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    ours = StoredMessage(
        id=1,
        account="a@x",
        peer="room@c.x",
        direction=Direction.INCOMING,
        sender="room@c.x/al",
        body="al here, from my phone",
        timestamp=now,
        delivery=Delivery.RECEIVED,
        kind=ConversationKind.GROUPCHAT,
    )
    assert not mentioned([ours], "al", now)
    assert mentioned([replace(ours, sender="room@c.x/bob", body="hi al")], "al", now)
