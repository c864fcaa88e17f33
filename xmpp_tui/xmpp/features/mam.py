"""XEP-0313 message archive: one page of our own archive at a time.

slixmpp's ``iterate()`` hides errors (an expired cursor looks like "no news"), so paging is
done here with ``retrieve()``, which raises ``item-not-found`` for an unknown cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xmpp_tui.core.clock import Clock
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.xmpp import translate
from xmpp_tui.xmpp.inbound import ChatReceived


class CursorUnknown(Exception):
    """The archive no longer knows our cursor (expired or reset): query by time instead."""


@dataclass(frozen=True, slots=True)
class ArchivePage:
    messages: tuple[ChatReceived, ...]
    last_id: str | None  # the cursor after this page (RSM <last/>)
    complete: bool


async def page(
    client: Any,
    *,
    own_bare: str,
    now: Clock,
    after: str | None,
    start: datetime | None,
    size: int,
    timeout: float,
) -> ArchivePage:
    from slixmpp.exceptions import IqError, IqTimeout

    rsm: dict[str, Any] = {"max": size}
    if after:
        rsm["after"] = after
    try:
        result = await client.plugin["xep_0313"].retrieve(start=start, rsm=rsm, timeout=timeout)
    except IqTimeout as error:
        raise UserFacingError("The message archive did not answer", "It is tried again") from error
    except IqError as error:
        if error.iq["error"]["condition"] == "item-not-found":
            raise CursorUnknown(after) from error
        raise UserFacingError(
            f"The message archive refused: {error.iq['error']['condition']}", ""
        ) from error
    fin = result["mam_fin"]
    messages = tuple(
        fact
        for item in result["mam"]["results"]
        if (fact := translate.archived(item, own_bare=own_bare, now=now)) is not None
    )
    results = result["mam"]["results"]
    # RSM <last/> is the cursor; a server that omits it still gave each result its id.
    last = (
        str(fin["rsm"]["last"] or "")
        or (str(results[-1]["mam_result"]["id"]) if results else None)
        or None
    )
    complete = str(fin.xml.get("complete", "")) in ("true", "1") or not result["mam"]["results"]
    return ArchivePage(messages=messages, last_id=last, complete=complete)
