"""Where each archive (XEP-0313) was last read up to: the MAM result id, never message/@id."""

from __future__ import annotations

from xmpp_tui.core.clock import Clock, utc_now
from xmpp_tui.core.models import AccountId
from xmpp_tui.store.database import Database


class CursorStore:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def get(self, account: AccountId, archive: str) -> str | None:
        row = self._db.connection.execute(
            "SELECT last_id FROM archive_cursors WHERE account = ? AND archive = ?",
            (account, archive),
        ).fetchone()
        return None if row is None else row["last_id"]

    def set(self, account: AccountId, archive: str, last_id: str) -> None:
        """Move the cursor; inside a `Database.transaction()` it commits with the messages."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO archive_cursors (account, archive, last_id, updated)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT (account, archive) DO UPDATE"
                " SET last_id = excluded.last_id, updated = excluded.updated",
                (account, archive, last_id, self._clock().isoformat()),
            )
