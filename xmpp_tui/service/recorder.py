"""Store a received (or carbon/archive copy of a sent) 1:1 message: the one mapping from an
inbound fact to the history, shared by live delivery and the archive catch-up."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.events import MessageAdded, MessageCorrected
from xmpp_tui.core.models import Direction
from xmpp_tui.service import extras
from xmpp_tui.xmpp.inbound import ChatReceived

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession


def record_chat(
    session: AccountSession, fact: ChatReceived, *, older: bool = False
) -> MessageAdded | MessageCorrected | None:
    """What changed in the history, as the event to publish; None when nothing did (a
    duplicate, or a correction applied before).

    ``older``: from a backwards archive page, stored above the conversation's first message.

    A one-to-one message whose peer is a room is a private message to or from an occupant
    (our own copy, by carbon or archive, carries no muc#user mark): it is never stored under
    the room, where it would read as said in public (SECURITY.md T9).
    """
    if _is_room(session, fact.peer):
        log.info("private message with an occupant of %s not stored (not supported yet)", fact.peer)
        return None
    if fact.replace_id is not None:
        handled, corrected = extras.apply_incoming(session, fact)
        if handled:
            if corrected is None:
                return None
            return MessageCorrected(account=session.account, message=corrected)
    stored = session.store.history.add_incoming(
        account=session.account,
        peer=fact.peer,
        sender=fact.sender,
        body=fact.body,
        timestamp=fact.timestamp,
        stanza_id=fact.stanza_id,
        origin_id=fact.origin_id,
        message_id=fact.message_id,
        # A copy of what another of our devices sent is our own message.
        direction=Direction.OUTGOING if fact.outgoing else Direction.INCOMING,
        markable=fact.markable,
        older=older,
    )
    return None if stored is None else MessageAdded(account=session.account, message=stored)


def _is_room(session: AccountSession, peer: str) -> bool:
    return (
        session.rooms.is_room(peer)
        or session.bookmarks.get(peer) is not None
        or session.store.history.is_room(session.account, peer)
    )
