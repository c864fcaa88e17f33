"""A tiny synchronous publish/subscribe bus for core events."""

from __future__ import annotations

import logging
from collections.abc import Callable

from xmpp_tui.core.events import Event

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]


class EventBus:
    """Delivers each event to every subscriber in subscription order.

    A failing subscriber is logged and skipped so one broken consumer cannot
    starve the others (the store tier subscribes before the UI tier).
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed on %s", type(event).__name__)
