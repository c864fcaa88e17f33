"""The ``harness`` fixture: a SessionService per test, stopped at teardown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.prosody_server import Account, ProsodyServer
from tests.service.harness import (
    FAST,
    Harness,
    HarnessFactory,
    account_settings,
    start_harness,
)
from xmpp_tui.service.timing import Timing
from xmpp_tui.settings import AccountSettings


@pytest.fixture
async def harness(prosody: ProsodyServer, tmp_path: Path) -> AsyncIterator[HarnessFactory]:
    """``await harness(alice)``: see HarnessFactory."""
    started: list[Harness] = []

    async def factory(
        account: Account | AccountSettings,
        *,
        home: Path | None = None,
        timing: Timing = FAST,
        online: bool = True,
        accounts: Sequence[AccountSettings] | None = None,
        **overrides: Any,
    ) -> Harness:
        settings = (
            account if isinstance(account, AccountSettings) else account_settings(prosody, account)
        )
        if overrides:
            settings = replace(settings, **overrides)
        h = await start_harness(
            settings, tmp_path if home is None else home, timing=timing, accounts=accounts
        )
        started.append(h)
        if online:
            await h.wait_online()
        return h

    yield factory
    for h in reversed(started):
        await h.stop()
