"""XEP-0045 requests between an occupant and a room's moderators or admins: asking for voice
(§7.13) and approving it (§8.6); registering with a room (§7.10) and approving registrations
(§9.9).

Trust (SECURITY.md): a request the room passes on counts only from a room we are in, and
only while we hold the rights to answer it there (moderator for voice; admin or owner for
registrations); the translation already took it from the room's bare JID only. Nothing is
answered by itself: the user approves or denies. A flood adds no more than
:data:`MAX_PENDING` open requests.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import StanzaRefused, UserFacingError
from xmpp_tui.core.events import (
    Notice,
    RegistrationRequested,
    RoomRegistrationForm,
    VoiceRequested,
)
from xmpp_tui.core.forms import DataForm
from xmpp_tui.core.models import Affiliation, Role
from xmpp_tui.xmpp.inbound import RegistrationRequestReceived, VoiceRequestReceived

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

#: Open requests per room, at most (a room is remote; a flood adds no more rows). Requests
#: of a room we are no longer in are forgotten, so one room cannot silence the others.
MAX_PENDING_PER_ROOM = 20


def _own_role(session: AccountSession, room: str) -> tuple[Role, Affiliation] | None:
    nick = session.rooms.nick(room)
    occupant = session.rooms.occupant(room, nick) if nick is not None else None
    return (occupant.role, occupant.affiliation) if occupant is not None else None


def _pending(session: AccountSession) -> set[tuple[str, str, str]]:
    return session.room_requests


# -- §7.13 / §8.6: voice ---------------------------------------------------------------


def request_voice(session: AccountSession, room: str) -> None:
    session.require_online()
    own = _own_role(session, room)
    if not session.rooms.is_joined(room) or own is None:
        raise UserFacingError(f"You are not in {room}", f"/join {room} first")
    if own[0] is not Role.VISITOR:
        raise UserFacingError(f"You may already speak in {room}", "")
    session.client.request_voice(room)
    session.publish(
        Notice(account=session.account, text=f"Asked the moderators of {room} for voice")
    )


def answer_voice(session: AccountSession, room: str, nick: str, jid: str, allow: bool) -> None:
    session.require_online()
    if not session.rooms.is_joined(room):
        raise UserFacingError(f"You are not in {room}", f"/join {room} first")
    _pending(session).discard(("voice", room, nick))
    session.client.answer_voice_request(room, jid, nick, allow)
    text = f"Gave {nick} a voice in {room}" if allow else f"Denied {nick} a voice in {room}"
    session.publish(Notice(account=session.account, text=text))


def on_voice_request(session: AccountSession, fact: VoiceRequestReceived) -> None:
    own = _own_role(session, fact.room)
    if not session.rooms.is_joined(fact.room) or own is None or own[0] is not Role.MODERATOR:
        log.info("dropped a voice request from %s: not a room we moderate", fact.room)
        return
    if not _admit(session, ("voice", fact.room, fact.nick)):
        return
    session.publish(
        VoiceRequested(account=session.account, room=fact.room, nick=fact.nick, jid=fact.jid)
    )


# -- §7.10 / §9.9: registration ----------------------------------------------------------


async def fetch_registration(session: AccountSession, room: str) -> None:
    session.require_online()
    try:
        form, registered = await session.client.room_registration_form(
            room, session.timing.iq_timeout
        )
    except StanzaRefused as error:
        if error.condition == "registration-required":  # members-only: register via an admin
            raise UserFacingError(
                f"{room} lets only its members register", "Ask one of its admins to add you"
            ) from None
        raise
    if not registered and not form.fields:
        raise UserFacingError(f"{room} offers no registration form", "")
    session.publish(
        RoomRegistrationForm(account=session.account, room=room, form=form, registered=registered)
    )


async def register(session: AccountSession, room: str, form: DataForm) -> None:
    session.require_online()
    await session.client.register_with_room(room, form, session.timing.iq_timeout)
    session.publish(Notice(account=session.account, text=f"Registered with {room}"))


def answer_registration(session: AccountSession, room: str, form: DataForm, allow: bool) -> None:
    session.require_online()
    nick = form.field("muc#register_roomnick")
    who = (nick.value.strip() if nick is not None else "") or "the request"
    _pending(session).discard(("register", room, who))
    session.client.answer_registration_request(room, form, allow)
    verb = "Approved" if allow else "Denied"
    session.publish(
        Notice(account=session.account, text=f"{verb} the registration of {who} with {room}")
    )


def on_registration_request(session: AccountSession, fact: RegistrationRequestReceived) -> None:
    own = _own_role(session, fact.room)
    if (
        not session.rooms.is_joined(fact.room)
        or own is None
        or own[1] not in (Affiliation.ADMIN, Affiliation.OWNER)
    ):
        log.info("dropped a registration request from %s: not a room we administer", fact.room)
        return
    if not _admit(session, ("register", fact.room, fact.nick or "the request")):
        return
    session.publish(
        RegistrationRequested(
            account=session.account, room=fact.room, nick=fact.nick, jid=fact.jid, form=fact.form
        )
    )


def _admit(session: AccountSession, key: tuple[str, str, str]) -> bool:
    pending = _pending(session)
    pending -= {k for k in pending if not session.rooms.is_joined(k[1])}  # rooms we left
    if key in pending:
        return True  # asked again: shown again (the user may have said "Later")
    if sum(1 for k in pending if k[1] == key[1]) >= MAX_PENDING_PER_ROOM:
        log.warning("dropped a request from %s: too many unanswered there", key[1])
        return False
    pending.add(key)
    return True
