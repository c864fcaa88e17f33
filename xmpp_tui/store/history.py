"""Message history and the persistent outbox, with layered dedupe (SECURITY.md 6.5, T7).

Dedupe never drops a legitimate message:

(a) same account + conversation + trusted stanza-id -> duplicate (a room sets its own ids)
(b) else same account + origin-id + sender bare -> duplicate (this is also how our own
    reflected messages, from carbons or MAM, find their outbox row)
(c) else same account + message/@id + sender full JID + body hash within +-60 s -> duplicate

At (a) and (b) the body must match too: a key reused with another body is logged and
both copies are kept (first writer wins; nothing is ever replaced). A duplicate only
ever *gains* a missing stanza-id.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from xmpp_tui.core.models import (
    AccountId,
    BareJid,
    ConversationKind,
    Delivery,
    Direction,
    StoredMessage,
)
from xmpp_tui.store.database import Database

log = logging.getLogger(__name__)

DEDUPE_WINDOW = timedelta(seconds=60)
_MAX_ID = 2**63 - 1

#: Forward order of outgoing delivery states; FAILED sits outside it.
_RANK = {
    Delivery.PENDING: 0,
    Delivery.SENT: 1,
    Delivery.ACKED: 2,
    Delivery.DELIVERED: 3,
    Delivery.DISPLAYED: 4,
}


#: At most this many conversations' "not a room" answers are kept.
_KIND_CACHE_SIZE = 10_000


class HistoryStore:
    """Read and write `messages` and `read_state` for every account."""

    def __init__(self, database: Database) -> None:
        self._db = database
        #: Conversations known to be group chats, and known not to be (yet): `is_room` is
        #: asked for every received message, and answering it from the rows scans the whole
        #: conversation (quadratic under a flood). Rows are never deleted, so a room stays
        #: one; "not a room" is forgotten whenever a group-chat row is written for that peer.
        self._rooms: set[tuple[AccountId, BareJid]] = set()
        self._not_rooms: set[tuple[AccountId, BareJid]] = set()

    # -- writes ---------------------------------------------------------------------------

    def add_incoming(
        self,
        *,
        account: AccountId,
        peer: BareJid,
        sender: str,
        body: str,
        timestamp: datetime,
        stanza_id: str | None,
        origin_id: str | None,
        message_id: str | None,
        direction: Direction = Direction.INCOMING,
        markable: bool = False,
        older: bool = False,
        kind: ConversationKind = ConversationKind.CHAT,
    ) -> StoredMessage | None:
        """Store a received message (live, carbon or MAM); None if it is a duplicate.

        ``older``: an archive page fetched backwards (scroll-back). The row gets an id below
        every stored one (ids may go negative), so id order stays display order and the
        message counts as read.

        `stanza_id` must already be trusted (by = our account, or a sid:0 room). A
        reflection of our own message (direction OUTGOING) that matches the outbox by
        origin-id only gains the stanza-id. Other OUTGOING messages (sent from another
        of our clients) are stored as ACKED: the server already has them, so they are
        never part of `pending()`.
        """
        stanza_id, origin_id, message_id = stanza_id or None, origin_id or None, message_id or None
        when = _to_db(timestamp)
        body_hash = _hash(body)
        sender_bare = _bare(sender)
        conn: sqlite3.Connection
        if kind is ConversationKind.GROUPCHAT:
            self._not_rooms.discard((account, peer))
        with self._db.transaction() as conn:
            conflict = False
            if stanza_id is not None:
                rows = conn.execute(
                    "SELECT id, body_hash FROM messages"
                    " WHERE account = ? AND peer = ? AND stanza_id = ?",
                    (account, peer, stanza_id),
                ).fetchall()
                if _same_body(rows, body_hash) is not None:
                    return None
                if rows:
                    conflict = True
                    log.warning(
                        "stanza-id reused with another body (account row %s); keeping both",
                        rows[0]["id"],
                    )
                    stanza_id = None  # first writer keeps it
            if origin_id is not None:
                rows = conn.execute(
                    "SELECT id, body_hash FROM messages"
                    " WHERE account = ? AND origin_id = ? AND sender_bare = ?",
                    (account, origin_id, sender_bare),
                ).fetchall()
                match = _same_body(rows, body_hash)
                if match is not None:
                    self._gain_stanza_id(conn, match, stanza_id)
                    return None
                if rows:
                    conflict = True
                    log.warning(
                        "origin-id reused with another body (row %s); keeping both", rows[0]["id"]
                    )
            if message_id is not None:
                row = conn.execute(
                    "SELECT id FROM messages WHERE account = ? AND message_id = ?"
                    " AND sender = ? AND body_hash = ? AND timestamp BETWEEN ? AND ?"
                    " ORDER BY id LIMIT 1",
                    (
                        account,
                        message_id,
                        sender,
                        body_hash,
                        _to_db(timestamp - DEDUPE_WINDOW),
                        _to_db(timestamp + DEDUPE_WINDOW),
                    ),
                ).fetchone()
                if row is not None:
                    self._gain_stanza_id(conn, int(row["id"]), stanza_id)
                    return None
            if conflict:
                # The conflicting copy may already be here from an earlier replay.
                row = conn.execute(
                    "SELECT id FROM messages WHERE account = ? AND peer = ? AND sender = ?"
                    " AND body_hash = ? AND timestamp = ? LIMIT 1",
                    (account, peer, sender, body_hash, when),
                ).fetchone()
                if row is not None:
                    return None
            delivery = Delivery.RECEIVED if direction is Direction.INCOMING else Delivery.ACKED
            return self._insert(
                conn,
                account=account,
                peer=peer,
                direction=direction,
                sender=sender,
                body=body,
                when=when,
                delivery=delivery,
                stanza_id=stanza_id,
                origin_id=origin_id,
                message_id=message_id,
                markable=markable,
                below_all=older,
                kind=kind,
            )

    def add_outgoing(
        self,
        *,
        account: AccountId,
        peer: BareJid,
        sender: str,
        body: str,
        timestamp: datetime,
        origin_id: str,
        message_id: str,
        kind: ConversationKind = ConversationKind.CHAT,
    ) -> StoredMessage:
        """The persisted outbox write: committed (state PENDING) before it returns."""
        if kind is ConversationKind.GROUPCHAT:
            self._not_rooms.discard((account, peer))
        with self._db.transaction() as conn:
            return self._insert(
                conn,
                account=account,
                peer=peer,
                direction=Direction.OUTGOING,
                sender=sender,
                body=body,
                when=_to_db(timestamp),
                delivery=Delivery.PENDING,
                stanza_id=None,
                origin_id=origin_id or None,
                message_id=message_id or None,
                kind=kind,
            )

    def set_delivery(
        self, account: AccountId, local_id: int, delivery: Delivery
    ) -> StoredMessage | None:
        """Move an outgoing message forward; None if that would be no change or a downgrade."""
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM messages WHERE account = ? AND id = ? AND direction = 'out'",
                (account, local_id),
            ).fetchone()
            if row is None or not _may_move(Delivery(row["delivery"]), delivery):
                return None
            conn.execute(
                "UPDATE messages SET delivery = ? WHERE id = ?", (delivery.value, local_id)
            )
            updated = conn.execute("SELECT * FROM messages WHERE id = ?", (local_id,)).fetchone()
        return _message(updated)

    def mark_read(self, account: AccountId, peer: BareJid, upto_id: int) -> None:
        """Everything up to `upto_id` in this conversation is read; never moves back."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO read_state (account, peer, read_upto) VALUES (?, ?, ?)"
                " ON CONFLICT (account, peer)"
                " DO UPDATE SET read_upto = max(read_upto, excluded.read_upto)",
                (account, peer, upto_id),
            )

    def correction_applied(self, account: AccountId, correction_id: str) -> bool:
        """Whether a correction with this id (origin-id or message/@id) was applied before."""
        row = self._db.connection.execute(
            "SELECT 1 FROM message_edits WHERE account = ? AND correction_id = ? LIMIT 1",
            (account, correction_id),
        ).fetchone()
        return row is not None

    def apply_correction(
        self,
        account: AccountId,
        local_id: int,
        *,
        body: str,
        timestamp: datetime,
        correction_id: str | None,
        delivery: Delivery | None = None,
    ) -> StoredMessage | None:
        """Give message `local_id` a corrected body (XEP-0308), keeping the one it replaces.

        The caller has checked that the correction may apply (same sender, same
        conversation). None when nothing changed: this correction was applied before (a
        replay from carbons or the archive), or the body is the same. `delivery` (PENDING)
        makes it an outbox entry: a correction of ours still to be sent.
        """
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM messages WHERE account = ? AND id = ?", (account, local_id)
            ).fetchone()
            if row is None or row["body"] == body:
                return None
            if correction_id is not None:
                seen = conn.execute(
                    "SELECT 1 FROM message_edits WHERE account = ? AND message = ?"
                    " AND correction_id = ?",
                    (account, local_id, correction_id),
                ).fetchone()
                if seen is not None:
                    return None
            conn.execute(
                "INSERT INTO message_edits (account, message, previous_body, correction_id,"
                " timestamp, delivery) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    account,
                    local_id,
                    row["body"],
                    correction_id,
                    _to_db(timestamp),
                    None if delivery is None else delivery.value,
                ),
            )
            # A message still in the outbox goes out with the new text as if first written:
            # its hash follows, so the archive's copy of it de-duplicates.
            unsent = row["delivery"] == Delivery.PENDING.value
            conn.execute(
                "UPDATE messages SET body = ?, edited = 1, body_hash = ? WHERE id = ?",
                (body, _hash(body) if unsent else row["body_hash"], local_id),
            )
            updated = conn.execute("SELECT * FROM messages WHERE id = ?", (local_id,)).fetchone()
        return _message(updated)

    def set_correction_delivery(
        self, account: AccountId, correction_id: str, delivery: Delivery
    ) -> bool:
        """Move our correction `correction_id` forward (PENDING -> SENT -> ACKED); False if it
        is not ours or that would be no change or a step back."""
        if delivery not in (Delivery.SENT, Delivery.ACKED):
            return False
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE message_edits SET delivery = ? WHERE account = ? AND correction_id = ?"
                " AND delivery IN (?, ?)",
                (
                    delivery.value,
                    account,
                    correction_id,
                    Delivery.PENDING.value,
                    # SENT -> SENT is no change; only ACKED may follow SENT.
                    Delivery.SENT.value if delivery is Delivery.ACKED else Delivery.PENDING.value,
                ),
            )
            return cursor.rowcount > 0

    def mark_displayed(
        self, account: AccountId, peer: BareJid, message_id: str
    ) -> list[StoredMessage]:
        """XEP-0333: `peer` has seen our message `message_id`, so every earlier one we sent
        them too. Returns the messages that moved to DISPLAYED (none if the id is not ours
        or not sent to `peer`). One-to-one only: in a room anyone could claim to have read."""
        with self._db.transaction() as conn:
            target = conn.execute(
                "SELECT id FROM messages WHERE account = ? AND peer = ? AND direction = 'out'"
                " AND kind = 'chat' AND (message_id = ? OR origin_id = ?)"
                " ORDER BY id DESC LIMIT 1",
                (account, peer, message_id, message_id),
            ).fetchone()
            if target is None:
                return []
            rows = conn.execute(
                "SELECT id FROM messages WHERE account = ? AND peer = ? AND direction = 'out'"
                " AND kind = 'chat' AND id <= ? AND delivery IN (?, ?, ?)",
                (
                    account,
                    peer,
                    int(target["id"]),
                    Delivery.SENT.value,
                    Delivery.ACKED.value,
                    Delivery.DELIVERED.value,
                ),
            ).fetchall()
            ids = [int(row["id"]) for row in rows]
            conn.executemany(
                "UPDATE messages SET delivery = ? WHERE id = ?",
                [(Delivery.DISPLAYED.value, local_id) for local_id in ids],
            )
        return [message for local_id in ids if (message := self.get(account, local_id))]

    # -- reads ----------------------------------------------------------------------------

    def find_correctable(
        self, account: AccountId, peer: BareJid, replace_id: str
    ) -> StoredMessage | None:
        """The message in this conversation that a correction naming `replace_id` targets.

        XEP-0308 says `replace_id` is the first message's id; some clients name the previous
        correction instead, which the edit history remembers.
        """
        conn = self._db.connection
        row = conn.execute(
            "SELECT * FROM messages WHERE account = ? AND peer = ?"
            " AND (message_id = ? OR origin_id = ?) ORDER BY id DESC LIMIT 1",
            (account, peer, replace_id, replace_id),
        ).fetchone()
        if row is None:
            row = conn.execute(
                "SELECT m.* FROM message_edits AS e JOIN messages AS m ON m.id = e.message"
                " WHERE e.account = ? AND e.correction_id = ? AND m.peer = ?"
                " ORDER BY e.id DESC LIMIT 1",
                (account, replace_id, peer),
            ).fetchone()
        return None if row is None else _message(row)

    def pending_corrections(self, account: AccountId) -> list[tuple[StoredMessage, str, Delivery]]:
        """Our corrections the server has not acknowledged: per message, only the newest one
        (it carries the whole text), as (message with its current text, correction id,
        PENDING or SENT), oldest first."""
        rows = self._db.connection.execute(
            "SELECT e.message AS message, e.correction_id AS correction_id,"
            " e.delivery AS delivery FROM message_edits AS e"
            " WHERE e.account = ? AND e.delivery IN (?, ?) AND e.correction_id IS NOT NULL"
            " AND e.id = (SELECT max(id) FROM message_edits WHERE message = e.message)"
            " ORDER BY e.id",
            (account, Delivery.PENDING.value, Delivery.SENT.value),
        ).fetchall()
        found = []
        for row in rows:
            message = self.get(account, int(row["message"]))
            if message is not None:
                found.append((message, str(row["correction_id"]), Delivery(row["delivery"])))
        return found

    def edits(self, account: AccountId, local_id: int) -> list[tuple[datetime, str]]:
        """The bodies message `local_id` had before its corrections, oldest first, each with
        the time it was replaced."""
        rows = self._db.connection.execute(
            "SELECT timestamp, previous_body FROM message_edits"
            " WHERE account = ? AND message = ? ORDER BY id",
            (account, local_id),
        ).fetchall()
        return [(_from_db(str(row["timestamp"])), str(row["previous_body"])) for row in rows]

    def last_message(
        self,
        account: AccountId,
        peer: BareJid,
        direction: Direction,
        *,
        markable: bool = False,
        after_id: int | None = None,
    ) -> StoredMessage | None:
        """The newest message in this conversation going `direction` (our last one is what
        /correct changes; their newest `markable` one is what a read marker names).

        ``after_id``: only among messages with a higher id (a search for a markable one in a
        conversation without any reads every row; this bounds it to what is new)."""
        row = self._db.connection.execute(
            "SELECT * FROM messages WHERE account = ? AND peer = ? AND direction = ?"
            " AND (? = 0 OR markable = 1) AND id > ? ORDER BY id DESC LIMIT 1",
            (
                account,
                peer,
                direction.value,
                int(markable),
                -_MAX_ID if after_id is None else after_id,
            ),
        ).fetchone()
        return None if row is None else _message(row)

    def find_incoming(
        self, account: AccountId, peer: BareJid, message_id: str
    ) -> StoredMessage | None:
        """The message `peer` sent us with this message/@id or origin-id."""
        row = self._db.connection.execute(
            "SELECT * FROM messages WHERE account = ? AND peer = ? AND direction = 'in'"
            " AND (message_id = ? OR origin_id = ?) ORDER BY id DESC LIMIT 1",
            (account, peer, message_id, message_id),
        ).fetchone()
        return None if row is None else _message(row)

    def find_outgoing(
        self,
        account: AccountId,
        *,
        message_id: str,
        peer: BareJid | None = None,
        kind: ConversationKind | None = None,
    ) -> StoredMessage | None:
        """Our message whose message/@id or origin-id is `message_id` (receipts, errors).

        Pass `peer` to accept only a message that was sent to that contact, `kind` to accept
        only a message of that kind of conversation.
        """
        row = self._db.connection.execute(
            "SELECT * FROM messages WHERE account = ? AND direction = 'out'"
            " AND (message_id = ? OR origin_id = ?) AND (? IS NULL OR peer = ?)"
            " AND (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT 1",
            (account, message_id, message_id, peer, peer, kind and kind.value, kind and kind.value),
        ).fetchone()
        return None if row is None else _message(row)

    def get(self, account: AccountId, local_id: int) -> StoredMessage | None:
        row = self._db.connection.execute(
            "SELECT * FROM messages WHERE account = ? AND id = ?", (account, local_id)
        ).fetchone()
        return None if row is None else _message(row)

    def page(
        self,
        account: AccountId,
        peer: BareJid,
        *,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[StoredMessage]:
        """The newest `limit` messages with id < `before_id`, oldest first."""
        if limit <= 0:
            return []
        rows = self._db.connection.execute(
            "SELECT * FROM messages WHERE account = ? AND peer = ? AND id < ?"
            " ORDER BY id DESC LIMIT ?",
            (account, peer, _MAX_ID if before_id is None else before_id, limit),
        ).fetchall()
        return [_message(row) for row in reversed(rows)]

    def newest_stanza_id(self, account: AccountId, peer: BareJid) -> str | None:
        """The trusted stanza-id of the newest stored message of ``peer`` that has one (where
        a room's catch-up goes on when it has no cursor: what we saw live)."""
        row = self._db.connection.execute(
            "SELECT stanza_id FROM messages WHERE account = ? AND peer = ?"
            " AND stanza_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            (account, peer),
        ).fetchone()
        return None if row is None else str(row[0])

    def oldest(self, account: AccountId, peer: BareJid) -> tuple[str | None, datetime | None]:
        """Where to page the archive back from: the trusted stanza-id of the conversation's
        first (lowest id) message that has one, and the earliest timestamp stored."""
        conn = self._db.connection
        row = conn.execute(
            "SELECT stanza_id FROM messages WHERE account = ? AND peer = ?"
            " AND stanza_id IS NOT NULL ORDER BY id LIMIT 1",
            (account, peer),
        ).fetchone()
        first = conn.execute(
            "SELECT min(timestamp) FROM messages WHERE account = ? AND peer = ?", (account, peer)
        ).fetchone()[0]
        return (
            None if row is None else str(row[0]),
            None if first is None else _from_db(str(first)),
        )

    def count(self, account: AccountId, peer: BareJid) -> int:
        row = self._db.connection.execute(
            "SELECT count(*) FROM messages WHERE account = ? AND peer = ?", (account, peer)
        ).fetchone()
        return int(row[0])

    def pending(self, account: AccountId) -> list[StoredMessage]:
        """Outgoing messages the server has not acknowledged (PENDING or SENT), oldest first."""
        rows = self._db.connection.execute(
            "SELECT * FROM messages WHERE account = ? AND direction = 'out'"
            " AND delivery IN (?, ?) ORDER BY id",
            (account, Delivery.PENDING.value, Delivery.SENT.value),
        ).fetchall()
        return [_message(row) for row in rows]

    def conversations(self, account: AccountId) -> list[tuple[BareJid, datetime]]:
        """Every peer with its latest message timestamp, newest first."""
        rows = self._db.connection.execute(
            "SELECT peer, max(timestamp) AS latest FROM messages WHERE account = ?"
            " GROUP BY peer ORDER BY latest DESC, peer",
            (account,),
        ).fetchall()
        return [(str(row["peer"]), _from_db(str(row["latest"]))) for row in rows]

    def is_room(self, account: AccountId, peer: BareJid) -> bool:
        """Whether the history with ``peer`` is a group chat."""
        key = (account, peer)
        if key in self._rooms:
            return True
        if key in self._not_rooms:
            return False
        row = self._db.connection.execute(
            "SELECT 1 FROM messages WHERE account = ? AND peer = ? AND kind = 'groupchat' LIMIT 1",
            (account, peer),
        ).fetchone()
        if row is None:
            if len(self._not_rooms) >= _KIND_CACHE_SIZE:
                self._not_rooms.clear()  # bounded: a flood of strangers costs a rescan, no memory
            self._not_rooms.add(key)
        elif not self._db.connection.in_transaction:  # the row could still be rolled back
            self._rooms.add(key)
        return row is not None

    def rooms(self, account: AccountId) -> list[BareJid]:
        """Every room (group chat) with stored history, sorted."""
        rows = self._db.connection.execute(
            "SELECT DISTINCT peer FROM messages WHERE account = ? AND kind = 'groupchat'"
            " ORDER BY peer",
            (account,),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def unread_counts(self, account: AccountId) -> dict[BareJid, int]:
        """Incoming messages after each conversation's read mark; only non-zero counts."""
        rows = self._db.connection.execute(
            "SELECT m.peer AS peer, count(*) AS unread FROM messages AS m"
            " LEFT JOIN read_state AS r ON r.account = m.account AND r.peer = m.peer"
            " WHERE m.account = ? AND m.direction = 'in' AND m.id > coalesce(r.read_upto, 0)"
            " GROUP BY m.peer",
            (account,),
        ).fetchall()
        return {str(row["peer"]): int(row["unread"]) for row in rows}

    def accounts(self) -> list[AccountId]:
        """Every account with at least one stored message, sorted."""
        rows = self._db.connection.execute(
            "SELECT DISTINCT account FROM messages ORDER BY account"
        ).fetchall()
        return [str(row[0]) for row in rows]

    def has_account(self, account: AccountId) -> bool:
        row = self._db.connection.execute(
            "SELECT 1 FROM messages WHERE account = ? LIMIT 1", (account,)
        ).fetchone()
        return row is not None

    def conversation(
        self, account: AccountId, peer: BareJid, *, limit: int | None = None
    ) -> Iterator[StoredMessage]:
        """The conversation in time order (timestamp, then arrival), oldest first.

        With `limit`, only the newest `limit` messages (still yielded oldest first). Without
        one, rows are streamed from the cursor rather than loaded at once.
        """
        conn = self._db.connection
        if limit is None:
            cursor = conn.execute(
                "SELECT * FROM messages WHERE account = ? AND peer = ? ORDER BY timestamp, id",
                (account, peer),
            )
            for row in cursor:
                yield _message(row)
            return
        if limit <= 0:
            return
        rows = conn.execute(
            "SELECT * FROM messages WHERE account = ? AND peer = ?"
            " ORDER BY timestamp DESC, id DESC LIMIT ?",
            (account, peer, limit),
        ).fetchall()
        for row in reversed(rows):
            yield _message(row)

    def search(
        self, query: str, *, account: AccountId | None = None, limit: int = 100
    ) -> list[StoredMessage]:
        """Messages whose body holds every word of `query` (full-text, FTS5), newest first.

        The query is plain words, never FTS5 syntax: each whitespace-separated token is
        quoted as an FTS5 string, so ``"``, ``*``, ``AND``, ``-``, ``:`` and ``(`` are
        searched as text (punctuation is not indexed, so it matches nothing by itself).
        Case and diacritics are ignored. ValueError if `query` has no word at all.
        """
        match = fts_query(query)
        if limit <= 0:
            return []
        # Rank the hits on (id, timestamp) alone, then read the winners' rows: sorting
        # whole rows is about three times slower when a word is in every fifth message.
        rows = self._db.connection.execute(
            "SELECT * FROM messages WHERE id IN ("
            " SELECT m.id FROM messages_fts AS f JOIN messages AS m ON m.id = f.rowid"
            " WHERE messages_fts MATCH ? AND (? IS NULL OR m.account = ?)"
            " ORDER BY m.timestamp DESC, m.id DESC LIMIT ?"
            ") ORDER BY timestamp DESC, id DESC",
            (match, account, account, limit),
        ).fetchall()
        return [_message(row) for row in rows]

    # -- internals ------------------------------------------------------------------------

    @staticmethod
    def _gain_stanza_id(conn: sqlite3.Connection, local_id: int, stanza_id: str | None) -> None:
        if stanza_id is not None:
            conn.execute(
                "UPDATE messages SET stanza_id = ? WHERE id = ? AND stanza_id IS NULL",
                (stanza_id, local_id),
            )

    @staticmethod
    def _insert(
        conn: sqlite3.Connection,
        *,
        account: AccountId,
        peer: BareJid,
        direction: Direction,
        sender: str,
        body: str,
        when: str,
        delivery: Delivery,
        stanza_id: str | None,
        origin_id: str | None,
        message_id: str | None,
        kind: ConversationKind,
        markable: bool = False,
        below_all: bool = False,
    ) -> StoredMessage:
        # AUTOINCREMENT hands out ids above every id ever used; an older message goes below
        # the smallest (explicit ids do not move the sequence).
        row_id = (
            int(conn.execute("SELECT min(coalesce(min(id), 0), 0) - 1 FROM messages").fetchone()[0])
            if below_all
            else None
        )
        cursor = conn.execute(
            "INSERT INTO messages (id, account, peer, direction, sender, sender_bare, body,"
            " timestamp, delivery, stanza_id, origin_id, message_id, body_hash, markable, kind)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row_id,
                account,
                peer,
                direction.value,
                sender,
                _bare(sender),
                body,
                when,
                delivery.value,
                stanza_id,
                origin_id,
                message_id,
                _hash(body),
                int(markable),
                kind.value,
            ),
        )
        local_id = cursor.lastrowid
        assert local_id is not None
        return StoredMessage(
            id=local_id,
            account=account,
            peer=peer,
            direction=direction,
            sender=sender,
            body=body,
            timestamp=_from_db(when),
            delivery=delivery,
            stanza_id=stanza_id,
            origin_id=origin_id,
            message_id=message_id,
            markable=markable,
            kind=kind,
        )


def fts_query(text: str) -> str:
    """`text` as an FTS5 query of literal words: each token a quoted string, all required.

    A double quote inside a token is doubled, as FTS5 strings escape it; NUL (which would
    end the query string early inside SQLite) counts as a space, and a character UTF-8
    cannot carry (a lone surrogate from undecodable argv bytes) becomes "?".
    """
    text = text.encode("utf-8", "replace").decode("utf-8")
    tokens = text.replace("\0", " ").split()
    if not tokens:
        raise ValueError("the search query is empty")
    return " ".join('"' + token.replace('"', '""') + '"' for token in tokens)


def _may_move(current: Delivery, new: Delivery) -> bool:
    if new is Delivery.FAILED:
        return current in (Delivery.PENDING, Delivery.SENT, Delivery.ACKED)
    if new not in _RANK:
        return False
    if current is Delivery.FAILED:
        # A receipt from the recipient proves delivery despite an earlier error.
        return new is Delivery.DELIVERED
    return current in _RANK and _RANK[new] > _RANK[current]


def _same_body(rows: list[sqlite3.Row], body_hash: str) -> int | None:
    for row in rows:
        if row["body_hash"] == body_hash:
            return int(row["id"])
    return None


def _message(row: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        id=int(row["id"]),
        account=str(row["account"]),
        peer=str(row["peer"]),
        direction=Direction(row["direction"]),
        sender=str(row["sender"]),
        body=str(row["body"]),
        timestamp=_from_db(str(row["timestamp"])),
        delivery=Delivery(row["delivery"]),
        stanza_id=_optional(row["stanza_id"]),
        origin_id=_optional(row["origin_id"]),
        message_id=_optional(row["message_id"]),
        edited=bool(row["edited"]),
        markable=bool(row["markable"]),
        kind=ConversationKind(row["kind"]),
    )


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _bare(jid: str) -> str:
    return jid.split("/", 1)[0]


def _hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _to_db(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601, so text order is time order."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("history timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _from_db(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
