"""Route inbound facts from the XMPP layer: store first, then publish."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.events import (
    ChatStateChanged,
    MessageAdded,
    MessageCorrected,
    Notice,
    PresenceChanged,
    RosterItemChanged,
    RosterItemRemoved,
    SubscriptionAnswered,
    SubscriptionRequested,
)
from xmpp_tui.core.models import ConversationKind, Delivery
from xmpp_tui.service import (
    delivery,
    extras,
    private_chats,
    room_admin,
    room_directory,
    room_requests,
)
from xmpp_tui.service.blocklist import is_blocked
from xmpp_tui.service.recorder import record_chat
from xmpp_tui.xmpp.inbound import (
    BlockListPushed,
    BookmarksPushed,
    ChatReceived,
    ChatStateReceived,
    ConnectionLost,
    DisplayedReceived,
    Inbound,
    MessageBounced,
    OccupantPresence,
    PresenceReceived,
    ReceiptReceived,
    RegistrationRequestReceived,
    RoomDeclined,
    RoomInvited,
    RoomMessageModerated,
    RoomMessageReceived,
    RoomPresenceError,
    RoomSubjectReceived,
    RosterPushed,
    StanzaAcked,
    SubscriptionReply,
    SubscriptionRequest,
    VoiceRequestReceived,
)

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)


def route(session: AccountSession, fact: Inbound) -> None:
    account = session.account
    match fact:
        case ChatReceived():
            _chat(session, fact)
        case BlockListPushed(blocked=True, jids=jids):
            session.set_blocked(session.blocked | set(jids))
        case BlockListPushed(blocked=False, jids=jids):
            # An unblock naming nobody unblocks everyone (XEP-0191 §3.4).
            session.set_blocked(session.blocked - set(jids) if jids else set())
        case RoomMessageReceived():
            session.rooms.on_message(fact)
        case RoomSubjectReceived():
            session.rooms.on_subject(fact)
        case RoomMessageModerated():
            room_admin.on_moderation(session, fact)
        case OccupantPresence():
            session.rooms.on_presence(fact)
        case RoomPresenceError():
            session.rooms.on_error(fact)
        case RoomInvited():
            room_directory.on_invited(session, fact)
        case VoiceRequestReceived():
            room_requests.on_voice_request(session, fact)
        case RegistrationRequestReceived():
            room_requests.on_registration_request(session, fact)
        case RoomDeclined(room=room, decliner=decliner, reason=reason):
            why = f": {reason}" if reason else ""
            text = f"{decliner} declined your invitation to {room}{why}"
            session.publish(Notice(account=account, text=text))
        case BookmarksPushed():
            session.bookmarks.apply(fact)
        case ChatStateReceived(peer=peer, state=state):
            session.chat_state_peers.add(peer)
            session.publish(ChatStateChanged(account=account, peer=peer, state=state))
        case ReceiptReceived(peer=peer, message_id=message_id):
            # A receipt is a contact's word (XEP-0184); an occupant of a room we write to
            # could otherwise "confirm" our room messages.
            delivery.confirm(
                session,
                peer=peer,
                message_id=message_id,
                delivery=Delivery.DELIVERED,
                kind=ConversationKind.CHAT,
            )
        case DisplayedReceived():
            extras.displayed_received(session, fact)
        case StanzaAcked(message_id=message_id):
            delivery.confirm(session, peer=None, message_id=message_id, delivery=Delivery.ACKED)
            extras.correction_acked(session, message_id)
        case MessageBounced(peer=peer, message_id=message_id, text=text) if (
            session.rooms.requests.bounced(peer, message_id, text)
        ):
            pass  # our subject change, refused: the waiting /topic says so
        case MessageBounced(peer=peer, message_id=message_id, text=text):
            bounced = delivery.confirm(
                session, peer=peer, message_id=message_id, delivery=Delivery.FAILED
            )
            if bounced is not None:
                session.publish(Notice(account=account, text=f"Message to {peer} failed: {text}"))
        case RosterPushed():
            _roster_push(session, fact)
        case PresenceReceived(jid=jid, resource=resource, presence=presence):
            contact = session.roster.update_presence(jid, resource, presence)
            if contact is not None:  # not an offline contact's "still offline"
                session.publish(PresenceChanged(account=account, presence=contact))
        case SubscriptionRequest(jid=jid, nick=nick):
            session.publish(SubscriptionRequested(account=account, jid=jid, nick=nick))
        case SubscriptionReply(jid=jid, approved=approved):
            session.publish(SubscriptionAnswered(account=account, jid=jid, approved=approved))
        case ConnectionLost():
            session.connection_lost(fact.detail)
        case _:
            log.debug("unrouted %s", type(fact).__name__)


def _chat(session: AccountSession, fact: ChatReceived) -> None:
    if not fact.outgoing and is_blocked(session.blocked, fact.sender):
        log.info("dropped a message from blocked %s", fact.peer)  # the server should have
        return
    checked = private_chats.inbound(session, fact)  # a room's occupant, or a contact
    if checked is None:
        return
    fact = checked
    # Stored now, in the loop turn's batch; published once that batch is committed.
    session.inbound_batch.write(
        lambda: record_chat(session, fact), lambda recorded: _stored(session, fact, recorded)
    )


def _stored(
    session: AccountSession, fact: ChatReceived, recorded: MessageAdded | MessageCorrected | None
) -> None:
    if recorded is not None:
        session.publish(recorded)
    # Receipts only after the message is safely stored, and only to contacts:
    # a stranger does not learn that we are online and reading.
    if fact.receipt_requested and fact.message_id and fact.peer in session.roster:
        session.client.send_receipt(fact.sender, fact.message_id)


def _roster_push(session: AccountSession, fact: RosterPushed) -> None:
    for item in fact.changed:
        session.roster.upsert(item)
        session.publish(RosterItemChanged(account=session.account, item=item))
    for jid in fact.removed:
        session.roster.remove(jid)
        session.publish(RosterItemRemoved(account=session.account, jid=jid))
    if fact.version is not None:
        session.roster_version = fact.version
    session.store.roster.save(session.account, session.roster_version, session.roster.items)
