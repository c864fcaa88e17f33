"""XEP-0352 Client State Indication for the main screen: the terminal's focus drives it.

Textual turns on the terminal's focus reporting (``CSI ?1004h``) and posts ``AppBlur`` /
``AppFocus``; the app forwards every key press here. `ClientState` decides, and each change
goes to every account as `SetClientState` (the service remembers it for accounts offline now
and sends it only to servers that offer CSI). One Textual timer re-checks when the idle time
or the debounce could run out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.timer import Timer

from xmpp_tui.core.commands import SetClientState
from xmpp_tui.ui.client_state import ClientState

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen


class ClientStateReporter:
    def __init__(
        self,
        screen: MainScreen,
        *,
        idle_after: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.screen = screen
        self.machine = ClientState(idle_after=idle_after)
        self._clock = clock
        self._timer: Timer | None = None

    def start(self) -> None:
        """The screen is mounted: the idle time starts now."""
        self.machine.start(self._clock())
        self._arm()

    @property
    def active(self) -> bool:
        return self.machine.active

    def focus_changed(self, focused: bool) -> None:
        now = self._clock()
        self._report(self.machine.focus(now) if focused else self.machine.blur(now))

    def key_pressed(self) -> None:
        if self.machine.active and self.machine.idle_after <= 0 and self.machine.focused:
            return  # nothing can change: keep key handling cheap
        self._report(self.machine.key(self._clock()))

    def _check(self) -> None:
        self._timer = None
        self._report(self.machine.tick(self._clock()))

    def _report(self, change: bool | None) -> None:
        if change is not None:
            for account in self.screen.service.accounts:
                self.screen.execute(SetClientState(account=account, active=change))
        self._arm()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        delay = self.machine.next_check(self._clock())
        if delay is not None:
            # A little late rather than early: the check must find the time has run out.
            self._timer = self.screen.set_timer(delay + 0.05, self._check)
