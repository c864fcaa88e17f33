"""Schema migrations keyed by ``PRAGMA user_version``.

``MIGRATIONS[n]`` takes the schema from version ``n`` to ``n + 1``. Append only: never edit
a migration that has shipped. Each one runs in its own ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from xmpp_tui.core.errors import UserFacingError

_V1 = """
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account     TEXT NOT NULL,
    peer        TEXT NOT NULL,
    direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    sender      TEXT NOT NULL,
    sender_bare TEXT NOT NULL,
    body        TEXT NOT NULL,
    timestamp   TEXT NOT NULL,   -- ISO-8601 UTC, fixed width, sorts as text
    delivery    TEXT NOT NULL,
    stanza_id   TEXT,            -- XEP-0359, trusted only
    origin_id   TEXT,            -- XEP-0359
    message_id  TEXT,            -- message/@id
    body_hash   TEXT NOT NULL    -- sha256 hex of the body
);
CREATE INDEX messages_conversation ON messages (account, peer, id);
CREATE UNIQUE INDEX messages_stanza_id ON messages (account, stanza_id)
    WHERE stanza_id IS NOT NULL;
CREATE INDEX messages_origin_id ON messages (account, origin_id, sender_bare)
    WHERE origin_id IS NOT NULL;
CREATE INDEX messages_message_id ON messages (account, message_id)
    WHERE message_id IS NOT NULL;

CREATE TABLE read_state (
    account   TEXT NOT NULL,
    peer      TEXT NOT NULL,
    read_upto INTEGER NOT NULL,
    PRIMARY KEY (account, peer)
);

CREATE TABLE roster_cache (
    account    TEXT PRIMARY KEY,
    version    TEXT,
    items_json TEXT NOT NULL
);

CREATE TABLE trusted_certificates (
    account TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    added   TEXT NOT NULL,
    PRIMARY KEY (account, sha256)
);

CREATE TABLE archive_cursors (
    account TEXT NOT NULL,
    archive TEXT NOT NULL,
    last_id TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (account, archive)
);
"""

# Full-text search over message bodies (FTS5). An external-content table: the text lives
# once, in `messages`; the triggers keep the index in step, and 'rebuild' indexes the rows
# written before this version. Only a change of `body` touches the index (delivery marks and
# gained stanza-ids do not). unicode61 splits on punctuation and folds case and diacritics.
_V2 = """
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"""

# Message corrections (XEP-0308) and chat markers (XEP-0333). A correction rewrites the
# original row's body (the FTS index follows through its trigger) but never its `sender` or
# `body_hash`: the hash stays the original's, so the archive's copy of the original still
# de-duplicates against the row. Every replaced body is kept in `message_edits`, with the id
# of the correction that replaced it (a replayed correction is applied once); a correction we
# make is an outbox entry of its own there (`delivery`), sent and re-sent like a message.
_V3 = """
ALTER TABLE messages ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN markable INTEGER NOT NULL DEFAULT 0;
CREATE TABLE message_edits (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account        TEXT NOT NULL,
    message        INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    previous_body  TEXT NOT NULL,
    correction_id  TEXT,            -- the correction's origin-id or message/@id
    timestamp      TEXT NOT NULL,   -- when the correction was made (ISO-8601 UTC)
    delivery       TEXT             -- our own correction's outbox state; NULL: received
);
CREATE INDEX message_edits_message ON message_edits (message, id);
CREATE INDEX message_edits_correction ON message_edits (account, correction_id)
    WHERE correction_id IS NOT NULL;
"""

# Where the archive may have lost messages (an unknown MAM cursor made the catch-up fall back
# to a time-based query): one row per conversation, placed after the message `after_id`.
_V4 = """
CREATE TABLE history_gaps (
    account  TEXT NOT NULL,
    peer     TEXT NOT NULL,
    after_id INTEGER NOT NULL,   -- messages.id of the last message before the gap
    created  TEXT NOT NULL,
    PRIMARY KEY (account, peer, after_id)
);
"""

# Group chat (XEP-0045). A room assigns its own stanza-ids (XEP-0359, by = the room), so a
# stanza-id is unique per conversation, not per account: one room must not be able to make
# a message of another room (or of a contact) look like a duplicate. `kind` tells a room's
# conversation from a contact's.
_V5 = """
DROP INDEX messages_stanza_id;
CREATE UNIQUE INDEX messages_stanza_id ON messages (account, peer, stanza_id)
    WHERE stanza_id IS NOT NULL;
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'chat'
    CHECK (kind IN ('chat', 'groupchat'));
"""

# Who wrote a room message (XEP-0421 occupant-id, stored only when the room offers it): a
# correction in a room applies only when it comes from the same occupant.
_V6 = """
CREATE TABLE room_occupants (
    message     INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    occupant_id TEXT NOT NULL
);
"""

# Push notifications (XEP-0357) turned on with /push enable, so the next start turns them on
# again (config.toml's push_service/push_node win over this). The node names this device at
# the app server and is kept when push is turned off: it must not change across restarts.
_V7 = """
CREATE TABLE push_registrations (
    account TEXT PRIMARY KEY,
    node    TEXT NOT NULL,
    service TEXT NOT NULL DEFAULT '',  -- the app server while enabled; '' = off
    -- What the server last accepted, from config.toml or /push enable: servers keep a
    -- registration after the stream ends, so one no longer wanted is disabled at next start.
    registered_service TEXT NOT NULL DEFAULT '',
    registered_node    TEXT NOT NULL DEFAULT ''
);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Apply the missing migrations, each in one transaction; return the final version.

    `conn` must be in autocommit mode (``isolation_level=None``). A database written by a
    newer xmpp-tui is refused rather than guessed at.
    """
    latest = len(migrations)
    current = schema_version(conn)
    if current > latest:
        raise UserFacingError(
            f"The message history uses schema version {current}; "
            f"this xmpp-tui only knows up to {latest}",
            hint="Upgrade xmpp-tui, or move the history file aside",
        )
    for target in range(current + 1, latest + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            if schema_version(conn) < target:
                for statement in _statements(migrations[target - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(target)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return schema_version(conn)


def _statements(script: str) -> Iterator[str]:
    """Split a script into complete statements (``executescript`` would COMMIT first)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()!r}")
