"""Room history from the room's own archive (XEP-0313 in XEP-0045 rooms, Prosody muc_mam).

When a room advertises ``urn:xmpp:mam:2`` we join it with ``<history maxchars='0'/>`` (no
replay) and catch up from the room's own cursor instead: the archive cursors are keyed by
(account, archive) and a room's archive is the room's JID. The first visit reads the newest
page; every later (re)join pages forward from the cursor, so a rejoin never duplicates and
never misses what was said while we were away (up to `MAX_CATCH_UP_PAGES`). Live messages that
arrive during the catch-up are held by `Rooms` and recorded after it, so id order stays time
order. A room without an archive gets the classic ``maxstanzas`` history, de-duplicated by the
room's stanza-id.

Scroll-back in a room pane asks the room's archive (RSM ``before`` = the oldest stanza-id of
the room's conversation, which is the room's own id); results count only from the room.

Trust: only results whose outer ``from`` is the room and whose message is a groupchat message
from that room (`translate_rooms.room_archived`); stored under the room, sender room/nick,
exactly as a live room message (`record`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import HistoryGapMarked, MessageAdded, MessageCorrected
from xmpp_tui.core.models import BareJid, ConversationKind, Delivery, Direction, StoredMessage
from xmpp_tui.service import delivery, room_corrections
from xmpp_tui.xmpp.features.mam import CursorUnknown
from xmpp_tui.xmpp.features.room_archive import MAM_NS
from xmpp_tui.xmpp.inbound import RoomMessageReceived
from xmpp_tui.xmpp.translate_rooms import OCCUPANT_ID_NS

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

#: The first visit to an archived room reads this many of its newest messages.
FIRST_PAGE = 20
PAGE_SIZE = 100
#: A catch-up stops after this many pages (the next join goes on from there).
MAX_CATCH_UP_PAGES = 20
#: Scroll-back page size in a room pane.
OLDER_PAGE = 50
#: The disco#info before a join waits at most this long (a silent room must not double the
#: join's own wait).
DISCO_TIMEOUT = 5.0


async def room_features(session: AccountSession, room: str) -> frozenset[str]:
    """``room``'s disco#info features, asked once per session (none when it says nothing)."""
    known = session.rooms.features.get(room)
    if known is not None:
        return known
    try:
        identities, features, _software = await session.client.discover(
            room, min(DISCO_TIMEOUT, session.timing.iq_timeout), software=False
        )
    except UserFacingError as error:
        # A room that does not exist yet (we create it) or says nothing: classic history.
        log.info("no disco#info from %s: %s", room, error.message)
        return frozenset()
    known = session.rooms.features[room] = frozenset(features)
    # The room's own name (its conference identity), shown when no bookmark names it.
    names = [name for category, _kind, name in identities if category == "conference" and name]
    if names and names[0] != room.split("@", 1)[0]:
        session.rooms.names[room] = names[0]
    return known


async def has_archive(session: AccountSession, room: str) -> bool:
    """Whether ``room`` keeps a MAM archive."""
    return MAM_NS in await room_features(session, room)


def record(
    session: AccountSession,
    fact: RoomMessageReceived,
    *,
    own_nick: str,
    older: bool = False,
    spoken: dict[str, set[int]] | None = None,
) -> StoredMessage | None:
    """Store one room message (live, replayed or archived) and publish it when new.

    Our own message coming back (the live reflection, or its copy in the room's archive)
    finds its outbox row by origin-id and marks it delivered: the room has it. A correction
    applies only from the same occupant (`room_corrections`); ``spoken``: for a live message,
    what each nick said during this join. The occupant-id is kept only from a room that
    offers XEP-0421."""
    occupant_ids = OCCUPANT_ID_NS in session.rooms.features.get(fact.room, frozenset())
    if fact.replace_id is not None:
        handled, corrected = room_corrections.apply_incoming(
            session, fact, own_nick=own_nick, spoken=spoken, occupant_ids=occupant_ids
        )
        if handled:
            if corrected is not None:
                session.publish(MessageCorrected(account=session.account, message=corrected))
            return None
    stored = session.store.history.add_incoming(
        account=session.account,
        peer=fact.room,
        sender=f"{fact.room}/{fact.nick}",
        body=fact.body,
        timestamp=fact.timestamp,
        stanza_id=fact.stanza_id,
        origin_id=fact.origin_id,
        message_id=fact.message_id,
        # Live, our nick is ours alone in the room: a line under it we did not send here
        # came from another device of ours (the archive cannot tell: someone else may have
        # held the nick then).
        direction=(
            Direction.OUTGOING
            if spoken is not None and fact.nick == own_nick
            else Direction.INCOMING
        ),
        kind=ConversationKind.GROUPCHAT,
        older=older,
    )
    if stored is not None:
        if occupant_ids and fact.occupant_id is not None:
            session.store.occupants.set(stored.id, fact.occupant_id)
        if not older:
            session.publish(
                MessageAdded(account=session.account, message=stored, archived=fact.history)
            )
    elif fact.nick == own_nick and fact.origin_id:
        delivery.confirm(
            session, peer=fact.room, message_id=fact.origin_id, delivery=Delivery.DELIVERED
        )
    return stored


