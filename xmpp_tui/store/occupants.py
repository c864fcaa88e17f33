"""Who wrote each room message, as the room says (XEP-0421 occupant-id), for the rooms that
offer it: a correction applies only from the same occupant, whatever nick they use now."""

from __future__ import annotations

from xmpp_tui.store.database import Database


class OccupantStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def set(self, message: int, occupant_id: str) -> None:
        """Remember the occupant-id of stored message ``message`` (messages.id)."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO room_occupants (message, occupant_id) VALUES (?, ?)"
                " ON CONFLICT (message) DO NOTHING",
                (message, occupant_id),
            )

    def of(self, message: int) -> str | None:
        row = self._db.connection.execute(
            "SELECT occupant_id FROM room_occupants WHERE message = ?", (message,)
        ).fetchone()
        return None if row is None else str(row[0])
