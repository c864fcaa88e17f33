"""Corrections (XEP-0308) in rooms, and who may make them (SECURITY.md T8 for group chat).

In a room anyone can take a nick that someone else used before, so "same sender" needs more
than the same room/nick:

- When the room offers XEP-0421 (``urn:xmpp:occupant-id:0`` in its disco#info), it stamps
  every message with an occupant-id of its own (replacing any the sender wrote), which stays
  the same for one user whatever their nick. A correction applies only when its occupant-id is
  the one stored with the original (`store/occupants.py`).
- Otherwise a correction applies only live, from the same nick, to a message that nick sent
  live while we watched, with no leave (theirs: unavailable, or a nick change) or rejoin (ours)
  in between (`Rooms` keeps those ids per nick for the current join only).
- Our own message: only from our nick while we are in the room (our other device, or the
  room's reflection of our own correction, which changes nothing).

A correction that may not apply is stored as an ordinary message from its real sender, as in
1:1 chats: the user sees what was said and by whom, never a rewritten line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.models import Direction, StoredMessage
from xmpp_tui.xmpp.inbound import RoomMessageReceived

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)


def apply_incoming(
    session: AccountSession,
    fact: RoomMessageReceived,
    *,
    own_nick: str,
    spoken: dict[str, set[int]] | None,
    occupant_ids: bool,
) -> tuple[bool, StoredMessage | None]:
    """``(handled, corrected message)``, as `extras.apply_incoming`.

    ``spoken``: for a live message, the ids each nick has sent during this join (None for
    history and archive); ``occupant_ids``: the room offers XEP-0421.
    """
    assert fact.replace_id is not None
    history = session.store.history
    original = history.find_correctable(session.account, fact.room, fact.replace_id)
    if original is None:
        return False, None
    if not _same_author(session, original, fact, own_nick, spoken, occupant_ids):
        log.warning("correction in %s from another occupant: kept as a new message", fact.room)
        return False, None
    if original.direction is Direction.OUTGOING and spoken is None:
        # An archived correction of ours: only one we already hold (nothing changes).
        return (True, None) if original.body == fact.body else (False, None)
    corrected = history.apply_correction(
        session.account,
        original.id,
        body=fact.body,
        timestamp=fact.timestamp,
        correction_id=fact.origin_id or fact.message_id,
    )
    return True, corrected


def _same_author(
    session: AccountSession,
    original: StoredMessage,
    fact: RoomMessageReceived,
    own_nick: str,
    spoken: dict[str, set[int]] | None,
    occupant_ids: bool,
) -> bool:
    if original.direction is Direction.OUTGOING:
        return fact.nick == own_nick
    if occupant_ids and fact.occupant_id is not None:
        return session.store.occupants.of(original.id) == fact.occupant_id
    return (
        spoken is not None
        and original.sender == f"{fact.room}/{fact.nick}"
        and original.id in spoken.get(fact.nick, set())
    )
