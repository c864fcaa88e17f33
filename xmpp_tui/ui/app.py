"""The Textual app: wires the service to the main screen and runs the service's lifetime.

Kept thin (STYLE.md habit 4): layout and reactions live in `ui/screens/main.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path, PurePath
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import App
from textual.command import Provider

from xmpp_tui.core.clock import Clock, utc_now
from xmpp_tui.service.session import SessionService
from xmpp_tui.ui.bridge import ServiceEvent, connect_bridge
from xmpp_tui.ui.palette import SlashCommands
from xmpp_tui.ui.screens.main import MainScreen
from xmpp_tui.ui.terminal_keys import enable_alt_digits

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
    ) -> None:
        super().__init__()
        self.service = service
        self.cursor_blink = cursor_blink  # False in snapshot tests: a blinking cursor is flaky
        self.clock = clock
        self.tz = tz  # None: the machine's local time zone
        self.idle_inactive_after = idle_inactive_after  # XEP-0352, seconds; 0: off
        self._main: MainScreen | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def main(self) -> MainScreen:
        if self._main is None:
            self._main = MainScreen(
                self.service,
                clock=self.clock,
                tz=self.tz,
                idle_inactive_after=self.idle_inactive_after,
            )
        return self._main

    def get_default_screen(self) -> MainScreen:
        return self.main

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self._main is not None:
            self._main.client_state.key_pressed()  # XEP-0352: the user is here
        await super().on_event(event)

    def on_mount(self) -> None:
        self._unsubscribe = connect_bridge(self.service, self)
        self.start_service()

    @work(exclusive=True, group="service", exit_on_error=False)
    async def start_service(self) -> None:
        await self.service.start()

    def on_service_event(self, message: ServiceEvent) -> None:
        self.main.apply_event(message.event)

    async def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
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
) -> XmppTuiApp:
    """The one factory for the CLI and the tests (STYLE.md habit 10)."""
    enable_alt_digits()  # ESC+digit is Alt+digit (pane keys), not WezTerm's "¡™£..."
    return XmppTuiApp(
        service,
        clock=clock,
        tz=tz,
        cursor_blink=cursor_blink,
        idle_inactive_after=idle_inactive_after,
    )
