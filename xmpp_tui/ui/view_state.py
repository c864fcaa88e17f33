"""Pure view-state reducers: roster model, unread bookkeeping, pane list, status text.

Nothing here touches Textual; widgets hold these values in attributes and re-render from them,
so the logic is unit-tested without an app (tests/unit/test_view_state.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from xmpp_tui.core.events import (
    BlockListChanged,
    BookmarksChanged,
    Event,
    InvitationReceived,
    PresenceChanged,
    RoomChanged,
    RosterItemChanged,
    RosterItemRemoved,
    RosterReplaced,
    SubscriptionAnswered,
    SubscriptionRequested,
)
from xmpp_tui.core.models import (
    AccountId,
    BareJid,
    Bookmark,
    ConnectionState,
    ContactPresence,
    ResourcePresence,
    RoomInfo,
    RosterItem,
    Show,
    Subscription,
)

#: Heading for roster items without a group.
UNGROUPED = "Contacts"
#: Heading for peers we have history with but who are not in the roster.
NOT_IN_ROSTER = "Not in roster"
#: Heading for group chats: rooms we are in, bookmarked, or have history with.
ROOMS = "Rooms"


def private_name(nick: str, room: str) -> str:
    """How a private conversation with a room's occupant is named (XEP-0045 §7.5)."""
    return f"{nick} in {room}"


# -- roster -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountRoster:
    """What the roster pane knows about one account."""

    items: Mapping[BareJid, RosterItem] = field(default_factory=dict)
    presences: Mapping[BareJid, ContactPresence] = field(default_factory=dict)
    unread: Mapping[BareJid, int] = field(default_factory=dict)
    requests: frozenset[BareJid] = frozenset()  # asked to see our presence, unanswered
    strangers: frozenset[BareJid] = frozenset()  # history, but not in the roster
    #: The account's block list (XEP-0191). A blocked JID gets a row only when it is in the
    #: roster or has history (a stranger); blocking alone adds no row.
    blocked: frozenset[BareJid] = frozenset()
    #: Rooms we are in (or were, this run), by room JID (XEP-0045).
    rooms: Mapping[BareJid, RoomInfo] = field(default_factory=dict)
    bookmarks: tuple[Bookmark, ...] = ()
    #: Other JIDs known to be rooms: history with them is group chat, or /join named them.
    room_jids: frozenset[BareJid] = frozenset()
    #: Invitations not answered yet, by room (a "?" on the room's row; Enter answers).
    invitations: Mapping[BareJid, InvitationReceived] = field(default_factory=dict)

    def is_room(self, jid: BareJid) -> bool:
        return (
            jid in self.rooms
            or jid in self.room_jids
            or jid in self.invitations
            or any(bookmark.jid == jid for bookmark in self.bookmarks)
        )

    def room_info(self, jid: BareJid) -> RoomInfo | None:
        return self.rooms.get(jid)

    def presence_of(self, jid: BareJid) -> ContactPresence:
        room, slash, nick = jid.partition("/")
        if slash:  # a room's occupant: their presence in the room (nick as the resource)
            info = self.rooms.get(room)
            person = next((p for p in info.people if p.nick == nick), None) if info else None
            if person is None or not info or not info.joined:
                return ContactPresence(jid=jid)
            resource = ResourcePresence(resource=nick, show=person.show, status=person.status)
            return ContactPresence(jid=jid, resources=(resource,))
        return self.presences.get(jid) or ContactPresence(jid=jid)

    def display_name(self, jid: BareJid) -> str:
        room, slash, nick = jid.partition("/")
        if slash:  # private messages with a room's occupant: never a contact's name (T9)
            info = self.rooms.get(room)
            bookmark = next((b for b in self.bookmarks if b.jid == room), None)
            name = (info.name if info else "") or (bookmark.name if bookmark else "") or room
            return private_name(nick, name)
        item = self.items.get(jid)
        return item.display_name if item else jid

    def presence_shared(self, jid: BareJid) -> bool:
        """Whether ``jid`` shares their presence with us (else "offline" would be a guess)."""
        if "/" in jid:
            return True  # an occupant's presence is the room's to tell: it is known
        item = self.items.get(jid)
        sees = item is not None and item.subscription in (Subscription.TO, Subscription.BOTH)
        return sees or bool(self.presence_of(jid).resources)


