"""The Any firewall for rooms (XEP-0045) and bookmarks (XEP-0402, XEP-0048): translate.py's
rules, in a module of its own.

Each function takes a stanza or element (``Any``: slixmpp is untyped), checks who sent it,
coerces its fields to plain types and returns an inbound fact, or ``None``. Whether we are in
the room a groupchat message claims to come from is the service's check (it owns the rooms).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from xmpp_tui.core.clock import Clock
from xmpp_tui.core.models import Affiliation, Bookmark, Occupant, Role, Show
from xmpp_tui.xmpp.inbound import (
    BookmarksPushed,
    OccupantPresence,
    RoomDeclined,
    RoomInvited,
    RoomMessageReceived,
    RoomPresenceError,
    RoomSubjectReceived,
)
from xmpp_tui.xmpp.translate import CORRECT_NS, MUC_USER_NS, trusted_stanza_id

log = logging.getLogger(__name__)

BOOKMARKS_NS = "urn:xmpp:bookmarks:1"  # XEP-0402
LEGACY_BOOKMARKS_NS = "storage:bookmarks"  # XEP-0048
PUBSUB_EVENT_NS = "http://jabber.org/protocol/pubsub#event"
PUBSUB_NS = "http://jabber.org/protocol/pubsub"
DELAY_NS = "urn:xmpp:delay"
SID_NS = "urn:xmpp:sid:0"
OCCUPANT_ID_NS = "urn:xmpp:occupant-id:0"  # XEP-0421
CONFERENCE_NS = "jabber:x:conference"  # XEP-0249


def room_subject(msg: Any) -> RoomSubjectReceived | None:
    """A room's subject (XEP-0045 §8.1: a groupchat message with a subject and no body)."""
    if msg["type"] != "groupchat" or msg["body"]:
        return None
    sender = msg["from"]
    subject = msg.xml.find("{jabber:client}subject")
    if subject is None or not sender.bare:
        return None
    return RoomSubjectReceived(
        room=str(sender.bare), nick=str(sender.resource), subject=subject.text or ""
    )


def room_message(msg: Any, *, now: Clock) -> RoomMessageReceived | None:
    """A groupchat message with a body; None for anything else."""
    if msg["type"] != "groupchat":
        return None
    sender = msg["from"]
    room = str(sender.bare)
    if not room:
        return None
    nick = str(sender.resource)
    body = str(msg["body"])
    if not body or not nick:
        return None  # a message from the room itself (no nick) is a notice, not a line
    when, history = now(), False
    delay = msg.xml.find(f"{{{DELAY_NS}}}delay")
    # Only the room stamps its history; an occupant's own <delay/> is not believed.
    if delay is not None and delay.get("from") == room:
        stamp = _parse_stamp(delay.get("stamp") or "")
        if stamp is not None:
            when, history = min(stamp, now()), True
    origin = msg.xml.find(f"{{{SID_NS}}}origin-id")
    return RoomMessageReceived(
        room=room,
        nick=nick,
        body=body,
        timestamp=when,
        message_id=str(msg["id"]) or None,
        origin_id=(origin.get("id") or None) if origin is not None else None,
        stanza_id=trusted_stanza_id(msg, by=room),
        history=history,
        replace_id=_child_id(msg.xml, f"{{{CORRECT_NS}}}replace"),
        occupant_id=occupant_id(msg.xml),
    )


def occupant_id(message: ET.Element) -> str | None:
    """The XEP-0421 occupant-id of a room message; None unless there is exactly one (a room
    that offers the feature replaces the sender's own, so two mean it does not)."""
    found = [
        element.get("id")
        for element in message.findall(f"{{{OCCUPANT_ID_NS}}}occupant-id")
        if element.get("id")
    ]
    return str(found[0]) if len(found) == 1 else None


def _child_id(element: ET.Element, tag: str) -> str | None:
    child = element.find(tag)
    return (child.get("id") or None) if child is not None else None


