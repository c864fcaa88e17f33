"""Our own chat state in one conversation (XEP-0085), as a pure state machine.

The composer and the pane focus feed it; each method returns the state to tell the peer, or
``None`` when nothing changed (a transition is reported once, never repeated). Time comes in as
an argument (seconds on any monotonic clock), so tests drive it with a fake clock and the screen
with a Textual timer (`ui/screens/chat_states.py`).

    ACTIVE --edit, message draft--> COMPOSING --no edit for `pause_after`--> PAUSED
    COMPOSING/PAUSED --draft emptied--> ACTIVE      (a message sent: ACTIVE, nothing sent)
    any --pane hidden / app blurred--> INACTIVE --pane shown / app focused--> ACTIVE
    any --pane closed--> GONE
"""

from __future__ import annotations

from xmpp_tui.core.models import ChatState
from xmpp_tui.core.slash import PREFIX

#: Seconds without a keystroke after which "composing" becomes "paused".
PAUSE_AFTER = 5.0

_TYPING = frozenset({ChatState.COMPOSING, ChatState.PAUSED})
_ME = f"{PREFIX}me"  # XEP-0245 "/me waves" is a message, not a command


def is_message_draft(draft: str) -> bool:
    """Whether ``draft`` is a message being written (a slash command is not; ``//x`` is)."""
    if not draft:
        return False
    if not draft.startswith(PREFIX) or draft.startswith(PREFIX * 2):
        return True
    return draft == _ME or draft.startswith(f"{_ME} ")


class TypingState:
    """What we are doing in one conversation; starts ACTIVE (the pane is opened in front)."""

    def __init__(self, *, pause_after: float = PAUSE_AFTER) -> None:
        self.pause_after = pause_after
        self.state = ChatState.ACTIVE
        self._last_edit: float | None = None  # when the draft last changed while composing

    def edited(self, draft: str, now: float) -> ChatState | None:
        """The user changed the draft (a keystroke, a paste, a completion)."""
        if is_message_draft(draft):
            self._last_edit = now
            return self._move(ChatState.COMPOSING)
        self._last_edit = None
        if self.state in _TYPING:
            return self._move(ChatState.ACTIVE)  # emptied (or turned into a command)
        return None

    def pause_due_in(self, now: float) -> float | None:
        """Seconds until :meth:`tick` reports PAUSED; ``None`` when no pause is pending."""
        if self.state is not ChatState.COMPOSING or self._last_edit is None:
            return None
        return max(0.0, self._last_edit + self.pause_after - now)

    def tick(self, now: float) -> ChatState | None:
        """The pause timer fired: PAUSED if no keystroke came for ``pause_after`` seconds."""
        if self.pause_due_in(now) == 0.0:
            return self._move(ChatState.PAUSED)
        return None

    def sent(self) -> None:
        """A message went out; it carries <active/> itself, so nothing more is sent."""
        self._last_edit = None
        self.state = ChatState.ACTIVE

    def hidden(self) -> ChatState | None:
        """The pane was switched away from, or the app lost the focus."""
        if self.state is ChatState.GONE:
            return None
        return self._move(ChatState.INACTIVE)

    def shown(self) -> ChatState | None:
        """The pane is in front again, or the app got the focus back."""
        if self.state is ChatState.INACTIVE:
            return self._move(ChatState.ACTIVE)
        return None

    def closed(self) -> ChatState | None:
        """The pane was closed (/close)."""
        self._last_edit = None
        return self._move(ChatState.GONE)

    def _move(self, state: ChatState) -> ChatState | None:
        if state is self.state:
            return None
        self.state = state
        return state
