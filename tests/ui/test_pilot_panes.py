"""Pilot tests at 80x24: drafts per pane, the console's width, read marks, the history's bottom."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from textual import events

from tests.peer import wait_until
from tests.ui.pilot_helpers import active_pane, inject, record_commands, submit
from tests.ui.support import ALICE, BOB, CAROL, NOW, offline_app, offline_service
from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import MessageAdded
from xmpp_tui.core.models import ChatState, Delivery, Direction, StoredMessage
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.view_state import ChatKey

SIZE = (80, 24)


def _incoming(local_id: int, peer: str = BOB, body: str = "") -> MessageAdded:
    message = StoredMessage(
        id=local_id,
        account=ALICE,
        peer=peer,
        direction=Direction.INCOMING,
        sender=f"{peer}/x",
        body=body or f"new {local_id}",
        timestamp=NOW,
        delivery=Delivery.RECEIVED,
    )
    return MessageAdded(account=ALICE, message=message)


def _unread(app: XmppTuiApp, jid: str) -> int:
    return next(row.unread for row in app.main.roster_view.contacts if row.jid == jid)


async def test_each_pane_keeps_its_own_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        composer = app.main.composer
        await submit(pilot, app, "/msg bob@localhost")
        await submit(pilot, app, "/msg carol@localhost")
        await pilot.press("alt+2")  # bob
        await pilot.press(*"half typed for bob")
        await pilot.press("alt+3")  # carol: the draft stays with bob
        assert app.main.deck.active_chat == ChatKey(ALICE, CAROL)
        assert composer.text == ""
        await pilot.press("enter")  # nothing to send
        await pilot.press(*"for carol")
        await pilot.press("alt+1")
        assert composer.text == ""  # the console has its own draft
        await pilot.press(*"/sta")
        await pilot.press("ctrl+n")  # bob again
        assert composer.text == "half typed for bob"
        await pilot.press("ctrl+n")
        assert composer.text == "for carol"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("alt+1")
        assert composer.text == "/sta"
        sent = [c for c in executed if isinstance(c, cmd.SendMessage)]
        assert sent == [cmd.SendMessage(account=ALICE, peer=CAROL, body="for carol")]
        # Enter on the roster and /close switch panes too; a closed pane's draft goes with it.
        app.main.roster_view.focus()
        assert app.main.roster_view.highlight_contact(ALICE, BOB)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.deck.active_chat == ChatKey(ALICE, BOB)
        assert composer.text == "half typed for bob"
        composer.set_draft("/close")
        await pilot.press("enter")
        await pilot.pause()
        await submit(pilot, app, "/msg bob@localhost")
        assert composer.text == ""


async def test_console_lines_written_behind_a_chat_use_the_console_width(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        words = " ".join(f"word{n}" for n in range(30))
        app.main.console_line(words)
        await pilot.press("alt+1")
        await pilot.pause()
        console = app.main.deck.console
        width = console.scrollable_content_region.width
        assert width > 40
        rows = [row for row in console.rendered_rows() if "word" in row]
        assert rows[0].startswith("12:30 word0 word1")
        assert all(len(row) > 40 for row in rows[:-1]), rows  # not broken at 20 columns
        assert all(len(row) <= width for row in rows)
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        wider = [row for row in console.rendered_rows() if "word" in row]
        assert len(wider) < len(rows)
        assert max(len(row) for row in wider) > width


async def test_a_message_read_while_unfocused_is_unread_until_focus_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        executed.clear()
        app.post_message(events.AppBlur())
        await pilot.pause()
        inject(app, _incoming(1000))
        await pilot.pause()
        assert _unread(app, BOB) == 1
        inactive = cmd.SendChatState(account=ALICE, peer=BOB, state=ChatState.INACTIVE)
        assert executed == [inactive]  # not read; only our chat state
        app.post_message(events.AppFocus())
        await pilot.pause()
        assert _unread(app, BOB) == 0
        active = cmd.SendChatState(account=ALICE, peer=BOB, state=ChatState.ACTIVE)
        assert executed == [inactive, active, cmd.MarkRead(account=ALICE, peer=BOB)]
        inject(app, _incoming(1001))  # focused and in view: read at once, no badge
        await pilot.pause()
        assert _unread(app, BOB) == 0


async def test_a_growing_composer_keeps_the_newest_line_in_view(tmp_path: Path) -> None:
    service = offline_service(tmp_path, seed=False)
    for n in range(40):
        service._store.history.add_incoming(  # seeding only
            account=ALICE,
            peer=BOB,
            sender=f"{BOB}/x",
            body=f"message {n}",
            timestamp=NOW + timedelta(seconds=n),
            stanza_id=f"s{n}",
            origin_id=None,
            message_id=None,
        )
    app = make_app(service, clock=lambda: NOW, tz=UTC, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        view = active_pane(app).history
        height = view.size.height
        await pilot.press("a", "ctrl+j", "b", "ctrl+j", "c", "ctrl+j", "d")
        await pilot.pause()
        assert view.size.height < height  # the composer grew
        assert view.scroll_y == view.max_scroll_y
        assert "message 39" in view.render_line(view.size.height - 1).text


async def test_new_messages_below_are_shown_and_stay_unread_until_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = offline_service(tmp_path, seed=False)
    for n in range(60):
        service._store.history.add_incoming(  # seeding only
            account=ALICE,
            peer=BOB,
            sender=f"{BOB}/x",
            body=f"message {n}",
            timestamp=NOW + timedelta(seconds=n),
            stanza_id=f"s{n}",
            origin_id=None,
            message_id=None,
        )
    service._store.history.mark_read(ALICE, BOB, 10_000)
    app = make_app(service, clock=lambda: NOW, tz=UTC, cursor_blink=False)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        pane = active_pane(app)
        assert not pane.new_below.display
        await pilot.press("pageup")
        await pilot.pause()
        executed.clear()
        inject(app, _incoming(1000))
        inject(app, _incoming(1001))
        await pilot.pause()
        assert pane.new_below.display
        assert str(pane.new_below.render()) == "↓ 2 new messages"
        assert _unread(app, BOB) == 2
        assert executed == []  # not read while scrolled up
        await pilot.press("pagedown", "pagedown", "pagedown")
        await wait_until(lambda: not pane.new_below.display)
        await pilot.pause()
        assert _unread(app, BOB) == 0
        assert executed == [cmd.MarkRead(account=ALICE, peer=BOB)]


async def test_day_separators_between_days(tmp_path: Path) -> None:
    service = offline_service(tmp_path, seed=False)
    for n, when in enumerate((NOW - timedelta(days=1), NOW - timedelta(hours=1), NOW)):
        service._store.history.add_incoming(  # seeding only
            account=ALICE,
            peer=BOB,
            sender=f"{BOB}/x",
            body=f"message {n}",
            timestamp=when,
            stanza_id=f"s{n}",
            origin_id=None,
            message_id=None,
        )
    app = make_app(service, clock=lambda: NOW, tz=UTC, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        assert active_pane(app).history.rendered_rows() == [
            "── Tue 30 Apr 2024 ──",
            "12:30 <bob@localhost> message 0",
            "── Wed 01 May 2024 ──",
            "11:30 <bob@localhost> message 1",
            "12:30 <bob@localhost> message 2",
        ]
