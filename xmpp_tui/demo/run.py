"""``xmpp-tui --demo``: set up the demo world in a private temp dir, run the app on it, and
remove every trace on the way out (normal quit, Ctrl+C, SIGTERM/SIGHUP, or a crash).

The user's own config, history, keyring and log are never read or written: the app's home
(``XMPP_TUI_HOME``) is a directory inside the temp dir for the whole run.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.demo.server import INSTALL_HINT, DemoServerError, missing_programs
from xmpp_tui.demo.world import DemoWorld
from xmpp_tui.paths import HOME_ENV
from xmpp_tui.settings import Settings

TEMP_PREFIX = "xmpp-tui-demo-"


def check_programs() -> None:
    """Raise UserFacingError (with the install hint) when Prosody or openssl is missing."""
    missing = missing_programs()
    if missing:
        raise UserFacingError(
            f"--demo needs {' and '.join(missing)}, not found on PATH", INSTALL_HINT
        )


class _Cleanup:
    """Stops the world and removes the temp dir, once, whoever calls first."""

    def __init__(self, world: DemoWorld, root: Path) -> None:
        self.world = world
        self.root = root
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        with contextlib.suppress(Exception):
            self.world.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_demo(log_level: str) -> int:
    """Run the demo; returns the app's exit status. Raises UserFacingError (one line)."""
    check_programs()
    root = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))  # 0700
    world = DemoWorld(root)
    cleanup = _Cleanup(world, root)
    atexit.register(cleanup)
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    old_home = os.environ.get(HOME_ENV)
    try:
        home = root / "home"
        os.environ[HOME_ENV] = str(home)
        from xmpp_tui import paths
        from xmpp_tui.logs import setup_logging

        setup_logging(log_level, paths.log_dir())
        sys.stderr.write("xmpp-tui: starting the demo server...\n")
        sys.stderr.flush()
        try:
            world.start()
        except DemoServerError as exc:
            raise UserFacingError(f"the demo could not start: {exc}") from None
        from xmpp_tui.ui.launch import run_app

        settings = Settings(accounts=world.account_settings(), log_level=log_level)
        return run_app(settings, passwords=world.passwords)
    finally:
        cleanup()
        atexit.unregister(cleanup)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if old_home is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = old_home
