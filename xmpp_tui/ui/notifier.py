"""When to alert a user who is not looking. Pure logic; the outputs are in `ui/screens/alerts.py`.

An alert is due for a new *live* incoming 1:1 message, or a live room line that names our nick,
in a conversation the user is not reading now (its pane is not in front and scrolled to the
bottom in a focused terminal: `PaneControl.is_read`). Never for our own messages (our sends,
carbons of what another device of ours sent), an archive catch-up or a room's join replay
(`MessageAdded.archived`), a blocked JID or a blocked room.

Rate limits, so that a flood of 10,000 messages gives a handful of alerts: at most one alert per
conversation per `PER_CONVERSATION` seconds, and at most `PER_MINUTE` alerts in any 60 seconds
over all conversations. What an alert *says* is one of the fixed texts in `ALERT_TEXT`: never a
remote body, nick, JID or room name (a remote party must not put text into the terminal or
into another program).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container, Sequence
from datetime import datetime
from enum import Enum

from xmpp_tui.core.models import ConversationKind, Direction, StoredMessage
from xmpp_tui.ui.mention_alerts import mentioned
from xmpp_tui.ui.view_state import ChatKey

#: Seconds between two alerts for the same conversation.
PER_CONVERSATION = 30.0
#: Alerts at most in any 60 seconds, over all conversations.
PER_MINUTE = 5
WINDOW = 60.0


class AlertKind(Enum):
    MESSAGE = "message"
    MENTION = "mention"


#: The only texts an alert ever carries (terminal notification, notify_command).
ALERT_TITLE = "xmpp-tui"
ALERT_TEXT = {
    AlertKind.MESSAGE: "New message",
    AlertKind.MENTION: "You were mentioned in a room",
}


def alert_kind(
    messages: Sequence[StoredMessage],
    *,
    live: Container[int],
    own_nick: str | None,
    now: datetime,
) -> AlertKind | None:
    """What ``messages`` (one conversation's new rows) call for, before focus and rate limits.

    ``live``: ids of the rows that arrived live (not from an archive or a join replay);
    ``own_nick``: our nick in the room (None for a 1:1 chat, or a room we are not in)."""
    fresh = [m for m in messages if m.id in live and m.direction is Direction.INCOMING]
    if not fresh:
        return None
    if fresh[0].kind is ConversationKind.GROUPCHAT:
        if own_nick is not None and mentioned(fresh, own_nick, now):
            return AlertKind.MENTION
        return None
    return AlertKind.MESSAGE


class Notifier:
    """The rate limits and the "is the user reading it" rule; times are monotonic seconds."""

    def __init__(
        self, *, per_conversation: float = PER_CONVERSATION, per_minute: int = PER_MINUTE
    ) -> None:
        self.per_conversation = per_conversation
        self.per_minute = per_minute
        self._last: dict[ChatKey, float] = {}
        self._recent: deque[float] = deque()

    def decide(
        self,
        key: ChatKey,
        kind: AlertKind | None,
        *,
        now: float,
        reading: bool,
        blocked: bool,
    ) -> AlertKind | None:
        """The alert to give now for ``key``, or None; a given alert counts against the limits."""
        if kind is None or reading or blocked:
            return None
        last = self._last.get(key)
        if last is not None and now - last < self.per_conversation:
            return None
        while self._recent and now - self._recent[0] >= WINDOW:
            self._recent.popleft()
        if len(self._recent) >= self.per_minute:
            return None
        self._last[key] = now
        self._recent.append(now)
        if len(self._last) > 1024:  # forget conversations whose limit has long run out
            self._last = {k: t for k, t in self._last.items() if now - t < self.per_conversation}
        return kind


def unread_title(total: int) -> str:
    """The terminal title: fixed text and a number, nothing remote."""
    return f"{ALERT_TITLE} ({total})" if total > 0 else ALERT_TITLE
