"""Small steps the pilot tests share: type a line, inject a service event, see what the UI
asked the service to do, read the console and the pane in front, wait until online, enter a
room."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.peer import wait_until
from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import Event
from xmpp_tui.ui.app import XmppTuiApp
from xmpp_tui.ui.bridge import ServiceEvent
from xmpp_tui.ui.widgets.chat_pane import ChatPane
from xmpp_tui.ui.widgets.room_pane import RoomPane


async def submit(pilot: Pilot[int], app: XmppTuiApp, text: str) -> None:
    """Put ``text`` in the composer (replacing the draft) and press Enter."""
    app.main.composer.focus()
    app.main.composer.set_draft(text)
    await pilot.press("enter")
    await pilot.pause()


def inject(app: XmppTuiApp, event: Event) -> None:
    """As if the service had published ``event``."""
    app.post_message(ServiceEvent(event))


def record_commands(app: XmppTuiApp, monkeypatch: pytest.MonkeyPatch) -> list[cmd.Command]:
    """What the UI hands to the service, instead of carrying it out."""
    executed: list[cmd.Command] = []

    async def record(command: cmd.Command) -> None:
        executed.append(command)

    monkeypatch.setattr(app.service, "execute", record)
    return executed


def console_lines(app: XmppTuiApp) -> list[str]:
    return app.main.deck.console.lines_written


def active_pane(app: XmppTuiApp) -> ChatPane:
    pane = app.main.deck.active_pane()
    assert pane is not None
    return pane


async def wait_online(app: XmppTuiApp, timeout: float = 15.0) -> None:
    """Until the status bar says an account is online (the console's last lines if not)."""
    await wait_until(
        lambda: ": online" in app.main.status_bar.plain,
        timeout=timeout,
        message=f"not online; console: {app.main.deck.console.lines_written[-5:]}",
    )


async def join_room(
    app: XmppTuiApp, pilot: Pilot[int], room: str, timeout: float = 15.0
) -> RoomPane:
    """``/join ROOM`` typed in the app (``room`` may carry ``/nick``): the room's pane, joined."""
    await submit(pilot, app, f"/join {room}")
    pane = active_pane(app)
    assert isinstance(pane, RoomPane)
    await wait_until(
        lambda: pane.info is not None and pane.info.joined,
        timeout=timeout,
        message=f"not joined; console: {console_lines(app)[-4:]}",
    )
    return pane