def room_archived(result: Any, *, room: str, now: Clock) -> RoomMessageReceived | None:
    """One XEP-0313 result from ``room``'s own archive, or None.

    Only the room answers for its archive: a result whose outer ``from`` is anyone else is a
    forgery, whatever queryid it guessed; the archived message itself must be a groupchat
    message from an occupant of that same room. The result id is the room's stanza-id.
    """
    sender = result["from"]
    if str(sender.full) != room:
        log.warning("ignoring a room archive result from %s", sender.full)
        return None
    archive_id = str(result["mam_result"]["id"])
    forwarded = result["mam_result"]["forwarded"]
    inner = forwarded["stanza"]
    if not archive_id or not hasattr(inner, "xml"):
        return None
    author = inner["from"]
    if str(author.bare) != room or inner["type"] != "groupchat":
        return None
    nick, body = str(author.resource), str(inner["body"])
    if not nick or not body:
        return None
    when = now()
    delay = forwarded.xml.find(f"{{{DELAY_NS}}}delay")
    if delay is not None:
        stamp = _parse_stamp(delay.get("stamp") or "")
        if stamp is not None:
            when = min(stamp, when)
    origin = inner.xml.find(f"{{{SID_NS}}}origin-id")
    return RoomMessageReceived(
        room=room,
        nick=nick,
        body=body,
        timestamp=when,
        message_id=str(inner["id"]) or None,
        origin_id=(origin.get("id") or None) if origin is not None else None,
        stanza_id=archive_id,
        history=True,
        replace_id=_child_id(inner.xml, f"{{{CORRECT_NS}}}replace"),
        occupant_id=occupant_id(inner.xml),
    )


def room_presence(pres: Any) -> OccupantPresence | RoomPresenceError | None:
    """An occupant's presence (it carries a muc#user element), or a presence error."""
    sender = pres["from"]
    room = str(sender.bare)
    if not room:
        return None
    if pres["type"] == "error":
        error = pres["error"]
        return RoomPresenceError(
            room=room, condition=str(error["condition"]) or "error", text=str(error["text"])
        )
    x = pres.xml.find(f"{{{MUC_USER_NS}}}x")
    nick = str(sender.resource)
    if x is None or not nick:
        return None
    statuses: list[int] = []
    for status in x.findall(f"{{{MUC_USER_NS}}}status"):
        code = status.get("code") or ""
        if code.isdigit():
            statuses.append(int(code))
    item = x.find(f"{{{MUC_USER_NS}}}item")
    actor = item.find(f"{{{MUC_USER_NS}}}actor") if item is not None else None
    reason = item.find(f"{{{MUC_USER_NS}}}reason") if item is not None else None
    destroy = x.find(f"{{{MUC_USER_NS}}}destroy")
    if destroy is not None:
        reason = destroy.find(f"{{{MUC_USER_NS}}}reason")
    return OccupantPresence(
        room=room,
        nick=nick,
        available=pres["type"] != "unavailable",
        own=110 in statuses,
        created=201 in statuses,
        statuses=tuple(statuses),
        actor=(actor.get("nick") or actor.get("jid") or "") if actor is not None else "",
        reason=(reason.text or "") if reason is not None else "",
        destroyed=destroy is not None,
        occupant=occupant(pres, nick, item),
        new_nick=((item.get("nick") or "") if item is not None and 303 in statuses else ""),
    )


_ROLES = {role.value: role for role in Role}
_AFFILIATIONS = {affiliation.value: affiliation for affiliation in Affiliation}
_SHOWS = {"chat": Show.CHAT, "away": Show.AWAY, "xa": Show.XA, "dnd": Show.DND}


def occupant(pres: Any, nick: str, item: ET.Element | None) -> Occupant:
    """Role, affiliation (XEP-0045 §5), show and status of one occupant's presence; an unknown
    value counts as the least (a visitor with no affiliation), never as more."""
    role, affiliation, jid = Role.VISITOR, Affiliation.NONE, ""
    if item is not None:
        role = _ROLES.get(item.get("role") or "", Role.VISITOR)
        affiliation = _AFFILIATIONS.get(item.get("affiliation") or "", Affiliation.NONE)
        jid = item.get("jid") or ""
    show = _SHOWS.get(str(pres["show"]), Show.AVAILABLE)
    return Occupant(
        nick=nick,
        role=role,
        affiliation=affiliation,
        show=show,
        status=str(pres["status"]),
        jid=jid,
    )


