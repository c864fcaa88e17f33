"""Local persistence: history, outbox, roster cache, trusted certificates (SQLite).

The only package that imports ``sqlite3``; it depends on ``xmpp_tui.core`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xmpp_tui.store.cursors import CursorStore
from xmpp_tui.store.database import Database
from xmpp_tui.store.gaps import GapStore
from xmpp_tui.store.history import HistoryStore
from xmpp_tui.store.occupants import OccupantStore
from xmpp_tui.store.push import PushStore
from xmpp_tui.store.roster_cache import RosterCache
from xmpp_tui.store.trust import TrustStore

__all__ = [
    "CursorStore",
    "Database",
    "GapStore",
    "HistoryStore",
    "OccupantStore",
    "PushStore",
    "RosterCache",
    "Store",
    "TrustStore",
]


@dataclass(frozen=True, slots=True)
class Store:
    """Everything the service persists, over one database."""

    database: Database
    history: HistoryStore
    roster: RosterCache
    trust: TrustStore
    cursors: CursorStore
    gaps: GapStore
    occupants: OccupantStore
    push: PushStore

    @classmethod
    def open(cls, path: Path) -> Store:
        return cls._over(Database.open(path))

    @classmethod
    def open_memory(cls) -> Store:
        return cls._over(Database.open_memory())

    @classmethod
    def _over(cls, database: Database) -> Store:
        return cls(
            database=database,
            history=HistoryStore(database),
            roster=RosterCache(database),
            trust=TrustStore(database),
            cursors=CursorStore(database),
            gaps=GapStore(database),
            occupants=OccupantStore(database),
            push=PushStore(database),
        )

    def close(self) -> None:
        self.database.close()
