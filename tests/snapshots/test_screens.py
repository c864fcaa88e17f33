"""Snapshots at 80x24 from a seeded store, offline, fixed clock, no cursor blink (habit 9).

Regenerate after an intended change with ``pytest tests/snapshots --snapshot-update`` and look at
the SVGs in tests/snapshots/__snapshots__/ before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.support import ALICE, fixed_clock, offline_app, offline_service
from xmpp_tui.core.events import CertificateRejected, Event, PasswordNeeded
from xmpp_tui.core.models import CertificateInfo
from xmpp_tui.ui.app import make_app
from xmpp_tui.ui.bridge import ServiceEvent

SIZE = (80, 24)
SnapCompare = Callable[..., bool]
PilotAction = Callable[[Pilot[Any]], Awaitable[None]]

CERTIFICATE = CertificateInfo(
    sha256=":".join(f"{n:02X}" for n in range(32)),
    subject="CN=localhost",
    issuer="CN=Evil\u202eCA [@click=app.quit]x[/]",
    not_after="2030-01-01 00:00:00 UTC",
    reason="self-signed certificate",
)


def _type(text: str) -> PilotAction:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press(*text, "enter")
        await pilot.pause()

    return run


def _inject(event: Event) -> PilotAction:
    async def run(pilot: Pilot[Any]) -> None:
        pilot.app.post_message(ServiceEvent(event))
        await pilot.pause()
        await pilot.pause()

    return run


class TestMainScreen:
    def test_console_and_roster(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        assert snap_compare(offline_app(tmp_path), terminal_size=SIZE)

    def test_chat_with_hostile_history(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        app = offline_app(tmp_path)
        assert snap_compare(app, terminal_size=SIZE, run_before=_type("/msg bob@localhost"))


class TestThemes:
    """The main screen, a chat in front (roster, history, delivery marks, status bar), in each
    shipped theme (themes/*.toml)."""

    @pytest.mark.parametrize("theme", ["dark", "light", "ansi16"])
    def test_chat_in_theme(self, snap_compare: SnapCompare, tmp_path: Path, theme: str) -> None:
        app = make_app(
            offline_service(tmp_path),
            clock=fixed_clock,
            tz=UTC,
            cursor_blink=False,
            theme=theme,
        )
        assert snap_compare(app, terminal_size=SIZE, run_before=_type("/msg bob@localhost"))


class TestCertificateScreen:
    def test_rejected_certificate(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        event = CertificateRejected(account=ALICE, certificate=CERTIFICATE)
        app = offline_app(tmp_path)
        assert snap_compare(app, terminal_size=SIZE, run_before=_inject(event))


class TestPasswordScreen:
    def test_password_prompt(self, snap_compare: SnapCompare, tmp_path: Path) -> None:
        event = PasswordNeeded(account=ALICE, reason="The server refused the password")
        app = offline_app(tmp_path)
        assert snap_compare(app, terminal_size=SIZE, run_before=_inject(event))
