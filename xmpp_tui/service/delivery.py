"""Outgoing messages: outbox first, then the wire; delivery marks as they come."""

from __future__ import annotations

import logging
import re
import uuid
from functools import partial
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import DeliveryChanged, MessageAdded
from xmpp_tui.core.models import ChatState, ConversationKind, Delivery, StoredMessage

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

# XML 1.0 forbids these; sending one makes the server close the stream.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def send_chat(session: AccountSession, peer: str, body: str) -> None:
    """Persist to the outbox (committed), then send if online; offline it waits."""
    clean = clean_body(body)
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
        # Remembered per stream: a fresh session is online while its setup still runs, and
        # `flush_outbox` at the end of that setup must not take this one for a lost one.
        session.stream_sent.add(message_id)
        session.client.send_chat(peer, clean, message_id)
        session.sent_chat_states[peer] = ChatState.ACTIVE  # every message carries <active/>
        record(session, stored.id, Delivery.SENT)
        session.expect_ack(stored.id)


def clean_body(body: str) -> str:
    """The text as it can go on the wire; UserFacingError when nothing is left."""
    clean = _ILLEGAL_XML.sub("", body)
    if not clean.strip():
        raise UserFacingError("Nothing to send", "Type a message first")
    return clean


def send_groupchat(session: AccountSession, room: str, body: str) -> None:
    """Like `send_chat`, to a room (XEP-0045): stored as ours under our nick, sent once we
    are in the room (at once, or by `flush_room` after the join)."""
    clean = clean_body(body)
    message_id = uuid.uuid4().hex
    nick = session.rooms.nick(room) or session.account.split("@", 1)[0]
    stored = session.store.history.add_outgoing(
        account=session.account,
        peer=room,
        sender=f"{room}/{nick}",
        body=clean,
        timestamp=session.clock(),
        origin_id=message_id,
        message_id=message_id,
        kind=ConversationKind.GROUPCHAT,
    )
    session.publish(MessageAdded(account=session.account, message=stored))
    if session.online and session.rooms.is_joined(room):
        session.stream_sent.add(message_id)
        session.client.send_groupchat(room, clean, message_id)
        record(session, stored.id, Delivery.SENT)
        session.expect_ack(stored.id)


def flush_room(session: AccountSession, room: str) -> None:
    """After joining ``room``: send what waited for it. A message written to the stream
    before a fresh session (SENT, never acknowledged) goes again, with the same ids."""
    resend = session.client.acks_enabled
    for message in session.store.history.pending(session.account):
        if message.kind is not ConversationKind.GROUPCHAT or message.peer != room:
            continue
        if not message.origin_id:
            continue
        if message.delivery is Delivery.SENT and (
            not resend or message.origin_id in session.stream_sent
        ):
            continue  # on this stream already (a quick /leave and /join): not twice
        session.stream_sent.add(message.origin_id)
        session.client.send_groupchat(room, message.body, message.origin_id)
        session.keep(partial(record, session, message.id, Delivery.SENT))
        session.expect_ack(message.id)


def flush_outbox(session: AccountSession, *, resumed: bool) -> None:
    """Send what never reached the stream, with the same ids.

    On a fresh session slixmpp's XEP-0198 queue is gone, so this also re-sends what the
    server never acknowledged (only if it acknowledges at all: else nothing settles). After a
    resumption slixmpp re-sends what it holds; a message marked sent that it does not hold
    never left: it was still in slixmpp's send queue when the link died, and slixmpp drops
    such a stanza without tracking it. Those are re-sent here.
    """
    acks = session.client.acks_enabled
    held = session.client.unacked_message_ids() if resumed else frozenset()
    pending = session.store.history.pending(session.account)
    log.info("outbox: %d waiting (resumed: %s, acks: %s)", len(pending), resumed, acks)
    for message in pending:
        if message.kind is ConversationKind.GROUPCHAT:
            if message.delivery is Delivery.PENDING and session.rooms.is_joined(message.peer):
                session.stream_sent.add(message.origin_id or "")
                session.client.send_groupchat(message.peer, message.body, message.origin_id or "")
                session.keep(partial(record, session, message.id, Delivery.SENT))
                session.expect_ack(message.id)
            continue  # else sent by `flush_room` once the room is joined again
        if message.delivery is Delivery.SENT and message.stanza_id:
            # Found in our own archive by the catch-up: the server has it.
            session.keep(partial(record, session, message.id, Delivery.ACKED))
            continue
        if not message.origin_id:
            continue
        if message.delivery is Delivery.SENT:
            if resumed and message.message_id in held:
                session.expect_ack(message.id)  # slixmpp re-sent it on resumption
                continue
            if not resumed and message.origin_id in session.stream_sent:
                continue  # typed during this fresh session's setup: its ack is on the way
            if not resumed and not acks:
                continue
            log.info("outbox: re-sending %s (resumed: %s)", message.origin_id, resumed)
        session.stream_sent.add(message.origin_id)
        session.client.send_chat(message.peer, message.body, message.origin_id)
        session.keep(partial(record, session, message.id, Delivery.SENT))
        session.expect_ack(message.id)


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
    session: AccountSession,
    *,
    peer: str | None,
    message_id: str,
    delivery: Delivery,
    kind: ConversationKind | None = None,
) -> StoredMessage | None:
    """A receipt, ack or bounce for ``message_id``; ``peer`` must be who we sent it to
    (and ``kind``, when given, the kind of conversation it was sent in).

    Returns the message it applied to, or None: not ours, or forged by someone we never
    wrote to (who must not be able to put text in front of the user either).
    """
    stored = session.store.history.find_outgoing(
        session.account, message_id=message_id, peer=peer, kind=kind
    )
    if stored is None:
        return None
    record(session, stored.id, delivery)
    return stored
