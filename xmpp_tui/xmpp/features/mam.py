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
    first_id: str | None = None  # RSM <first/>: where a backwards page continues
    total: int | None = None  # RSM <count/>, when the server counts


async def page(
    client: Any,
    *,
    own_bare: str,
    now: Clock,
    after: str | None,
    start: datetime | None,
    size: int,
    timeout: float,
    before: str | None = None,
    end: datetime | None = None,
    with_jid: str | None = None,
    newest: bool = False,
) -> ArchivePage:
    """One page: forward ``after`` a result id, or backwards ``before`` one (newest first);
    ``newest``: the newest page (an empty RSM ``<before/>``).

    A backwards page is asked with ``retrieve()`` and an explicit ``before`` id: slixmpp's
    ``iterate(reverse=True)`` writes a bool into ``<before/>`` and never sends the query, and
    ``retrieve()`` turns every RSM value into a string, so the empty ``<before/>`` of the
    newest page is built here (`newest_page`).
    """
    from slixmpp import JID
    from slixmpp.exceptions import IqError, IqTimeout

    rsm: dict[str, Any] = {"max": size}
    if after:
        rsm["after"] = after
    if before:
        rsm["before"] = before
    with_ = JID(with_jid) if with_jid else None
    try:
        if newest and not before:
            result = await newest_page(client, with_jid=with_, end=end, size=size, timeout=timeout)
        else:
            result = await client.plugin["xep_0313"].retrieve(
                start=start, end=end, with_jid=with_, rsm=rsm, timeout=timeout
            )
    except IqTimeout as error:
        raise UserFacingError("The message archive did not answer", "It is tried again") from error
    except IqError as error:
        if error.iq["error"]["condition"] == "item-not-found":
            raise CursorUnknown(after or before) from error
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
    first = (
        str(fin["rsm"]["first"] or "")
        or (str(results[0]["mam_result"]["id"]) if results else None)
        or None
    )
    count = str(fin["rsm"]["count"] or "")
    return ArchivePage(
        messages=messages,
        last_id=last,
        complete=complete,
        first_id=first,
        total=int(count) if count.isdigit() else None,
    )


async def newest_page(
    client: Any,
    *,
    with_jid: Any,
    end: datetime | None,
    size: int,
    timeout: float,
    archive: str | None = None,
) -> Any:
    """``retrieve()`` with an empty ``<before/>``: the same query and result collector;
    ``archive``: another entity's archive (a room's), whose results must come from it."""
    from slixmpp.xmlstream.handler import Collector
    from slixmpp.xmlstream.matcher import MatchXMLMask

    iq = client.make_iq_set(ito=archive)
    query_id = iq["id"]
    iq["mam"]["queryid"] = query_id
    iq["mam"]["end"] = end
    iq["mam"]["with"] = with_jid
    iq["mam"]["rsm"]["max"] = str(size)
    iq["mam"]["rsm"]["before"] = True  # slixmpp writes an empty element for True
    mask = client.Message()
    origin = mask.xml.find("{urn:xmpp:sid:0}origin-id")
    if origin is not None:
        mask.xml.remove(origin)
    del mask["id"]
    del mask["lang"]
    if archive:
        mask["from"] = archive
    mask["mam_result"]["queryid"] = query_id
    collector = Collector(f"MAM_Results_{query_id}", MatchXMLMask(str(mask)))
    client.register_handler(collector)
    try:
        result = await iq.send(timeout=timeout)
    finally:
        results = collector.stop()
    result["mam"]["results"] = results
    return result
