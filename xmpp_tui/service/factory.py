"""Build the session service from settings: the one wiring point (CLI and tests)."""

from __future__ import annotations

from pathlib import Path

from xmpp_tui.core.clock import Clock, utc_now
from xmpp_tui.paths import app_paths, ensure_private_dir
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.service.session import SessionService
from xmpp_tui.service.timing import Timing
from xmpp_tui.settings import Settings
from xmpp_tui.store import Store


def build_service(
    settings: Settings,
    *,
    home: Path | None = None,
    passwords: PasswordSource | None = None,
    clock: Clock = utc_now,
    timing: Timing | None = None,
    offline: bool = False,
) -> SessionService:
    """Open the history store and make a service for ``settings.accounts``.

    ``home`` keeps the store in that directory instead of the platform data dir.
    """
    data_dir = home if home is not None else app_paths().data_dir
    ensure_private_dir(data_dir)
    store = Store.open(data_dir / "history.sqlite3")
    return SessionService(
        accounts=settings.accounts,
        store=store,
        passwords=passwords or PasswordSource(),
        clock=clock,
        timing=timing,
        offline=offline,
    )
