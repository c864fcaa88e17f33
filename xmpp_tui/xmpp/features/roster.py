"""Roster get (with versioning), add/update and remove (RFC 6121 section 2)."""

from __future__ import annotations

from typing import Any

from xmpp_tui.xmpp import translate
from xmpp_tui.xmpp.inbound import RosterLoaded
from xmpp_tui.xmpp.iq import request


async def fetch(client: Any, cached_version: str | None, timeout: float) -> RosterLoaded:
    iq = client.Iq()
    iq["type"] = "get"
    query = iq["roster"]  # creates the query element
    if "rosterver" in client.features:
        query["ver"] = cached_version or ""
    return translate.roster_result(await request(iq, timeout))


async def set_item(
    client: Any, jid: str, *, name: str, groups: tuple[str, ...], timeout: float
) -> None:
    iq = client.Iq()
    iq["type"] = "set"
    iq["roster"]["items"] = {jid: {"name": name, "groups": list(groups)}}
    await request(iq, timeout)


async def remove_item(client: Any, jid: str, *, timeout: float) -> None:
    iq = client.Iq()
    iq["type"] = "set"
    iq["roster"]["items"] = {jid: {"subscription": "remove"}}
    await request(iq, timeout)
