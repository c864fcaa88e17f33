"""Group chat state for one account (XEP-0045 core): which rooms we are in, under which nick,
their subject and occupants; joining with a bounded wait, leaving, rejoining after a fresh
session, and recording what the rooms say.

Trust (SECURITY.md T7, T9): a groupchat message counts only when it comes from a room we are
in; its stanza-id only when the room itself set it (by = the room); it is stored under the
room (peer = room, sender = room/nick), never under a contact. Our own message reflected by
the room finds its outbox row by origin-id (history.py, dedupe (b)) and is not shown twice;
the history a room replays on join is de-duplicated by the room's stanza-id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import CommandFailed, Notice, RoomChanged
from xmpp_tui.core.models import Occupant, RoomInfo
from xmpp_tui.service import delivery, extras, room_admin, room_history, room_nicks
from xmpp_tui.service.occupants import (
    Coalescer,
    RoomRequests,
    SelfPinger,
    other_nick,
    sorted_people,
)
from xmpp_tui.xmpp.inbound import (
    OccupantPresence,
    RoomMessageReceived,
    RoomPresenceError,
    RoomSubjectReceived,
)

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

#: Messages a room replays when we join (XEP-0045 §7.2.15); stanza-ids make replays harmless.
HISTORY_ON_JOIN = 20

#: Why a room refused us, in words, with what to do (XEP-0045 §7.2.6 - §7.2.11).
_JOIN_ERRORS: dict[str, tuple[str, str]] = {
    "not-authorized": ("a password is needed, or it was wrong", "Type /join ROOM PASSWORD"),
    "registration-required": (
        "the room is for members only",
        "Ask one of its admins to make you a member",
    ),
    "forbidden": ("you are banned from it", "Ask one of its admins"),
    "conflict": ("someone else uses that nickname there", "Type /join ROOM/OTHERNICK"),
    "service-unavailable": ("the room is full", "Try again later"),
    "item-not-found": (
        "it does not exist, or is locked while its owner sets it up",
        "Check the address, or try again in a moment",
    ),
    "not-allowed": ("new rooms may not be created there", "Check the address"),
    "jid-malformed": ("the nickname is not acceptable there", "Type /join ROOM/OTHERNICK"),
    "not-acceptable": ("the nickname is not acceptable there", "Type /join ROOM/OTHERNICK"),
}


@dataclass
class _Room:
    jid: str
    nick: str
    password: str = field(default="", repr=False)
    joined: bool = False
    #: We mean to be in it: rejoined after a fresh session until /leave.
    wanted: bool = False
    subject: str = ""
    occupants: dict[str, Occupant] = field(default_factory=dict)
    #: Live messages held while the room's archive is read (room_history.catch_up).
    held: list[RoomMessageReceived] | None = None
    #: Local ids of what each nick said live during this join (room_corrections.py).
    spoken: dict[str, set[int]] = field(default_factory=dict)
    #: Why the room put us out (kicked, banned, destroyed, ...): shown in the room's header.
    left: str = ""


class Rooms:
    def __init__(self, session: AccountSession) -> None:
        self._session = session
        self._rooms: dict[str, _Room] = {}
        self._joining: dict[str, asyncio.Future[OccupantPresence | RoomPresenceError]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: Each room's disco#info features, once per session (room_history.room_features).
        self.features: dict[str, frozenset[str]] = {}
        #: Each room's own name from its disco#info (remote text), when it has one.
        self.names: dict[str, str] = {}
        #: Rooms with an invitation offered to the user and not joined or declined yet.
        self.invitations: set[str] = set()
        self._coalescer = Coalescer(session.timing.occupants_coalesce, self._publish_room)
        self.requests = RoomRequests(session)
        self.self_ping = SelfPinger(session, self._joined_nicks, self._rejoin)

    # -- queries ----------------------------------------------------------------------

    def is_joined(self, room: str) -> bool:
        state = self._rooms.get(room)
        return state is not None and state.joined

    def is_entering_or_in(self, room: str) -> bool:
        return room in self._joining or self.is_joined(room)

    def is_room(self, peer: str) -> bool:
        """Whether messages to ``peer`` are for a room we are (or mean to be) in."""
        state = self._rooms.get(peer)
        return state is not None and (state.wanted or state.joined)

    def nick(self, room: str) -> str | None:
        state = self._rooms.get(room)
        return state.nick if state is not None else None

    def password(self, room: str) -> str:
        state = self._rooms.get(room)
        return state.password if state is not None else ""

    def snapshot(self) -> tuple[RoomInfo, ...]:
        return tuple(self._info(state) for state in self._rooms.values() if state.wanted)

    # -- commands ---------------------------------------------------------------------

    async def join(
        self, room: str, nick: str = "", password: str = "", *, reserved: bool = False
    ) -> None:
        """Enter ``room``; returns once in, raises UserFacingError when refused or silent.
        With no ``nick`` (and none in its bookmark): the one the room keeps for us (§7.12),
        else our local part.
        A room this creates is unlocked with its defaults, or with ``reserved`` stays locked
        while its owner fills in its form (``room_admin.offer_new_room_form``)."""
        session = self._session
        session.require_online()
        bookmark = session.bookmarks.get(room)
        current = self._rooms.get(room)
        nick = nick or (bookmark.nick if bookmark else "")
        archived: bool | None = None  # whether the room keeps an archive: asked once below
        if not nick and current is not None and current.joined:
            nick = current.nick
        elif not nick and room not in self._joining:
            # Both questions go out at once: one round trip before the join, not two.
            nick, archived = await asyncio.gather(
                room_nicks.reserved(session, room), room_history.has_archive(session, room)
            )
        nick = nick or _local_part(session.account)
        password = password or (bookmark.password if bookmark else "")
        current = self._rooms.get(room)
        if current is not None and current.joined:
            if current.nick != nick:
                raise UserFacingError(
                    f"You are already in {room} as {current.nick}",
                    f"/leave {room} first to join under another nickname",
                )
            self._publish(current)
            return
        if room in self._joining:
            raise UserFacingError(f"Already joining {room}", "Wait for the answer")
        state = _Room(
            jid=room, nick=nick, password=password, wanted=bool(current and current.wanted)
        )
        self._rooms[room] = state
        future: asyncio.Future[OccupantPresence | RoomPresenceError] = (
            asyncio.get_running_loop().create_future()
        )
        self._joining[room] = future
        timeout = session.timing.iq_timeout
        try:
            if archived is None:
                archived = await room_history.has_archive(session, room)
            state.held = [] if archived else None
            session.client.join_room(
                room,
                nick,
                password=password,
                history=HISTORY_ON_JOIN,
                archived=archived,
                show=session.show,
                status=session.status,
            )
            outcome = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self._forget(room)
            raise UserFacingError(
                f"{room} did not answer within {timeout:.0f} s",
                "Check the address; the room's service may be unreachable",
            ) from None
        finally:
            self._joining.pop(room, None)
        if isinstance(outcome, RoomPresenceError):
            self._forget(room)
            reason, hint = _JOIN_ERRORS.get(
                outcome.condition, (outcome.text or outcome.condition, "")
            )
            if outcome.condition == "conflict":
                hint = f"Type /join {room}/{other_nick(nick, set())}"
            raise UserFacingError(f"Cannot join {room}: {reason}", hint)
        state.wanted = True
        if outcome.created and not (
            reserved and await room_admin.offer_new_room_form(session, room)
        ):
            # A room we created stays locked (others get item-not-found) until configured.
            try:
                await session.client.configure_instant_room(room, timeout)
                session.publish(
                    Notice(
                        account=session.account,
                        text=f"Created {room} with the default settings; /configure changes them",
                    )
                )
            except UserFacingError as error:
                log.warning("could not unlock new room %s: %s", room, error.message)
        if state.held is not None:
            try:
                await room_history.catch_up(session, room, state.nick)
            finally:
                held, state.held = state.held, None
                for fact in held:
                    self.on_message(fact)
        delivery.flush_room(session, room)
        extras.flush_room_corrections(session, room)

    def join_in_background(self, room: str, nick: str = "", password: str = "") -> None:
        """Join without waiting (autojoin, rejoin); a failure becomes a CommandFailed event."""

        async def run() -> None:
            try:
                await self.join(room, nick, password)
            except UserFacingError as error:
                session = self._session
                session.publish(
                    CommandFailed(
                        account=session.account,
                        command="JoinRoom",
                        message=error.message,
                        hint=error.hint,
                    )
                )

        self._in_background(run(), f"join {room}")

    def _in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` without waiting; a UserFacingError in it is logged, nothing more."""

        async def run() -> None:
            try:
                await work
            except UserFacingError as error:
                log.info("%s: %s", name, error.message)

        task = asyncio.get_running_loop().create_task(run(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def leave(self, room: str) -> None:
        session = self._session
        state = self._rooms.get(room)
        if state is None or not (state.wanted or state.joined):
            raise UserFacingError(f"You are not in {room}", "")
        if session.online and state.joined:
            session.client.leave_room(room, state.nick)
        state.wanted = state.joined = False
        state.occupants.clear()
        self._publish(state)
        del self._rooms[room]

    def bookmarks_changed(self) -> None:
        """A room's name is its bookmark's: show the current one in every room we are in."""
        for state in self._rooms.values():
            if state.wanted or state.joined:
                self._publish(state)

    def session_reset(self) -> None:
        """A fresh session (not resumed) began: the server took us out of every room."""
        self.features.clear()
        for state in self._rooms.values():
            if state.joined:
                state.joined = False
                state.occupants.clear()
                self._publish(state)

    def session_started(self) -> None:
        """After the initial presence and the bookmarks: rejoin the rooms we were in, then
        the bookmarks with autojoin (XEP-0402 §3.3). A room already joined (a bookmark that
        another device added in the meantime) or being joined is left alone."""
        session = self._session
        for state in list(self._rooms.values()):
            if state.wanted and not state.joined and state.jid not in self._joining:
                self.join_in_background(state.jid, state.nick, state.password)
        for bookmark in session.bookmarks.autojoin():
            if bookmark.jid not in self._rooms:
                self.join_in_background(bookmark.jid)
        self.self_ping.start()

    def stopped(self) -> None:
        """The user went offline: we are in no room (the wanted ones come back on connect)."""
        for task in list(self._tasks):
            task.cancel()
        self.self_ping.stop()
        self._coalescer.cancel()
        for state in self._rooms.values():
            if state.joined:
                state.joined = False
                state.occupants.clear()
                self._publish(state)

    # -- inbound ----------------------------------------------------------------------

    def on_presence(self, fact: OccupantPresence) -> None:
        state = self._rooms.get(fact.room)
        if state is None:
            return
        pending = self._joining.get(fact.room)
        own = fact.own or (pending is not None and fact.nick == state.nick)
        if fact.available:
            state.occupants[fact.nick] = fact.occupant or Occupant(nick=fact.nick)
        else:
            state.occupants.pop(fact.nick, None)
            state.spoken.pop(fact.nick, None)  # gone (or renamed): no corrections across it
        if fact.new_nick and not fact.available:
            # XEP-0045 §7.6 (status 303): a nick change, not a leave; the presence under the
            # new nick follows. Ours: the room now calls us that.
            if own:
                state.nick = fact.new_nick
                self._publish(state)
            elif state.joined:
                self._coalescer.mark(state.jid)
            return
        if not own:
            if state.joined:
                self._coalescer.mark(state.jid)  # one snapshot per burst, not per presence
                what = _removed(fact.statuses) if not fact.available else ""
                if what:  # someone else kicked or banned: who did it and why
                    session = self._session
                    text = f"{fact.nick} {what} {fact.room}{_actor_and_reason(fact)}"
                    session.publish(Notice(account=session.account, text=text))
            return
        self.requests.presence(fact)
        if fact.available:
            self.invitations.discard(fact.room)
            state.joined = state.wanted = True
            state.left = ""
            state.nick = fact.nick  # the room may have changed it (status 210)
            self._publish(state)
            if pending is not None and not pending.done():
                pending.set_result(fact)
            return
        # Our own unavailable presence: kicked (307), banned (301), room gone, or our leave.
        was_joined, state.joined = state.joined, False
        state.occupants.clear()
        # Kicked, banned, removed or the room destroyed: not rejoined by itself. Only a
        # shutdown of the room's service (332) is worth trying again on the next session.
        state.wanted = 332 in fact.statuses
        if was_joined:
            why = _exit_reason(fact.statuses, fact.destroyed) + _actor_and_reason(fact)
            state.left = why.removeprefix(":").strip()
            self._publish(state)
            session = self._session
            session.publish(Notice(account=session.account, text=f"You left {fact.room}{why}"))
            if 301 in fact.statuses or fact.destroyed:
                # Banned, or the room is gone: autojoin would only fail at every start.
                self._in_background(session.bookmarks.left(fact.room), f"unbookmark {fact.room}")

    def on_error(self, fact: RoomPresenceError) -> None:
        if self.requests.error(fact):
            return
        pending = self._joining.get(fact.room)
        if pending is not None and not pending.done():
            pending.set_result(fact)
        else:
            log.info("presence error from %s: %s", fact.room, fact.condition)

    def on_message(self, fact: RoomMessageReceived) -> None:
        state = self._rooms.get(fact.room)
        if state is None or not state.joined:
            log.info("dropped a groupchat message from %s: not a room we are in", fact.room)
            return
        if state.held is not None:
            state.held.append(fact)  # recorded after the archive's catch-up, in order
            return
        live = None if fact.history else state.spoken
        stored = room_history.record(self._session, fact, own_nick=state.nick, spoken=live)
        if stored is not None and live is not None:
            live.setdefault(fact.nick, set()).add(stored.id)

    def on_subject(self, fact: RoomSubjectReceived) -> None:
        state = self._rooms.get(fact.room)
        if state is None or (not state.joined and fact.room not in self._joining):
            return
        self.requests.subject(fact, state.nick)
        if state.subject != fact.subject:
            state.subject = fact.subject
            self._publish(state)

    # -- internals --------------------------------------------------------------------

    def _forget(self, room: str) -> None:
        state = self._rooms.get(room)
        if state is not None and not state.wanted:
            del self._rooms[room]

    def _info(self, state: _Room) -> RoomInfo:
        bookmark = self._session.bookmarks.get(state.jid)
        return RoomInfo(
            jid=state.jid,
            nick=state.nick,
            joined=state.joined,
            subject=state.subject,
            name=(bookmark.name if bookmark else "") or self.names.get(state.jid, ""),
            occupants=tuple(sorted(state.occupants)),
            people=sorted_people(state.occupants),
            left=state.left,
        )

    def _publish(self, state: _Room) -> None:
        session = self._session
        self._coalescer.published(state.jid)
        session.publish(RoomChanged(account=session.account, room=self._info(state)))

    def _publish_room(self, room: str) -> None:
        state = self._rooms.get(room)
        if state is not None and state.joined:
            self._publish(state)

    # -- occupant use cases (service/occupants.py does the waiting) ---------------------

    async def change_nick(self, room: str, nick: str) -> None:
        state = self._joined_state(room)
        if nick == state.nick:
            raise UserFacingError(f"You are already {nick} in {room}", "")
        await self.requests.change_nick(room, state.nick, nick, set(state.occupants))

    async def set_subject(self, room: str, subject: str) -> None:
        state = self._joined_state(room)
        await self.requests.set_subject(room, state.nick, subject)

    def presence_changed(self) -> None:
        """Our show or status changed: rooms see it only as directed presence."""
        session = self._session
        for state in self._rooms.values():
            if state.joined:
                session.client.send_room_presence(
                    state.jid, state.nick, session.show, session.status
                )

    def occupant(self, room: str, nick: str) -> Occupant | None:
        state = self._rooms.get(room)
        return state.occupants.get(nick) if state is not None and state.joined else None

    def _joined_state(self, room: str) -> _Room:
        state = self._rooms.get(room)
        if state is None or not state.joined or not self._session.online:
            raise UserFacingError(f"You are not in {room}", f"/join {room} first")
        return state

    def _joined_nicks(self) -> list[tuple[str, str]]:
        return [(s.jid, s.nick) for s in self._rooms.values() if s.joined]

    def _rejoin(self, room: str) -> None:
        """The room forgot us (XEP-0410 said so): enter it again under the same nick."""
        state = self._rooms.get(room)
        if state is None or not state.joined or room in self._joining:
            return
        state.joined = False
        state.occupants.clear()
        self._publish(state)
        self.join_in_background(room, state.nick, state.password)


def _local_part(account: str) -> str:
    return account.split("@", 1)[0] if "@" in account else account


def _actor_and_reason(fact: OccupantPresence) -> str:
    """ " by NICK (REASON)" when the room says who and why (XEP-0045 §8.2, §9.1); remote text,
    sanitised where it is shown."""
    if not (301 in fact.statuses or 307 in fact.statuses or 321 in fact.statuses):
        return f" ({fact.reason})" if fact.destroyed and fact.reason else ""
    text = f" by {fact.actor}" if fact.actor else ""
    return text + (f" ({fact.reason})" if fact.reason else "")


def _removed(statuses: tuple[int, ...]) -> str:
    """How another occupant was removed, or "" when they just left."""
    if 301 in statuses:
        return "was banned from"
    if 307 in statuses:
        return "was kicked from"
    if 321 in statuses:
        return "is no longer a member of"
    return ""


def _exit_reason(statuses: tuple[int, ...], destroyed: bool = False) -> str:
    if 301 in statuses:
        return ": you were banned"
    if 307 in statuses:
        return ": you were kicked"
    if 321 in statuses or 322 in statuses:
        return ": you are no longer a member"
    if 332 in statuses:
        return ": the room's service shut down"
    if destroyed:
        return ": the room was destroyed"
    return ""
