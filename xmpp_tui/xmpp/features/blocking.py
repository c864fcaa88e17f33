"""XEP-0191 blocking command: fetch the list, block, unblock, answer pushes."""

from __future__ import annotations

import logging
from typing import Any

from xmpp_tui.xmpp import translate
from xmpp_tui.xmpp.iq import request

log = logging.getLogger(__name__)

NS = "urn:xmpp:blocking"


async def fetch(client: Any, timeout: float) -> tuple[str, ...] | None:
    """The block list, or None when the server does not offer blocking.

    Fetching it is also what makes the server push changes to this resource.
    """
    from slixmpp.exceptions import IqError, IqTimeout

    iq = client.make_iq_get()
    iq.enable("blocklist")
    try:
        result = await iq.send(timeout=timeout)
    except (IqError, IqTimeout) as error:
        log.info("no block list: %s", error)
        return None
    return translate.block_items(result["blocklist"]) or ()


async def block(client: Any, jid: str, *, timeout: float) -> None:
    await _change(client, "block", jid, timeout)


async def unblock(client: Any, jid: str, *, timeout: float) -> None:
    await _change(client, "unblock", jid, timeout)


async def _change(client: Any, kind: str, jid: str, timeout: float) -> None:
    from slixmpp.plugins.xep_0191 import BlockItem

    iq = client.make_iq_set()
    item = BlockItem(parent=iq[kind])
    item["jid"] = jid
    await request(iq, timeout)


def answer_push(iq: Any, *, accepted: bool) -> None:
    """RFC 6120 §8.2.3: every IQ set gets an answer (slixmpp sends none for these)."""
    reply = iq.reply(clear=True)
    if not accepted:
        reply["type"] = "error"
        reply["error"]["type"] = "cancel"
        reply["error"]["condition"] = "service-unavailable"
    reply.send()
