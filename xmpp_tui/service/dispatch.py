"""Commands -> protocol work for one account (RFC 6121 roster and presence, chat)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xmpp_tui.core.commands import (
    AddBookmark,
    AddContact,
    AnswerRegistrationRequest,
    AnswerVoiceRequest,
    ApproveSubscription,
    Block,
    ChangeNick,
    Command,
    Connect,
    ConvertToRoom,
    CorrectMessage,
    DeclineInvitation,
    DenySubscription,
    DisablePush,
    Disconnect,
    EnablePush,
    FetchOlderHistory,
    FetchRoomRegistration,
    InviteToRoom,
    JoinRoom,
    LeaveRoom,
    ListRooms,
    MarkRead,
    ProvidePassword,
    QueryInfo,
    QueryPushStatus,
    QueryRoomInfo,
    RegisterWithRoom,
    RemoveBookmark,
    RemoveContact,
    RenameContact,
    RequestSubscription,
    RequestVoice,
    RoomAdminCommand,
    SavePassword,
    SendChatState,
    SendMessage,
    SetClientState,
    SetGroups,
    SetPresence,
    SetSubject,
    TrustCertificate,
    Unblock,
    Unsubscribe,
)
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import InfoReceived, Notice, OwnPresenceChanged
from xmpp_tui.core.jid import parse_bare_jid, parse_jid
from xmpp_tui.core.models import ChatState, RosterItem, Show
from xmpp_tui.service import (
    client_state,
    delivery,
    extras,
    older_history,
    private_chats,
    room_address,
    room_admin,
    room_conversion,
    room_directory,
    room_requests,
)

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession


async def execute(session: AccountSession, command: Command) -> None:
    match command:
        case SendMessage(peer=peer, body=body) if private_chats.is_private_peer(peer):
            private_chats.send(session, peer, body)
        case SendMessage(peer=peer, body=body) if session.rooms.is_room(_jid(peer)):
            delivery.send_groupchat(session, _jid(peer), body)
        case SendMessage(peer=peer, body=body):
            _refuse_room_not_joined(session, _jid(peer))
            delivery.send_chat(session, _jid(peer), body)
        case CorrectMessage(peer=peer, body=body, message=message):
            extras.correct_last(session, _jid(peer), body, expected=message)
        case JoinRoom(room=room, nick=nick, password=password, configure=configure):
            if nick.strip():  # room/nick must be a valid JID (stringprep: no emoji, ...)
                parse_jid(f"{_jid(room)}/{nick.strip()}")
            if not session.rooms.is_joined(_jid(room)):
                await room_address.require_room(session, _jid(room))
            await session.rooms.join(_jid(room), nick.strip(), password, reserved=configure)
        case LeaveRoom(room=room):
            session.rooms.leave(_jid(room))
            await session.bookmarks.left(_jid(room))  # autojoin off: it stays left
        case RoomAdminCommand():
            await room_admin.execute(session, command)
        case ListRooms(service=service):
            await room_directory.list_rooms(session, parse_jid(service).full if service else "")
        case QueryRoomInfo(room=room):
            await room_directory.room_info(session, _jid(room))
        case InviteToRoom(room=room, jid=jid, reason=reason):
            await room_directory.invite(session, _jid(room), _jid(jid), reason)
        case DeclineInvitation(room=room, inviter=inviter, reason=reason):
            room_directory.decline(session, _jid(room), parse_jid(inviter).full, reason)
        case ConvertToRoom(peer=peer, history=history):
            await room_conversion.convert(session, _jid(peer), history)
        case RequestVoice(room=room):
            room_requests.request_voice(session, _jid(room))
        case AnswerVoiceRequest(room=room, nick=nick, jid=jid, allow=allow):
            room_requests.answer_voice(session, _jid(room), nick, jid, allow)
        case FetchRoomRegistration(room=room):
            await room_requests.fetch_registration(session, _jid(room))
        case RegisterWithRoom(room=room, form=form):
            await room_requests.register(session, _jid(room), form)
        case AnswerRegistrationRequest(room=room, form=form, allow=allow):
            room_requests.answer_registration(session, _jid(room), form, allow)
        case ChangeNick(room=room, nick=nick):
            parse_jid(f"{_jid(room)}/{nick.strip()}")  # the room/nick must be a valid JID
            await session.rooms.change_nick(_jid(room), nick.strip())
        case SetSubject(room=room, subject=subject):
            await session.rooms.set_subject(_jid(room), subject)
        case AddBookmark(room=room, name=name, nick=nick, password=password, autojoin=autojoin):
            session.require_online()
            bookmark = await session.bookmarks.change(
                _jid(room), name=name, nick=nick, password=password, autojoin=autojoin
            )
            auto = " (autojoin)" if bookmark.autojoin else ""
            _notice(session, f"Bookmarked {bookmark.jid}{auto}")
        case RemoveBookmark(room=room):
            session.require_online()
            await session.bookmarks.remove(_jid(room))
            _notice(session, f"Removed the bookmark for {_jid(room)}")
        case SendChatState(peer=peer, state=state):
            _chat_state(session, peer, state)
        case SetClientState(active=active):
            client_state.set_wanted(session, active)
        case EnablePush(service=service, node=node):
            await session.push.enable(service, node)
        case DisablePush():
            await session.push.disable()
        case QueryPushStatus():
            await session.push.report()
        case MarkRead(peer=peer):
            latest = session.store.history.page(session.account, peer, limit=1)
            if latest:
                session.store.history.mark_read(session.account, peer, latest[-1].id)
            extras.send_displayed(session, peer, latest[-1].id if latest else None)
        case FetchOlderHistory(peer=peer):
            await older_history.fetch_older(session, peer)
        case ProvidePassword(password=password):
            session.provide_password(password)
        case SavePassword():
            await session.save_password()
            _notice(session, "Password saved in the system keyring")
        case TrustCertificate(sha256=sha256):
            _trust(session, sha256)
        case Connect():
            session.start()
            session.wake()
        case Disconnect():
            await session.stop(keep_lock=True)
        case SetPresence(show=show, status=status):
            session.show, session.status = show, status
            if session.online and show is not Show.OFFLINE:
                session.client.send_presence(show, status)
                session.rooms.presence_changed()
            session.publish(OwnPresenceChanged(account=session.account, show=show, status=status))
        case _:
            await _roster_command(session, command)


async def _roster_command(session: AccountSession, command: Command) -> None:
    client = session.client
    timeout = session.timing.iq_timeout
    match command:
        case AddContact(jid=raw, name=name, groups=groups):
            jid = _jid(raw)
            if jid == session.account:
                raise UserFacingError("You cannot add yourself", "Type the other person's address")
            session.require_online()
            await client.set_roster_item(jid, name=name, groups=groups, timeout=timeout)
            client.send_subscription(jid, "subscribe")
            if client.supports_preapproval:
                # RFC 6121 §3.4: their request back will be approved by the server.
                client.send_subscription(jid, "subscribed")
            _notice(session, f"Added {jid}; asked to see their presence")
        case RemoveContact(jid=raw):
            jid = _jid(raw)
            session.require_online()
            await client.remove_roster_item(jid, timeout=timeout)
            _notice(session, f"Removed {jid}")
        case RenameContact(jid=raw, name=name):
            jid = _jid(raw)
            item = _roster_item(session, jid)
            session.require_online()
            await client.set_roster_item(jid, name=name, groups=item.groups, timeout=timeout)
        case SetGroups(jid=raw, groups=groups):
            jid = _jid(raw)
            item = _roster_item(session, jid)
            session.require_online()
            await client.set_roster_item(jid, name=item.name, groups=groups, timeout=timeout)
        case QueryInfo(jid=raw):
            jid = parse_jid(raw).full
            session.require_online()
            identities, features, name = await client.discover(jid, timeout)
            session.publish(
                InfoReceived(
                    account=session.account,
                    jid=jid,
                    identities=identities,
                    features=features,
                    software=name,
                )
            )
        case Block(jid=raw):
            jid = _jid(raw)
            session.require_online()
            await client.block(jid, timeout=timeout)
            session.set_blocked(session.blocked | {jid})
            _notice(session, f"Blocked {jid}")
        case Unblock(jid=raw):
            jid = _jid(raw)
            session.require_online()
            await client.unblock(jid, timeout=timeout)
            session.set_blocked(session.blocked - {jid})
            _notice(session, f"Unblocked {jid}")
        case ApproveSubscription(jid=raw):
            _subscription(session, raw, "subscribed", "{jid} may now see your presence")
        case DenySubscription(jid=raw):
            _subscription(session, raw, "unsubscribed", "{jid} may no longer see your presence")
        case RequestSubscription(jid=raw):
            _subscription(session, raw, "subscribe", "Asked {jid} to share their presence")
        case Unsubscribe(jid=raw):
            _subscription(session, raw, "unsubscribe", "Stopped receiving {jid}'s presence")
        case _:
            raise UserFacingError(f"Unknown command {type(command).__name__}")


def _subscription(session: AccountSession, raw: str, kind: str, done: str) -> None:
    jid = _jid(raw)
    session.require_online()
    session.client.send_subscription(jid, kind)
    _notice(session, done.format(jid=jid))


def _chat_state(session: AccountSession, peer: str, state: ChatState) -> None:
    """XEP-0085 §5.1: only to a peer that showed support, only changes, only if enabled."""
    if (
        not session.settings.send_chat_states
        or not session.online
        or peer not in session.chat_state_peers
        or session.sent_chat_states.get(peer) is state
    ):
        return
    session.client.send_chat_state(peer, state)
    session.sent_chat_states[peer] = state


def _refuse_room_not_joined(session: AccountSession, peer: str) -> None:
    """A room we are not in gets no message (and never a 1:1 one to its address)."""
    if session.rooms.is_entering_or_in(peer):
        raise UserFacingError(f"Still entering {peer}", "Send it again once you are in")
    if session.bookmarks.get(peer) is not None or session.store.history.is_room(
        session.account, peer
    ):
        raise UserFacingError(f"You are not in {peer}", f"Type /join {peer} to enter it")


def _trust(session: AccountSession, sha256: str) -> None:
    rejected = session.rejected_certificate
    if rejected is None or rejected.sha256 != sha256:
        raise UserFacingError(
            "That certificate is not the one the server presented",
            "Trust only the fingerprint shown in the certificate prompt",
        )
    session.store.trust.trust(session.account, sha256)
    _notice(session, f"Trusted certificate {sha256} for {session.account}; reconnecting")
    session.wake()


def _jid(raw: str) -> str:
    return parse_bare_jid(raw).bare


def _roster_item(session: AccountSession, jid: str) -> RosterItem:
    item = session.roster.get(jid)
    if item is None:
        raise UserFacingError(f"{jid} is not in your contacts", f"Add them first: /add {jid}")
    return item


def _notice(session: AccountSession, text: str) -> None:
    session.publish(Notice(account=session.account, text=text))
