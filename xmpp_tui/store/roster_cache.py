"""The last roster and its version (RFC 6121 section 2.6), for fast, offline starts."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from xmpp_tui.core.models import AccountId, RosterItem, Subscription
from xmpp_tui.store.database import Database

log = logging.getLogger(__name__)


class RosterCache:
    """One JSON document per account; an unreadable cache is treated as empty."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def load(self, account: AccountId) -> tuple[str | None, tuple[RosterItem, ...]]:
        """(version, items); (None, ()) when nothing usable is cached."""
        row = self._db.connection.execute(
            "SELECT version, items_json FROM roster_cache WHERE account = ?", (account,)
        ).fetchone()
        if row is None:
            return None, ()
        try:
            entries = json.loads(row["items_json"])
            if not isinstance(entries, list):
                raise TypeError("roster cache is not a list")
            items = tuple(_item(entry) for entry in entries)
        except (ValueError, TypeError, KeyError):
            # Without a version the next login fetches the full roster again.
            log.warning("Ignoring an unreadable roster cache for %s", account)
            return None, ()
        version = row["version"]
        return (None if version is None else str(version)), items

    def save(self, account: AccountId, version: str | None, items: Iterable[RosterItem]) -> None:
        document = json.dumps([_entry(item) for item in items], ensure_ascii=False)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO roster_cache (account, version, items_json) VALUES (?, ?, ?)"
                " ON CONFLICT (account)"
                " DO UPDATE SET version = excluded.version, items_json = excluded.items_json",
                (account, version, document),
            )

    def clear(self, account: AccountId) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM roster_cache WHERE account = ?", (account,))


def _entry(item: RosterItem) -> dict[str, object]:
    return {
        "jid": item.jid,
        "name": item.name,
        "groups": list(item.groups),
        "subscription": item.subscription.value,
        "pending_out": item.pending_out,
        "approved": item.approved,
    }


def _item(entry: object) -> RosterItem:
    if not isinstance(entry, dict):
        raise TypeError("roster entry is not an object")
    groups = entry.get("groups", [])
    if not isinstance(groups, list):
        raise TypeError("groups is not a list")
    return RosterItem(
        jid=str(entry["jid"]),
        name=str(entry.get("name", "")),
        groups=tuple(str(group) for group in groups),
        subscription=Subscription(entry.get("subscription", Subscription.NONE.value)),
        pending_out=bool(entry.get("pending_out", False)),
        approved=bool(entry.get("approved", False)),
    )
