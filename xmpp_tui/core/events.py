"""Facts the session service publishes, past tense, one account each.

Events carry immutable snapshots, never slixmpp objects. The UI reacts to them;
nothing reacts by mutating them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from xmpp_tui.core.forms import DataForm
from xmpp_tui.core.models import (
    AccountId,
    BareJid,
    Bookmark,
    CertificateInfo,
    ChatState,
    ConnectionState,
    ContactPresence,
    Delivery,
    RoomDetails,
    RoomInfo,
    RoomListEntry,
    RoomListing,
    RosterItem,
    Show,
    StoredMessage,
)
from xmpp_tui.core.push import PushStatus
from xmpp_tui.core.transport_security import TransportSecurity


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    account: AccountId


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionChanged(Event):
    """The account's connection moved; ``detail`` is one line for the status bar."""

    state: ConnectionState
    detail: str = ""
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionSecured(Event):
    """Logged in: how the connection is protected (TLS version, SASL mechanism, binding)."""

    security: TransportSecurity


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountFailed(Event):
    """Connecting stopped for a reason only the user can fix."""

    message: str
    hint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordNeeded(Event):
    """No password command or keyring entry: the UI must ask."""

    reason: str = ""
    #: No secure system keyring (and no password_command): the prompt says why it asks.
    no_keyring: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordSaveOffered(Event):
    """Login worked with a typed password and a keyring backend exists."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CertificateRejected(Event):
    """TLS verification failed; the UI may offer to trust this fingerprint."""

    certificate: CertificateInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterReplaced(Event):
    items: tuple[RosterItem, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterItemChanged(Event):
    item: RosterItem


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterItemRemoved(Event):
    jid: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenceChanged(Event):
    presence: ContactPresence


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnPresenceChanged(Event):
    show: Show
    status: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientStateChanged(Event):
    """The server was told we are ``active`` or not (XEP-0352)."""

    active: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PushStatusReported(Event):
    """The push notification state (XEP-0357), as asked for with `QueryPushStatus`."""

    status: PushStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionRequested(Event):
    """``jid`` asks to see our presence (approve or deny)."""

    jid: BareJid
    nick: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionAnswered(Event):
    """``jid`` approved (True) or denied/revoked (False) our subscription."""

    jid: BareJid
    approved: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageAdded(Event):
    """A message entered the local history (incoming, or outgoing from the outbox)."""

    message: StoredMessage
    #: From an archive catch-up or a room's join replay, not live (no alert for it).
    archived: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageCorrected(Event):
    """A stored message now has a corrected body (XEP-0308); same row, same sender."""

    message: StoredMessage


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationRead(Event):
    """The user read ``peer``'s conversation on another device (XEP-0333 carbon)."""

    peer: BareJid
    unread: int = 0  # what is still unread there (newer than what was read)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryGapMarked(Event):
    """Messages of ``peer`` may be missing after message ``after_id`` (archive fallback)."""

    peer: BareJid
    after_id: int  # StoredMessage.id of the last message before the gap


@dataclass(frozen=True, slots=True, kw_only=True)
class OlderHistoryFetched(Event):
    """A backwards archive page for ``peer`` was stored (answers `FetchOlderHistory`).

    ``count`` new messages now sit above the conversation's first; ``complete``: the archive
    holds nothing older. ``error`` is one line when the page could not be fetched.
    """

    peer: BareJid
    count: int
    complete: bool
    error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncProgress(Event):
    """The archive catch-up is running (``done``: it ended); rate-limited.

    ``messages`` read from the archive so far; ``total`` when the server counted them (RSM).
    """

    pages: int
    messages: int
    total: int | None = None
    done: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryChanged(Event):
    peer: BareJid
    message_id: int  # StoredMessage.id
    delivery: Delivery


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockListChanged(Event):
    """The whole block list now (XEP-0191), after a fetch, our command or another device's."""

    blocked: tuple[BareJid, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class BookmarksChanged(Event):
    """Every bookmark now (XEP-0402/0048), after a fetch, our command or another device's."""

    bookmarks: tuple[Bookmark, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomChanged(Event):
    """A room we joined, left, or whose subject or occupants changed (a snapshot)."""

    room: RoomInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomConfigFetched(Event):
    """``room``'s configuration form (XEP-0045 §10.2), to show and submit; remote text."""

    room: BareJid
    form: DataForm
    #: We just created the room and it stays locked until this form is saved (reserved room).
    new_room: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomListsFetched(Event):
    """``room``'s lists by name (owner, admin, member, outcast, moderator); a list the room
    refused to show is absent."""

    room: BareJid
    lists: tuple[tuple[str, tuple[RoomListEntry, ...]], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomsListed(Event):
    """The rooms a MUC service lists (answers `ListRooms`); ``service`` it is."""

    service: str
    rooms: tuple[RoomListing, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomDetailsReceived(Event):
    """A room's disco#info, asked before (or without) joining it (answers `QueryRoomInfo`)."""

    details: RoomDetails


@dataclass(frozen=True, slots=True, kw_only=True)
class InvitationReceived(Event):
    """An invitation to ``room``: mediated by the room (XEP-0045 §7.8.2, ``direct`` False,
    from the room, naming ``inviter``) or direct (XEP-0249, from ``inviter`` itself). Never
    joined by itself: the user accepts or declines. Remote text: reason, inviter."""

    room: BareJid
    inviter: str  # a bare JID, or room/nick when the room hides real JIDs
    reason: str = ""
    password: str = field(default="", repr=False)
    direct: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomConverted(Event):
    """The chat with ``peer`` goes on in the new ``room`` (XEP-0045 §7.9): we are in it,
    ``history`` earlier messages were carried into it, ``peer`` is invited."""

    peer: BareJid
    room: BareJid
    history: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceRequested(Event):
    """An occupant of ``room`` asks for voice (XEP-0045 §8.6), passed on to us as a moderator.
    Never answered by itself: the user approves or denies. Remote text: nick, jid."""

    room: BareJid
    nick: str
    jid: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationRequested(Event):
    """Someone asks to register with ``room`` (XEP-0045 §9.9), passed on to us as an admin.
    Remote text: nick, jid and every string of ``form``."""

    room: BareJid
    nick: str
    jid: str
    form: DataForm


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomRegistrationForm(Event):
    """``room``'s registration form (answers `FetchRoomRegistration`, XEP-0045 §7.10);
    ``registered``: the nick we are registered under already (the form is then empty)."""

    room: BareJid
    form: DataForm
    registered: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatStateChanged(Event):
    """``peer`` (one of their resources) is now composing, paused, ... (XEP-0085)."""

    peer: BareJid
    state: ChatState


@dataclass(frozen=True, slots=True, kw_only=True)
class InfoReceived(Event):
    """XEP-0030 (and XEP-0092 when offered) answer for ``jid``; every string is remote."""

    jid: str
    identities: tuple[tuple[str, str, str], ...]  # (category, type, name)
    features: tuple[str, ...]
    software: str = ""  # "name version (os)", empty when not told


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandFailed(Event):
    """A user command could not be carried out."""

    command: str
    message: str
    hint: str = ""
    #: The room or peer the command was about, when it names one (a refused /join's room).
    target: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryWriteFailed(Event):
    """A message arrived but could not be stored (e.g. the disk is full).

    No receipt was sent for it, so the sender's client still shows it undelivered.
    """

    message: str
    hint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice(Event):
    """Informational one-liner for the user (e.g. "Contact added")."""

    text: str
