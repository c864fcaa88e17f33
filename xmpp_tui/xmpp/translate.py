"""The Any firewall: the only module that reads slixmpp stanzas.

Each function takes a stanza (typed ``Any``: slixmpp is untyped), checks who
sent it, coerces its fields to plain types and returns an inbound fact, or
``None`` when the stanza is not for us or not trustworthy. Text stays raw
here; the UI sanitises at render time.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from slixmpp import JID, InvalidJID

from xmpp_tui.core.clock import Clock
from xmpp_tui.core.models import ChatState, ResourcePresence, RosterItem, Show, Subscription
from xmpp_tui.xmpp.inbound import (
    BlockListPushed,
    ChatReceived,
    ChatStateReceived,
    DisplayedReceived,
    MessageBounced,
    PresenceReceived,
    ReceiptReceived,
    RosterLoaded,
    RosterPushed,
    SubscriptionReply,
    SubscriptionRequest,
)

log = logging.getLogger(__name__)

ROSTER_NS = "jabber:iq:roster"

SID_NS = "urn:xmpp:sid:0"
CORRECT_NS = "urn:xmpp:message-correct:0"  # XEP-0308
MARKERS_NS = "urn:xmpp:chat-markers:0"  # XEP-0333
_SHOWS = {"chat": Show.CHAT, "away": Show.AWAY, "xa": Show.XA, "dnd": Show.DND}
_SUBSCRIPTIONS = {s.value: s for s in Subscription}


MUC_USER_NS = "http://jabber.org/protocol/muc#user"


def chat_message(msg: Any, *, own_bare: str, now: Clock) -> ChatReceived | None:
    """A 1:1 message with a body, else None (groupchat, headline, empty...)."""
    if msg["type"] not in ("chat", "normal") or not msg["body"]:
        return None
    sender = msg["from"]
    if not sender.bare:
        return None
    x = msg.xml.find(f"{{{MUC_USER_NS}}}x")
    private = x is not None
    if x is not None and (len(x) or not sender.resource or msg["type"] != "chat"):
        # An invitation (or anything else a room says with muc#user): not a chat line.
        # A private message (XEP-0045 §7.5) belongs to the occupant room/nick, never to a
        # contact called room@service (SECURITY.md T9); the service checks the room.
        return None
    return ChatReceived(
        peer=str(sender.full) if private else str(sender.bare),
        private=private,
        sender=str(sender.full),
        body=str(msg["body"]),
        # Arrival time: a <delay/> on a live message is never believed, even one naming our
        # server (the sender controls it and Prosody keeps it). Missed messages come from
        # the archive, whose own stamp is trusted (`archived`).
        timestamp=now(),
        message_id=str(msg["id"]) or None,
        origin_id=_origin_id(msg),
        stanza_id=trusted_stanza_id(msg, by=own_bare),
        receipt_requested=bool(msg["request_receipt"]),
        replace_id=_child_id(msg, f"{{{CORRECT_NS}}}replace"),
        markable=msg.xml.find(f"{{{MARKERS_NS}}}markable") is not None,
    )


def displayed(msg: Any, *, own_bare: str) -> DisplayedReceived | None:
    """A XEP-0333 ``displayed`` marker from a contact, for one of our messages.

    Which message it names, and whether it was sent to that contact, the service checks
    against the history: a marker from anyone else moves nothing.
    """
    if msg["type"] not in ("chat", "normal"):
        return None
    sender = msg["from"]
    message_id = _child_id(msg, f"{{{MARKERS_NS}}}displayed")
    if not sender.bare or str(sender.bare) == own_bare or message_id is None:
        return None
    return DisplayedReceived(peer=str(sender.bare), message_id=message_id)


def carbon_displayed(inner: Any, *, own_bare: str) -> DisplayedReceived | None:
    """The carbon of a ``displayed`` marker another device of ours sent (XEP-0280 "sent"):
    the user has read that conversation there."""
    message_id = _child_id(inner, f"{{{MARKERS_NS}}}displayed")
    if message_id is None or str(inner["from"].bare) != own_bare:
        return None
    peer = str(inner["to"].bare)
    if not peer or peer == own_bare:
        return None
    return DisplayedReceived(peer=peer, message_id=message_id, own=True)


def carbon(inner: Any, *, own_bare: str, now: Clock, sent: bool) -> ChatReceived | None:
    """The message inside a XEP-0280 carbon that slixmpp has already checked came from
    our own account. ``sent``: another device of ours sent it; else one received it."""
    fact = chat_message(inner, own_bare=own_bare, now=now)
    if fact is None:
        return None
    if not sent:
        if str(inner["to"].bare) != own_bare:
            return None  # a "received" copy must be addressed to us
        return replace(fact, carbon=True, receipt_requested=False)
    if str(inner["from"].bare) != own_bare:
        return None  # a "sent" copy must come from one of our resources
    to = inner["to"]
    # A private message in a room goes to the occupant (room/nick), not the room.
    peer = str(to.full) if fact.private and to.resource else str(to.bare)
    if not peer or (fact.private and not to.resource):
        return None
    return replace(fact, peer=peer, outgoing=True, carbon=True, receipt_requested=False)


_CHAT_STATES = {state.value: state for state in ChatState}


def chat_state(msg: Any, *, own_bare: str) -> ChatStateReceived | None:
    """A contact's XEP-0085 state, from a 1:1 message (with or without a body)."""
    if msg["type"] not in ("chat", "normal"):
        return None  # group chat states belong to the room, not a contact
    sender = msg["from"]
    state = _CHAT_STATES.get(str(msg["chat_state"]))
    if state is None or not sender.bare or str(sender.bare) == own_bare:
        return None
    return ChatStateReceived(peer=str(sender.bare), state=state)


