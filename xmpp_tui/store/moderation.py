"""Moderated room messages (XEP-0425): find the message a moderator means, and replace a
moderated message's text by a tombstone. The removed text is not kept (no edit history for it):
removing it is the point of moderation."""

from __future__ import annotations

from xmpp_tui.core.models import AccountId, BareJid
from xmpp_tui.store.database import Database


class ModerationStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def newest_from(self, account: AccountId, room: BareJid, sender: str) -> str | None:
        """The room's stanza-id of the newest message from ``sender`` (room/nick) in ``room``."""
        row = self._db.connection.execute(
            "SELECT stanza_id FROM messages WHERE account = ? AND peer = ? AND sender = ?"
            " AND stanza_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            (account, room, sender),
        ).fetchone()
        return None if row is None else str(row["stanza_id"])

    def retract(
        self, account: AccountId, room: BareJid, stanza_id: str, tombstone: str
    ) -> int | None:
        """Replace the text of the message with this stanza-id in ``room`` (and only there);
        its local id, or None when there is no such message or it was retracted already."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT id, body FROM messages WHERE account = ? AND peer = ? AND stanza_id = ?",
                (account, room, stanza_id),
            ).fetchone()
            if row is None or row["body"] == tombstone:
                return None
            local_id = int(row["id"])
            conn.execute("DELETE FROM message_edits WHERE message = ?", (local_id,))
            conn.execute("UPDATE messages SET body = ? WHERE id = ?", (tombstone, local_id))
        return local_id
