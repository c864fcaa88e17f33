"""Bookmarks state for one account: loaded on every fresh session, changed by our commands and
by our other devices (XEP-0402 notifications, already checked to come from our own account).

Every change is published as a `BookmarksChanged` snapshot. A bookmark with autojoin that
another device adds while we are online is joined at once, as it would be at the next start.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import BookmarksChanged, Notice
from xmpp_tui.core.models import Bookmark
from xmpp_tui.xmpp.features.bookmarks import NATIVE
from xmpp_tui.xmpp.inbound import BookmarksPushed

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)


class Bookmarks:
    def __init__(self, session: AccountSession) -> None:
        self._session = session
        self.items: dict[str, Bookmark] = {}
        #: NATIVE (XEP-0402) or PRIVATE (XEP-0048); None until the first session.
        self.method: str | None = None

    def get(self, room: str) -> Bookmark | None:
        return self.items.get(room)

    async def load(self) -> None:
        """Which protocol the account offers, then every bookmark (one fresh session)."""
        session = self._session
        timeout = session.timing.iq_timeout
        self.method = await session.client.bookmarks_method(timeout)
        items = await session.client.fetch_bookmarks(self.method, timeout)
        self.items = {bookmark.jid: bookmark for bookmark in items}
        log.info("%d bookmarks (%s)", len(self.items), self.method)
        self._publish()

    async def add(self, bookmark: Bookmark) -> None:
        session = self._session
        existing = self.items.get(bookmark.jid)
        if existing is not None and not bookmark.password:
            bookmark = replace(bookmark, password=existing.password)  # an edit keeps it
        timeout = session.timing.iq_timeout
        if self.method == NATIVE:
            await session.client.publish_bookmark(bookmark, timeout)
        else:
            await session.client.store_private_bookmarks(
                (*(b for b in self.items.values() if b.jid != bookmark.jid), bookmark), timeout
            )
        self.items[bookmark.jid] = bookmark
        self._publish()

    async def remove(self, room: str) -> None:
        session = self._session
        if room not in self.items:
            raise UserFacingError(f"No bookmark for {room}", "/bookmark lists them")
        timeout = session.timing.iq_timeout
        if self.method == NATIVE:
            await session.client.retract_bookmark(room, timeout)
        else:
            rest = tuple(b for b in self.items.values() if b.jid != room)
            await session.client.store_private_bookmarks(rest, timeout)
        self.items.pop(room, None)
        self._publish()

    def apply(self, fact: BookmarksPushed) -> None:
        """A change made by another device of ours (or the echo of our own)."""
        session = self._session
        changed = False
        for bookmark in fact.published:
            before = self.items.get(bookmark.jid)
            if before == bookmark:
                continue
            self.items[bookmark.jid] = bookmark
            changed = True
            newly_autojoin = bookmark.autojoin and (before is None or not before.autojoin)
            if (
                newly_autojoin
                and session.online
                and not session.rooms.is_entering_or_in(bookmark.jid)
            ):
                text = f"Joining {bookmark.jid} (bookmark)"
                session.publish(Notice(account=session.account, text=text))
                session.rooms.join_in_background(bookmark.jid)
        for room in fact.retracted:
            if self.items.pop(room, None) is not None:
                changed = True
        if changed:
            self._publish()

    def autojoin(self) -> tuple[Bookmark, ...]:
        return tuple(b for b in self.items.values() if b.autojoin)

    def _publish(self) -> None:
        session = self._session
        snapshot = tuple(sorted(self.items.values(), key=lambda b: b.jid))
        session.publish(BookmarksChanged(account=session.account, bookmarks=snapshot))
