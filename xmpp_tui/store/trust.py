"""Certificates the user chose to trust, per account (SHA-256 fingerprints)."""

from __future__ import annotations

import string

from xmpp_tui.core.clock import Clock, utc_now
from xmpp_tui.core.models import AccountId
from xmpp_tui.store.database import Database

_SEPARATORS = str.maketrans("", "", ": \t\r\n")


def normalise_fingerprint(sha256: str) -> str:
    """Return 'AB:CD:...' from 'ab:cd...' or 'ABCD...'; ValueError unless 32 bytes of hex."""
    digits = sha256.translate(_SEPARATORS).upper()
    if len(digits) != 64 or any(c not in string.hexdigits for c in digits):
        raise ValueError("not a SHA-256 fingerprint")
    return ":".join(digits[i : i + 2] for i in range(0, 64, 2))


class TrustStore:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def trust(self, account: AccountId, sha256: str) -> None:
        """Remember `sha256` for `account` (idempotent). ValueError if it is malformed."""
        fingerprint = normalise_fingerprint(sha256)
        added = self._clock().isoformat(timespec="seconds")
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO trusted_certificates (account, sha256, added) VALUES (?, ?, ?)"
                " ON CONFLICT (account, sha256) DO NOTHING",
                (account, fingerprint, added),
            )

    def is_trusted(self, account: AccountId, sha256: str) -> bool:
        try:
            fingerprint = normalise_fingerprint(sha256)
        except ValueError:
            return False
        row = self._db.connection.execute(
            "SELECT 1 FROM trusted_certificates WHERE account = ? AND sha256 = ?",
            (account, fingerprint),
        ).fetchone()
        return row is not None

    def fingerprints(self, account: AccountId) -> list[str]:
        rows = self._db.connection.execute(
            "SELECT sha256 FROM trusted_certificates WHERE account = ? ORDER BY added, sha256",
            (account,),
        ).fetchall()
        return [str(row["sha256"]) for row in rows]

    def forget(self, account: AccountId, sha256: str) -> None:
        fingerprint = normalise_fingerprint(sha256)
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM trusted_certificates WHERE account = ? AND sha256 = ?",
                (account, fingerprint),
            )