def archived(result: Any, *, own_bare: str, now: Clock) -> ChatReceived | None:
    """One XEP-0313 result from our own archive, or None.

    Only our server may answer for our archive: a result whose outer ``from`` is anyone
    else is a forgery (Dino CVE-2019-16237), whatever queryid it guessed.
    """
    sender = result["from"]
    if sender.full and str(sender.full) != own_bare:
        log.warning("ignoring an archive result from %s", sender.full)
        return None
    archive_id = str(result["mam_result"]["id"])
    forwarded = result["mam_result"]["forwarded"]
    inner = forwarded["stanza"]
    if not hasattr(inner, "xml"):
        return None  # a result that forwards no message
    fact = chat_message(inner, own_bare=own_bare, now=now)
    if fact is None or not archive_id:
        return None
    stamp = (
        forwarded["delay"]["stamp"]
        if forwarded.xml.find("{urn:xmpp:delay}delay") is not None
        else None
    )
    when = fact.timestamp
    if isinstance(stamp, datetime):
        aware = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        when = min(aware.astimezone(UTC), now())
    fact = replace(fact, stanza_id=archive_id, timestamp=when, receipt_requested=False)
    if fact.peer == own_bare:
        # Something we sent (from another device, or this one before a restart); a note
        # to ourselves is archived with our own or an empty "to": keep it under our JID.
        peer = str(inner["to"].bare) or own_bare
        return replace(fact, peer=peer, outgoing=True)
    if str(inner["to"].bare) != own_bare:
        return None  # our archive only holds messages to or from us
    return fact


def trusted_stanza_id(msg: Any, *, by: str) -> str | None:
    """XEP-0359 stanza-id set by ``by`` (our server for 1:1), else None.

    Anyone can put a stanza-id in a message and some servers do not strip
    it, so exactly one element with ``by`` = our account is required; two
    of them mean one is forged and we cannot tell which.
    """
    candidates = [
        element.get("id")
        for element in msg.xml.findall(f"{{{SID_NS}}}stanza-id")
        if element.get("by") == by and element.get("id")
    ]
    if len(candidates) != 1:
        if candidates:
            log.warning("ignoring %d stanza-ids claiming by=%s", len(candidates), by)
        return None
    return str(candidates[0])


def receipt(msg: Any) -> ReceiptReceived | None:
    receipt_id = str(msg["receipt"])
    if not receipt_id or not msg["from"].bare:
        return None
    return ReceiptReceived(peer=str(msg["from"].bare), message_id=receipt_id)


def message_error(msg: Any) -> MessageBounced | None:
    message_id = str(msg["id"])
    if not message_id:
        return None
    error = msg["error"]
    text = str(error["text"]) or str(error["condition"]) or "delivery failed"
    return MessageBounced(peer=str(msg["from"].bare), message_id=message_id, text=text)


def roster_result(iq: Any) -> RosterLoaded:
    """The answer to our roster get; an empty result means "your copy is current"."""
    query = iq.xml.find(f"{{{ROSTER_NS}}}query")
    if query is None:
        return RosterLoaded(version=None, items=None)
    # Read from the XML, not through slixmpp's stanza interface, which builds every
    # plugin value of every item: 2,000 contacts took ~70 ms, on the way to "online".
    found: dict[str, RosterItem] = {}
    for element in query.iterfind(f"{{{ROSTER_NS}}}item"):
        try:
            jid = str(JID(element.get("jid") or "").bare)
        except InvalidJID:
            log.warning("invalid JID in the roster: %r", element.get("jid"))
            continue
        fields = {
            "name": element.get("name"),
            "subscription": element.get("subscription"),
            "ask": element.get("ask"),
            "approved": element.get("approved"),
            "groups": [group.text or "" for group in element.iterfind(f"{{{ROSTER_NS}}}group")],
        }
        if (item := _roster_item(jid, fields)) is not None:
            found[jid] = item
    return RosterLoaded(version=query.get("ver") or None, items=tuple(found.values()))