async def catch_up(session: AccountSession, room: str, own_nick: str) -> int:
    """After joining an archived ``room``: what it said since our cursor; how many were new."""
    account = session.account
    # Go on from the newest message we hold from the room (seen live or read from its
    # archive: the room's stanza-ids are its archive ids), else from the stored cursor; never
    # from just the room's newest page while we hold history (that would skip what it said
    # while we were away).
    cursor = session.store.history.newest_stanza_id(account, room) or session.store.cursors.get(
        account, room
    )
    timeout = session.timing.iq_timeout
    added = 0
    for _ in range(MAX_CATCH_UP_PAGES):
        try:
            if cursor is None:
                page = await session.client.room_archive_page(
                    room, size=FIRST_PAGE, timeout=timeout, newest=True
                )
            else:
                page = await session.client.room_archive_page(
                    room, size=PAGE_SIZE, timeout=timeout, after=cursor
                )
        except CursorUnknown:
            # Only a query with a cursor can raise this: the newest page next cannot loop.
            log.info("%s forgot our cursor for %s: reading its newest page", room, account)
            _mark_gap(session, room)
            cursor = None
            continue
        except UserFacingError as error:
            log.info("no catch-up from %s for %s: %s", room, account, error.message)
            return added
        with session.store.database.transaction():
            for fact in page.messages:
                if record(session, fact, own_nick=own_nick) is not None:
                    added += 1
            if page.last_id:
                session.store.cursors.set(account, room, page.last_id)
        if cursor is None or page.complete or not page.last_id or page.last_id == cursor:
            return added  # the first visit reads one page only
        cursor = page.last_id
    log.info("catch-up of %s for %s stopped after %d pages", room, account, MAX_CATCH_UP_PAGES)
    return added


def _mark_gap(session: AccountSession, room: BareJid) -> None:
    """What the room said between our place and its newest page may be missing: say so."""
    after_id = session.store.gaps.mark_after_newest_of(session.account, room)
    if after_id is not None:
        session.publish(HistoryGapMarked(account=session.account, peer=room, after_id=after_id))


async def fetch_older(session: AccountSession, room: BareJid) -> tuple[int, bool]:
    """One older page of ``room`` from its archive: (stored, complete)."""
    if not await has_archive(session, room):
        return 0, True  # the room keeps no archive: nothing older to ask for
    before, _oldest = session.store.history.oldest(session.account, room)
    # Where the previous page ended (RSM <first/>): a page with nothing to store (all known,
    # or subject-only items) must not be asked for again.
    before = session.older_cursors.get(room, before)
    try:
        page = await session.client.room_archive_page(
            room,
            size=OLDER_PAGE,
            timeout=session.timing.iq_timeout,
            before=before,
            newest=before is None,
        )
    except CursorUnknown:
        log.info("%s no longer holds our oldest message: scroll-back ends", room)
        return 0, True
    if page.first_id:
        session.older_cursors[room] = page.first_id
    own_nick = session.rooms.nick(room) or ""
    originals = [fact for fact in page.messages if fact.replace_id is None]
    corrections = [fact for fact in page.messages if fact.replace_id is not None]
    count = 0
    with session.store.database.transaction():
        # Newest first, each below the previous one; then corrections, oldest first, so each
        # finds the original it corrects.
        for fact in [*reversed(originals), *corrections]:
            if record(session, fact, own_nick=own_nick, older=True) is not None:
                count += 1
    return count, page.complete
