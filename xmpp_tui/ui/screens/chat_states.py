"""Our chat states (XEP-0085) for the main screen: one `TypingState` per open conversation.

The composer's edits, a sent message, pane switches, /close and the app's focus feed the state
machines; every transition they report goes to the service once, as `SendChatState`, through the
screen's command worker. The service decides whether it really goes out (the setting, the peer's
support). The console is not a conversation and sends nothing.

One Textual timer turns "composing" into "paused": it is armed when composing starts and, when
it fires early because keys were pressed meanwhile, re-armed for the time still left.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.timer import Timer

from xmpp_tui.core.commands import SendChatState
from xmpp_tui.core.models import ChatState
from xmpp_tui.ui.typing_state import PAUSE_AFTER, TypingState
from xmpp_tui.ui.view_state import ChatKey

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen


class OwnChatStates:
    def __init__(
        self,
        screen: MainScreen,
        *,
        pause_after: float = PAUSE_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.screen = screen
        #: Seconds without a keystroke before "paused"; tests shorten it.
        self.pause_after = pause_after
        self._clock = clock
        self._states: dict[ChatKey, TypingState] = {}
        self._timer: Timer | None = None

    def state_of(self, key: ChatKey) -> ChatState | None:
        machine = self._states.get(key)
        return machine.state if machine is not None else None

    # -- inputs -------------------------------------------------------------------------

    def edited(self, key: ChatKey | None, draft: str) -> None:
        """The user changed the draft in ``key``'s pane (``None``: the console)."""
        if key is None:
            return
        machine = self._machine(key)
        self._send(key, machine.edited(draft, self._clock()))
        self._arm(key)

    def sent(self, key: ChatKey | None) -> None:
        """A message was submitted in ``key``'s pane; it carries <active/> itself."""
        if key is not None:
            self._machine(key).sent()
            self._stop_timer()

    def switched(self, leaving: ChatKey | None, arriving: ChatKey | None, *, closed: bool) -> None:
        """The visible pane changed from ``leaving`` (closed or hidden) to ``arriving``."""
        if leaving == arriving:
            return
        self._stop_timer()
        if leaving is not None:
            machine = self._states.pop(leaving, None) if closed else self._states.get(leaving)
            if machine is not None:
                self._send(leaving, machine.closed() if closed else machine.hidden())
        if arriving is not None:
            self._send(arriving, self._machine(arriving).shown())

    def focus_changed(self, key: ChatKey | None, focused: bool) -> None:
        """The app lost or regained the terminal's focus while ``key``'s pane is in front."""
        if key is None:
            return
        machine = self._machine(key)
        if focused:
            self._send(key, machine.shown())
        else:
            self._stop_timer()
            self._send(key, machine.hidden())

    # -- the pause timer ----------------------------------------------------------------

    def _arm(self, key: ChatKey) -> None:
        if self._timer is not None:
            return  # already armed: on firing it re-arms for the time left
        due = self._machine(key).pause_due_in(self._clock())
        if due is not None:
            self._timer = self.screen.set_timer(due, lambda: self._fire(key), name="chat-pause")

    def _fire(self, key: ChatKey) -> None:
        self._timer = None
        machine = self._states.get(key)
        if machine is None or key != self.screen.deck.active_chat:
            return
        self._send(key, machine.tick(self._clock()))
        self._arm(key)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    # -- helpers ------------------------------------------------------------------------

    def _machine(self, key: ChatKey) -> TypingState:
        machine = self._states.get(key)
        if machine is None:
            machine = self._states[key] = TypingState()
        machine.pause_after = self.pause_after
        return machine

    def _send(self, key: ChatKey, state: ChatState | None) -> None:
        # Nothing goes to a blocked contact (the server would bounce it with an error).
        if state is not None and not self.screen.is_blocked(key):
            self.screen.execute(SendChatState(account=key.account, peer=key.peer, state=state))
