"""Bookmarks state for one account: loaded on every fresh session, changed by our commands and
by our other devices (XEP-0402 notifications, already checked to come from our own account).

Every change is published as a `BookmarksChanged` snapshot. A bookmark with autojoin that
another device adds while we are online is joined at once, as it would be at the next start.

Nothing is written while the stored bookmarks are unknown (the load got no answer or an
error): "none could be read" is not "there are none", and writing then would replace them.
Each change reads the stored bookmark (XEP-0402: the room's item; XEP-0048: the whole list)
just before writing it, so a change made by another device meanwhile is kept, and only the
options the user gave change (`None`: keep what is stored).
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
        #: NATIVE (XEP-0402) or PRIVATE (XEP-0048); None while unknown.
        self.method: str | None = None
        #: The last load of this session read what is stored (else ``items`` may be stale).
        self.loaded = False

    def get(self, room: str) -> Bookmark | None:
        return self.items.get(room)

    async def load(self, *, quiet: bool = False) -> None:
        """Which protocol the account offers, then every bookmark (one fresh session). When
        either is unknown, the bookmarks stay as they were and writes are refused until a
        later load succeeds (each write tries again)."""
        session = self._session
        timeout = session.timing.iq_timeout
        self.loaded = False
        method = await session.client.bookmarks_method(timeout)
        items = None if method is None else await session.client.fetch_bookmarks(method, timeout)
        if method is None or items is None:
            log.info("bookmarks not loaded (method %s)", method)
            if quiet:
                return
            session.publish(
                Notice(
                    account=session.account,
                    text="Bookmarks could not be read from the server; "
                    "they will not be changed until they can be",
                )
            )
            return
        self.method, self.loaded = method, True
        self.items = {bookmark.jid: bookmark for bookmark in items}
        log.info("%d bookmarks (%s)", len(self.items), self.method)
        self._publish()

    async def change(
        self,
        room: str,
        *,
        name: str | None = None,
        nick: str | None = None,
        password: str | None = None,
        autojoin: bool | None = None,
    ) -> Bookmark:
        """Add the bookmark for ``room`` or change the options given (None: as stored)."""
        session = self._session
        await self._require_loaded()

        def edit(stored: Bookmark | None) -> Bookmark:
            base = stored or Bookmark(jid=room)
            return replace(
                base,
                name=base.name if name is None else name,
                nick=base.nick if nick is None else nick,
                password=base.password if password is None else password,
                autojoin=base.autojoin if autojoin is None else autojoin,
            )

        timeout = session.timing.iq_timeout
        if self.method == NATIVE:
            bookmark = await session.client.edit_bookmark(room, edit, timeout)
            self.items[room] = bookmark
        else:
            stored = await session.client.edit_private_bookmarks(room, edit, timeout)
            self.items = {b.jid: b for b in stored}
            bookmark = self.items.get(room) or edit(None)
        self._publish()
        return bookmark

    async def remove(self, room: str) -> None:
        session = self._session
        await self._require_loaded()
        if room not in self.items:
            raise UserFacingError(f"No bookmark for {room}", "/bookmark lists them")
        timeout = session.timing.iq_timeout
        if self.method == NATIVE:
            await session.client.retract_bookmark(room, timeout)
            self.items.pop(room, None)
        else:
            stored = await session.client.edit_private_bookmarks(room, lambda _: None, timeout)
            self.items = {b.jid: b for b in stored}
        self._publish()

    async def left(self, room: str) -> None:
        """We left ``room`` on purpose: a bookmark with autojoin would bring us back at the
        next start, so its autojoin goes off (as Conversations does)."""
        session = self._session
        if not self.loaded and session.online:
            await self.load(quiet=True)
        if not self.loaded:
            raise UserFacingError(
                f"Left {room}, but the bookmarks could not be read to turn its autojoin off",
                f"/bookmark add {room} --no-autojoin, if it has one",
            )
        bookmark = self.items.get(room)
        if bookmark is None or not bookmark.autojoin:
            return
        if not session.online:
            raise UserFacingError(
                f"Left {room}, but its bookmark still has autojoin (offline)",
                f"/bookmark add {room} --no-autojoin when online",
            )
        await self.change(room, autojoin=False)
        text = f"Autojoin turned off for the bookmark of {room}"
        session.publish(Notice(account=session.account, text=text))

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

    async def _require_loaded(self) -> None:
        if not self.loaded:
            await self.load(quiet=True)
        if not self.loaded:
            raise UserFacingError(
                "Bookmarks not changed: the stored ones could not be read",
                "Try again in a moment",
            )

    def _publish(self) -> None:
        session = self._session
        snapshot = tuple(sorted(self.items.values(), key=lambda b: b.jid))
        session.publish(BookmarksChanged(account=session.account, bookmarks=snapshot))
        session.rooms.bookmarks_changed()
