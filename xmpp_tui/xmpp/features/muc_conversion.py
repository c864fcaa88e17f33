"""XEP-0045 §7.9: turning a one-to-one chat into a conference - the earlier messages carried
into the new room (each with the XEP-0203 delay naming its author and time), then the
invitation through the room, marked as a continuation of the chat."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

MUC_USER_NS = "http://jabber.org/protocol/muc#user"
DELAY_NS = "urn:xmpp:delay"


def send_history(client: Any, room: str, body: str, author: str, stamp: datetime) -> None:
    """One earlier message of the chat, as a groupchat message with its original time."""
    msg = client.make_message(mto=room, mbody=body, mtype="groupchat")
    text = stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ET.SubElement(msg.xml, f"{{{DELAY_NS}}}delay", {"from": author, "stamp": text})
    msg.send()


def invite_continuing(client: Any, room: str, jid: str, reason: str) -> None:
    """A mediated invitation with ``<continue/>``: the one-to-one chat goes on in the room."""
    msg = client.make_message(mto=room)
    x = ET.SubElement(msg.xml, f"{{{MUC_USER_NS}}}x")
    invite = ET.SubElement(x, f"{{{MUC_USER_NS}}}invite", to=jid)
    if reason:
        ET.SubElement(invite, f"{{{MUC_USER_NS}}}reason").text = reason
    ET.SubElement(invite, f"{{{MUC_USER_NS}}}continue")
    msg.send()
