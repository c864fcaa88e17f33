"""Where xmpp-tui keeps its files: platformdirs locations, created 0700.

Set ``XMPP_TUI_HOME`` to keep everything under one directory instead (tests and
benchmarks use it for isolation)::

    $XMPP_TUI_HOME/config.toml
    $XMPP_TUI_HOME/history.sqlite3
    $XMPP_TUI_HOME/locks/<sha256>.lock   (one per account: store/account_lock.py)
    $XMPP_TUI_HOME/log/xmpp-tui.log
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from xmpp_tui.core.errors import UserFacingError

APP_NAME = "xmpp-tui"
HOME_ENV = "XMPP_TUI_HOME"
CONFIG_FILE_NAME = "config.toml"
HISTORY_FILE_NAME = "history.sqlite3"
LOG_FILE_NAME = "xmpp-tui.log"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The three directories the program uses (nothing is created by building this)."""

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / CONFIG_FILE_NAME

    @property
    def history_db(self) -> Path:
        return self.data_dir / HISTORY_FILE_NAME

    @property
    def log_file(self) -> Path:
        return self.log_dir / LOG_FILE_NAME


def app_paths(environ: Mapping[str, str] | None = None) -> AppPaths:
    """The locations for this platform, or under ``$XMPP_TUI_HOME`` when it is set."""
    env = os.environ if environ is None else environ
    home = env.get(HOME_ENV, "")
    if home:
        root = Path(home).expanduser().absolute()
        return AppPaths(config_dir=root, data_dir=root, log_dir=root / "log")
    import platformdirs  # lazy: only needed when XMPP_TUI_HOME is unset

    return AppPaths(
        config_dir=platformdirs.user_config_path(APP_NAME, appauthor=False),
        data_dir=platformdirs.user_data_path(APP_NAME, appauthor=False),
        log_dir=platformdirs.user_log_path(APP_NAME, appauthor=False),
    )


def log_dir() -> Path:
    """The log directory (not created)."""
    return app_paths().log_dir


def default_config_path() -> Path:
    """The config file read when ``--config`` is not given (it may not exist)."""
    return app_paths().config_file


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make it 0700; refuse someone else's directory.

    Raises UserFacingError if the path exists but is not a directory (a symlink to a
    directory is accepted when it is ours) or belongs to another user.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise UserFacingError(f"{path} is not a directory", "move it away and start again")
    if info.st_uid != os.getuid():
        raise UserFacingError(
            f"{path} belongs to another user (uid {info.st_uid})",
            "use a directory of your own, e.g. set XMPP_TUI_HOME",
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        path.chmod(0o700)
    return path
