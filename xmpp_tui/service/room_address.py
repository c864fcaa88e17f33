"""Is this address a group chat room? Asked before a user's ``/join`` sends our presence.

Joining is a directed presence: sent to a contact or any other non-room address it tells
them we are online and what we run. So the room's domain must say, by XEP-0030, that it is a
group chat service (identity category ``conference``). The answer is remembered per domain
for the session. Rooms from our own bookmarks are not asked about (our account wrote them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession


async def require_room(session: AccountSession, room: str) -> None:
    """Raise a UserFacingError unless ``room`` sits on a group chat service."""
    local, at, domain = room.partition("@")
    if not at or not local:
        raise UserFacingError(
            f"{room} is not a room address", "A room address looks like room@conference.example"
        )
    if room in session.roster:
        raise UserFacingError(f"{room} is a contact, not a room", "Type in their chat pane")
    await require_service(session, domain, what=f"so {room} is not a room")


async def require_service(session: AccountSession, domain: str, *, what: str = "") -> None:
    """Raise a UserFacingError unless ``domain`` says it hosts group chats (XEP-0030
    identity category ``conference``); remembered per domain for the session."""
    known = session.group_chat_services.get(domain)
    if known is None:
        try:
            identities, _features, _software = await session.client.discover(
                domain, session.timing.iq_timeout, software=False
            )
        except UserFacingError as error:
            raise UserFacingError(
                f"Cannot check that {domain} hosts group chats: {error.message}",
                "Check the address",
            ) from None
        known = any(category == "conference" for category, _kind, _name in identities)
        session.group_chat_services[domain] = known
    if not known:
        raise UserFacingError(
            f"{domain} is not a group chat service" + (f", {what}" if what else ""),
            "Room addresses look like room@conference.example",
        )