def is_invitation(msg: Any) -> bool:
    """A XEP-0249 or mediated XEP-0045 invitation, or a decline of ours (a body, if any, is
    only a fallback for clients that do not know them)."""
    xml = msg.xml
    return (
        xml.find(f"{{{CONFERENCE_NS}}}x") is not None
        or xml.find(f"{{{MUC_USER_NS}}}x/{{{MUC_USER_NS}}}invite") is not None
        or xml.find(f"{{{MUC_USER_NS}}}x/{{{MUC_USER_NS}}}decline") is not None
    )


def declined(msg: Any) -> RoomDeclined | None:
    """A decline of our invitation, only from the room (a bare JID with a local part)."""
    sender = msg["from"]
    element = msg.xml.find(f"{{{MUC_USER_NS}}}x/{{{MUC_USER_NS}}}decline")
    room = str(sender.bare)
    if element is None or sender.resource or "@" not in room or msg["type"] == "error":
        return None
    decliner = _invitee_source(element.get("from") or "", room)
    if decliner is None:
        return None
    return RoomDeclined(
        room=room, decliner=decliner, reason=_child_text(element, f"{{{MUC_USER_NS}}}reason")
    )


def invitation(msg: Any, *, own_bare: str) -> RoomInvited | None:
    """An invitation to a room, or None.

    Mediated (XEP-0045 §7.8.2): the sender must be a room (a bare JID with a local part, no
    resource) naming who invited us; Prosody adds a XEP-0249 element to it as well, which
    changes nothing. Direct (XEP-0249): the inviter is the sender; the room is the ``jid`` it
    names, which must be a bare JID with a local part. Neither says whether the room is safe:
    the user decides, nothing joins by itself.
    """
    if msg["type"] in ("error", "groupchat"):
        return None
    sender = msg["from"]
    x = msg.xml.find(f"{{{MUC_USER_NS}}}x")
    invite = x.find(f"{{{MUC_USER_NS}}}invite") if x is not None else None
    if x is not None and invite is not None:
        via = str(sender.bare)
        if sender.resource or "@" not in via:
            log.warning("ignoring a mediated invitation from %s: not a room", sender.full)
            return None
        named = _invitee_source(invite.get("from") or "", via)
        if named is None:
            return None
        return RoomInvited(
            room=via,
            inviter=named,
            reason=_child_text(invite, f"{{{MUC_USER_NS}}}reason"),
            password=_child_text(x, f"{{{MUC_USER_NS}}}password"),
            direct=False,
        )
    direct = msg.xml.find(f"{{{CONFERENCE_NS}}}x")
    if direct is None:
        return None
    room = _room_jid(direct.get("jid") or "")
    inviter = str(sender.bare)
    if room is None or "@" not in room or not inviter or inviter == own_bare:
        return None
    return RoomInvited(
        room=room,
        inviter=inviter,
        reason=direct.get("reason") or "",
        password=direct.get("password") or "",
        direct=True,
    )


def _invitee_source(text: str, room: str) -> str | None:
    """Who a room says invited us: a bare JID, or (a semi-anonymous room hides real JIDs)
    their occupant JID room/nick, kept whole so a decline can reach them."""
    from slixmpp.jid import JID, InvalidJID

    try:
        jid = JID(text)
    except InvalidJID:
        return None
    if str(jid.bare) == room and jid.resource:
        return str(jid.full)
    return str(jid.bare) or None


