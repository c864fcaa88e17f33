"""Scroll-back: older pages of one conversation from the account's archive (XEP-0313, RSM).

The history view asks (`FetchOlderHistory`) when it is scrolled to the top and the store holds
nothing older. One page of `PAGE_SIZE` is asked with ``with`` = the peer and RSM ``before`` = the
oldest trusted stanza-id of the conversation (with none: the newest page, up to ``end`` = the
oldest stored timestamp if any). The messages go through the same recorder and de-duplication
as the catch-up, each stored below every stored id so id order stays display order; only
results for this conversation, from our own archive, are kept. The answer is always one
`OlderHistoryFetched` event (count, complete, or a one-line error); a second request while one
is in flight for the same conversation is ignored (the first one answers). A room asks the
room's own archive instead (`room_history.fetch_older`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import OlderHistoryFetched
from xmpp_tui.core.models import BareJid
from xmpp_tui.service import room_history
from xmpp_tui.service.blocklist import is_blocked
from xmpp_tui.service.recorder import record_chat
from xmpp_tui.xmpp.features.mam import ArchivePage, CursorUnknown

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

PAGE_SIZE = 50


async def fetch_older(session: AccountSession, peer: BareJid) -> None:
    """Fetch and store one older page for ``peer``; the outcome is an event, never raised."""
    if peer in session.older_fetches:
        return
    session.older_fetches.add(peer)
    try:
        count, complete = await _fetch(session, peer)
    except UserFacingError as error:
        session.publish(
            OlderHistoryFetched(
                account=session.account, peer=peer, count=0, complete=False, error=error.message
            )
        )
        return
    finally:
        session.older_fetches.discard(peer)
    session.publish(
        OlderHistoryFetched(account=session.account, peer=peer, count=count, complete=complete)
    )


async def _fetch(session: AccountSession, peer: BareJid) -> tuple[int, bool]:
    if not session.online:
        raise UserFacingError("Not connected: older messages come from the server's archive")
    account = session.account
    if session.rooms.is_room(peer) or session.store.history.is_room(account, peer):
        return await room_history.fetch_older(session, peer)  # the room's own archive
    before, oldest = session.store.history.oldest(account, peer)
    # Where the previous page ended (RSM <first/>): a page whose messages were all stored
    # already (sent or live copies without a stanza-id) must not be asked for again.
    before = session.older_cursors.get(peer, before)
    try:
        page = await session.client.archive_page(
            after=None,
            start=None,
            before=before,
            # No stanza-id to page back from: the newest page up to the oldest stored message.
            end=oldest if before is None else None,
            newest=before is None,
            with_jid=peer,
            size=PAGE_SIZE,
            timeout=session.timing.iq_timeout,
        )
    except CursorUnknown:
        # The archive no longer holds our oldest message (expired): nothing older is left.
        log.info("archive forgot %s's oldest message for %s: scroll-back ends", peer, account)
        return 0, True
    if page.first_id:
        session.older_cursors[peer] = page.first_id
    return _store(session, peer, page), page.complete


def _store(session: AccountSession, peer: BareJid, page: ArchivePage) -> int:
    """Newest first, each below the previous one: the page ends up above, in archive order.

    Corrections come last, oldest first, so each finds the original it corrects."""
    wanted = [
        fact
        for fact in page.messages
        if fact.peer == peer  # a server answering for another conversation: not ours to place
        and (fact.outgoing or not is_blocked(session.blocked, fact.sender))
    ]
    originals = [fact for fact in wanted if fact.replace_id is None]
    corrections = [fact for fact in wanted if fact.replace_id is not None]
    count = 0
    with session.store.database.transaction():
        for fact in [*reversed(originals), *corrections]:
            if record_chat(session, fact, older=True) is not None:
                count += 1
    return count
