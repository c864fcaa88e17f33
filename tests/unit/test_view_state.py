"""Pure view-state reducers: roster grouping and sorting, unread counts, panes, status text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from xmpp_tui.core.events import (
    BlockListChanged,
    PresenceChanged,
    RosterItemChanged,
    RosterItemRemoved,
    RosterReplaced,
    SubscriptionRequested,
)
from xmpp_tui.core.models import (
    ConnectionState,
    ContactPresence,
    ResourcePresence,
    RosterItem,
    Show,
    Subscription,
)
from xmpp_tui.ui.view_state import (
    NOT_IN_ROSTER,
    UNGROUPED,
    AccountRoster,
    ChatKey,
    ConnectionView,
    ContactRow,
    HeaderRow,
    PaneList,
    RosterRow,
    account_rows,
    add_unread,
    answer_request,
    clear_unread,
    close_chat,
    common_prefix,
    complete_word,
    connection_label,
    cycle_pane,
    note_peer,
    open_chat,
    reduce_roster,
    roster_rows,
    select_pane,
)

A = "alice@example.org"
B = "bob@example.org"
C = "carol@example.org"
D = "dave@example.org"


def _roster(*items: RosterItem) -> AccountRoster:
    return reduce_roster(AccountRoster(), RosterReplaced(account=A, items=items))


def _titles(rows: list[RosterRow]) -> list[str]:
    return [r.title if isinstance(r, HeaderRow) else f"  {r.name}" for r in rows]


def test_rows_group_alphabetically_then_ungrouped_then_strangers() -> None:
    roster = _roster(
        RosterItem(jid=B, name="Bob", groups=("Work",)),
        RosterItem(jid=C, name="Carol"),
        RosterItem(jid="zed@example.org", name="Zed", groups=("Family", "Work")),
    )
    roster = note_peer(roster, D)
    assert _titles(roster_rows({A: roster})) == [
        "Family",
        "  Zed",
        "Work",
        "  Bob",
        "  Zed",
        UNGROUPED,
        "  Carol",
        NOT_IN_ROSTER,
        f"  {D}",
    ]


def test_online_contacts_sort_before_offline_ones() -> None:
    roster = _roster(RosterItem(jid=B, name="Bob"), RosterItem(jid=C, name="Carol"))
    online = ContactPresence(jid=C, resources=(ResourcePresence(resource="x", show=Show.AWAY),))
    roster = reduce_roster(roster, PresenceChanged(account=A, presence=online))
    rows = [r for r in roster_rows({A: roster}) if isinstance(r, ContactRow)]
    assert [(r.name, r.show) for r in rows] == [("Carol", Show.AWAY), ("Bob", Show.OFFLINE)]


def test_account_headers_only_with_several_accounts() -> None:
    one = _roster(RosterItem(jid=B))
    assert not any(isinstance(r, HeaderRow) and r.is_account for r in roster_rows({A: one}))
    rows = roster_rows({A: one, "me@other.org": AccountRoster()})
    assert [r.title for r in rows if isinstance(r, HeaderRow) and r.is_account] == [
        A,
        "me@other.org",
    ]


def test_item_changes_and_removals() -> None:
    roster = _roster(RosterItem(jid=B))
    roster = reduce_roster(
        roster, RosterItemChanged(account=A, item=RosterItem(jid=B, name="Bobby"))
    )
    assert roster.display_name(B) == "Bobby"
    roster = reduce_roster(roster, RosterItemRemoved(account=A, jid=B))
    assert roster.display_name(B) == B
    assert roster_rows({A: roster}) == []


def test_stranger_who_joins_the_roster_leaves_not_in_roster() -> None:
    roster = note_peer(AccountRoster(), B)
    roster = reduce_roster(roster, RosterItemChanged(account=A, item=RosterItem(jid=B)))
    assert _titles(roster_rows({A: roster})) == [UNGROUPED, f"  {B}"]


def test_unread_and_markers() -> None:
    roster = _roster(RosterItem(jid=B, pending_out=True, subscription=Subscription.NONE))
    roster = add_unread(add_unread(roster, B), B)
    roster = reduce_roster(roster, SubscriptionRequested(account=A, jid=B))
    (row,) = [r for r in roster_rows({A: roster}) if isinstance(r, ContactRow)]
    assert (row.unread, row.request_pending, row.waiting_for_them) == (2, True, True)
    roster = answer_request(clear_unread(roster, B), B)
    (row,) = [r for r in roster_rows({A: roster}) if isinstance(r, ContactRow)]
    assert (row.unread, row.request_pending) == (0, False)


def test_roster_push_granting_presence_answers_the_request() -> None:
    roster = _roster(RosterItem(jid=B), RosterItem(jid=C))
    for jid in (B, C, D):
        roster = reduce_roster(roster, SubscriptionRequested(account=A, jid=jid))
    # "to" does not answer a request: they still cannot see our presence.
    to = RosterItem(jid=B, subscription=Subscription.TO)
    roster = reduce_roster(roster, RosterItemChanged(account=A, item=to))
    assert roster.requests == {B, C, D}
    granted = RosterItem(jid=B, subscription=Subscription.FROM)
    roster = reduce_roster(roster, RosterItemChanged(account=A, item=granted))
    assert roster.requests == {C, D}
    items = (RosterItem(jid=C, subscription=Subscription.BOTH), RosterItem(jid=D))
    roster = reduce_roster(roster, RosterReplaced(account=A, items=items))
    assert roster.requests == {D}
    rows = [r for r in roster_rows({A: roster}) if isinstance(r, ContactRow)]
    assert [(r.jid, r.request_pending) for r in rows] == [(C, False), (D, True)]


def test_unread_from_a_stranger_is_listed() -> None:
    roster = add_unread(AccountRoster(), D)
    assert _titles(roster_rows({A: roster})) == [NOT_IN_ROSTER, f"  {D}"]


def test_block_list_marks_contacts_and_adds_no_stranger_rows() -> None:
    roster = _roster(RosterItem(jid=B, name="Bob"), RosterItem(jid=C, name="Carol"))
    roster = note_peer(roster, D)  # history with Dave, who is not in the roster
    mallory = "mallory@example.org"  # blocked, no history: no row
    roster = reduce_roster(roster, BlockListChanged(account=A, blocked=(B, D, mallory)))
    assert roster.blocked == {B, D, mallory}
    rows = roster_rows({A: roster})
    assert _titles(rows) == [UNGROUPED, "  Bob", "  Carol", NOT_IN_ROSTER, f"  {D}"]
    marked = {r.jid: r.blocked for r in rows if isinstance(r, ContactRow)}
    assert marked == {B: True, C: False, D: True}
    # The whole list each time: an unblocked JID loses its mark.
    roster = reduce_roster(roster, BlockListChanged(account=A, blocked=(D,)))
    marked = {r.jid: r.blocked for r in roster_rows({A: roster}) if isinstance(r, ContactRow)}
    assert marked == {B: False, C: False, D: True}
    # Other roster events keep the block list.
    roster = reduce_roster(roster, RosterReplaced(account=A, items=(RosterItem(jid=D),)))
    assert roster.blocked == {D}


def test_pane_list_open_select_cycle_close() -> None:
    bob, carol = ChatKey(A, B), ChatKey(A, C)
    panes = open_chat(open_chat(PaneList(), bob), carol)
    assert (panes.count, panes.active, panes.active_chat) == (3, 2, carol)
    assert open_chat(panes, bob).active == 1  # reopening does not duplicate
    assert open_chat(panes, bob).chats == (bob, carol)
    assert select_pane(panes, 0).active_chat is None
    assert select_pane(panes, 7) == panes  # Alt+8 with three panes: nothing
    assert cycle_pane(panes, 1).active == 0
    assert cycle_pane(select_pane(panes, 0), -1).active == 2
    closed = close_chat(panes, carol)
    assert (closed.chats, closed.active) == ((bob,), 1)
    closed = close_chat(select_pane(panes, 1), bob)
    assert (closed.chats, closed.active_chat) == ((carol,), carol)


def test_connection_label() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    reconnecting = ConnectionView(ConnectionState.RECONNECTING, "", now + timedelta(seconds=12))
    assert connection_label(reconnecting, now) == "reconnecting in 12s"
    why = ConnectionView(
        ConnectionState.RECONNECTING, "Cannot reach x.org: no answer", now + timedelta(seconds=3)
    )
    assert connection_label(why, now) == "reconnecting in 3s: Cannot reach x.org: no answer"
    failed = ConnectionView(ConnectionState.FAILED, "wrong password")
    assert connection_label(failed, now) == "failed: wrong password"
    assert connection_label(ConnectionView(ConnectionState.ONLINE, "ignored"), now) == "online"


def test_completion_helpers() -> None:
    words = ["bob@example.org", "bobby@example.org", "carol@example.org", "Bob@example.org"]
    assert complete_word("bo", words) == ["Bob@example.org", "bob@example.org", "bobby@example.org"]
    assert common_prefix(["bob@x", "bobby@x"]) == "bob"
    assert common_prefix([]) == ""


def test_a_private_conversation_row_names_the_occupant_first() -> None:
    room = "room1@conference.example.org"
    roster = note_peer(AccountRoster(), f"{room}/bob")
    rows = [r for r in account_rows("a@x", roster) if isinstance(r, ContactRow)]
    assert [r.name for r in rows] == [f"bob in {room}"]
