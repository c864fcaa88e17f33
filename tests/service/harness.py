"""A SessionService for one real account, with every published event recorded."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from tests.peer import wait_until
from tests.prosody_server import Account, ProsodyServer
from xmpp_tui.core.events import ConnectionChanged, Event
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.service.factory import build_service
from xmpp_tui.service.session import SessionService
from xmpp_tui.service.timing import Timing
from xmpp_tui.settings import AccountSettings, Settings

E = TypeVar("E", bound=Event)

#: Short timings so fault tests finish quickly; the defaults are for real networks.
FAST = Timing(
    connect_timeout=5.0,
    keepalive_interval=30.0,
    keepalive_timeout=5.0,
    backoff_first_min=0.1,
    backoff_first_max=0.3,
    backoff_cap=1.0,
    # The budget scaled down with the rest: 6 attempts in any 2 s, reset after 1 s online.
    reconnect_window=2.0,
    stable_after=1.0,
    iq_timeout=5.0,
)


def account_settings(
    prosody: ProsodyServer,
    account: Account,
    *,
    password: str | None = None,
    port: int | None = None,
    direct_tls: bool = False,
    ca_file: Path | None = None,
    resource: str = "tui",
) -> AccountSettings:
    secret = account.password if password is None else password
    return AccountSettings(
        jid=account.jid,
        host="127.0.0.1",
        port=port or prosody.c2s_port,
        direct_tls=direct_tls,
        ca_file=ca_file if ca_file is not None else prosody.cafile,
        resource=resource,
        password_command=f"printf %s {shlex.quote(secret)}" if secret else None,
    )


def build_test_service(
    accounts: Sequence[AccountSettings],
    home: Path,
    *,
    timing: Timing = FAST,
    passwords: PasswordSource | None = None,
) -> SessionService:
    """A service over ``home`` for ``accounts``; passwords from the settings, no keyring."""
    return build_service(
        Settings(accounts=tuple(accounts)),
        home=home,
        passwords=passwords or PasswordSource(use_keyring=False),
        timing=timing,
    )


@dataclass
class Harness:
    service: SessionService
    account: str
    events: list[Event] = field(default_factory=list)
    stopped: bool = False

    def of_type(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def count(self, state: ConnectionState) -> int:
        """How many times the connection has entered ``state`` so far."""
        return sum(1 for e in self.of_type(ConnectionChanged) if e.state is state)

    async def wait_event(
        self, kind: type[E], predicate: Callable[[E], bool] = lambda _: True, timeout: float = 10
    ) -> E:
        try:
            await wait_until(lambda: any(predicate(e) for e in self.of_type(kind)), timeout)
        except AssertionError:
            raise AssertionError(
                f"no matching {kind.__name__}; last events: {self.events[-6:]}"
            ) from None
        return next(e for e in self.of_type(kind) if predicate(e))

    async def wait_online(self, timeout: float = 10) -> None:
        await self.wait_event(
            ConnectionChanged, lambda e: e.state is ConnectionState.ONLINE, timeout=timeout
        )

    async def stop(self) -> None:
        """Stop the service; a second call does nothing (the fixture stops every harness)."""
        if not self.stopped:
            self.stopped = True
            await self.service.stop()


async def start_harness(
    settings: AccountSettings,
    home: Path,
    *,
    timing: Timing = FAST,
    accounts: Sequence[AccountSettings] | None = None,
) -> Harness:
    """Start a service for ``settings`` (or for all of ``accounts``, events of every one
    recorded; ``Harness.account`` stays ``settings.jid``)."""
    service = build_test_service(accounts or (settings,), home, timing=timing)
    harness = Harness(service=service, account=settings.jid)
    service.subscribe(harness.events.append)
    await service.start()
    return harness


class HarnessFactory(Protocol):
    """The ``harness`` fixture: ``await harness(alice)`` starts a service in ``tmp_path``
    and waits until it is online.

    ``account`` is an Account (settings from ``account_settings``) or ready AccountSettings;
    ``overrides`` replace AccountSettings fields (``ca_file=None``, ``password_command=None``,
    ``port=...``). ``home`` defaults to ``tmp_path``, so a second call over the same home is
    a restart over the same store. Every harness is stopped at teardown.
    """

    async def __call__(
        self,
        account: Account | AccountSettings,
        *,
        home: Path | None = None,
        timing: Timing = FAST,
        online: bool = True,
        accounts: Sequence[AccountSettings] | None = None,
        **overrides: Any,
    ) -> Harness: ...
