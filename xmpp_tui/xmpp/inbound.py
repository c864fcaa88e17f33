"""Typed facts the XMPP layer reports upward (no slixmpp objects inside).

`translate.py` builds these from stanzas after checking who sent them; the
service decides what to store and which core events to publish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from xmpp_tui.core.forms import DataForm
from xmpp_tui.core.models import (
    Bookmark,
    CertificateInfo,
    ChatState,
    Occupant,
    ResourcePresence,
    RosterItem,
)
from xmpp_tui.core.transport_security import TransportSecurity


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatReceived:
    """A 1:1 message with a body (RFC 6121 ``chat`` or ``normal``)."""

    peer: str  # bare JID of the other party
    sender: str  # full JID
    body: str
    timestamp: datetime
    message_id: str | None
    origin_id: str | None
    stanza_id: str | None  # only when by = our own bare JID
    receipt_requested: bool
    #: Sent by another device of this account (a XEP-0280 "sent" carbon).
    outgoing: bool = False
    #: A copy for this device (XEP-0280): another resource handles receipts for it.
    carbon: bool = False
    #: XEP-0308: this message corrects the one with this id (the sender's id for it).
    replace_id: str | None = None
    #: XEP-0333: the sender asks for chat markers.
    markable: bool = False
    #: XEP-0045 §7.5: a private message with a room's occupant; ``peer`` is room/nick.
    private: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomMessageReceived:
    """A groupchat message with a body (XEP-0045); the service checks we are in ``room``."""

    room: str  # bare JID of the room (the stanza's from)
    nick: str  # the occupant who wrote it
    body: str
    timestamp: datetime
    message_id: str | None
    origin_id: str | None
    stanza_id: str | None  # only when by = the room
    history: bool = False  # sent by the room on join (stamped by the room)
    replace_id: str | None = None  # XEP-0308: corrects that earlier message
    #: XEP-0421, exactly one in the stanza; believed only when the room offers occupant-id
    #: (it then replaces whatever the sender put there): the service checks.
    occupant_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomSubjectReceived:
    room: str
    nick: str
    subject: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OccupantPresence:
    """Someone (or we, ``own``: status 110) entered or left ``room``."""

    room: str
    nick: str
    available: bool
    own: bool = False
    created: bool = False  # status 201: we created the room (locked until configured)
    statuses: tuple[int, ...] = ()
    #: Role, affiliation, show, status and real JID (when shown) from the presence.
    occupant: Occupant | None = None
    #: Status 303: the occupant is now called ``new_nick`` (this presence is the old nick's).
    new_nick: str = ""
    #: Who kicked or banned (the item's actor nick, else its JID) and why (XEP-0045 §8.2).
    actor: str = ""
    reason: str = ""
    #: The room was destroyed (XEP-0045 §10.9); ``reason`` is then the destroy's reason.
    destroyed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomMessageModerated:
    """``room`` itself (its bare JID) says a moderator removed its message ``stanza_id``
    (XEP-0425)."""

    room: str
    stanza_id: str
    by: str  # the moderator's nick, remote text
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomPresenceError:
    """A presence error from ``room``: a refused join (Prosody sends no muc element)."""

    room: str
    condition: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomInvited:
    """An invitation to ``room``: ``direct`` (XEP-0249) from ``inviter`` itself, or mediated
    (XEP-0045 §7.8.2) by the room, which names the ``inviter``."""

    room: str
    inviter: str  # bare JID, or room/nick when the room hides real JIDs
    reason: str = ""
    password: str = field(default="", repr=False)
    direct: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomDeclined:
    """Someone said no to our invitation to ``room`` (XEP-0045 §7.8.2, through the room)."""

    room: str
    decliner: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceRequestReceived:
    """The room passes on an occupant's request for voice (XEP-0045 §8.6; for moderators)."""

    room: str
    nick: str
    jid: str = ""  # the requester's real JID, when the room tells


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationRequestReceived:
    """The room passes on a request to register with it (XEP-0045 §9.9; for admins): the
    form, answered with ``muc#register_allow``."""

    room: str
    nick: str
    jid: str
    form: DataForm


@dataclass(frozen=True, slots=True, kw_only=True)
class BookmarksPushed:
    """XEP-0402 live update from our own account: items published or retracted."""

    published: tuple[Bookmark, ...]
    retracted: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatStateReceived:
    """XEP-0085: what ``peer`` is doing in our conversation."""

    peer: str
    state: ChatState


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockListPushed:
    """Another device of ours (or we) blocked or unblocked ``jids`` (XEP-0191).

    An unblock push with no JIDs means "everyone is unblocked".
    """

    blocked: bool
    jids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptReceived:
    """XEP-0184: ``peer`` confirmed the message with this id."""

    peer: str
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DisplayedReceived:
    """XEP-0333: ``peer`` has seen our messages up to ``message_id``; or, with ``own``
    (a carbon of a marker another device of ours sent), we have seen ``peer``'s."""

    peer: str
    message_id: str
    own: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageBounced:
    """The server or the peer returned an error for a message we sent."""

    peer: str
    message_id: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StanzaAcked:
    """XEP-0198: the server acknowledged an outgoing message."""

    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterLoaded:
    """A full roster; ``None`` items mean "unchanged since ``version``"."""

    version: str | None
    items: tuple[RosterItem, ...] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterPushed:
    version: str | None
    changed: tuple[RosterItem, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenceReceived:
    """Availability of one resource of a contact (``presence`` None = gone)."""

    jid: str  # bare
    resource: str
    presence: ResourcePresence | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionRequest:
    jid: str
    nick: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionReply:
    """``subscribed`` (True) or ``unsubscribed`` (False) from ``jid``."""

    jid: str
    approved: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStarted:
    """Bound and ready; ``resumed`` is True for a XEP-0198 resumption."""

    full_jid: str
    resumed: bool
    security: TransportSecurity | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionLost:
    reason: str
    #: One line for the user when we closed it ourselves (a server breaking the XML rules).
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectFailed:
    """One attempt failed; ``fatal`` means retrying cannot help without the user."""

    kind: str  # "auth", "certificate", "conflict", "network", "timeout", "tls"
    message: str
    fatal: bool
    certificate: CertificateInfo | None = None


Inbound = (
    BlockListPushed
    | BookmarksPushed
    | ChatReceived
    | RoomMessageReceived
    | RoomSubjectReceived
    | RoomMessageModerated
    | OccupantPresence
    | RoomPresenceError
    | RoomInvited
    | RoomDeclined
    | VoiceRequestReceived
    | RegistrationRequestReceived
    | ChatStateReceived
    | ReceiptReceived
    | DisplayedReceived
    | MessageBounced
    | StanzaAcked
    | RosterLoaded
    | RosterPushed
    | PresenceReceived
    | SubscriptionRequest
    | SubscriptionReply
    | SessionStarted
    | ConnectionLost
    | ConnectFailed
)
