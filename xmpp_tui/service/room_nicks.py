"""XEP-0045 §7.12: the nickname a room keeps for us, asked before joining without one."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import InvalidJidError
from xmpp_tui.core.jid import parse_jid

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

#: Bound on the question (a room on an unreachable server must not hold the join long).
RESERVED_NICK_TIMEOUT = 5.0


async def reserved(session: AccountSession, room: str) -> str:
    """Our reserved nickname in ``room``, or "" when it keeps none (or names one that is not
    a valid nickname: remote text, checked as the resource of ``room/NICK``)."""
    nick = await session.client.reserved_nick(
        room, min(RESERVED_NICK_TIMEOUT, session.timing.iq_timeout)
    )
    nick = nick.strip()
    if not nick:
        return ""
    try:
        parse_jid(f"{room}/{nick}")
    except InvalidJidError:
        log.info("ignored the reserved nickname %r from %s: not a valid nickname", nick, room)
        return ""
    return nick
