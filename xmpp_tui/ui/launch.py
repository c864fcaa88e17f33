"""Run the app for some settings: build the service, run, return the exit code.

Start-up order (issue #8): the service starts connecting first, on the event loop the app
will run on (slixmpp binds to the loop it was created in), and Textual is imported in a
thread meanwhile: the connection mostly waits on the network and the server, the import
on the CPU. What the service publishes before the screen is there is held by
`ui/early_start.py` and applied once the screen has loaded the state from before.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xmpp_tui.secrets import PasswordSource
    from xmpp_tui.service.session import SessionService
    from xmpp_tui.settings import Settings

log = logging.getLogger(__name__)

#: Imported in a thread while the service connects (Textual and every start-up screen).
UI_MODULE = "xmpp_tui.ui.app"
#: sys.setswitchinterval while the UI is imported beside the connection (seconds).
SWITCH_INTERVAL = 0.0005


def run_app(settings: Settings, *, passwords: PasswordSource | None = None) -> int:
    """``passwords``: where passwords come from (default: password_command, keyring)."""
    # Imported here so `xmpp-tui --version` never loads Textual or slixmpp.
    from xmpp_tui.paths import app_paths
    from xmpp_tui.service.factory import build_service
    from xmpp_tui.ui.early_start import EarlyStart

    service = build_service(settings, passwords=passwords)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        early = EarlyStart(service)  # before start: holds every event until the UI is up
        loop.run_until_complete(_start_while_importing(service))
        from xmpp_tui.ui.app import make_app

        app = make_app(
            service,
            idle_inactive_after=settings.idle_inactive_after,
            theme=settings.theme,
            user_themes_dir=app_paths().config_dir / "themes",
            config_path=settings.config_path,
            notifications=settings.notifications,
            early=early,
        )
        result = app.run(mouse=settings.notifications.mouse, loop=loop)
        if result is not None:
            return result
        return app.return_code or 0
    finally:
        # The app stops the service when it unmounts; not if it never got that far.
        loop.run_until_complete(service.stop())
        _close(loop)


async def _start_while_importing(service: SessionService) -> None:
    await service.start()
    # The import holds the GIL; the loop wants it back after each network wait. A short
    # switch interval hands it back within a fraction of a millisecond, not 5 ms.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        await asyncio.get_running_loop().run_in_executor(None, importlib.import_module, UI_MODULE)
    finally:
        sys.setswitchinterval(interval)


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """What asyncio.run does on the way out: cancel what is left, then close."""
    try:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    except Exception:  # never hide the app's own outcome behind a clean-up problem
        log.exception("closing the event loop failed")
    finally:
        with contextlib.suppress(Exception):
            asyncio.set_event_loop(None)
        loop.close()
