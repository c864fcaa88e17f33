"""The outputs of an alert (`ui/notifier.py` decides when) and the terminal title.

Everything reaches the user through the terminal, so it works over SSH and in tmux with no
D-Bus or GUI: the bell (BEL), the terminal's notification escape (OSC 777 / OSC 9, wrapped
for tmux), and the window title (OSC 2, "xmpp-tui (N)" with the total unread count). For
desktop setups, ``notify_command`` runs a program with our fixed text as its last argument:
no shell, stdin/stdout/stderr on /dev/null, in its own session, killed after
`COMMAND_TIMEOUT` seconds, in a worker so the UI never waits for it. A command that fails
is logged and reported once in the console, not at every alert.

Raw sequences go through the Textual driver's ``write`` (what Textual's own ``bell()`` and
clipboard use), so they are queued in order with the screen updates.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
from collections.abc import Mapping
from typing import TYPE_CHECKING

from xmpp_tui.notification_settings import NotificationSettings
from xmpp_tui.ui import terminal_codes
from xmpp_tui.ui.notifier import ALERT_TEXT, ALERT_TITLE, AlertKind, unread_title

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen

log = logging.getLogger(__name__)

#: A notify_command still running after this many seconds is killed.
COMMAND_TIMEOUT = 10.0
#: Unread changes within this many seconds make one title update.
TITLE_DELAY = 0.25


class TerminalAlerts:
    def __init__(
        self,
        screen: MainScreen,
        settings: NotificationSettings,
        *,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.screen = screen
        self.settings = settings
        self._tmux = terminal_codes.in_tmux(environ)
        self._command_running = False
        self._command_failed = False
        self._title: str | None = None
        self._title_pending = False

    def write(self, sequence: str) -> None:
        """Raw text to the terminal (the headless test driver drops it)."""
        driver = self.screen.app._driver
        if driver is not None and sequence:
            driver.write(sequence)

    # -- alerts -------------------------------------------------------------------------

    def alert(self, kind: AlertKind) -> None:
        text = ALERT_TEXT[kind]
        settings = self.settings
        if settings.bell:
            self.write(terminal_codes.BEL)
        style = settings.terminal_notification
        self.write(terminal_codes.notification(style, ALERT_TITLE, text, tmux=self._tmux))
        if settings.notify_command and not self._command_running:
            self._command_running = True
            argv = (*settings.notify_command, text)
            self.screen.run_worker(self._run(argv), group="notify-command", exit_on_error=False)

    async def _run(self, argv: tuple[str, ...]) -> None:
        try:
            problem = await run_command(argv)
        finally:
            self._command_running = False
        if problem is None:
            return
        if self._command_failed:  # said once: a broken command must not fill log and console
            log.debug("notify_command: %s", problem)
            return
        self._command_failed = True
        log.warning("notify_command: %s (reported once)", problem)
        self.screen.console_line(
            f"notify_command failed ({problem}); check notify_command in config.toml", "error"
        )

    @property
    def command_running(self) -> bool:
        """A notify_command is running now (another alert meanwhile does not start one)."""
        return self._command_running

    # -- the window title ---------------------------------------------------------------

    def unread_changed(self) -> None:
        """Some unread count changed: update the title soon (one update for a burst)."""
        if not self.settings.terminal_title or self._title_pending:
            return
        self._title_pending = True
        self.screen.set_timer(TITLE_DELAY, self._update_title)

    def _update_title(self) -> None:
        self._title_pending = False
        total = sum(sum(roster.unread.values()) for roster in self.screen.rosters.values())
        title = unread_title(total)
        if title == self._title:
            return
        if self._title is None:
            self.write(terminal_codes.SAVE_TITLE)
        self._title = title
        self.write(terminal_codes.window_title(title))

    @property
    def title(self) -> str | None:
        """The title we last set (None: never set)."""
        return self._title

    def restore_title(self) -> None:
        """At exit: the title the terminal had before (where it keeps a title stack)."""
        if self._title is not None:
            self.write(terminal_codes.window_title(""))
            self.write(terminal_codes.RESTORE_TITLE)
            self._title = None


async def run_command(argv: tuple[str, ...], timeout: float = COMMAND_TIMEOUT) -> str | None:
    """Run ``argv`` (no shell) and wait for it; None when it exited 0, else what went wrong."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the terminal's Ctrl+C is not for it
        )
    except OSError as exc:
        return f"cannot run {argv[0]}: {exc.strerror or type(exc).__name__}"
    try:
        code = await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"still running after {timeout:g} s, stopped"
    except asyncio.CancelledError:  # the app is closing
        process.kill()
        raise
    return None if code == 0 else f"exit status {code}"
