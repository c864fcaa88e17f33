"""XEP-0045 §7.9: a one-to-one chat becomes a conference. A new room on our server's group chat
service (an instant room, its defaults), the last messages of the chat carried into it if the
user asked, then the contact invited through the room."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import RoomConverted
from xmpp_tui.core.forms import boolean_value
from xmpp_tui.core.models import ConversationKind, Direction

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

#: Messages carried into the room, at most.
MAX_HISTORY = 50


async def convert(session: AccountSession, peer: str, history: int) -> None:
    session.require_online()
    if session.rooms.is_room(peer):
        raise UserFacingError(f"{peer} is a room already", "/convert works in a one-to-one chat")
    services = await session.client.muc_services(session.timing.iq_timeout)
    if not services:
        raise UserFacingError(
            "Your server offers no group chat service", "Create a room elsewhere with /join"
        )
    room = f"chat-{secrets.token_hex(5)}@{services[0]}"
    await session.rooms.join(room)
    await _make_private(session, room, peer)
    count = 0
    if history > 0:
        messages = session.store.history.page(
            session.account, peer, limit=min(history, MAX_HISTORY)
        )
        for message in messages:
            if message.kind is not ConversationKind.CHAT or not message.body:
                continue
            author = session.account if message.direction is Direction.OUTGOING else peer
            # The room shows every carried line under our nick, at the time it is sent
            # (clients ignore an occupant's <delay/>): the text itself says who and when.
            when = message.timestamp.strftime("%Y-%m-%d %H:%M UTC")
            text = f"[{when}] {author}: {message.body}"
            session.client.send_room_history(room, text, author, message.timestamp)
            count += 1
    session.client.invite_continuing(room, peer, "Our chat goes on in this room")
    session.publish(RoomConverted(account=session.account, peer=peer, room=room, history=count))


async def _make_private(session: AccountSession, room: str, peer: str) -> None:
    """Members only, not listed, the contact a member: the chat's history goes into it before
    the contact has accepted, so nobody who finds the room may read it."""
    timeout = session.timing.iq_timeout
    try:
        form = await session.client.fetch_room_config(room, timeout)
        private = form.with_values(
            {
                "muc#roomconfig_membersonly": boolean_value(True),
                "muc#roomconfig_publicroom": boolean_value(False),
            }
        )
        await session.client.submit_room_config(room, private, timeout)
        await session.client.set_room_affiliation(room, peer, "member", "", timeout)
    except UserFacingError as error:
        raise UserFacingError(
            f"Created {room} but could not make it members-only: {error.message}",
            "Nothing was copied into it; /destroy it, or invite by hand",
        ) from None
