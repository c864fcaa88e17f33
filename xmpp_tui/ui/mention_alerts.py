"""Nick mentions in rooms: the line is highlighted (render.py), and the user is told with a
bell and a notification of fixed text (never the remote body), at most once per room per
:data:`ALERT_INTERVAL` so a room repeating our nick cannot ring the terminal in a loop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from xmpp_tui.core.models import ConversationKind, Direction, StoredMessage
from xmpp_tui.ui.render import mentions, room_nick
from xmpp_tui.ui.view_state import ChatKey

ALERT_INTERVAL = timedelta(seconds=5)
#: A message older than this when it arrives is history (a rejoin's replay): no alert.
FRESH = timedelta(minutes=2)


def mention_text(room: str) -> str:
    return f"You were mentioned in {room}"


def mentioned(messages: Sequence[StoredMessage], own_nick: str, now: datetime) -> bool:
    """Whether a fresh incoming room line among ``messages`` names ``own_nick``."""
    return any(
        m.kind is ConversationKind.GROUPCHAT
        and m.direction is Direction.INCOMING
        and room_nick(m.sender) != own_nick  # a line of ours that came back as incoming
        and now - m.timestamp < FRESH
        and mentions(m.body, own_nick)
        for m in messages
    )


class MentionAlerts:
    """Rate limit per room."""

    def __init__(self) -> None:
        self._last: dict[ChatKey, datetime] = {}

    def due(self, key: ChatKey, now: datetime) -> bool:
        last = self._last.get(key)
        if last is not None and now - last < ALERT_INTERVAL:
            return False
        self._last[key] = now
        return True
