"""MAM catch-up (XEP-0313) of the account's own archive, run on every fresh session.

Pages forward from the stored cursor (the archive's result id, never message/@id) until the
archive says it is complete; each page's messages and the new cursor are committed in one
transaction, so a crash replays a page (harmless: de-duplicated) and never skips one. Live
messages that arrive meanwhile are stored as usual but never move the cursor.

An unknown cursor (expired or reset archive) falls back, at most once per session, to a
time-based query; every conversation with stored history then gets a gap record after its newest
message (`store/gaps.py`), drawn as a line in the history view. A catch-up longer than one page
publishes `SyncProgress` (at most every `PROGRESS_INTERVAL`, plus a final ``done``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import (
    HistoryGapMarked,
    MessageAdded,
    MessageCorrected,
    Notice,
    SyncProgress,
)
from xmpp_tui.core.models import StoredMessage
from xmpp_tui.service.blocklist import is_blocked
from xmpp_tui.service.recorder import record_chat
from xmpp_tui.xmpp.features.mam import ArchivePage, CursorUnknown
from xmpp_tui.xmpp.inbound import ChatReceived

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

PAGE_SIZE = 100
#: With no cursor yet (first start on this machine), fetch this much of the past.
FIRST_WINDOW = timedelta(days=7)
#: After an unknown cursor, re-read this much before the newest stored message.
OVERLAP = timedelta(minutes=5)
#: At most one progress event this often (seconds); the status bar needs no more.
PROGRESS_INTERVAL = 0.25


class ProgressThrottle:
    """Says when a progress event is due: from the second page on, at most every ``interval``."""

    def __init__(
        self, interval: float = PROGRESS_INTERVAL, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = interval
        self._now = now
        self._last: float | None = None
        self.published = False

    def due(self, pages: int) -> bool:
        if pages < 2:
            return False  # one page is no "long sync": no flicker in the status bar
        moment = self._now()
        if self._last is not None and moment - self._last < self._interval:
            return False
        self._last = moment
        self.published = True
        return True


async def catch_up(session: AccountSession) -> int:
    """Bring the local history up to date; returns how many messages were new.

    The next page is asked for as soon as a page has come (its RSM ``<last/>`` is the next
    cursor), before that page is stored: the server reads page N+1 while we store page N, so
    a long catch-up is paced by the server alone. The cursor still moves only with the page
    it ends, committed together (a crash replays a page, never skips one)."""
    account = session.account
    cursor = session.store.cursors.get(account, account)
    # No cursor: the last week, or from the newest message we already hold (an upgrade).
    start = _resume_time(session) if cursor is None else None
    added = pages = read = 0
    total: int | None = None
    throttle = ProgressThrottle(PROGRESS_INTERVAL)
    ahead: asyncio.Task[ArchivePage] | None = None  # the next page, asked for already

    def ask(after: str | None) -> asyncio.Task[ArchivePage]:
        return asyncio.ensure_future(
            session.client.archive_page(
                after=after, start=start, size=PAGE_SIZE, timeout=session.timing.iq_timeout
            )
        )

    try:
        while True:
            asked, ahead = ahead or ask(cursor), None
            try:
                page = await asked
            except CursorUnknown:
                if session.archive_fell_back:
                    log.warning("archive cursor unknown again for %s: not retrying", account)
                    return added  # never loop on a server that forgets every cursor
                session.archive_fell_back = True
                start = _resume_time(session)
                cursor = None
                _mark_gaps(session, start)
                continue
            except UserFacingError as error:
                log.info("no archive catch-up for %s: %s", account, error.message)
                return added
            last = page.complete or not page.last_id or page.last_id == cursor
            if not last:
                ahead = ask(page.last_id)
                await session.client.sends_flushed()  # on the wire before we store
            stored = _store_page(session, page.messages, page.last_id)
            added += len(stored)
            pages += 1
            read += len(page.messages)
            # With `after` a server counts the whole archive, not what is left: only a
            # time-based query (first start, fallback) has a meaningful total.
            if start is not None and page.total is not None:
                total = page.total
            for message in stored:
                session.publish(MessageAdded(account=account, message=message, archived=True))
            if last:
                return added
            if throttle.due(pages):
                session.publish(
                    SyncProgress(account=account, pages=pages, messages=read, total=total)
                )
            cursor = page.last_id
    finally:
        if ahead is not None:  # stopped early (an error, a disconnect): nobody wants it
            ahead.cancel()
            ahead.add_done_callback(_unwanted)
        if throttle.published:
            session.publish(
                SyncProgress(account=account, pages=pages, messages=read, total=total, done=True)
            )


def _unwanted(task: asyncio.Task[ArchivePage]) -> None:
    """A page asked for ahead and then not wanted: its outcome is read and dropped."""
    if not task.cancelled():
        task.exception()


def _mark_gaps(session: AccountSession, start: datetime) -> None:
    """The archive forgot our cursor: say so, and mark where messages may be missing."""
    account = session.account
    session.publish(
        Notice(
            account=account,
            text="The server's archive no longer knows where we stopped: "
            f"reading it again from {start:%Y-%m-%d %H:%M} UTC; "
            "messages older than that may be missing (marked in each conversation)",
        )
    )
    for peer, after_id in session.store.gaps.mark_after_newest(account):
        session.publish(HistoryGapMarked(account=account, peer=peer, after_id=after_id))


def _store_page(
    session: AccountSession, facts: tuple[ChatReceived, ...], last_id: str | None
) -> list[StoredMessage]:
    """The page's new messages; its corrections are published once the page is committed."""
    stored: list[StoredMessage] = []
    corrected: list[MessageCorrected] = []
    with session.store.database.transaction():
        for fact in facts:
            if not fact.outgoing and is_blocked(session.blocked, fact.sender):
                continue
            recorded = record_chat(session, fact)
            if isinstance(recorded, MessageAdded):
                stored.append(recorded.message)
            elif recorded is not None:
                corrected.append(recorded)
        if last_id:
            session.store.cursors.set(session.account, session.account, last_id)
    for event in corrected:
        session.publish(event)
    return stored


def _resume_time(session: AccountSession) -> datetime:
    conversations = session.store.history.conversations(session.account)
    if not conversations:
        return session.clock() - FIRST_WINDOW
    newest = max(when for _peer, when in conversations)
    return newest - OVERLAP
