"""1:1 messages (RFC 6121), XEP-0359 origin-id, XEP-0184 receipts, XEP-0198 ack requests,
XEP-0308 corrections, XEP-0333 chat markers."""

from __future__ import annotations

import logging
from typing import Any
from xml.etree import ElementTree as ET

log = logging.getLogger(__name__)


def send_chat(
    client: Any, peer: str, body: str, message_id: str, *, replace_id: str | None = None
) -> None:
    """A chat message with origin-id = id, asking for a receipt and markers, then an ack
    request. With ``replace_id`` it corrects that earlier message (XEP-0308).

    slixmpp asks for an ack only every fifth stanza; asking after each user
    message is what lets the outbox learn that the server has it.
    """
    msg = client.make_message(mto=peer, mbody=body, mtype="chat")
    msg["id"] = message_id
    msg["origin_id"]["id"] = message_id
    msg["request_receipt"] = True
    msg.enable("markable")
    if replace_id is not None:
        msg["replace"]["id"] = replace_id
    msg["chat_state"] = "active"  # XEP-0085 §5.1: a message says we are active
    if "/" in peer:
        # Conversations are with bare JIDs, except a private message to a room's occupant
        # (room/nick): XEP-0045 §7.5 marks it so carbons and archives know what it is.
        ET.SubElement(msg.xml, "{http://jabber.org/protocol/muc#user}x")
    msg.send()
    if client.plugin["xep_0198"].enabled_out:
        # Through the send queue, after the message: slixmpp's request_ack() writes
        # <r/> directly, overtaking the queued message, so its ack would not cover it.
        from slixmpp.plugins.xep_0198.stanza import RequestAck

        client.send(RequestAck(client))


def send_chat_state(client: Any, peer: str, state: str) -> None:
    """A standalone XEP-0085 notification (no body)."""
    msg = client.make_message(mto=peer, mtype="chat")
    msg["chat_state"] = state
    msg.send()


def send_displayed(client: Any, peer: str, message_id: str) -> None:
    """XEP-0333: we have seen ``peer``'s messages up to ``message_id``."""
    client.plugin["xep_0333"].send_marker(peer, message_id, "displayed", mtype="chat")


def send_receipt(client: Any, to: str, message_id: str) -> None:
    ack = client.Message()
    ack["to"] = to
    ack["receipt"] = message_id
    ack.send()


def acks_enabled(client: Any) -> bool:
    """Whether the server acknowledges our stanzas on this stream (XEP-0198)."""
    return bool(client.plugin["xep_0198"].enabled_out)


def unacked_message_ids(client: Any) -> frozenset[str]:
    """Ids of the messages XEP-0198 holds to re-send on resumption (written, not acked).

    slixmpp starts tracking a stanza only when it is written while stream management is on;
    one still in the send queue when the link died is dropped (NotConnectedError), untracked.
    """
    queue = client.plugin["xep_0198"].unacked_queue
    return frozenset(str(stanza["id"]) for _seq, stanza in queue if stanza.name == "message")


def server_ack_count(client: Any) -> int:
    """How many of our stanzas the server has acknowledged on this XEP-0198 session."""
    return int(client.plugin["xep_0198"].last_ack)


def forget_stream(client: Any) -> None:
    """Drop the XEP-0198 session: the next connection binds a fresh one, no resumption.

    Done through the plugin's own reset (what slixmpp does when a resumption fails), so
    its counters start again with the new session.
    """
    client.plugin["xep_0198"].session_end(None)


def drop_unsent(client: Any) -> int:
    """Empty slixmpp's send queue when the connection is lost; returns how many were dropped.

    slixmpp writes stanzas from a queue that an async filter (XEP-0115 caps) drains one per
    loop turn, and with XEP-0198 on it keeps that queue across a disconnection: what was still
    queued went to the NEXT connection the moment it opened, before STARTTLS and
    authentication (in clear text; Prosody answers an error and closes the stream, and the
    outbox took the error for a refusal: the message was lost). Those stanzas never passed
    the XEP-0198 filter, so nothing counts on them: the outbox re-sends a message marked sent
    that slixmpp does not hold (`service/delivery.flush_outbox`).
    """
    queue = client.waiting_queue
    dropped = 0
    while not queue.empty():
        queue.get_nowait()
        queue.task_done()
        dropped += 1
    return dropped


async def enable_carbons(client: Any, timeout: float) -> bool:
    """Ask for copies of what our other devices send and receive (XEP-0280)."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        await client.plugin["xep_0280"].enable(timeout=timeout)
    except (IqError, IqTimeout) as error:
        log.info("carbons not enabled: %s", error)
        return False
    return True
