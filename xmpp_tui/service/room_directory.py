"""Rooms before joining them, and invitations (XEP-0045 §6 and §7.8, XEP-0249).

- `/rooms [SERVICE]`: the rooms a MUC service lists; with no service, the first MUC service
  of our own server (its disco#items with identity conference/text). One `RoomsListed` event.
- `/roominfo ROOM`: the room's disco#info (name, description, occupants, features) without
  joining. One `RoomDetailsReceived` event.
- `/invite JID [reason]` in a room: through the room (mediated, XEP-0045 §7.8.2) when it is
  members-only, so the room can let the invitee in; else a XEP-0249 direct invitation (with
  the room's password, if it has one).
- Received invitations (SECURITY.md: spoofable): a mediated one only from a room (bare JID),
  a direct one from anyone; neither from a blocked sender, neither for a room we are in, and
  neither ever joins by itself: `InvitationReceived` lets the user accept or decline. One
  per room until it is joined or declined, and at most `MAX_PENDING_INVITATIONS` waiting.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import InvitationReceived, Notice, RoomDetailsReceived, RoomsListed
from xmpp_tui.service import room_address, room_history
from xmpp_tui.service.blocklist import is_blocked
from xmpp_tui.xmpp.inbound import RoomInvited

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

MEMBERS_ONLY = "muc_membersonly"
#: Invitations waiting for an answer, at most (SECURITY.md T18: a flood adds no more rows).
MAX_PENDING_INVITATIONS = 20


async def list_rooms(session: AccountSession, service: str) -> None:
    session.require_online()
    timeout = session.timing.iq_timeout
    if not service:
        found = await session.client.muc_services(timeout)
        if not found:
            raise UserFacingError(
                "Your server lists no group chat service",
                "Name one: /rooms conference.example.org",
            )
        service = found[0]
    else:
        await room_address.require_service(session, service)
    rooms = await session.client.list_rooms(service, timeout)
    session.publish(RoomsListed(account=session.account, service=service, rooms=rooms))


async def room_info(session: AccountSession, room: str) -> None:
    session.require_online()
    details = await session.client.room_details(room, session.timing.iq_timeout)
    session.publish(RoomDetailsReceived(account=session.account, details=details))


async def invite(session: AccountSession, room: str, jid: str, reason: str) -> None:
    session.require_online()
    if not session.rooms.is_joined(room):
        raise UserFacingError(f"You are not in {room}", f"/join {room} first")
    features = await room_history.room_features(session, room)
    mediated = MEMBERS_ONLY in features
    session.client.invite(
        room, jid, reason=reason, password=session.rooms.password(room), mediated=mediated
    )
    how = "through the room" if mediated else "directly"
    session.publish(Notice(account=session.account, text=f"Invited {jid} to {room} ({how})"))


def decline(session: AccountSession, room: str, inviter: str, reason: str) -> None:
    session.require_online()
    session.client.decline_invitation(room, inviter, reason)
    session.rooms.invitations.discard(room)


def on_invited(session: AccountSession, fact: RoomInvited) -> None:
    if is_blocked(session.blocked, fact.inviter) or is_blocked(session.blocked, fact.room):
        log.info("dropped an invitation to %s from a blocked sender", fact.room)
        return
    if session.rooms.is_entering_or_in(fact.room):
        return  # already there: nothing to decide
    pending = session.rooms.invitations
    if fact.room in pending:
        return  # offered already: the "?" is still there
    if len(pending) >= MAX_PENDING_INVITATIONS:
        log.warning("dropped an invitation to %s: too many unanswered", fact.room)
        return
    pending.add(fact.room)
    session.publish(
        InvitationReceived(
            account=session.account,
            room=fact.room,
            inviter=fact.inviter,
            reason=fact.reason,
            password=fact.password,
            direct=fact.direct,
        )
    )
