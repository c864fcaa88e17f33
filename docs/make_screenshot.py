"""Make docs/screenshot.svg: the main screen in demo mode, as Textual exports it.

Starts the demo world (private Prosody + bot, see xmpp_tui/demo/), runs the real app on it
headless at 100x30, says hello to Bob and to the demo room, waits for the answers, and
saves the screen. Needs Prosody and openssl, like ``xmpp-tui --demo``.

    .venv/bin/python docs/make_screenshot.py [--size 100x30] [--out docs/screenshot.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from xmpp_tui.core.jid import parse_jid
from xmpp_tui.demo.world import DemoWorld
from xmpp_tui.service.factory import build_service
from xmpp_tui.settings import Settings
from xmpp_tui.ui.app import XmppTuiApp, make_app

HERE = Path(__file__).resolve().parent
TIMEOUT = 20.0
YOU = "you@localhost"
BOB = "bob@localhost"


async def _until(what: str, predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"make_screenshot: gave up waiting for {what}")
        await asyncio.sleep(0.05)


def _rows(app: XmppTuiApp) -> list[str]:
    pane = app.main.deck.active_pane()
    return pane.history.rendered_rows() if pane is not None else []


async def _shoot(world: DemoWorld, home: Path, size: tuple[int, int], out: Path) -> None:
    service = build_service(
        Settings(accounts=world.account_settings()), home=home, passwords=world.passwords
    )
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        roster = app.main.roster_view
        await _until(
            "the room joined by both accounts",
            lambda: sum(r.joined for r in roster.rooms if r.jid == world.room) == 2,
        )
        await _until(
            "Bob online",
            lambda: any(r.jid == BOB and r.show.value != "offline" for r in roster.contacts),
        )

        async def say(text: str) -> None:
            app.main.composer.focus()
            app.main.composer.set_draft(text)
            await pilot.press("enter")
            await pilot.pause()

        await say(f"/msg {BOB}")
        await say("hello")
        await _until("Bob's answer", lambda: any("Nice to meet" in r for r in _rows(app)))
        roster.highlight_contact(YOU, parse_jid(world.room).bare)
        roster.focus()
        await pilot.press("enter")
        await pilot.pause()
        await say("Hi Bob, hi Carol!")
        await _until("Bob in the room", lambda: any("that's me" in r for r in _rows(app)))
        app.main.composer.focus()
        await pilot.pause(0.5)
        app.save_screenshot(filename=out.name, path=str(out.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="100x30", help="COLUMNSxROWS (default 100x30)")
    parser.add_argument("--out", type=Path, default=HERE / "screenshot.svg")
    args = parser.parse_args()
    columns, rows = (int(part) for part in str(args.size).split("x"))
    root = Path(tempfile.mkdtemp(prefix="xmpp-tui-demo-shot-"))
    try:
        with DemoWorld(root) as world:
            asyncio.run(_shoot(world, root / "home", (columns, rows), args.out.absolute()))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    sys.stdout.write(f"wrote {args.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
