"""Messages slixmpp has no event for (a subject without a body, a form, an invitation, a
moderation) reported as named events, so `stanza_handlers.py` routes them like the rest."""

from __future__ import annotations

from typing import Any


def fire_on(client: Any, event: str, *children: str) -> None:
    """Fire ``event`` for every message with one of ``children`` (``{ns}name`` paths below
    ``<message/>``, the client namespace added); one event per message however many match."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchMany, MatchXPath

    ns = client.default_ns
    matcher = MatchMany([MatchXPath(f"{{{ns}}}message/{child}") for child in children])
    client.register_handler(Callback(event, matcher, lambda msg: client.event(event, msg)))