def reduce_roster(state: AccountRoster, event: Event) -> AccountRoster:
    """Apply one service event; events that do not concern the roster return ``state``."""
    match event:
        case RosterReplaced():
            by_jid = {item.jid: item for item in event.items}
            return replace(
                state,
                items=by_jid,
                strangers=state.strangers - by_jid.keys(),
                requests=state.requests - _sharing(event.items),
            )
        case RosterItemChanged(item=item):
            return replace(
                state,
                items={**state.items, item.jid: item},
                strangers=state.strangers - {item.jid},
                requests=state.requests - _sharing([item]),
            )
        case RosterItemRemoved(jid=jid):
            items = {k: v for k, v in state.items.items() if k != jid}
            return replace(state, items=items)
        case PresenceChanged(presence=presence):
            return replace(state, presences={**state.presences, presence.jid: presence})
        case SubscriptionRequested(jid=jid):
            return replace(state, requests=state.requests | {jid})
        case SubscriptionAnswered():
            return state
        case BlockListChanged(blocked=blocked):
            return replace(state, blocked=frozenset(blocked))
        case RoomChanged(room=room):
            return replace(
                state,
                rooms={**state.rooms, room.jid: room},
                room_jids=state.room_jids | {room.jid},
                strangers=state.strangers - {room.jid},
                invitations=_without(state.invitations, room.jid)
                if room.joined
                else state.invitations,
            )
        case InvitationReceived(room=room):
            return replace(state, invitations={**state.invitations, room: event})
        case BookmarksChanged(bookmarks=bookmarks):
            jids = {b.jid for b in bookmarks}
            return replace(state, bookmarks=bookmarks, strangers=state.strangers - jids)
    return state


def answer_invitation(state: AccountRoster, room: BareJid) -> AccountRoster:
    """The user answered the invitation to ``room`` (accepted or declined): no more "?"."""
    return replace(state, invitations=_without(state.invitations, room))


def _without(
    invitations: Mapping[BareJid, InvitationReceived], room: BareJid
) -> Mapping[BareJid, InvitationReceived]:
    if room not in invitations:
        return invitations
    return {jid: invitation for jid, invitation in invitations.items() if jid != room}


def note_room(state: AccountRoster, room: BareJid) -> AccountRoster:
    """Remember that ``room`` is a group chat (history, or the user typed /join)."""
    if room in state.room_jids:
        return state
    return replace(state, room_jids=state.room_jids | {room}, strangers=state.strangers - {room})


def forget_room(state: AccountRoster, room: BareJid) -> AccountRoster:
    """``room`` turned out not to be one we are in or have history of (a refused /join): it
    leaves the Rooms heading again."""
    if room not in state.room_jids or room in state.rooms:
        return state
    return replace(state, room_jids=state.room_jids - {room})


def _sharing(items: Iterable[RosterItem]) -> set[BareJid]:
    """Contacts who already see our presence: a request from them is answered."""
    return {i.jid for i in items if i.subscription in (Subscription.FROM, Subscription.BOTH)}


def answer_request(state: AccountRoster, jid: BareJid) -> AccountRoster:
    """The user answered ``jid``'s request (prompt, /approve or /deny): drop the "?" marker."""
    return replace(state, requests=state.requests - {jid})


def note_peer(state: AccountRoster, peer: BareJid) -> AccountRoster:
    """Remember a conversation peer so strangers still appear in the roster pane."""
    if peer in state.items or peer in state.strangers or state.is_room(peer):
        return state
    return replace(state, strangers=state.strangers | {peer})


