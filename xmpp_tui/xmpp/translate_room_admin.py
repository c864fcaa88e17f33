"""The Any firewall for XEP-0425 moderation announcements (translate.py's rules).

A moderation counts only from the room's own bare JID (no nick: an occupant cannot forge one,
SECURITY.md T8); whether we are in that room and hold that message is the service's check.
"""

from __future__ import annotations

import logging
from typing import Any

from xmpp_tui.xmpp.features.muc_admin import (
    FASTEN_NS,
    MODERATE_V0,
    MODERATE_V1,
    RETRACT_V0,
    RETRACT_V1,
)
from xmpp_tui.xmpp.inbound import RoomMessageModerated

log = logging.getLogger(__name__)


def room_moderation(msg: Any) -> RoomMessageModerated | None:
    if msg["type"] != "groupchat":
        return None
    sender = msg["from"]
    room = str(sender.bare)
    if not room or sender.resource:
        log.warning("ignoring a moderation from an occupant of %s", room)
        return None
    found = _v1(msg.xml) or _v0(msg.xml)
    if found is None:
        return None
    stanza_id, by, reason = found
    if not stanza_id:
        return None
    return RoomMessageModerated(room=room, stanza_id=stanza_id, by=_nick(by), reason=reason)


def _v1(xml: Any) -> tuple[str, str, str] | None:
    retract = xml.find(f"{{{RETRACT_V1}}}retract")
    if retract is None:
        return None
    moderated = retract.find(f"{{{MODERATE_V1}}}moderated")
    if moderated is None:
        return None  # a sender's own retraction (XEP-0424): not a moderation
    reason = retract.findtext(f"{{{RETRACT_V1}}}reason") or ""
    return retract.get("id") or "", moderated.get("by") or "", reason


def _v0(xml: Any) -> tuple[str, str, str] | None:
    apply_to = xml.find(f"{{{FASTEN_NS}}}apply-to")
    if apply_to is None:
        return None
    moderated = apply_to.find(f"{{{MODERATE_V0}}}moderated")
    if moderated is None or moderated.find(f"{{{RETRACT_V0}}}retract") is None:
        return None
    reason = moderated.findtext(f"{{{MODERATE_V0}}}reason") or ""
    return apply_to.get("id") or "", moderated.get("by") or "", reason


def _nick(by: str) -> str:
    """``by`` is the moderator's occupant JID (room/nick); their nick is what we show."""
    return by.split("/", 1)[1] if "/" in by else ""