def bookmarks_event(msg: Any, *, own_bare: str) -> BookmarksPushed | None:
    """A XEP-0402 PEP notification, only from our own account (CVE-2023-28686, T10)."""
    sender = msg["from"]
    if sender.full and str(sender.full) != own_bare:
        log.warning("ignoring a bookmarks notification from %s", sender.full)
        return None
    event = msg.xml.find(f"{{{PUBSUB_EVENT_NS}}}event")
    if event is None:
        return None
    published: list[Bookmark] = []
    retracted: list[str] = []
    for items in event.findall(f"{{{PUBSUB_EVENT_NS}}}items"):
        if items.get("node") != BOOKMARKS_NS:
            continue
        for item in items.findall(f"{{{PUBSUB_EVENT_NS}}}item"):
            bookmark = conference(item.get("id") or "", item.find(f"{{{BOOKMARKS_NS}}}conference"))
            if bookmark is not None:
                published.append(bookmark)
        for retract in items.findall(f"{{{PUBSUB_EVENT_NS}}}retract"):
            room = _room_jid(retract.get("id") or "")
            if room is not None:
                retracted.append(room)
    if not published and not retracted:
        return None
    return BookmarksPushed(published=tuple(published), retracted=tuple(retracted))


def bookmarks_items(iq: Any) -> tuple[Bookmark, ...]:
    """The XEP-0402 items of a pubsub items result (from our own account: IQ matching)."""
    found: list[Bookmark] = []
    for items in iq.xml.iter(f"{{{PUBSUB_NS}}}items"):
        for item in items.findall(f"{{{PUBSUB_NS}}}item"):
            bookmark = conference(item.get("id") or "", item.find(f"{{{BOOKMARKS_NS}}}conference"))
            if bookmark is not None:
                found.append(bookmark)
    return tuple(found)


def conference(item_id: str, element: ET.Element | None) -> Bookmark | None:
    """One XEP-0402 ``<conference/>``; the item id is the room's JID."""
    room = _room_jid(item_id)
    if room is None or element is None:
        return None
    return Bookmark(
        jid=room,
        name=element.get("name") or "",
        nick=_child_text(element, f"{{{BOOKMARKS_NS}}}nick"),
        password=_child_text(element, f"{{{BOOKMARKS_NS}}}password"),
        autojoin=(element.get("autojoin") or "").lower() in ("true", "1"),
    )


def legacy_storage(iq: Any) -> tuple[Bookmark, ...]:
    """The rooms in a XEP-0048 ``<storage xmlns='storage:bookmarks'/>`` (private XML)."""
    storage = next(iq.xml.iter(f"{{{LEGACY_BOOKMARKS_NS}}}storage"), None)
    return () if storage is None else legacy_bookmarks(storage)


def legacy_bookmarks(storage: ET.Element) -> tuple[Bookmark, ...]:
    found = (
        legacy_conference(element)
        for element in storage.findall(f"{{{LEGACY_BOOKMARKS_NS}}}conference")
    )
    return tuple(bookmark for bookmark in found if bookmark is not None)


def legacy_room(element: ET.Element) -> str | None:
    """The room of a XEP-0048 ``<conference jid=.../>``; None when not a room's JID."""
    return _room_jid(element.get("jid") or "")


def legacy_conference(element: ET.Element) -> Bookmark | None:
    room = legacy_room(element)
    if room is None:
        return None
    return Bookmark(
        jid=room,
        name=element.get("name") or "",
        nick=_child_text(element, f"{{{LEGACY_BOOKMARKS_NS}}}nick"),
        password=_child_text(element, f"{{{LEGACY_BOOKMARKS_NS}}}password"),
        autojoin=(element.get("autojoin") or "").lower() in ("true", "1"),
    )


def _room_jid(text: str) -> str | None:
    from slixmpp.jid import JID, InvalidJID

    try:
        jid = JID(text)
    except InvalidJID:
        log.warning("ignoring a bookmark with an invalid room JID")
        return None
    if not jid.bare or jid.resource:
        return None
    return str(jid.bare)


def _child_text(element: ET.Element, tag: str) -> str:
    child = element.find(tag)
    return (child.text or "") if child is not None else ""


def _parse_stamp(text: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
