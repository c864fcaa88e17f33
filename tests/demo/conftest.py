"""``demo_world``: the demo's private server and bot, started once per test module."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from xmpp_tui.demo.server import missing_programs
from xmpp_tui.demo.world import DemoWorld


@pytest.fixture(scope="module")
def demo_world() -> Iterator[DemoWorld]:
    if missing_programs():
        # Like every real-server test: missing programs fail, with the command to fix it.
        pytest.fail(
            f"the demo needs {missing_programs()}: run sh tests/run.sh (it installs them)",
            pytrace=False,
        )
    root = Path(tempfile.mkdtemp(prefix="xmpp-tui-demo-test-"))
    world = DemoWorld(root)
    try:
        world.start()
        yield world
    finally:
        world.stop()
        shutil.rmtree(root, ignore_errors=True)
