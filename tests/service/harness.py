"""A SessionService for one real account, with every published event recorded."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

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


@dataclass
class Harness:
    service: SessionService
    account: str
    events: list[Event] = field(default_factory=list)

    def of_type(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

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
        await self.service.stop()


async def start_harness(settings: AccountSettings, home: Path, *, timing: Timing = FAST) -> Harness:
    service = build_service(
        Settings(accounts=(settings,)),
        home=home,
        passwords=PasswordSource(use_keyring=False),
        timing=timing,
    )
    harness = Harness(service=service, account=settings.jid)
    service.subscribe(harness.events.append)
    await service.start()
    return harness
