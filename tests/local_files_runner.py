"""The whole program in a process of its own, headless, for the local-files tests.

``python -m tests.local_files_runner CONFIG.json`` runs ``xmpp_tui.cli.main`` with the
arguments in ``argv`` (so the CLI's own umask, log setup and service factory are used); only
the last step, ``run_app``, is swapped for the same app driven by Textual's headless pilot:
wait until online, ``/msg PEER``, type ``send`` and Enter, then wait until a message with
body ``expect`` from the peer is in the open pane, wait for a line on stdin (the test
looks at the files of a running client), and quit (exit 0).

It prints one line per fact on stdout (flushed): ``online``, ``sent``, ``received``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tests.peer import wait_until
from xmpp_tui import cli
from xmpp_tui.core.models import Direction
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.settings import Settings
from xmpp_tui.ui import launch

TIMEOUT = 30.0


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def headless_run_app(config: dict[str, Any]) -> Any:
    def run_app(settings: Settings, *, passwords: PasswordSource | None = None) -> int:
        from xmpp_tui.paths import app_paths
        from xmpp_tui.service.factory import build_service
        from xmpp_tui.ui.app import make_app

        service = build_service(settings, passwords=passwords)
        app = make_app(
            service,
            idle_inactive_after=settings.idle_inactive_after,
            theme=settings.theme,
            user_themes_dir=app_paths().config_dir / "themes",
            config_path=settings.config_path,
            notifications=settings.notifications,
            cursor_blink=False,
        )

        async def drive() -> int:
            async with app.run_test(size=(100, 30)) as pilot:
                await wait_until(lambda: ": online" in app.main.status_bar.plain, TIMEOUT)
                say("online")
                await pilot.press(*f"/msg {config['peer']}", "enter")
                await pilot.pause()
                await pilot.press(*config["send"], "enter")
                await pilot.pause()
                say("sent")
                pane = app.main.deck.active_pane()
                assert pane is not None
                await wait_until(
                    lambda: any(
                        m.body == config["expect"] and m.direction is Direction.INCOMING
                        for m in pane.history.messages
                    ),
                    TIMEOUT,
                )
                say("received")
                # The test walks the files now (with -wal and -shm present), then says go.
                await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            return 0

        return asyncio.run(drive())

    return run_app


if __name__ == "__main__":
    loaded = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    launch.run_app = headless_run_app(loaded)
    sys.exit(cli.main(list(loaded["argv"])))
