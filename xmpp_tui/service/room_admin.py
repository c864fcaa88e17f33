"""Moderator, admin and owner work in a room (XEP-0045 §8 - §10) for one account: roles,
affiliations and their lists, the configuration form, destroying the room.

The room decides who may do what: a refusal (``forbidden``, ``not-allowed``) comes back as one
line naming the room and what was asked, never a traceback.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.commands import (
    DestroyRoom,
    FetchRoomConfig,
    FetchRoomLists,
    ModerateMessage,
    RoomAdminCommand,
    SetAffiliation,
    SetRole,
    SubmitRoomConfig,
)
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import MessageCorrected, Notice, RoomConfigFetched, RoomListsFetched
from xmpp_tui.core.jid import parse_bare_jid, parse_jid
from xmpp_tui.core.models import Role, RoomListEntry
from xmpp_tui.store.moderation import ModerationStore
from xmpp_tui.xmpp.features.muc_admin import (
    AFFILIATION_LISTS,
    AFFILIATIONS,
    MODERATE_V0,
    MODERATE_V1,
    ROLES,
)
from xmpp_tui.xmpp.inbound import RoomMessageModerated

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

#: What a refusal means here, by stanza error condition (XEP-0045 §8 - §10 error cases).
_REFUSALS: dict[str, tuple[str, str]] = {
    "forbidden": ("you are not allowed to do that there", "Ask one of the room's admins or owners"),
    "not-allowed": (
        "you lack the rights for that there, or they outrank you",
        "Only moderators kick and (de)voice; only admins and owners ban",
    ),
    "not-acceptable": ("the room did not accept that", "Check the nickname or address"),
    "item-not-found": ("no such occupant or room", "Check the nickname (Tab completes it)"),
    "conflict": ("that would leave the room without an owner", "Name another owner first"),
    "bad-request": ("the room did not understand the request", ""),
}

#: The words people use, as the role or affiliation they mean.
_ROLE_WORDS = {"kick": "none", "voice": "participant", "devoice": "visitor"}

#: Lists by role the lists screen shows too: the moderators (§9.8) and the voice list, everyone
#: who may speak (§8.5).
LISTS = (*AFFILIATION_LISTS, "moderator", "participant")


async def execute(session: AccountSession, command: RoomAdminCommand) -> None:
    room = parse_bare_jid(command.room).bare
    session.require_online()
    if not session.rooms.is_joined(room) and not isinstance(
        command, FetchRoomConfig | SubmitRoomConfig | DestroyRoom | FetchRoomLists
    ):
        raise UserFacingError(f"You are not in {room}", f"Type /join {room} first")
    try:
        await _carry_out(session, room, command)
    except UserFacingError as error:
        raise _explained(error, room, command) from None


async def _carry_out(session: AccountSession, room: str, command: RoomAdminCommand) -> None:
    client, timeout = session.client, session.timing.iq_timeout
    match command:
        case SetRole(nick=nick, role=role, reason=reason):
            role = _ROLE_WORDS.get(role, role)
            if role not in ROLES:
                raise UserFacingError(f"{role} is not a role", "Roles: " + ", ".join(ROLES[:3]))
            parse_jid(f"{room}/{nick}")  # a nick that cannot be an occupant's
            await client.set_room_role(room, nick, role, reason, timeout)
            _notice(session, _role_done(room, nick, role))
        case SetAffiliation(jid=raw, affiliation=affiliation, reason=reason):
            jid = parse_bare_jid(raw).bare
            if affiliation not in AFFILIATIONS:
                raise UserFacingError(
                    f"{affiliation} is not an affiliation", "Use " + ", ".join(AFFILIATIONS)
                )
            await client.set_room_affiliation(room, jid, affiliation, reason, timeout)
            _notice(session, _affiliation_done(room, jid, affiliation))
        case FetchRoomLists():
            lists: list[tuple[str, tuple[RoomListEntry, ...]]] = []
            refused: UserFacingError | None = None
            for name in LISTS:
                try:
                    lists.append((name, await client.fetch_room_list(room, name, timeout)))
                except UserFacingError as error:  # an admin may not see the owners, ...
                    refused = error
            if not lists and refused is not None:
                raise refused
            session.publish(
                RoomListsFetched(account=session.account, room=room, lists=tuple(lists))
            )
        case FetchRoomConfig():
            form = await client.fetch_room_config(room, timeout)
            session.publish(RoomConfigFetched(account=session.account, room=room, form=form))
        case SubmitRoomConfig(form=form):
            await client.submit_room_config(room, form, timeout)
            _notice(session, f"Saved the configuration of {room}")
        case DestroyRoom(reason=reason):
            await client.destroy_room(room, reason, timeout)
            _notice(session, f"Destroyed {room}")
        case ModerateMessage(nick=nick, reason=reason):
            await _moderate(session, room, nick, reason)
        case _:
            raise UserFacingError(f"Unknown command {type(command).__name__}")


async def _moderate(session: AccountSession, room: str, nick: str, reason: str) -> None:
    """XEP-0425: only where the room says it supports it (v1 preferred over v0)."""
    timeout = session.timing.iq_timeout
    me = session.rooms.occupant(room, session.rooms.nick(room) or "")
    if me is not None and me.role is not Role.MODERATOR:
        raise UserFacingError(
            f"Only moderators can remove messages in {room}",
            "Ask a moderator, or the owner for the moderator role",
        )
    stanza_id = ModerationStore(session.store.database).newest_from(
        session.account, room, f"{room}/{nick}"
    )
    if stanza_id is None:
        raise UserFacingError(
            f"No message from {nick} in {room} to remove",
            "Only messages the room gave an id (stanza-id) can be moderated",
        )
    _identities, features, _name = await session.client.discover(room, timeout)
    if MODERATE_V1 in features:
        version = 1
    elif MODERATE_V0 in features:
        version = 0
    else:
        raise UserFacingError(
            f"{room} does not support removing messages (XEP-0425)",
            "/kick or /ban the sender instead",
        )
    await session.client.moderate_room_message(room, stanza_id, reason, version, timeout)
    _notice(session, f"Removed {nick}'s last message from {room}")


def on_moderation(session: AccountSession, fact: RoomMessageModerated) -> None:
    """The room retracted one of its messages: its text becomes a tombstone, same row."""
    if not session.rooms.is_joined(fact.room):
        log.info("ignored a moderation from %s: not a room we are in", fact.room)
        return
    who = f"moderator {fact.by}" if fact.by else "a moderator"
    tombstone = f"(removed by {who}" + (f": {fact.reason})" if fact.reason else ")")
    local_id = ModerationStore(session.store.database).retract(
        session.account, fact.room, fact.stanza_id, tombstone
    )
    message = session.store.history.get(session.account, local_id) if local_id else None
    if message is not None:
        session.publish(MessageCorrected(account=session.account, message=message))


async def offer_new_room_form(session: AccountSession, room: str) -> bool:
    """A room we just created as reserved: hand its form to the user (it stays locked until
    saved). False when the room would not give it (then it is made an instant room)."""
    try:
        form = await session.client.fetch_room_config(room, session.timing.iq_timeout)
    except UserFacingError:
        return False
    session.publish(RoomConfigFetched(account=session.account, room=room, form=form, new_room=True))
    return True


def _explained(error: UserFacingError, room: str, command: RoomAdminCommand) -> UserFacingError:
    prefix = "The server refused: "
    if not error.message.startswith(prefix):
        return error
    condition = error.message.removeprefix(prefix).split(" ", 1)[0]
    reason, hint = _REFUSALS.get(condition, (error.message, error.hint))
    return UserFacingError(f"{room} refused {_what(command)} ({condition}): {reason}", hint)


def _what(command: RoomAdminCommand) -> str:
    match command:
        case SetRole(nick=nick, role=role):
            return {
                "none": f"to kick {nick}",
                "participant": f"to give {nick} a voice",
                "visitor": f"to silence {nick}",
            }.get(_ROLE_WORDS.get(role, role), f"to make {nick} a {role}")
        case SetAffiliation(jid=jid, affiliation=affiliation):
            return {"outcast": f"to ban {jid}", "none": f"to revoke {jid}'s affiliation"}.get(
                affiliation, f"to make {jid} {affiliation}"
            )
        case ModerateMessage(nick=nick):
            return f"to remove {nick}'s message"
        case FetchRoomLists():
            return "to show its lists"
        case FetchRoomConfig() | SubmitRoomConfig():
            return "to be configured by you"
        case DestroyRoom():
            return "to be destroyed"
        case _:
            return "the request"


def _role_done(room: str, nick: str, role: str) -> str:
    match role:
        case "none":
            return f"Kicked {nick} from {room}"
        case "visitor":
            return f"{nick} may no longer speak in {room}"
        case "participant":
            return f"{nick} is now a participant in {room} (may speak)"
        case _:
            return f"{nick} is now a {role} in {room}"


def _affiliation_done(room: str, jid: str, affiliation: str) -> str:
    match affiliation:
        case "outcast":
            return f"Banned {jid} from {room}"
        case "none":
            return f"{jid} no longer has an affiliation with {room}"
        case _:
            article = "an" if affiliation in ("owner", "admin") else "a"
            return f"{jid} is now {article} {affiliation} of {room}"


def _notice(session: AccountSession, text: str) -> None:
    session.publish(Notice(account=session.account, text=text))
