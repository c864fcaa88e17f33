"""Store a received (or carbon/archive copy of a sent) 1:1 message: the one mapping from an
inbound fact to the history, shared by live delivery and the archive catch-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xmpp_tui.core.models import Direction, StoredMessage
from xmpp_tui.xmpp.inbound import ChatReceived

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession


def record_chat(
    session: AccountSession, fact: ChatReceived, *, older: bool = False
) -> StoredMessage | None:
    """The stored message, or None when the history already had it (de-duplicated).

    ``older``: from a backwards archive page, stored above the conversation's first message."""
    return session.store.history.add_incoming(
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
        older=older,
    )
