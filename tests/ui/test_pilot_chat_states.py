"""Pilot tests at 80x24 of chat states (XEP-0085): what we send while typing and switching panes,
and the contact's state in the conversation header."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from tests.peer import wait_until
from tests.ui.pilot_helpers import active_pane, inject, record_commands, submit
from tests.ui.support import ALICE, BOB, CAROL, NOW, offline_app
from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import ChatStateChanged, MessageAdded
from xmpp_tui.core.models import ChatState, Delivery, Direction, StoredMessage
from xmpp_tui.ui.app import XmppTuiApp
from xmpp_tui.ui.view_state import ChatKey

SIZE = (80, 24)


def _states(executed: list[cmd.Command]) -> list[tuple[str, ChatState]]:
    return [(c.peer, c.state) for c in executed if isinstance(c, cmd.SendChatState)]


def _header(app: XmppTuiApp) -> list[str]:
    return str(active_pane(app).header.render()).splitlines()


def _message(direction: Direction, local_id: int) -> MessageAdded:
    own = direction is Direction.OUTGOING
    message = StoredMessage(
        id=local_id,
        account=ALICE,
        peer=BOB,
        direction=direction,
        sender=f"{ALICE}/other" if own else f"{BOB}/phone",
        body=f"message {local_id}",
        timestamp=NOW,
        delivery=Delivery.SENT if own else Delivery.RECEIVED,
    )
    return MessageAdded(account=ALICE, message=message)


async def test_typing_is_composing_once_then_paused_then_active_when_emptied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    states = app.main.chat_states
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"hello")  # in the console: nothing is sent
        await pilot.press(*["backspace"] * 5)
        await submit(pilot, app, "/msg bob@localhost")
        assert _states(executed) == []  # opening a pane in front: already active
        states.pause_after = 0.3  # instead of 5 s
        await pilot.press(*"hi")
        await wait_until(lambda: len(_states(executed)) >= 2)
        assert _states(executed) == [(BOB, ChatState.COMPOSING), (BOB, ChatState.PAUSED)]
        states.pause_after = 60.0  # no more pauses, however slow the keys below
        await pilot.press("!")
        await pilot.pause()
        assert _states(executed)[2:] == [(BOB, ChatState.COMPOSING)]
        await pilot.press(*["backspace"] * 3)  # emptied without sending
        await pilot.pause()
        assert _states(executed)[3:] == [(BOB, ChatState.ACTIVE)]
        await pilot.press(*"/status away")  # a command is not a message being written
        await pilot.press("enter")
        await pilot.pause()
        assert len(_states(executed)) == 4
        executed.clear()
        states.pause_after = 0.1
        app.main.composer.set_draft("see you")
        await pilot.press("enter")
        await pilot.pause(0.3)
        # Sending adds nothing (the message carries <active/>), and no pause follows it.
        assert executed == [
            cmd.SendChatState(account=ALICE, peer=BOB, state=ChatState.COMPOSING),
            cmd.SendMessage(account=ALICE, peer=BOB, body="see you"),
        ]


async def test_switching_panes_blurring_and_closing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        await pilot.press(*"half")
        app.main.roster_view.focus()  # Enter on carol: bob's pane goes behind, draft and all
        assert app.main.roster_view.highlight_contact(ALICE, CAROL)
        await pilot.press("enter")
        await pilot.pause()
        assert _states(executed) == [(BOB, ChatState.COMPOSING), (BOB, ChatState.INACTIVE)]
        executed.clear()
        await pilot.press("alt+1")  # the console sends nothing for itself
        await pilot.pause()
        assert _states(executed) == [(CAROL, ChatState.INACTIVE)]
        executed.clear()
        await pilot.press("alt+2")  # bob again, his draft with him
        await pilot.pause()
        assert app.main.composer.text == "half"
        assert _states(executed) == [(BOB, ChatState.ACTIVE)]
        executed.clear()
        app.post_message(events.AppBlur())
        await pilot.pause()
        assert _states(executed) == [(BOB, ChatState.INACTIVE)]
        app.post_message(events.AppFocus())
        await pilot.pause()
        assert _states(executed)[1:] == [(BOB, ChatState.ACTIVE)]
        executed.clear()
        await submit(pilot, app, "/close")  # gone, not inactive first; carol comes in front
        assert app.main.deck.active_chat == ChatKey(ALICE, CAROL)
        assert _states(executed) == [(BOB, ChatState.GONE), (CAROL, ChatState.ACTIVE)]


async def test_the_contacts_state_shows_in_the_header_until_they_send(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        assert "typing" not in _header(app)[1]
        inject(app, ChatStateChanged(account=ALICE, peer=BOB, state=ChatState.COMPOSING))
        inject(app, ChatStateChanged(account=ALICE, peer=CAROL, state=ChatState.GONE))  # no pane
        await pilot.pause()
        assert "typing…" in _header(app)[1]
        assert active_pane(app).peer_state is ChatState.COMPOSING
        inject(app, _message(Direction.OUTGOING, 1000))  # our other device: they still type
        await pilot.pause()
        assert "typing…" in _header(app)[1]
        inject(app, _message(Direction.INCOMING, 1001))  # a message: they stopped typing
        await pilot.pause()
        assert active_pane(app).peer_state is ChatState.ACTIVE
        assert "typing" not in _header(app)[1]
        inject(app, ChatStateChanged(account=ALICE, peer=BOB, state=ChatState.GONE))
        await pilot.pause()
        assert "closed the chat" in _header(app)[1]
