"""Service events -> Textual messages: the one place the bus meets the message pump."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from textual.message import Message

from xmpp_tui.core.bus import Subscriber
from xmpp_tui.core.events import Event


class ServiceEvent(Message):
    """A `core.events` fact from the session service, delivered on the UI's queue."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class _Subscribable(Protocol):
    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]: ...


class _Target(Protocol):
    def post_message(self, message: Message) -> bool: ...


def connect_bridge(service: _Subscribable, target: _Target) -> Callable[[], None]:
    """Post every service event to ``target``; returns the unsubscribe function.

    The bus publishes synchronously from the event loop's thread, so `post_message` (which only
    queues) is safe and keeps event order.
    """

    def forward(event: Event) -> None:
        target.post_message(ServiceEvent(event))

    return service.subscribe(forward)
