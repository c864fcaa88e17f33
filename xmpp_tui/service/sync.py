"""MAM catch-up (XEP-0313) of the account's own archive, run on every fresh session.

Pages forward from the stored cursor (the archive's result id, never message/@id) until the
archive says it is complete; each page's messages and the new cursor are committed in one
transaction, so a crash replays a page (harmless: de-duplicated) and never skips one. Live
messages that arrive meanwhile are stored as usual but never move the cursor.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import MessageAdded, MessageCorrected, Notice
from xmpp_tui.core.models import StoredMessage
from xmpp_tui.service.blocklist import is_blocked
from xmpp_tui.service.recorder import record_chat
from xmpp_tui.xmpp.features.mam import CursorUnknown
from xmpp_tui.xmpp.inbound import ChatReceived

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

PAGE_SIZE = 100
#: With no cursor yet (first start on this machine), fetch this much of the past.
FIRST_WINDOW = timedelta(days=7)
#: After an unknown cursor, re-read this much before the newest stored message.
OVERLAP = timedelta(minutes=5)


async def catch_up(session: AccountSession) -> int:
    """Bring the local history up to date; returns how many messages were new."""
    account = session.account
    cursor = session.store.cursors.get(account, account)
    # No cursor: the last week, or from the newest message we already hold (an upgrade).
    start = _resume_time(session) if cursor is None else None
    fell_back = False
    added = 0
    while True:
        try:
            page = await session.client.archive_page(
                after=cursor, start=start, size=PAGE_SIZE, timeout=session.timing.iq_timeout
            )
        except CursorUnknown:
            if fell_back:
                return added  # never loop on a server that forgets every cursor
            fell_back = True
            start = _resume_time(session)
            cursor = None
            session.publish(
                Notice(
                    account=account,
                    text="The server's archive no longer knows where we stopped: "
                    f"reading it again from {start:%Y-%m-%d %H:%M} UTC; "
                    "messages older than that may be missing",
                )
            )
            continue
        except UserFacingError as error:
            log.info("no archive catch-up for %s: %s", account, error.message)
            return added
        stored = _store_page(session, page.messages, page.last_id)
        added += len(stored)
        for message in stored:
            session.publish(MessageAdded(account=account, message=message))
        if page.complete or not page.last_id or page.last_id == cursor:
            return added
        cursor = page.last_id


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
