"""Which slixmpp event becomes which inbound fact (stanzas from others, not the connection).

Every handler is guarded: an exception is logged and never reaches slixmpp, which would
answer the remote sender with an error ("Slixmpp got into trouble").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from xmpp_tui.core.clock import Clock
from xmpp_tui.xmpp import (
    translate,
    translate_room_admin,
    translate_room_requests,
    translate_rooms,
)
from xmpp_tui.xmpp.features import blocking
from xmpp_tui.xmpp.inbound import Inbound, StanzaAcked

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]

#: slixmpp names availability events after <show>: presence_away, presence_dnd, ...
_AVAILABILITY = ("available", "chat", "away", "xa", "dnd", "unavailable")


def stanza_handlers(
    *, own: str, clock: Clock, report: Callable[[Inbound], None]
) -> dict[str, Handler]:
    def emit(fact: Inbound | None) -> None:
        if fact is not None:
            report(fact)

    def acked(stanza: Any) -> None:
        if stanza.name == "message" and stanza["id"]:
            report(StanzaAcked(message_id=str(stanza["id"])))

    def carbon_sent(m: Any) -> None:
        inner = m["carbon_sent"]
        emit(translate.carbon(inner, own_bare=own, now=clock, sent=True))
        emit(translate.carbon_displayed(inner, own_bare=own))

    def roster_update(iq: Any) -> None:
        # Results of our own get are awaited where they are sent; pushes arrive here.
        if iq["type"] == "set":
            emit(translate.roster_push(iq, own_bare=own))

    def block_push(iq: Any, *, blocked: bool) -> None:
        fact = translate.block_push(iq, own_bare=own, blocked=blocked)
        blocking.answer_push(iq, accepted=fact is not None)
        emit(fact)

    handlers: dict[str, Handler] = {
        "blocked": lambda iq: block_push(iq, blocked=True),
        "unblocked": lambda iq: block_push(iq, blocked=False),
        "message": lambda m: emit(
            None  # an invitation's (a request's) body is a fallback: reported on their own
            if translate_rooms.is_invitation(m) or translate_room_requests.is_room_request(m)
            else translate.chat_message(m, own_bare=own, now=clock)
            or translate_rooms.room_message(m, now=clock)
        ),
        "room_invitation": lambda m: emit(
            translate_rooms.invitation(m, own_bare=own) or translate_rooms.declined(m)
        ),
        "room_form_message": lambda m: emit(translate_room_requests.form_message(m)),
        "presence": lambda p: emit(translate_rooms.room_presence(p)),
        "room_subject": lambda m: emit(translate_rooms.room_subject(m)),
        "room_moderation": lambda m: emit(translate_room_admin.room_moderation(m)),
        # XEP-0402 notifications (registered in features/bookmarks.py); own account only.
        "bookmarks2_publish": lambda m: emit(translate_rooms.bookmarks_event(m, own_bare=own)),
        "bookmarks2_retract": lambda m: emit(translate_rooms.bookmarks_event(m, own_bare=own)),
        # XEP-0280: slixmpp fires these only for carbons from our own bare JID.
        "carbon_received": lambda m: emit(
            translate.carbon(m["carbon_received"], own_bare=own, now=clock, sent=False)
        ),
        "carbon_sent": carbon_sent,
        "marker_displayed": lambda m: emit(translate.displayed(m, own_bare=own)),
        "receipt_received": lambda m: emit(translate.receipt(m)),
        "chatstate": lambda m: emit(translate.chat_state(m, own_bare=own)),
        "message_error": lambda m: emit(translate.message_error(m)),
        "stanza_acked": acked,
        "roster_update": roster_update,
        "presence_subscribe": lambda p: emit(translate.subscription_request(p, own_bare=own)),
        "presence_subscribed": lambda p: emit(translate.subscription_reply(p, approved=True)),
        "presence_unsubscribed": lambda p: emit(translate.subscription_reply(p, approved=False)),
    }
    for kind in _AVAILABILITY:
        handlers[f"presence_{kind}"] = lambda p: emit(translate.presence(p, own_bare=own))
    return handlers


def guarded(event: str, handler: Handler) -> Handler:
    def run(data: Any) -> None:
        try:
            handler(data)
        except Exception:
            log.exception("handler for %s failed", event)

    return run