def roster_push(iq: Any, *, own_bare: str) -> RosterPushed | None:
    """A roster push, only from our own account (RFC 6121 section 2.1.6)."""
    sender = iq["from"]
    # RFC 6121 §2.1.6: no from, or our bare JID; not even one of our own resources.
    if sender.full and str(sender.full) != own_bare:
        log.warning("ignoring roster push from %s", sender.full)
        return None
    changed: list[RosterItem] = []
    removed: list[str] = []
    for jid, fields in iq["roster"]["items"].items():
        if fields.get("subscription") == "remove":
            removed.append(str(jid.bare))
        elif (item := _roster_item(str(jid.bare), fields)) is not None:
            changed.append(item)
    return RosterPushed(
        version=_version(iq["roster"]), changed=tuple(changed), removed=tuple(removed)
    )


def block_push(iq: Any, *, own_bare: str, blocked: bool) -> BlockListPushed | None:
    """A XEP-0191 push, only from our own account (like a roster push)."""
    sender = iq["from"]
    if sender.full and str(sender.full) != own_bare:
        log.warning("ignoring block list push from %s", sender.full)
        return None
    jids = block_items(iq["block" if blocked else "unblock"])
    if jids is None or (blocked and not jids):
        return None  # a malformed push, or a block that names nobody
    return BlockListPushed(blocked=blocked, jids=jids)


def block_items(container: Any) -> tuple[str, ...] | None:
    """The JIDs named in a XEP-0191 <blocklist/>, <block/> or <unblock/>, exactly as given
    (a full JID blocks one device, a domain a whole server); None if an item is invalid."""
    from slixmpp.jid import JID, InvalidJID

    found: set[str] = set()
    for item in container:
        try:
            jid = str(JID(str(item["jid"])).full)
        except InvalidJID:
            log.warning("ignoring a block list with an invalid JID")
            return None
        if not jid:
            return None
        found.add(jid)
    return tuple(sorted(found))


def presence(pres: Any, *, own_bare: str) -> PresenceReceived | None:
    sender = pres["from"]
    if not sender.bare or str(sender.bare) == own_bare:
        return None
    if pres.xml.find(f"{{{MUC_USER_NS}}}x") is not None:
        return None  # a room occupant, never a contact (SECURITY.md T9): see translate_rooms
    if pres["type"] == "unavailable":
        # From the bare JID (resource ""): every resource of that contact is gone.
        return PresenceReceived(jid=str(sender.bare), resource=str(sender.resource), presence=None)
    if not sender.resource:
        return None
    try:
        priority = max(-128, min(127, int(pres["priority"] or 0)))  # RFC 6121 §4.7.2.3
    except (TypeError, ValueError):
        priority = 0
    return PresenceReceived(
        jid=str(sender.bare),
        resource=str(sender.resource),
        presence=ResourcePresence(
            resource=str(sender.resource),
            show=_SHOWS.get(str(pres["show"]), Show.AVAILABLE),
            status=str(pres["status"]),
            priority=priority,
        ),
    )


def subscription_request(pres: Any, *, own_bare: str) -> SubscriptionRequest | None:
    sender = pres["from"]
    if not sender.bare or str(sender.bare) == own_bare:
        return None
    nick = pres.xml.find("{http://jabber.org/protocol/nick}nick")
    return SubscriptionRequest(
        jid=str(sender.bare), nick=(nick.text or "") if nick is not None else ""
    )


def subscription_reply(pres: Any, *, approved: bool) -> SubscriptionReply | None:
    sender = pres["from"]
    if not sender.bare:
        return None
    return SubscriptionReply(jid=str(sender.bare), approved=approved)


def _roster_item(jid: str, fields: dict[str, Any]) -> RosterItem | None:
    if not jid:
        return None  # RFC 6121 requires the jid attribute
    subscription = _SUBSCRIPTIONS.get(str(fields.get("subscription") or "none"))
    if subscription is None:
        return None
    return RosterItem(
        jid=jid,
        name=str(fields.get("name") or ""),
        groups=tuple(sorted({str(g) for g in fields.get("groups") or () if str(g)})),
        subscription=subscription,
        pending_out=fields.get("ask") == "subscribe",
        approved=str(fields.get("approved") or "") in ("true", "1", "True"),
    )


def _version(query: Any) -> str | None:
    version = query["ver"]
    return str(version) if version else None


def _child_id(msg: Any, tag: str) -> str | None:
    """The ``id`` attribute of the child element ``tag`` ("{ns}name"), if any."""
    element = msg.xml.find(tag)
    if element is None:
        return None
    return element.get("id") or None


def _origin_id(msg: Any) -> str | None:
    element = msg.xml.find(f"{{{SID_NS}}}origin-id")
    if element is None:
        return None
    return element.get("id") or None
