"""Room invitations: XEP-0249 direct invitations and XEP-0045 §7.8 mediated ones (invite
through the room, decline through the room).

Received invitations (and declines of ours) are reported as :data:`INVITATION_EVENT`
(slixmpp's "message" event only fires for messages with a body, and an invitation often has
none); what they say is read in `translate_rooms.invitation` and `translate_rooms.declined`.
Nothing here joins a room.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from xmpp_tui.xmpp.message_events import fire_on

MUC_USER_NS = "http://jabber.org/protocol/muc#user"
CONFERENCE_NS = "jabber:x:conference"  # XEP-0249

INVITATION_EVENT = "room_invitation"


def register(client: Any) -> None:
    """One event per invitation, even for one that is both (Prosody adds a XEP-0249 element
    to the mediated invitations it forwards)."""
    fire_on(
        client,
        INVITATION_EVENT,
        f"{{{CONFERENCE_NS}}}x",
        f"{{{MUC_USER_NS}}}x/{{{MUC_USER_NS}}}invite",
        f"{{{MUC_USER_NS}}}x/{{{MUC_USER_NS}}}decline",
    )


def invite_direct(client: Any, room: str, jid: str, reason: str, password: str) -> None:
    """XEP-0249: a message to the invitee naming the room."""
    msg = client.make_message(mto=jid)
    x = ET.SubElement(msg.xml, f"{{{CONFERENCE_NS}}}x", jid=room)
    if reason:
        x.set("reason", reason)
    if password:
        x.set("password", password)
    msg.send()


def invite_mediated(client: Any, room: str, jid: str, reason: str) -> None:
    """XEP-0045 §7.8.2: the room forwards the invitation (and may make the invitee a member)."""
    msg = client.make_message(mto=room)
    x = ET.SubElement(msg.xml, f"{{{MUC_USER_NS}}}x")
    invite = ET.SubElement(x, f"{{{MUC_USER_NS}}}invite", to=jid)
    if reason:
        ET.SubElement(invite, f"{{{MUC_USER_NS}}}reason").text = reason
    msg.send()


def decline(client: Any, room: str, inviter: str, reason: str) -> None:
    """XEP-0045 §7.8.2: the room tells the inviter we said no."""
    msg = client.make_message(mto=room)
    x = ET.SubElement(msg.xml, f"{{{MUC_USER_NS}}}x")
    element = ET.SubElement(x, f"{{{MUC_USER_NS}}}decline", to=inviter)
    if reason:
        ET.SubElement(element, f"{{{MUC_USER_NS}}}reason").text = reason
    msg.send()
