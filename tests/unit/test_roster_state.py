"""The live roster and per-resource presence of one account."""

from __future__ import annotations

from xmpp_tui.core.models import ResourcePresence, RosterItem, Show
from xmpp_tui.service.roster_state import RosterState

BOB = "bob@example.org"


def _p(resource: str, show: Show = Show.AVAILABLE, priority: int = 0) -> ResourcePresence:
    return ResourcePresence(resource=resource, show=show, priority=priority)


def test_best_resource_by_priority_then_availability() -> None:
    state = RosterState()
    state.set_presence(BOB, "phone", _p("phone", Show.AWAY, priority=5))
    contact = state.set_presence(BOB, "laptop", _p("laptop", Show.CHAT, priority=0))
    assert [r.resource for r in contact.resources] == ["laptop", "phone"]
    assert contact.best is not None and contact.best.resource == "phone"
    assert contact.show is Show.AWAY


def test_one_resource_leaving_keeps_the_others() -> None:
    state = RosterState()
    state.set_presence(BOB, "phone", _p("phone"))
    state.set_presence(BOB, "laptop", _p("laptop"))
    contact = state.set_presence(BOB, "phone", None)
    assert [r.resource for r in contact.resources] == ["laptop"]


def test_unavailable_from_the_bare_jid_clears_every_resource() -> None:
    state = RosterState()
    state.set_presence(BOB, "phone", _p("phone"))
    state.set_presence(BOB, "laptop", _p("laptop"))
    contact = state.set_presence(BOB, "", None)
    assert contact.resources == () and contact.show is Show.OFFLINE


def test_connection_loss_takes_everyone_offline() -> None:
    state = RosterState()
    state.replace([RosterItem(jid=BOB, name="Bob")])
    state.set_presence(BOB, "phone", _p("phone"))
    assert state.clear_presence() == [BOB]
    assert state.presences() == ()
    assert BOB in state and state.get(BOB) == RosterItem(jid=BOB, name="Bob")


def test_items_sorted_by_display_name() -> None:
    state = RosterState()
    state.replace([RosterItem(jid="z@x", name="Anna"), RosterItem(jid="a@x", name="zed")])
    assert [i.jid for i in state.items] == ["z@x", "a@x"]
    state.remove("z@x")
    assert [i.jid for i in state.items] == ["a@x"]


def test_update_presence_reports_only_changes() -> None:
    state = RosterState()
    # An offline contact's unavailable presence (the server's answer to our initial
    # presence, one per offline contact) changes nothing.
    assert state.update_presence(BOB, "", None) is None
    assert state.update_presence(BOB, "phone", None) is None
    online = state.update_presence(BOB, "phone", _p("phone"))
    assert online is not None and [r.resource for r in online.resources] == ["phone"]
    assert state.update_presence(BOB, "phone", _p("phone")) is None  # the same again
    away = state.update_presence(BOB, "phone", _p("phone", Show.AWAY))
    assert away is not None and away.best is not None and away.best.show is Show.AWAY
    assert state.update_presence(BOB, "laptop", None) is None  # a resource never seen
    gone = state.update_presence(BOB, "phone", None)
    assert gone is not None and gone.resources == ()
    assert state.presences() == ()
