"""Archive gaps: where messages may be missing from a conversation (XEP-0313 fallback).

When the server no longer knows our archive cursor, the catch-up re-reads the archive from a
point in time; whatever the server expired between the old cursor and that point is lost. A gap
row marks the spot in each conversation that had stored history: right after its newest stored
message (messages.id ``after_id``), so the history view can draw a line there.
"""

from __future__ import annotations

from xmpp_tui.core.clock import Clock, utc_now
from xmpp_tui.core.models import AccountId, BareJid
from xmpp_tui.store.database import Database


class GapStore:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def mark_after_newest(self, account: AccountId) -> list[tuple[BareJid, int]]:
        """A gap after the newest stored message of every 1:1 conversation of ``account``
        (rooms keep their own archives: our account's archive has no gap in them).

        Returns the new gaps as (peer, after_id); a conversation whose newest message already
        has a gap gets no second one.
        """
        created = self._clock().isoformat()
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT peer, max(id) AS last FROM messages WHERE account = ? AND kind = 'chat'"
                " GROUP BY peer"
                " ORDER BY peer",
                (account,),
            ).fetchall()
            added: list[tuple[BareJid, int]] = []
            for row in rows:
                peer, last = str(row["peer"]), int(row["last"])
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO history_gaps (account, peer, after_id, created)"
                    " VALUES (?, ?, ?, ?)",
                    (account, peer, last, created),
                )
                if cursor.rowcount:
                    added.append((peer, last))
        return added

    def mark_after_newest_of(self, account: AccountId, peer: BareJid) -> int | None:
        """A gap after the newest stored message of ``peer``'s conversation (a room whose
        archive forgot our place); its ``after_id``, or None when nothing is stored or the
        gap is there already."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT max(id) FROM messages WHERE account = ? AND peer = ?", (account, peer)
            ).fetchone()
            if row is None or row[0] is None:
                return None
            last = int(row[0])
            cursor = conn.execute(
                "INSERT OR IGNORE INTO history_gaps (account, peer, after_id, created)"
                " VALUES (?, ?, ?, ?)",
                (account, peer, last, self._clock().isoformat()),
            )
        return last if cursor.rowcount else None

    def of(self, account: AccountId, peer: BareJid) -> frozenset[int]:
        """The message ids of ``peer``'s conversation that a gap follows."""
        rows = self._db.connection.execute(
            "SELECT after_id FROM history_gaps WHERE account = ? AND peer = ?", (account, peer)
        ).fetchall()
        return frozenset(int(row[0]) for row in rows)
