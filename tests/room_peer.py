"""A test peer in a XEP-0045 room: join (creating and configuring the room), speak, listen.

Raw stanzas over the peer's slixmpp client (no xep_0045 plugin: it hides join errors with
Prosody), each wait bounded.
"""

from __future__ import annotations

import asyncio
from typing import Any
from xml.etree import ElementTree as ET

from tests.peer import DEFAULT_TIMEOUT, Peer

MUC = "http://jabber.org/protocol/muc"
MUC_USER = f"{MUC}#user"
MUC_OWNER = f"{MUC}#owner"
DATA = "jabber:x:data"


async def join(
    peer: Peer,
    room: str,
    nick: str,
    *,
    config: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Enter ``room`` as ``nick``; a room we create is configured with ``config`` (a
    muc#roomconfig form: ``{"muc#roomconfig_membersonly": "1"}``) and unlocked."""
    client = peer.client
    own: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_presence(pres: Any) -> None:
        if str(pres["from"]) == f"{room}/{nick}" and not own.done():
            own.set_result(pres)

    client.add_event_handler("presence", on_presence)
    try:
        pres = client.make_presence(pto=f"{room}/{nick}")
        x = ET.SubElement(pres.xml, f"{{{MUC}}}x")
        ET.SubElement(x, f"{{{MUC}}}history", maxstanzas="0")
        pres.send()
        answer = await asyncio.wait_for(own, timeout)
    finally:
        client.del_event_handler("presence", on_presence)
    assert answer["type"] != "error", f"{nick} could not join {room}: {answer}"
    codes = {s.get("code") for s in answer.xml.iter(f"{{{MUC_USER}}}status")}
    if "201" in codes:
        await configure(peer, room, config or {}, timeout=timeout)


async def configure(
    peer: Peer, room: str, fields: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT
) -> None:
    iq = peer.client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{MUC_OWNER}}}query")
    form = ET.SubElement(query, f"{{{DATA}}}x", type="submit")
    all_fields = {"FORM_TYPE": f"{MUC}#roomconfig", **fields}
    for var, value in all_fields.items():
        field = ET.SubElement(form, f"{{{DATA}}}field", var=var)
        ET.SubElement(field, f"{{{DATA}}}value").text = value
    await iq.send(timeout=timeout)


def send_join(peer: Peer, room: str, nick: str) -> None:
    """Enter ``room`` without waiting (a room that exists and is unlocked)."""
    pres = peer.client.make_presence(pto=f"{room}/{nick}")
    x = ET.SubElement(pres.xml, f"{{{MUC}}}x")
    ET.SubElement(x, f"{{{MUC}}}history", maxstanzas="0")
    pres.send()


def say(peer: Peer, room: str, body: str) -> None:
    peer.client.make_message(mto=room, mbody=body, mtype="groupchat").send()


def _is(msg: Any, room: str, body: str) -> bool:
    return (
        msg["type"] == "groupchat"
        and str(msg["from"].bare) == room
        and str(msg["body"]) == body
        and msg.xml.find("{urn:xmpp:delay}delay") is None  # live, not replayed history
    )


async def wait_groupchat(
    peer: Peer, room: str, body: str, *, timeout: float = DEFAULT_TIMEOUT
) -> Any:
    """A live groupchat message from ``room`` with ``body``, already received or the next."""
    for msg in peer.received:
        if _is(msg, room, body):
            return msg
    got: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_message(msg: Any) -> None:
        if _is(msg, room, body) and not got.done():
            got.set_result(msg)

    peer.client.add_event_handler("message", on_message)
    try:
        return await asyncio.wait_for(got, timeout)
    finally:
        peer.client.del_event_handler("message", on_message)
