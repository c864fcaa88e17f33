"""The activity list: conversations with unread messages across every account (pure).

The view (``ui/screens/activity_view.py``, F2 or ``/activity``) lists them newest first. Alt+A
jumps to the next one, in order of importance rather than age, as irssi's and weechat's
Alt+A do: first the conversations that ask for *you* (a 1:1 chat, a private message from a
room's occupant, a room line naming your nick), newest first; then plain room chatter,
newest first. The pane in front is skipped, so pressing Alt+A again moves on.

Everything here is a value computed from the roster models and the marks the screen keeps;
nothing touches Textual (tests/unit/test_activity.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from xmpp_tui.core.models import AccountId, BareJid
from xmpp_tui.core.sanitize import sanitize_identifier
from xmpp_tui.ui.view_state import AccountRoster, ChatKey


@dataclass(frozen=True, slots=True)
class ActivityMark:
    """What the screen saw of a conversation's unread messages this run."""

    newest: datetime  # the newest unread message's timestamp
    mentioned: bool = False  # a room line among them names our nick


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    key: ChatKey
    name: str  # sanitised: safe to show as plain text
    unread: int
    newest: datetime | None  # None: unread from before this run, time unknown
    room: bool  # a group chat (not a private message from one of its occupants)
    mentioned: bool = False

    @property
    def urgent(self) -> bool:
        """Addressed to us: a 1:1 chat, a private message or a mention; not room chatter."""
        return self.mentioned or not self.room


def note_unread(
    marks: Mapping[ChatKey, ActivityMark], key: ChatKey, newest: datetime, mentioned: bool
) -> dict[ChatKey, ActivityMark]:
    """``marks`` after more unread messages came in ``key`` (the newest at ``newest``)."""
    before = marks.get(key)
    if before is not None:
        newest = max(newest, before.newest)
        mentioned = mentioned or before.mentioned
    return {**marks, key: ActivityMark(newest=newest, mentioned=mentioned)}


def prune(
    marks: Mapping[ChatKey, ActivityMark], rosters: Mapping[AccountId, AccountRoster]
) -> dict[ChatKey, ActivityMark]:
    """Only the marks of conversations still unread (a read one starts afresh next time)."""
    return {
        key: mark
        for key, mark in marks.items()
        if (roster := rosters.get(key.account)) is not None and roster.unread.get(key.peer, 0)
    }


def _name(roster: AccountRoster, peer: BareJid, room: bool) -> str:
    if room:
        info = roster.room_info(peer)
        bookmark = next((b for b in roster.bookmarks if b.jid == peer), None)
        name = (bookmark.name if bookmark else "") or (info.name if info else "") or peer
    else:
        name = roster.display_name(peer)
    return sanitize_identifier(name)


def _newest_first(entry: ActivityEntry) -> tuple[bool, float, AccountId, BareJid]:
    stamp = entry.newest.timestamp() if entry.newest is not None else 0.0
    return (entry.newest is None, -stamp, entry.key.account, entry.key.peer)


def activity_entries(
    rosters: Mapping[AccountId, AccountRoster],
    marks: Mapping[ChatKey, ActivityMark],
    earlier: Mapping[ChatKey, datetime] | None = None,
) -> list[ActivityEntry]:
    """Every conversation with unread messages, newest first (unknown times last).

    ``earlier``: the newest stored message of conversations unread before this run.
    """
    entries: list[ActivityEntry] = []
    for account, roster in rosters.items():
        for peer, unread in roster.unread.items():
            if unread <= 0:
                continue
            key = ChatKey(account, peer)
            mark = marks.get(key)
            room = "/" not in peer and roster.is_room(peer)
            newest = mark.newest if mark is not None else (earlier or {}).get(key)
            entries.append(
                ActivityEntry(
                    key=key,
                    name=_name(roster, peer, room),
                    unread=unread,
                    newest=newest,
                    room=room,
                    mentioned=mark is not None and mark.mentioned,
                )
            )
    entries.sort(key=_newest_first)
    return entries


def next_unread(entries: Sequence[ActivityEntry], current: ChatKey | None) -> ChatKey | None:
    """Where Alt+A goes: the newest urgent conversation, else the newest room; never the pane
    in front (None: nothing else is unread)."""
    others = [entry for entry in entries if entry.key != current]
    urgent = [entry for entry in others if entry.urgent]
    chosen = (urgent or others)[:1]
    return chosen[0].key if chosen else None


def short_time(when: datetime | None, now: datetime, tz: tzinfo | None) -> str:
    """``14:05`` today, ``02 May`` before, ``-`` when unknown: five cells at most."""
    if when is None:
        return "-"
    local, today = when.astimezone(tz), now.astimezone(tz)
    return local.strftime("%H:%M") if local.date() == today.date() else local.strftime("%d %b")


def entry_line(entry: ActivityEntry, now: datetime, tz: tzinfo | None, via: str | None) -> str:
    """One row of the view: ``! 14:05   3  bob@example.org  (alice)``; plain text."""
    mark = "!" if entry.mentioned else " "
    account = f"  ({via})" if via else ""
    return f"{mark} {short_time(entry.newest, now, tz):>6} {entry.unread:>3}  {entry.name}{account}"


def summary(entries: Iterable[ActivityEntry]) -> str:
    """``3 conversations, 12 unread``."""
    items = list(entries)
    total = sum(entry.unread for entry in items)
    word = "conversation" if len(items) == 1 else "conversations"
    return f"{len(items)} {word}, {total} unread"
