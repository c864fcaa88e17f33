"""XEP-0313 archive of a room (XEP-0045 + muc_mam): whether a room keeps one, and one page of
it at a time.

The query goes to the room's JID; its results must come from the room itself (slixmpp's
collector matches ``from`` = the room, and `translate_rooms.room_archived` checks it again),
and each result id is the room's stanza-id (by = the room), so an archived message and its live
copy de-duplicate. Paged with ``retrieve()`` as in `mam.py`: an unknown cursor raises
`mam.CursorUnknown`, silence or a refusal a `UserFacingError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xmpp_tui.core.clock import Clock
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.xmpp import translate_rooms
from xmpp_tui.xmpp.features.mam import CursorUnknown, newest_page
from xmpp_tui.xmpp.inbound import RoomMessageReceived

MAM_NS = "urn:xmpp:mam:2"


@dataclass(frozen=True, slots=True)
class RoomArchivePage:
    messages: tuple[RoomMessageReceived, ...]  # oldest first
    last_id: str | None  # RSM <last/>: the newest result of the page
    first_id: str | None  # RSM <first/>: the oldest result of the page
    complete: bool


async def page(
    client: Any,
    *,
    room: str,
    now: Clock,
    size: int,
    timeout: float,
    after: str | None = None,
    before: str | None = None,
    newest: bool = False,
) -> RoomArchivePage:
    """Forward ``after`` a result id, backwards ``before`` one, or (``newest``) the newest page."""
    from slixmpp import JID
    from slixmpp.exceptions import IqError, IqTimeout

    rsm: dict[str, Any] = {"max": size}
    if after:
        rsm["after"] = after
    if before:
        rsm["before"] = before
    try:
        if newest and not before:
            result = await newest_page(
                client, with_jid=None, end=None, size=size, timeout=timeout, archive=room
            )
        else:
            result = await client.plugin["xep_0313"].retrieve(
                jid=JID(room), rsm=rsm, timeout=timeout
            )
    except IqTimeout as error:
        raise UserFacingError(f"The archive of {room} did not answer", "") from error
    except IqError as error:
        condition = str(error.iq["error"]["condition"]) or "error"
        if condition == "item-not-found" and (after or before):
            raise CursorUnknown(after or before) from error
        raise UserFacingError(f"The archive of {room} refused: {condition}", "") from error
    results = result["mam"]["results"]
    messages = tuple(
        fact
        for item in results
        if (fact := translate_rooms.room_archived(item, room=room, now=now)) is not None
    )
    fin = result["mam_fin"]
    last = str(fin["rsm"]["last"] or "") or (
        str(results[-1]["mam_result"]["id"]) if results else ""
    )
    first = str(fin["rsm"]["first"] or "") or (
        str(results[0]["mam_result"]["id"]) if results else ""
    )
    complete = str(fin.xml.get("complete", "")) in ("true", "1") or not results
    return RoomArchivePage(
        messages=messages, last_id=last or None, first_id=first or None, complete=complete
    )
