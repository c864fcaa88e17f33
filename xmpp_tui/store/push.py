"""Push notifications (XEP-0357) the user turned on with ``/push enable``, per account.

config.toml's ``push_service``/``push_node`` win over what is stored here (the service
decides); this table is what makes a ``/push enable`` outlive the run. Each account's node
is created once and kept, also while push is off: the app server knows this device by it.
It also remembers the registration the server last accepted (whatever asked for it): a
server keeps registrations across sessions, so one no longer wanted must be disabled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xmpp_tui.core.models import AccountId
from xmpp_tui.store.database import Database


@dataclass(frozen=True, slots=True)
class PushRegistration:
    node: str
    service: str  # "" while push is off


class PushStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    def get(self, account: AccountId) -> PushRegistration | None:
        row = self._db.connection.execute(
            "SELECT node, service FROM push_registrations WHERE account = ?", (account,)
        ).fetchone()
        return None if row is None else PushRegistration(str(row[0]), str(row[1]))

    def node(self, account: AccountId, make: Callable[[], str]) -> str:
        """This account's stored node; ``make()`` creates (and stores) it the first time."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO push_registrations (account, node) VALUES (?, ?)"
                " ON CONFLICT (account) DO NOTHING",
                (account, make()),
            )
            row = conn.execute(
                "SELECT node FROM push_registrations WHERE account = ?", (account,)
            ).fetchone()
        return str(row[0])

    def enabled(self, account: AccountId, service: str, node: str) -> None:
        """Push is on with ``service`` and ``node``: the next start enables it again."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO push_registrations (account, node, service) VALUES (?, ?, ?)"
                " ON CONFLICT (account) DO UPDATE SET node = excluded.node,"
                " service = excluded.service",
                (account, node, service),
            )

    def disabled(self, account: AccountId) -> None:
        """Push is off: forget the app server, keep the node."""
        with self._db.transaction() as conn:
            conn.execute("UPDATE push_registrations SET service = '' WHERE account = ?", (account,))

    def registered(self, account: AccountId) -> tuple[str, str] | None:
        """The (app server, node) the server last accepted for ``account``, or None."""
        row = self._db.connection.execute(
            "SELECT registered_service, registered_node FROM push_registrations WHERE account = ?",
            (account,),
        ).fetchone()
        if row is None or not row[0]:
            return None
        return str(row[0]), str(row[1])

    def set_registered(self, account: AccountId, service: str, node: str) -> None:
        """The server accepted ``service``/``node`` (both "" once it was disabled)."""
        with self._db.transaction() as conn:
            if not service:  # never creates a row: its node would be empty
                conn.execute(
                    "UPDATE push_registrations SET registered_service = '',"
                    " registered_node = '' WHERE account = ?",
                    (account,),
                )
                return
            conn.execute(
                "INSERT INTO push_registrations"
                " (account, node, registered_service, registered_node) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (account) DO UPDATE SET"
                " registered_service = excluded.registered_service,"
                " registered_node = excluded.registered_node",
                (account, node, service, node),
            )
