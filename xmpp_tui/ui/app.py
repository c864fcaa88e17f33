"""The Textual app: wires the service to the main screen and runs the service's lifetime.

Kept thin (STYLE.md habit 4): layout and reactions live in `ui/screens/main.py`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path, PurePath
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App
from textual.command import Provider
from textual.theme import Theme

from xmpp_tui.core.clock import Clock, utc_now
from xmpp_tui.core.events import ConnectionChanged, Event
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.notification_settings import NotificationSettings
from xmpp_tui.service.session import SessionService
from xmpp_tui.ui import heap
from xmpp_tui.ui.bridge import ServiceEvent, connect_bridge
from xmpp_tui.ui.early_start import EarlyStart
from xmpp_tui.ui.palette import SlashCommands
from xmpp_tui.ui.screens.main import MainScreen
from xmpp_tui.ui.terminal_keys import enable_alt_digits
from xmpp_tui.ui.theme_roles import Restylable
from xmpp_tui.ui.themes import (
    ThemeCatalog,
    install_themes,
    load_catalog,
    rich_theme,
    shipped_themes_dir,
)

log = logging.getLogger(__name__)

__all__ = ["XmppTuiApp", "make_app"]


def _theme_css() -> list[str | PurePath]:
    """themes/base.tcss from a source checkout, or its copy inside the wheel."""
    here = Path(__file__).resolve().parent
    candidates = (here.parent / "_themes" / "base.tcss", here.parents[1] / "themes" / "base.tcss")
    found: list[str | PurePath] = [path for path in candidates if path.is_file()]
    return found[:1]


class XmppTuiApp(App[int]):
    TITLE = "xmpp-tui"
    CSS_PATH = _theme_css()
    # Ctrl+P switches panes here, so the palette moves to F1.
    COMMAND_PALETTE_BINDING = "f1"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        *App.COMMANDS,
        SlashCommands,
    }

    def __init__(
        self,
        service: SessionService,
        *,
        clock: Clock = utc_now,
        tz: tzinfo | None = None,
        cursor_blink: bool = True,
        idle_inactive_after: float = 0.0,
        themes: ThemeCatalog | None = None,
        theme: str | None = None,
        config_path: Path | None = None,
        notifications: NotificationSettings | None = None,
        early: EarlyStart | None = None,
    ) -> None:
        # NO_COLOR (Textual's own test: set at all): native ANSI mode makes Textual strip every
        # colour (its NoColor filter) instead of drawing in greys.
        no_color = "NO_COLOR" in os.environ
        super().__init__(ansi_color=True if no_color else None)
        self.service = service
        self.cursor_blink = cursor_blink  # False in snapshot tests: a blinking cursor is flaky
        self.clock = clock
        self.tz = tz  # None: the machine's local time zone
        self.idle_inactive_after = idle_inactive_after  # XEP-0352, seconds; 0: off
        #: Where /addaccount writes (None: the default config file).
        self.config_path = config_path
        self.notifications = notifications or NotificationSettings()
        self._main: MainScreen | None = None
        #: The service was started before the app (`ui/launch.py`): its events so far.
        self._early = early
        self._unsubscribe: Callable[[], None] | None = None
        self._heap_settled = False  # heap.settle runs once, after the first account is online
        self.themes = themes if themes is not None else load_catalog([shipped_themes_dir()])
        #: Lines for the console once it is on screen (broken theme files, an unknown theme).
        self.theme_notes: list[str] = list(self.themes.problems)
        self._roles_pushed = False
        self.theme_notes += install_themes(self, self.themes, theme, no_color=no_color)
        self._push_roles()

    def _push_roles(self) -> None:
        """Resolve the colour roles (`ui/theme_roles.py`) for the current theme."""
        spec = self.themes.themes.get(self.theme)
        if spec is None:
            return
        if self._roles_pushed:
            self.console.pop_theme()
        self.console.push_theme(rich_theme(spec))
        self._roles_pushed = True

    def watch_theme(self, _name: str) -> None:
        self._push_roles()

    def _restyle(self, _theme: Theme) -> None:
        """After a theme switch: redraw what was drawn with the old theme's roles."""
        for widget in self.main.query("*"):
            if isinstance(widget, Restylable):
                widget.restyle()

    @property
    def main(self) -> MainScreen:
        if self._main is None:
            self._main = MainScreen(
                self.service,
                clock=self.clock,
                tz=self.tz,
                idle_inactive_after=self.idle_inactive_after,
                notifications=self.notifications,
                initial=self._early.initial if self._early is not None else None,
            )
        return self._main

    def get_default_screen(self) -> MainScreen:
        return self.main

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self._main is not None:
            self._main.client_state.key_pressed()  # XEP-0352: the user is here
        await super().on_event(event)

    def on_mount(self) -> None:
        if self._early is not None:  # started already: hand its events over, then go live
            self._unsubscribe = self._early.attach(self._post_service_event)
        else:
            self._unsubscribe = connect_bridge(self.service, self)
            self.start_service()
        self.theme_changed_signal.subscribe(self, self._restyle)
        if self.theme_notes:
            self.call_after_refresh(self._report_theme_notes)
        if not self.service.accounts:  # first start: no account anywhere yet
            self.call_after_refresh(self._open_setup)

    def _open_setup(self) -> None:
        # Imported when needed: only a first start shows it (start-up cost, issue #8).
        from xmpp_tui.ui.screens.account_setup import open_setup

        open_setup(self.main)

    def _post_service_event(self, event: Event) -> None:
        self.post_message(ServiceEvent(event))

    def _report_theme_notes(self) -> None:
        for note in self.theme_notes:
            self.main.console_line(note, "error")
        self.theme_notes.clear()

    @work(exclusive=True, group="service", exit_on_error=False)
    async def start_service(self) -> None:
        await self.service.start()

    def on_service_event(self, message: ServiceEvent) -> None:
        event = message.event
        self.main.apply_event(event)
        if (
            not self._heap_settled
            and isinstance(event, ConnectionChanged)
            and event.state is ConnectionState.ONLINE
        ):
            self._heap_settled = True
            self.call_after_refresh(heap.settle)  # after the frame that says online

    async def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._main is not None:
            self._main.alerts.restore_title()
        await self.service.stop()

    def _fatal_error(self) -> None:
        """An unhandled exception: the traceback goes to the log file, not the terminal.

        Textual would print it with ``show_locals=True``, and a local may hold a message
        or a password. The user gets one line saying where the details are.
        """
        log.error("xmpp-tui stopped after an internal error", exc_info=self._exception)
        self.bell()
        self._exit_renderables.append(
            Text(f"xmpp-tui stopped after an internal error; details are in {_log_hint()}")
        )
        self._close_messages_no_wait()


