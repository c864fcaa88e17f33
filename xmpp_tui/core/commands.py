"""What the user asks the session service to do, imperative, one account each."""

from __future__ import annotations

from dataclasses import dataclass, field

from xmpp_tui.core.forms import DataForm
from xmpp_tui.core.models import AccountId, BareJid, ChatState, Show


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    account: AccountId


@dataclass(frozen=True, slots=True, kw_only=True)
class Connect(Command):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Disconnect(Command):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvidePassword(Command):
    password: str = field(repr=False)  # never in a log line or a traceback
    remember: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SavePassword(Command):
    """Store the password that just worked in the system keyring."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustCertificate(Command):
    sha256: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessage(Command):
    peer: BareJid
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectMessage(Command):
    """Replace the text of our last message to ``peer`` (XEP-0308).

    ``message``: the local id of the message the user chose to edit; None means the last one
    when the command runs (``/correct``). Given, it must still be the last one we sent there.
    """

    peer: BareJid
    body: str
    message: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkRead(Command):
    """The user has seen ``peer``'s conversation (in front, at the bottom, app focused): the
    unread count goes, and a read marker may go out (XEP-0333)."""

    peer: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchOlderHistory(Command):
    """Page the account's archive back for ``peer``, above the oldest stored message."""

    peer: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class AddContact(Command):
    """Add to the roster, ask for their presence and pre-approve theirs."""

    jid: BareJid
    name: str = ""
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveContact(Command):
    jid: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class RenameContact(Command):
    jid: BareJid
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetGroups(Command):
    jid: BareJid
    groups: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApproveSubscription(Command):
    """Let ``jid`` see our presence (answers a request, or pre-approves)."""

    jid: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class DenySubscription(Command):
    """Refuse a request, or cancel a subscription already granted."""

    jid: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestSubscription(Command):
    jid: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsubscribe(Command):
    """Stop receiving ``jid``'s presence."""

    jid: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPresence(Command):
    show: Show
    status: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SendChatState(Command):
    """Tell ``peer`` what we are doing in their conversation (XEP-0085).

    The service decides whether it goes out: only when sending chat states is on for the
    account, the peer has shown it understands them, and the state changed.
    """

    peer: BareJid
    state: ChatState


@dataclass(frozen=True, slots=True, kw_only=True)
class SetClientState(Command):
    """Tell the server whether the user is looking (XEP-0352 Client State Indication).

    The service remembers it per account and sends it again after a fresh session, only to
    a server that offers ``urn:xmpp:csi:0``.
    """

    active: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class EnablePush(Command):
    """Ask our server to notify an app server while we are away (XEP-0357).

    ``service`` "": the app server already configured (config.toml, or the last
    ``/push enable``); ``node`` "": the configured node, else this device's generated one.
    """

    service: str = ""
    node: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DisablePush(Command):
    """Stop push notifications on the server and forget them (no re-enable at the next start)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryPushStatus(Command):
    """Report the push state (`PushStatusReported`), asking the server for support if unknown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Block(Command):
    """XEP-0191: the server drops everything from ``jid`` and hides us from them."""

    jid: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class Unblock(Command):
    jid: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinRoom(Command):
    """Enter a room (XEP-0045); ``nick`` empty: the bookmark's, else our local part."""

    room: BareJid
    nick: str = ""
    password: str = field(default="", repr=False)
    #: A room this creates stays locked until its form is saved (a reserved room, XEP-0045
    #: §10.1.3); otherwise it is unlocked at once with the defaults (an instant room).
    configure: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveRoom(Command):
    room: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeNick(Command):
    """Be called ``nick`` in ``room`` from now on (XEP-0045 §7.6)."""

    room: BareJid
    nick: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetSubject(Command):
    """Change the subject of ``room`` (XEP-0045 §8.1); the room decides who may."""

    room: BareJid
    subject: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ListRooms(Command):
    """The rooms of ``service`` (empty: the first MUC service of our server), XEP-0045 §6.3."""

    service: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryRoomInfo(Command):
    """A room's name, description, occupant count and features, without joining it."""

    room: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class InviteToRoom(Command):
    """Invite ``jid`` into ``room`` (XEP-0249 direct invitation, and mediated XEP-0045)."""

    room: BareJid
    jid: BareJid
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclineInvitation(Command):
    """Say no to an invitation the room mediated (XEP-0045 §7.8.2: a decline via the room)."""

    room: BareJid
    inviter: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConvertToRoom(Command):
    """Carry the chat with ``peer`` on in a new room (XEP-0045 §7.9), with its last
    ``history`` messages."""

    peer: BareJid
    history: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestVoice(Command):
    """Ask ``room``'s moderators for voice, as a visitor (XEP-0045 §7.13)."""

    room: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerVoiceRequest(Command):
    """Approve (or deny) an occupant's voice request, as a moderator (XEP-0045 §8.6)."""

    room: BareJid
    nick: str
    jid: str = ""
    allow: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRoomRegistration(Command):
    """``room``'s registration form (XEP-0045 §7.10), answered by RoomRegistrationForm."""

    room: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterWithRoom(Command):
    """Submit ``room``'s filled-in registration form (XEP-0045 §7.10)."""

    room: BareJid
    form: DataForm


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerRegistrationRequest(Command):
    """Approve (or deny) a registration request, as an admin (XEP-0045 §9.9)."""

    room: BareJid
    form: DataForm
    allow: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomAdminCommand(Command):
    """A moderator, admin or owner request to ``room`` (XEP-0045 §8 - §10); carried out by
    ``service/room_admin.py``."""

    room: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRole(RoomAdminCommand):
    """Kick (role ``none``), voice (``participant``), devoice (``visitor``), moderator."""

    nick: str
    role: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAffiliation(RoomAdminCommand):
    """Ban (``outcast``), unban or revoke (``none``), ``member``, ``admin``, ``owner``."""

    jid: BareJid
    affiliation: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModerateMessage(RoomAdminCommand):
    """Remove ``nick``'s newest message from the room for everyone (XEP-0425)."""

    nick: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRoomLists(RoomAdminCommand):
    """The room's owner, admin, member, ban and moderator lists (one RoomListsFetched)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRoomConfig(RoomAdminCommand):
    """The room's configuration form (owners only), answered by RoomConfigFetched."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitRoomConfig(RoomAdminCommand):
    form: DataForm


@dataclass(frozen=True, slots=True, kw_only=True)
class DestroyRoom(RoomAdminCommand):
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AddBookmark(Command):
    """Save the bookmark for ``room`` on the server, for every device; on an existing one,
    only the options given change (None: keep what is stored)."""

    room: BareJid
    name: str | None = None
    nick: str | None = None
    password: str | None = field(default=None, repr=False)
    autojoin: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveBookmark(Command):
    room: BareJid


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryInfo(Command):
    """Ask ``jid`` (a contact's device, a server, a service) what it is and speaks."""

    jid: str
