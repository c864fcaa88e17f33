"""The service starts before the UI exists: what the UI needs to catch up, losing nothing.

`ui/launch.py` starts connecting first and imports Textual meanwhile (the connection
waits on the network, the import on the CPU). Until the main screen has loaded its
initial state, an `EarlyStart` keeps:

- ``initial``: what the service and store knew *before* the first event (roster, presence,
  unread counts, conversations, rooms), taken before the service started;
- every event the service published since, in order.

The screen loads ``initial`` and then applies the events, exactly as if it had been
there from the start: nothing is counted twice (a message both in the store's unread
count and in a replayed event) and nothing is lost (a password prompt, a failure).

This module imports no Textual: `launch.py` uses it before Textual is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from xmpp_tui.core.bus import Subscriber
from xmpp_tui.core.events import Event
from xmpp_tui.core.models import AccountId, AccountSnapshot, RoomInfo
from xmpp_tui.service.session import SessionService


@dataclass(frozen=True, slots=True, kw_only=True)
class InitialAccount:
    """One account as the service and the store know it before any event."""

    snapshot: AccountSnapshot
    unread: Mapping[str, int]
    conversations: tuple[str, ...]
    room_history: tuple[str, ...]
    rooms: tuple[RoomInfo, ...]


def capture_initial(service: SessionService) -> dict[AccountId, InitialAccount]:
    return {
        account: InitialAccount(
            snapshot=service.snapshot(account),
            unread=service.unread_counts(account),
            conversations=tuple(service.conversations(account)),
            room_history=tuple(service.room_history(account)),
            rooms=service.rooms(account),
        )
        for account in service.accounts
    }


class EarlyStart:
    """Subscribe before ``service.start()``; `attach` hands over to the UI's bridge."""

    def __init__(self, service: SessionService) -> None:
        self.initial = capture_initial(service)
        self._events: list[Event] = []
        self._forward: Subscriber | None = None
        self._unsubscribe = service.subscribe(self._on_event)

    @property
    def waiting(self) -> int:
        """Events published before `attach` and not yet handed over."""
        return len(self._events)

    def _on_event(self, event: Event) -> None:
        if self._forward is None:
            self._events.append(event)
        else:
            self._forward(event)

    def attach(self, forward: Subscriber) -> Callable[[], None]:
        """Hand every event so far to ``forward``, then each new one; returns unsubscribe."""
        events, self._events = self._events, []
        self._forward = forward
        for event in events:
            forward(event)
        return self._unsubscribe
