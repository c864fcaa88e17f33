"""Occupants of our rooms (XEP-0045 §7): what their presences say, published cheaply; nick and
subject changes we ask for, each answered within a bound; and XEP-0410 self-ping, which notices
a room that forgot us without telling us and rejoins it.

A room of 1,000 occupants sends 1,000 presences when we join: each used to publish a snapshot
of every nick. Changes now mark the room dirty and one snapshot goes out per
``Timing.occupants_coalesce`` (our own entering, leaving and renaming still go out at once).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import Affiliation, Occupant, Role
from xmpp_tui.xmpp.inbound import OccupantPresence, RoomPresenceError, RoomSubjectReceived

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

#: Roles in the order the occupant list shows them (XEP-0045 §5.1).
ROLE_ORDER = (Role.MODERATOR, Role.PARTICIPANT, Role.VISITOR, Role.NONE)
_AFFILIATION_RANK = {
    Affiliation.OWNER: 0,
    Affiliation.ADMIN: 1,
    Affiliation.MEMBER: 2,
    Affiliation.NONE: 3,
    Affiliation.OUTCAST: 4,
}

#: Why a nick change was refused, in words, with what to do.
_NICK_ERRORS: dict[str, str] = {
    "conflict": "someone else uses that nickname there",
    "not-acceptable": "the nickname is not acceptable there",
    "jid-malformed": "the nickname is not acceptable there",
    "not-allowed": "the room does not allow nickname changes",
    "forbidden": "the room does not allow nickname changes",
}


def sorted_people(people: dict[str, Occupant]) -> tuple[Occupant, ...]:
    """By role (moderators first), then affiliation (owners first), then nick."""
    order = {role: index for index, role in enumerate(ROLE_ORDER)}
    return tuple(
        sorted(
            people.values(),
            key=lambda o: (order[o.role], _AFFILIATION_RANK[o.affiliation], o.nick.casefold()),
        )
    )


def other_nick(nick: str, taken: set[str]) -> str:
    """A nick to offer when ``nick`` is taken: ``nick_``, ``nick__``, ..., never one in use."""
    candidate = f"{nick}_"
    while candidate in taken:
        candidate += "_"
    return candidate


class Coalescer:
    """Runs ``flush(room)`` once per ``delay`` for each room marked in between."""

    def __init__(self, delay: float, flush: Callable[[str], None]) -> None:
        self._delay = delay
        self._flush = flush
        self._dirty: set[str] = set()
        self._handle: asyncio.TimerHandle | None = None

    def mark(self, room: str) -> None:
        self._dirty.add(room)
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(self._delay, self._run)

    def published(self, room: str) -> None:
        """A snapshot of ``room`` just went out: nothing is pending for it."""
        self._dirty.discard(room)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
        self._dirty.clear()

    def _run(self) -> None:
        self._handle = None
        dirty, self._dirty = self._dirty, set()
        for room in dirty:
            self._flush(room)


class RoomRequests:
    """Nick and subject changes we asked a room for, waiting (bounded) for its answer."""

    def __init__(self, session: AccountSession) -> None:
        self._session = session
        self._nicks: dict[str, tuple[str, asyncio.Future[str | None]]] = {}
        self._subjects: dict[str, tuple[str, str, asyncio.Future[str | None]]] = {}

    async def change_nick(self, room: str, old: str, new: str, taken: set[str]) -> None:
        """XEP-0045 §7.6; returns once the room calls us ``new``, else UserFacingError."""
        session = self._session
        if room in self._nicks:
            raise UserFacingError(f"Already changing your nickname in {room}", "Wait for it")
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._nicks[room] = (new, future)
        timeout = session.timing.iq_timeout
        try:
            session.client.change_room_nick(room, new, session.show, session.status)
            refused = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise UserFacingError(
                f"{room} did not answer within {timeout:.0f} s", "You are still " + old
            ) from None
        finally:
            self._nicks.pop(room, None)
        if refused is not None:
            reason = _NICK_ERRORS.get(refused, refused)
            offer = other_nick(new, taken)
            hint = f"Try /nick {offer}" if refused == "conflict" else f"You are still {old}"
            raise UserFacingError(f"Cannot change your nickname in {room}: {reason}", hint)

    async def set_subject(self, room: str, nick: str, subject: str) -> None:
        """XEP-0045 §8.1; returns once the room reports the new subject from us."""
        session = self._session
        if room in self._subjects:
            raise UserFacingError(f"Already changing the subject of {room}", "Wait for it")
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        message_id = secrets.token_hex(8)
        self._subjects[room] = (message_id, subject, future)
        timeout = session.timing.iq_timeout
        try:
            session.client.set_room_subject(room, subject, message_id)
            refused = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise UserFacingError(
                f"{room} did not answer within {timeout:.0f} s", "Try again in a moment"
            ) from None
        finally:
            self._subjects.pop(room, None)
        if refused is not None:
            raise UserFacingError(
                f"Cannot change the subject of {room}: {refused}",
                "Only those the room allows (often moderators) may change it",
            )

    # -- answers ----------------------------------------------------------------------

    def presence(self, fact: OccupantPresence) -> None:
        pending = self._nicks.get(fact.room)
        ok = pending is not None and fact.available and fact.own and fact.nick == pending[0]
        if pending is not None and ok and not pending[1].done():
            pending[1].set_result(None)

    def error(self, fact: RoomPresenceError) -> bool:
        """A presence error that answers our nick change (True), or not ours (False)."""
        pending = self._nicks.get(fact.room)
        if pending is None or pending[1].done():
            return False
        pending[1].set_result(fact.condition)
        return True

    def subject(self, fact: RoomSubjectReceived, own_nick: str) -> None:
        pending = self._subjects.get(fact.room)
        ours = pending is not None and fact.nick == own_nick and fact.subject == pending[1]
        if pending is not None and ours and not pending[2].done():
            pending[2].set_result(None)

    def bounced(self, room: str, message_id: str, text: str) -> bool:
        """A message error for our subject change (True: it was ours)."""
        pending = self._subjects.get(room)
        if pending is None or pending[0] != message_id:
            return False
        if not pending[2].done():
            pending[2].set_result(text or "refused")
        return True


class SelfPinger:
    """XEP-0410: every ``Timing.room_ping_interval`` ask each joined room whether it still
    knows our nick; a room that answers no is rejoined (at most once per room per round)."""

    def __init__(
        self,
        session: AccountSession,
        joined: Callable[[], list[tuple[str, str]]],
        rejoin: Callable[[str], None],
    ) -> None:
        self._session = session
        self._joined = joined
        self._rejoin = rejoin
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="muc self-ping")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._task = None

    async def ping_all(self) -> list[str]:
        """One round; returns the rooms found to have dropped us (each rejoined)."""
        session = self._session
        dropped: list[str] = []
        for room, nick in self._joined():
            if not session.online:
                break
            answer = await session.client.room_self_ping(room, nick, session.timing.iq_timeout)
            if answer is False:
                log.info("%s no longer knows us as %s: rejoining", room, nick)
                dropped.append(room)
                self._rejoin(room)
        return dropped

    async def _run(self) -> None:
        interval = self._session.timing.room_ping_interval
        while True:
            await asyncio.sleep(interval)
            try:
                await self.ping_all()
            except Exception:
                log.warning("room self-ping round failed", exc_info=True)
