"""Occupants (XEP-0045 §5, §7.6): what an occupant's presence says (real stanzas parsed from
XML), the list order, the nick offered when one is taken, and the coalescer."""

from __future__ import annotations

import asyncio

from tests.unit.test_translate_rooms import MUC_USER, ROOM, presence
from xmpp_tui.core.models import Affiliation, Occupant, Role, Show
from xmpp_tui.service.occupants import Coalescer, other_nick, sorted_people
from xmpp_tui.xmpp import translate_rooms
from xmpp_tui.xmpp.inbound import OccupantPresence


def test_role_affiliation_show_status_and_real_jid() -> None:
    pres = presence(
        f"<show>dnd</show><status>busy [b]x[/b]</status><x xmlns='{MUC_USER}'>"
        "<item affiliation='member' role='participant' jid='bob@example.net/phone'/></x>"
    )
    fact = translate_rooms.room_presence(pres)
    assert isinstance(fact, OccupantPresence)
    assert fact.occupant == Occupant(
        nick="bob",
        role=Role.PARTICIPANT,
        affiliation=Affiliation.MEMBER,
        show=Show.DND,
        status="busy [b]x[/b]",
        jid="bob@example.net/phone",
    )


def test_unknown_role_or_affiliation_counts_as_the_least() -> None:
    pres = presence(f"<x xmlns='{MUC_USER}'><item affiliation='god' role='king'/></x>")
    fact = translate_rooms.room_presence(pres)
    assert isinstance(fact, OccupantPresence) and fact.occupant is not None
    assert (fact.occupant.role, fact.occupant.affiliation) == (Role.VISITOR, Affiliation.NONE)
    bare = translate_rooms.room_presence(presence(f"<x xmlns='{MUC_USER}'/>"))
    assert isinstance(bare, OccupantPresence) and bare.occupant is not None
    assert bare.occupant.role is Role.VISITOR


def test_nick_change_303_names_the_new_nick() -> None:
    pres = presence(
        f"<x xmlns='{MUC_USER}'><item affiliation='none' role='participant' nick='robert'/>"
        "<status code='303'/></x>",
        type="unavailable",
    )
    fact = translate_rooms.room_presence(pres)
    assert isinstance(fact, OccupantPresence)
    assert (fact.room, fact.nick, fact.available, fact.new_nick) == (ROOM, "bob", False, "robert")
    # A nick attribute without 303 is not a rename.
    plain = presence(
        f"<x xmlns='{MUC_USER}'><item role='none' nick='robert'/></x>", type="unavailable"
    )
    fact = translate_rooms.room_presence(plain)
    assert isinstance(fact, OccupantPresence) and fact.new_nick == ""


def test_people_by_role_then_affiliation_then_nick() -> None:
    people = {
        o.nick: o
        for o in (
            Occupant(nick="zed", role=Role.VISITOR),
            Occupant(nick="Amy", role=Role.PARTICIPANT),
            Occupant(nick="bob", role=Role.PARTICIPANT, affiliation=Affiliation.MEMBER),
            Occupant(nick="cy", role=Role.MODERATOR, affiliation=Affiliation.ADMIN),
            Occupant(nick="al", role=Role.MODERATOR, affiliation=Affiliation.OWNER),
        )
    }
    assert [o.nick for o in sorted_people(people)] == ["al", "cy", "bob", "Amy", "zed"]


def test_other_nick_is_free() -> None:
    assert other_nick("bob", set()) == "bob_"
    assert other_nick("bob", {"bob", "bob_", "bob__"}) == "bob___"


async def test_coalescer_flushes_each_room_once_per_delay() -> None:
    flushed: list[str] = []
    done = asyncio.Event()

    def flush(room: str) -> None:
        flushed.append(room)
        done.set()

    coalescer = Coalescer(0.01, flush)
    for _ in range(100):
        coalescer.mark("a")
        coalescer.mark("b")
    coalescer.mark("c")
    coalescer.published("c")  # a snapshot went out meanwhile: nothing left for c
    await asyncio.wait_for(done.wait(), 2)
    assert sorted(flushed) == ["a", "b"]
    coalescer.mark("a")
    coalescer.cancel()
    await asyncio.sleep(0.03)  # the cancelled timer would have fired by now
    assert sorted(flushed) == ["a", "b"]
