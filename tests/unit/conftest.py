"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xmpp_tui.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh history store on disk, closed after the test."""
    opened = Store.open(tmp_path / "history.sqlite3")
    yield opened
    opened.close()