def _log_hint() -> str:
    from xmpp_tui.paths import app_paths

    return str(app_paths().log_file)


def make_app(
    service: SessionService,
    *,
    clock: Clock = utc_now,
    tz: tzinfo | None = None,
    cursor_blink: bool = True,
    idle_inactive_after: float = 0.0,
    theme: str | None = None,
    user_themes_dir: Path | None = None,
    config_path: Path | None = None,
    notifications: NotificationSettings | None = None,
    early: EarlyStart | None = None,
) -> XmppTuiApp:
    """The one factory for the CLI and the tests (STYLE.md habit 10).

    ``theme`` is the configured theme's name; ``user_themes_dir`` holds the user's theme files
    (a file named like a shipped theme replaces it); ``config_path``: the config file
    /addaccount writes (None: the default one); ``early``: the service was started before
    the app, and this holds what it published meanwhile (`ui/early_start.py`)."""
    enable_alt_digits()  # ESC+digit is Alt+digit (pane keys), not WezTerm's "¡™£..."
    return XmppTuiApp(
        service,
        clock=clock,
        tz=tz,
        cursor_blink=cursor_blink,
        idle_inactive_after=idle_inactive_after,
        themes=load_catalog([shipped_themes_dir(), user_themes_dir]),
        theme=theme,
        config_path=config_path,
        notifications=notifications,
        early=early,
    )
