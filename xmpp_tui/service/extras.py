"""Message corrections (XEP-0308) and chat markers (XEP-0333) for 1:1 conversations (our own
corrections in rooms go out here too; received ones in rooms: `room_corrections.py`).

Corrections (SECURITY.md T8): a correction applies only when its sender's full JID is the
original's and it names a message of the same conversation; it changes the text, never the
sender, and the replaced text is kept (`HistoryStore.edits`). A correction whose original we
do not hold is stored as an ordinary message (it may be the only copy). A correction from
anyone else (another resource of the same contact, another JID) is a spoof, or at best
ambiguous: it is stored as a new message from its real sender, with no link to the original,
so the user sees exactly what was said and by whom.

Markers: ours go only to contacts, once per message, when the user has read the
conversation (`MarkRead`) and the account allows it; theirs move our messages to DISPLAYED
only when they come from the bare JID those messages were sent to.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import ConversationRead, DeliveryChanged, MessageCorrected
from xmpp_tui.core.models import ConversationKind, Delivery, Direction, StoredMessage
from xmpp_tui.service.delivery import clean_body
from xmpp_tui.xmpp.inbound import ChatReceived, DisplayedReceived

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)


def apply_incoming(
    session: AccountSession, fact: ChatReceived
) -> tuple[bool, StoredMessage | None]:
    """A received correction (live, carbon or archive): ``(handled, corrected message)``.

    Not handled (False) means "store it as an ordinary message": no original, or a sender
    who may not correct it. Handled with None: this correction was applied before.
    """
    assert fact.replace_id is not None
    history = session.store.history
    original = history.find_correctable(session.account, fact.peer, fact.replace_id)
    if original is None:
        return False, None
    correction_id = fact.origin_id or fact.message_id
    if correction_id and history.correction_applied(session.account, correction_id):
        return True, None  # a replay (carbon, archive) of one we applied: nothing new
    if original.sender != fact.sender:
        log.warning(
            "correction of a message from another sender in %s: kept as a new message", fact.peer
        )
        return False, None
    corrected = history.apply_correction(
        session.account,
        original.id,
        body=fact.body,
        timestamp=fact.timestamp,
        correction_id=fact.origin_id or fact.message_id,
    )
    return True, corrected


def correct_last(
    session: AccountSession, peer: str, body: str, *, expected: int | None = None
) -> None:
    """/correct: our last message to ``peer`` gets ``body``, here and at the peer.

    The correction is an outbox entry like a message: written first, sent when online,
    re-sent on a fresh session until the server acknowledges it. A message still waiting in
    the outbox is simply rewritten (it goes out with the new text).
    """
    clean = clean_body(body)
    history = session.store.history
    original = history.last_message(session.account, peer, Direction.OUTGOING)
    if original is None or not original.message_id:
        raise UserFacingError(f"Nothing to correct: you have not written to {peer} yet")
    if expected is not None and original.id != expected:
        # Another of our devices wrote there while the user was editing: XEP-0308 corrects
        # only the last message, and the edit must not land on a message the user did not pick.
        raise UserFacingError(
            "A newer message of yours arrived while you were editing",
            "Up edits the newest one; or send your text as a new message",
        )
    here = session.client.bound_jid
    one_to_one = original.kind is ConversationKind.CHAT  # in a room the sender is room/nick
    if one_to_one and "/" in original.sender and here and original.sender != here:
        # XEP-0308: receivers take a correction only from the original's full JID.
        raise UserFacingError(
            "Your last message there was sent from another device",
            "Correct it on that device, or send a new message",
        )
    unsent = original.delivery is Delivery.PENDING
    correction_id = uuid.uuid4().hex
    corrected = history.apply_correction(
        session.account,
        original.id,
        body=clean,
        timestamp=session.clock(),
        correction_id=correction_id,
        delivery=None if unsent else Delivery.PENDING,
    )
    if corrected is None:
        raise UserFacingError("The message already says that")
    session.publish(MessageCorrected(account=session.account, message=corrected))
    if not unsent and _reachable(session, corrected):
        _send_correction(session, corrected, correction_id)


def flush_corrections(session: AccountSession, *, resend_unacked: bool) -> None:
    """After the outbox (originals first): corrections never sent, and on a fresh session
    those the server never acknowledged, with the same ids."""
    resend_unacked = resend_unacked and session.client.acks_enabled
    for message, correction_id, state in session.store.history.pending_corrections(session.account):
        # Sent on this stream already (typed while the fresh session's setup ran): not twice.
        again = resend_unacked and correction_id not in session.stream_sent
        if (state is Delivery.PENDING or again) and _reachable(session, message):
            _send_correction(session, message, correction_id)


def flush_room_corrections(session: AccountSession, room: str) -> None:
    """After joining ``room`` (and its outbox): our corrections that waited for it."""
    for message, correction_id, state in session.store.history.pending_corrections(session.account):
        ours_here = message.peer == room and message.kind is ConversationKind.GROUPCHAT
        again = session.client.acks_enabled and correction_id not in session.stream_sent
        if ours_here and (state is Delivery.PENDING or again):
            _send_correction(session, message, correction_id)


def _reachable(session: AccountSession, message: StoredMessage) -> bool:
    """Online, and for a room: in it (a room refuses what a non-occupant sends)."""
    if message.kind is ConversationKind.GROUPCHAT:
        return session.online and session.rooms.is_joined(message.peer)
    return session.online


def correction_acked(session: AccountSession, message_id: str) -> None:
    session.keep(
        partial(
            session.store.history.set_correction_delivery,
            session.account,
            message_id,
            Delivery.ACKED,
        )
    )


def _send_correction(session: AccountSession, message: StoredMessage, correction_id: str) -> None:
    # XEP-0308: always the first message's id, however often it is corrected.
    assert message.message_id is not None
    session.stream_sent.add(correction_id)
    if message.kind is ConversationKind.GROUPCHAT:
        session.client.send_groupchat(
            message.peer, message.body, correction_id, replace_id=message.message_id
        )
    else:
        session.client.send_chat(
            message.peer, message.body, correction_id, replace_id=message.message_id
        )
    session.keep(
        partial(
            session.store.history.set_correction_delivery,
            session.account,
            correction_id,
            Delivery.SENT,
        )
    )


def displayed_received(session: AccountSession, fact: DisplayedReceived) -> None:
    account = session.account
    if fact.own:
        # Another device of ours showed this conversation: read here too.
        seen = session.store.history.find_incoming(account, fact.peer, fact.message_id)
        if seen is None:
            return
        session.store.history.mark_read(account, fact.peer, seen.id)
        unread = session.store.history.unread_counts(account).get(fact.peer, 0)
        session.publish(ConversationRead(account=account, peer=fact.peer, unread=unread))
        return
    for message in session.store.history.mark_displayed(account, fact.peer, fact.message_id):
        session.publish(
            DeliveryChanged(
                account=account, peer=message.peer, message_id=message.id, delivery=message.delivery
            )
        )


def send_displayed(session: AccountSession, peer: str, upto: int | None = None) -> None:
    """The user has read ``peer``'s conversation (up to message ``upto``): say so for the
    newest markable message, once, to a contact, when the account allows it.

    Only messages after the last one looked at are searched: with the conversation open
    under a flood of unmarkable messages, each read would otherwise read every row again.
    """
    if not session.settings.send_read_markers or not session.online or peer not in session.roster:
        return
    checked = session.displayed_checked.get(peer)
    if upto is not None:
        session.displayed_checked[peer] = max(upto, checked or upto)
    latest = session.store.history.last_message(
        session.account, peer, Direction.INCOMING, markable=True, after_id=checked
    )
    if latest is None or session.displayed_sent.get(peer) == latest.id:
        return
    marked_id = latest.message_id or latest.origin_id
    if marked_id is None:
        return
    session.client.send_displayed(peer, marked_id)
    session.displayed_sent[peer] = latest.id
