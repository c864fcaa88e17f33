"""The occupant rule for corrections in rooms (XEP-0308 + XEP-0421), over a real store.

Prosody 0.12 has no occupant-id module, so the occupant-id path is checked here, through
`room_history.record` (the one way a room message reaches the history) with a real SQLite
store; the nick-and-presence path runs against the real server in
tests/service/test_room_corrections.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from xmpp_tui.core.events import Event, MessageAdded, MessageCorrected
from xmpp_tui.service import room_history
from xmpp_tui.store import Store
from xmpp_tui.xmpp.features.room_archive import MAM_NS
from xmpp_tui.xmpp.inbound import RoomMessageReceived
from xmpp_tui.xmpp.translate_rooms import OCCUPANT_ID_NS

ME = "alice@example.org"
ROOM = "team@conference.example.org"
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class _Rooms:
    features: dict[str, frozenset[str]]


@dataclass
class _Session:
    """What `room_history.record` uses of an AccountSession: the store, the account, the
    rooms' features, and where events go."""

    store: Store
    rooms: _Rooms
    account: str = ME
    events: list[Event] = field(default_factory=list)

    def publish(self, event: Event) -> None:
        self.events.append(event)


def _session(features: frozenset[str]) -> _Session:
    return _Session(store=Store.open_memory(), rooms=_Rooms(features={ROOM: features}))


def _fact(
    nick: str, body: str, mid: str, *, occupant: str | None, replace: str | None = None
) -> RoomMessageReceived:
    return RoomMessageReceived(
        room=ROOM,
        nick=nick,
        body=body,
        timestamp=T0,
        message_id=mid,
        origin_id=None,
        stanza_id=None,
        replace_id=replace,
        occupant_id=occupant,
    )


def _record(session: _Session, fact: RoomMessageReceived, *, live: bool = True) -> None:
    spoken: dict[str, set[int]] | None = {} if live else None  # a fresh join: nothing seen live
    room_history.record(cast(Any, session), fact, own_nick="alice", spoken=spoken)


def _bodies(session: _Session) -> list[str]:
    return [m.body for m in session.store.history.page(ME, ROOM)]


def test_same_occupant_id_may_correct_even_under_a_new_nick_and_from_the_archive() -> None:
    session = _session(frozenset({MAM_NS, OCCUPANT_ID_NS}))
    _record(session, _fact("bob", "teh plan", "b1", occupant="occ-bob"), live=False)
    # Renamed to "robert", same occupant-id, seen in the archive (no live presence): applies.
    _record(
        session,
        _fact("robert", "the plan", "b2", occupant="occ-bob", replace="b1"),
        live=False,
    )
    assert _bodies(session) == ["the plan"]
    assert isinstance(session.events[-1], MessageCorrected)


def test_other_occupant_id_under_the_same_nick_is_a_new_message() -> None:
    session = _session(frozenset({OCCUPANT_ID_NS}))
    _record(session, _fact("bob", "teh plan", "b1", occupant="occ-bob"))
    _record(session, _fact("bob", "send money", "m1", occupant="occ-mallory", replace="b1"))
    assert _bodies(session) == ["teh plan", "send money"]
    assert not any(isinstance(e, MessageCorrected) for e in session.events)
    assert isinstance(session.events[-1], MessageAdded)


def test_occupant_id_is_ignored_from_a_room_that_does_not_offer_it() -> None:
    """Without the feature the sender wrote the occupant-id itself: it proves nothing, and
    the archive (no live presence) cannot prove the same nick is the same person."""
    session = _session(frozenset({MAM_NS}))
    _record(session, _fact("bob", "teh plan", "b1", occupant="occ-bob"), live=False)
    _record(
        session,
        _fact("bob", "send money", "m1", occupant="occ-bob", replace="b1"),
        live=False,
    )
    assert _bodies(session) == ["teh plan", "send money"]
    assert session.store.occupants.of(session.store.history.page(ME, ROOM)[0].id) is None


def test_occupant_ids_go_with_their_message() -> None:
    """Schema v6: one occupant-id per stored message, kept once, deleted with the message."""
    store = Store.open_memory()
    stored = store.history.add_incoming(
        account=ME,
        peer=ROOM,
        sender=f"{ROOM}/bob",
        body="hi",
        timestamp=T0,
        stanza_id="r1",
        origin_id=None,
        message_id=None,
    )
    assert stored is not None
    store.occupants.set(stored.id, "occ-bob")
    store.occupants.set(stored.id, "occ-other")  # the first one stays
    assert store.occupants.of(stored.id) == "occ-bob"
    with store.database.transaction() as conn:
        conn.execute("DELETE FROM messages WHERE id = ?", (stored.id,))
    assert store.occupants.of(stored.id) is None
