"""Plain value types shared by every layer (stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

#: An account is identified by its bare JID, normalised ("alice@example.org").
AccountId = str
#: A bare JID string, normalised.
BareJid = str


class ConnectionState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    ONLINE = "online"
    RECONNECTING = "reconnecting"
    FAILED = "failed"  # needs the user (wrong password, rejected certificate, conflict)


class Show(StrEnum):
    """Presence availability (RFC 6121 section 4.7.2.1), plus offline."""

    AVAILABLE = "available"
    CHAT = "chat"
    AWAY = "away"
    XA = "xa"
    DND = "dnd"
    OFFLINE = "offline"


class Subscription(StrEnum):
    NONE = "none"
    TO = "to"
    FROM = "from"
    BOTH = "both"


class ChatState(StrEnum):
    """XEP-0085: what one side of a conversation is doing."""

    ACTIVE = "active"  # paying attention to the conversation
    COMPOSING = "composing"  # typing
    PAUSED = "paused"  # stopped typing for a while
    INACTIVE = "inactive"  # looking elsewhere
    GONE = "gone"  # closed the conversation


class ConversationKind(StrEnum):
    CHAT = "chat"  # 1:1 (RFC 6121)
    GROUPCHAT = "groupchat"  # a room (XEP-0045): peer = room bare JID, sender = room/nick


class Direction(StrEnum):
    INCOMING = "in"
    OUTGOING = "out"


class Delivery(StrEnum):
    """Where an outgoing message is; incoming messages are always RECEIVED."""

    PENDING = "pending"  # in the outbox, not yet handed to the server
    SENT = "sent"  # written to the stream
    ACKED = "acked"  # the server acknowledged it (XEP-0198)
    DELIVERED = "delivered"  # the recipient's client confirmed it (XEP-0184)
    DISPLAYED = "displayed"  # the recipient has seen it ("read", XEP-0333)
    FAILED = "failed"  # the server returned an error
    RECEIVED = "received"


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterItem:
    jid: BareJid
    name: str = ""
    groups: tuple[str, ...] = ()
    subscription: Subscription = Subscription.NONE
    pending_out: bool = False  # we asked for their presence, no answer yet
    approved: bool = False  # pre-approved (RFC 6121 section 3.4)

    @property
    def display_name(self) -> str:
        return self.name or self.jid


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourcePresence:
    resource: str
    show: Show
    status: str = ""
    priority: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactPresence:
    """Every available resource of one contact; empty means offline."""

    jid: BareJid
    resources: tuple[ResourcePresence, ...] = ()

    @property
    def best(self) -> ResourcePresence | None:
        if not self.resources:
            return None
        return max(self.resources, key=lambda r: (r.priority, _SHOW_RANK[r.show]))

    @property
    def show(self) -> Show:
        best = self.best
        return best.show if best else Show.OFFLINE


_SHOW_RANK = {
    Show.CHAT: 5,
    Show.AVAILABLE: 4,
    Show.AWAY: 3,
    Show.XA: 2,
    Show.DND: 1,
    Show.OFFLINE: 0,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMessage:
    """One message as the local history holds it."""

    id: int  # local row id: stable, increases with arrival
    account: AccountId
    peer: BareJid
    direction: Direction
    sender: str  # full JID of the sender when known, else bare
    body: str  # raw, unsanitised: sanitise at render time
    timestamp: datetime  # timezone-aware, UTC
    delivery: Delivery
    stanza_id: str | None = None  # XEP-0359, trusted only (by = our account)
    origin_id: str | None = None  # XEP-0359
    message_id: str | None = None  # message/@id
    #: Corrected (XEP-0308) at least once; the earlier bodies are in the edit history.
    edited: bool = False
    #: The sender asked for chat markers (XEP-0333 <markable/>).
    markable: bool = False
    kind: ConversationKind = ConversationKind.CHAT


@dataclass(frozen=True, slots=True, kw_only=True)
class Bookmark:
    """A saved room (XEP-0402 / XEP-0048); ``password`` never shown."""

    jid: BareJid  # the room
    name: str = ""
    nick: str = ""  # empty: our local part
    password: str = field(default="", repr=False)
    autojoin: bool = False


class Role(StrEnum):
    """An occupant's role in a room (XEP-0045 §5.1), for this visit."""

    MODERATOR = "moderator"
    PARTICIPANT = "participant"
    VISITOR = "visitor"
    NONE = "none"


class Affiliation(StrEnum):
    """An occupant's lasting standing in a room (XEP-0045 §5.2)."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    NONE = "none"
    OUTCAST = "outcast"


@dataclass(frozen=True, slots=True, kw_only=True)
class Occupant:
    """One occupant of a room as its presence says; ``nick``, ``status``, ``jid`` are remote."""

    nick: str
    role: Role = Role.PARTICIPANT
    affiliation: Affiliation = Affiliation.NONE
    show: Show = Show.AVAILABLE
    status: str = ""
    jid: str = ""  # the real JID, when the room shows it (non-anonymous rooms, moderators)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomInfo:
    """What we know about one room we are in (or were, ``joined`` False)."""

    jid: BareJid
    nick: str
    joined: bool
    subject: str = ""  # remote text
    name: str = ""  # from the bookmark, when there is one
    occupants: tuple[str, ...] = ()  # nicks, remote text
    #: The same occupants with role, affiliation and presence (ours among them), by nick.
    people: tuple[Occupant, ...] = ()
    #: Why we are out, when the room put us out: "you were kicked by bob (spam)"; remote text.
    left: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomListEntry:
    """One entry of a room's member, ban, admin, owner or moderator list (XEP-0045);
    every field is remote text."""

    jid: str = ""
    nick: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomListing:
    """One room a MUC service lists (XEP-0045 §6.3); ``name`` is remote text."""

    jid: BareJid
    name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomDetails:
    """A room's disco#info, before joining it (XEP-0045 §6.4); every string is remote."""

    jid: BareJid
    name: str = ""
    description: str = ""
    subject: str = ""
    occupants: int | None = None  # muc#roominfo_occupants, when the room tells
    features: tuple[str, ...] = ()  # muc_public, muc_passwordprotected, urn:xmpp:mam:2, ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateInfo:
    """What the user needs to decide whether to trust a certificate."""

    sha256: str  # "AB:CD:..." upper-case hex pairs
    subject: str
    issuer: str
    not_after: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSnapshot:
    account: AccountId
    state: ConnectionState
    show: Show = Show.OFFLINE
    status: str = ""
    detail: str = ""
    roster: tuple[RosterItem, ...] = ()
    presences: tuple[ContactPresence, ...] = field(default=())
    blocked: tuple[BareJid, ...] = ()