def add_unread(state: AccountRoster, peer: BareJid, count: int = 1) -> AccountRoster:
    return replace(state, unread={**state.unread, peer: state.unread.get(peer, 0) + count})


def clear_unread(state: AccountRoster, peer: BareJid) -> AccountRoster:
    if not state.unread.get(peer):
        return state
    return replace(state, unread={k: v for k, v in state.unread.items() if k != peer})


@dataclass(frozen=True, slots=True)
class HeaderRow:
    title: str
    is_account: bool = False


@dataclass(frozen=True, slots=True)
class ContactRow:
    account: AccountId
    jid: BareJid
    name: str
    show: Show
    unread: int = 0
    request_pending: bool = False  # they asked us
    waiting_for_them: bool = False  # we asked them
    subscription: Subscription = Subscription.NONE
    blocked: bool = False  # on the account's block list


@dataclass(frozen=True, slots=True)
class RoomRow:
    account: AccountId
    jid: BareJid
    name: str
    joined: bool = False
    unread: int = 0
    autojoin: bool = False  # bookmarked with autojoin
    invited: bool = False  # an invitation waits for an answer


RosterRow = HeaderRow | ContactRow | RoomRow


def room_rows(account: AccountId, roster: AccountRoster) -> list[RosterRow]:
    """The "Rooms" section: every room we are in, bookmarked, or have history with."""
    marks = {b.jid: b for b in roster.bookmarks}
    jids = set(roster.rooms) | set(marks) | set(roster.room_jids)
    jids -= {jid for jid, info in roster.rooms.items() if not info.joined and jid not in marks}
    jids |= set(roster.invitations)
    rows: list[RoomRow] = []
    for jid in jids:
        info, bookmark = roster.rooms.get(jid), marks.get(jid)
        name = (bookmark.name if bookmark else "") or (info.name if info else "") or jid
        rows.append(
            RoomRow(
                account=account,
                jid=jid,
                name=name,
                joined=bool(info and info.joined),
                unread=roster.unread.get(jid, 0),
                autojoin=bool(bookmark and bookmark.autojoin),
                invited=jid in roster.invitations,
            )
        )
    rows.sort(key=lambda r: (not r.joined, r.name.casefold(), r.jid))
    return [HeaderRow(ROOMS), *rows] if rows else []


def _contact_row(account: AccountId, roster: AccountRoster, jid: BareJid) -> ContactRow:
    item = roster.items.get(jid)
    return ContactRow(
        account=account,
        jid=jid,
        # A private conversation reads "nick in room", nick first (cut at the end, the nick
        # stays in view); never a contact's name (SECURITY.md T9).
        name=item.display_name if item else roster.display_name(jid),
        show=roster.presence_of(jid).show,
        unread=roster.unread.get(jid, 0),
        request_pending=jid in roster.requests,
        waiting_for_them=bool(item and item.pending_out),
        subscription=item.subscription if item else Subscription.NONE,
        blocked=jid in roster.blocked,
    )


def _sort_key(row: RosterRow) -> tuple[bool, str, str]:
    assert isinstance(row, ContactRow)
    return (row.show is Show.OFFLINE, row.name.casefold(), row.jid)


def account_rows(account: AccountId, roster: AccountRoster) -> list[RosterRow]:
    """Groups alphabetically, then ungrouped contacts, then strangers; online first in each."""
    groups: dict[str, list[RosterRow]] = {}
    for jid, item in roster.items.items():
        for group in item.groups or (UNGROUPED,):
            groups.setdefault(group, []).append(_contact_row(account, roster, jid))
    # Requests and unread messages from strangers must be visible somewhere.
    strangers = roster.strangers | roster.requests | {j for j, n in roster.unread.items() if n}
    strangers = frozenset(j for j in strangers if not roster.is_room(j))
    for jid in sorted(strangers - roster.items.keys()):
        groups.setdefault(NOT_IN_ROSTER, []).append(_contact_row(account, roster, jid))
    order = sorted(g for g in groups if g not in (UNGROUPED, NOT_IN_ROSTER))
    order += [g for g in (UNGROUPED, NOT_IN_ROSTER) if g in groups]
    rows: list[RosterRow] = []
    for group in order:
        rows.append(HeaderRow(group))
        rows.extend(sorted(groups[group], key=_sort_key))
    return rows + room_rows(account, roster)


