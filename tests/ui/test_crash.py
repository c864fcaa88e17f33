"""An internal error ends the app with one line; the traceback goes to the log only."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from rich.console import Console

from tests.ui.support import offline_app


async def test_crash_shows_one_line_and_logs_the_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = offline_app(tmp_path)
    screen = io.StringIO()
    app.error_console = Console(file=screen, width=200)

    def explode() -> None:
        password = "hunter2"  # a traceback with locals (Textual's default) would show this
        raise RuntimeError(f"boom {len(password)}")

    with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError, match="boom"):
        async with app.run_test(size=(80, 24)) as pilot:
            app.call_later(explode)
            await pilot.pause()
    app._print_error_renderables()  # what App.run() does on the way out
    printed = screen.getvalue()
    assert "internal error" in printed and "log" in printed
    assert "Traceback" not in printed and "hunter2" not in printed
    assert len(printed.strip().splitlines()) <= 2  # one message (wrapped at most once)
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
