"""Private messages with a room's occupant (XEP-0045 §7.5): a conversation keyed by the
occupant's room/nick JID, never by a contact's bare JID, even when the names match
(SECURITY.md T9).

A private message counts only from a room we are in (its carbon from our own account, a copy
of what another device of ours said or got, counts for any room). A chat message from a room
we are in that lacks the muc#user mark is still the occupant's, never a contact's.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.jid import parse_jid
from xmpp_tui.service import delivery
from xmpp_tui.xmpp.inbound import ChatReceived

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)


def is_private_peer(peer: str) -> bool:
    """Conversations are with bare JIDs; one with a resource is an occupant (room/nick)."""
    return "/" in peer


def send(session: AccountSession, peer: str, body: str) -> None:
    """To ``room/nick``: only in a room we are in, only to someone there now."""
    jid = parse_jid(peer)
    room, nick = jid.bare, jid.resource
    if not session.rooms.is_joined(room):
        raise UserFacingError(f"You are not in {room}", f"Type /join {room} to enter it")
    if session.rooms.occupant(room, nick) is None:
        raise UserFacingError(f"{nick} is not in {room} now", "Check the occupant list")
    delivery.send_chat(session, f"{room}/{nick}", body)


def inbound(session: AccountSession, fact: ChatReceived) -> ChatReceived | None:
    """``fact`` as the history should hold it, or None to drop it. A 1:1 message passes."""
    if not fact.private:
        if not session.rooms.is_room(fact.peer):
            return fact  # an ordinary 1:1 message
        # type=chat from a room we are in, without the muc#user mark: still the occupant's.
        if fact.outgoing or not is_private_peer(fact.sender):
            log.info("dropped a chat message from room %s without a nick", fact.peer)
            return None
        fact = replace(fact, peer=fact.sender, private=True)
    room = fact.peer.split("/", 1)[0]
    if not fact.carbon and not session.rooms.is_joined(room):
        log.info("dropped a private message from %s: not a room we are in", room)
        return None
    return replace(fact, receipt_requested=False)  # receipts go to contacts only