def roster_rows(rosters: Mapping[AccountId, AccountRoster]) -> list[RosterRow]:
    """Every account's rows; an account header only when more than one account is open."""
    rows: list[RosterRow] = []
    many = len(rosters) > 1
    for account, roster in rosters.items():
        if many:
            rows.append(HeaderRow(account, is_account=True))
        rows.extend(account_rows(account, roster))
    return rows


# -- panes --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class ChatKey:
    """One conversation pane: which account talks to which peer."""

    account: AccountId
    peer: BareJid


@dataclass(frozen=True, slots=True)
class PaneList:
    """Pane 0 is the console; pane i (1-based) is ``chats[i - 1]``."""

    chats: tuple[ChatKey, ...] = ()
    active: int = 0

    @property
    def count(self) -> int:
        return len(self.chats) + 1

    @property
    def active_chat(self) -> ChatKey | None:
        return self.chats[self.active - 1] if self.active else None

    def index_of(self, key: ChatKey) -> int | None:
        return self.chats.index(key) + 1 if key in self.chats else None


def open_chat(panes: PaneList, key: ChatKey) -> PaneList:
    """Show ``key``'s pane, appending it when it is not open yet."""
    index = panes.index_of(key)
    if index is not None:
        return replace(panes, active=index)
    chats = (*panes.chats, key)
    return PaneList(chats=chats, active=len(chats))


def close_chat(panes: PaneList, key: ChatKey) -> PaneList:
    index = panes.index_of(key)
    if index is None:
        return panes
    chats = tuple(k for k in panes.chats if k != key)
    active = panes.active
    if active > index or active > len(chats):
        active -= 1
    return PaneList(chats=chats, active=max(active, 0))


def select_pane(panes: PaneList, index: int) -> PaneList:
    """Go to pane ``index``; out-of-range indexes leave the list unchanged."""
    if 0 <= index < panes.count:
        return replace(panes, active=index)
    return panes


def cycle_pane(panes: PaneList, step: int) -> PaneList:
    return replace(panes, active=(panes.active + step) % panes.count)


# -- status -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionView:
    state: ConnectionState = ConnectionState.DISCONNECTED
    detail: str = ""
    next_attempt_at: datetime | None = None


def connection_label(view: ConnectionView, now: datetime) -> str:
    """One short phrase: ``online``, ``reconnecting in 12s``, ``failed: wrong password``."""
    state = view.state
    if state is ConnectionState.RECONNECTING and view.next_attempt_at is not None:
        seconds = max(0, round((view.next_attempt_at - now).total_seconds()))
        label = f"reconnecting in {seconds}s"
    else:
        label = state.value
    if view.detail and state in (
        ConnectionState.FAILED,
        ConnectionState.DISCONNECTED,
        ConnectionState.RECONNECTING,
    ):
        label = f"{label}: {view.detail}"
    return label


def short_names(accounts: Iterable[AccountId]) -> dict[AccountId, str]:
    """``alice`` for alice@example.org, unless another open account has the same local part."""
    accounts = list(accounts)
    locals_ = [account.partition("@")[0] for account in accounts]
    return {
        account: local if local and locals_.count(local) == 1 else account
        for account, local in zip(accounts, locals_, strict=True)
    }


# -- completion ---------------------------------------------------------------------------


def complete_word(word: str, candidates: Iterable[str]) -> list[str]:
    """Candidates starting with ``word`` (case-insensitive), sorted, without duplicates."""
    folded = word.casefold()
    return sorted({c for c in candidates if c.casefold().startswith(folded)})


def common_prefix(words: list[str]) -> str:
    if not words:
        return ""
    first, last = min(words), max(words)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]
