"""Outgoing messages: outbox first, then the wire; delivery marks as they come."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import DeliveryChanged, MessageAdded
from xmpp_tui.core.models import Delivery

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

# XML 1.0 forbids these; sending one makes the server close the stream.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def send_chat(session: AccountSession, peer: str, body: str) -> None:
    """Persist to the outbox (committed), then send if online; offline it waits."""
    clean = _ILLEGAL_XML.sub("", body)
    if not clean.strip():
        raise UserFacingError("Nothing to send", "Type a message first")
    message_id = uuid.uuid4().hex  # also the XEP-0359 origin-id
    stored = session.store.history.add_outgoing(
        account=session.account,
        peer=peer,
        sender=session.client.bound_jid or session.account,
        body=clean,
        timestamp=session.clock(),
        origin_id=message_id,
        message_id=message_id,
    )
    session.publish(MessageAdded(account=session.account, message=stored))
    if session.online:
        session.client.send_chat(peer, clean, message_id)
        record(session, stored.id, Delivery.SENT)


def record(session: AccountSession, local_id: int, delivery: Delivery) -> None:
    changed = session.store.history.set_delivery(session.account, local_id, delivery)
    if changed is not None:
        session.publish(
            DeliveryChanged(
                account=session.account,
                peer=changed.peer,
                message_id=changed.id,
                delivery=changed.delivery,
            )
        )


def confirm(
    session: AccountSession, *, peer: str | None, message_id: str, delivery: Delivery
) -> None:
    """A receipt, ack or bounce for ``message_id``; ``peer`` must be who we sent it to."""
    stored = session.store.history.find_outgoing(session.account, message_id=message_id)
    if stored is None or (peer is not None and stored.peer != peer):
        return  # not ours, or a receipt forged by someone we never wrote to
    record(session, stored.id, delivery)
