"""Whether the user is looking at xmpp-tui, for XEP-0352 Client State Indication. Pure logic.

Inputs: the terminal's focus reports (Textual's ``AppFocus``/``AppBlur``), key presses and the
passing of time. The user is *looking* while the terminal has the focus and, when
``idle_after`` is set, a key was pressed in the last ``idle_after`` seconds. A key press also
counts as focus (a terminal without focus reporting never reports it).

Debounce: becoming "inactive" waits until not looking has lasted ``settle`` seconds, so a
quick Alt+Tab away and back sends nothing. Becoming "active" is reported at once (the server
flushes what it held back). Each method returns the new state to send, or None.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds "not looking" must last before the server is told "inactive".
SETTLE = 2.0


@dataclass(slots=True)
class ClientState:
    idle_after: float = 0.0  # 0: off
    settle: float = SETTLE
    focused: bool = True
    #: What the server was last told to be (a new session starts active).
    active: bool = True
    _last_key: float = 0.0
    _away_since: float | None = None

    def start(self, now: float) -> None:
        self._last_key = now

    def focus(self, now: float) -> bool | None:
        self.focused = True
        return self.key(now)

    def blur(self, now: float) -> bool | None:
        self.focused = False
        return self.tick(now)

    def key(self, now: float) -> bool | None:
        self.focused = True
        self._last_key = now
        return self.tick(now)

    def looking(self, now: float) -> bool:
        idle = self.idle_after > 0 and now - self._last_key >= self.idle_after
        return self.focused and not idle

    def tick(self, now: float) -> bool | None:
        """Re-evaluate (timers call this); the new state to send, or None."""
        if self.looking(now):
            self._away_since = None
            if self.active:
                return None
            self.active = True
            return True
        if self._away_since is None:
            # Idle: "away" started when the idle time ran out, not when we noticed.
            idle_from = self._last_key + self.idle_after if self.focused else now
            self._away_since = min(now, idle_from)
        if self.active and now - self._away_since >= self.settle:
            self.active = False
            return False
        return None

    def next_check(self, now: float) -> float | None:
        """Seconds until ``tick`` could change something (None: only an input can)."""
        if self.looking(now):
            if self.idle_after <= 0:
                return None
            return max(0.0, self._last_key + self.idle_after - now)
        if not self.active or self._away_since is None:
            return None
        return max(0.0, self._away_since + self.settle - now)
