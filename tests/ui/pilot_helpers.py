"""Small steps the pilot tests share: type a line, inject a service event, see what the UI
asked the service to do, read the console and the pane in front."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import Event
from xmpp_tui.ui.app import XmppTuiApp
from xmpp_tui.ui.bridge import ServiceEvent
from xmpp_tui.ui.widgets.chat_pane import ChatPane


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
