"""Pilot tests at 80x24: long names, several accounts, notifications, palette and help text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.ui.pilot_helpers import inject, submit
from tests.ui.support import ALICE, BOB, NOW, offline_app
from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import (
    ConnectionChanged,
    Notice,
    OwnPresenceChanged,
    PresenceChanged,
    RosterItemChanged,
    SubscriptionAnswered,
    SubscriptionRequested,
)
from xmpp_tui.core.models import (
    ConnectionState,
    ContactPresence,
    ResourcePresence,
    RosterItem,
    Show,
    Subscription,
)
from xmpp_tui.ui.app import XmppTuiApp

SIZE = (80, 24)
ZOE = "zoe@elsewhere"
LONG_NAME = "Bartholomew Maximilian Fitzgerald-Worthington the Third"


def _screen_rows(app: XmppTuiApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def _notes(app: XmppTuiApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_long_names_stay_on_one_line(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        item = RosterItem(jid=BOB, name=LONG_NAME, subscription=Subscription.BOTH)
        inject(app, RosterItemChanged(account=ALICE, item=item))
        status = "back at two, " * 10 + "end"
        presence = ContactPresence(
            jid=BOB, resources=(ResourcePresence(resource="phone", show=Show.AWAY, status=status),)
        )
        inject(app, PresenceChanged(account=ALICE, presence=presence))
        await pilot.pause()
        roster = [row[:23].rstrip() for row in _screen_rows(app)]
        assert roster[:4] == [
            "Contacts",
            "◑ Bartholomew Maxi… [3]",  # the name is cut, the unread badge stays
            "Not in roster",
            "○ carol@localhost [1]",
        ]
        await submit(pilot, app, "/msg bob@localhost")
        pane = app.main.deck.active_pane()
        assert pane is not None
        header = [row[24:].rstrip() for row in _screen_rows(app)[:2]]
        assert header[0].startswith(" Bartholomew") and header[0].endswith("…"), header
        assert header[1].startswith(" ◑ away  /phone  back at two") and header[1].endswith("…")
        assert "12:00 <Bartholomew Maximil…> Hi" in "\n".join(pane.history.rendered_rows())


async def test_status_bar_with_two_accounts_keeps_every_account_and_the_pane(
    tmp_path: Path,
) -> None:
    app = offline_app(tmp_path, accounts=(ALICE, ZOE))
    async with app.run_test(size=SIZE) as pilot:
        detail = "Untrusted certificate: self-signed certificate"
        inject(app, ConnectionChanged(account=ALICE, state=ConnectionState.FAILED, detail=detail))
        inject(
            app,
            ConnectionChanged(
                account=ZOE,
                state=ConnectionState.RECONNECTING,
                detail="no answer",
                next_attempt_at=NOW + timedelta(seconds=4),
            ),
        )
        await pilot.pause()
        bottom = _screen_rows(app)[-1].strip()
        assert bottom == "[1/1 console]  alice: failed | zoe: retry 4s"
        inject(app, ConnectionChanged(account=ALICE, state=ConnectionState.ONLINE))
        inject(app, OwnPresenceChanged(account=ALICE, show=Show.AWAY))
        await submit(pilot, app, "/msg bob@localhost")
        bottom = _screen_rows(app)[-1].strip()
        assert bottom == "[2/2 bob@localhost via alice]  alice: away | zoe: retry 4s"
        header = _screen_rows(app)[0][24:]
        assert f"bob@localhost  via {ALICE}" in header


async def test_one_account_keeps_the_long_detail(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        detail = "wrong password"
        inject(app, ConnectionChanged(account=ALICE, state=ConnectionState.FAILED, detail=detail))
        await pilot.pause()
        assert app.main.status_bar.plain == f"[1/1 console]  {ALICE}: failed: wrong password"


async def test_confirmations_reach_a_chat_pane_as_notifications(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        inject(app, Notice(account=ALICE, text="Contact [b]added[/b]"))
        inject(app, OwnPresenceChanged(account=ALICE, show=Show.DND, status="busy"))
        inject(app, SubscriptionAnswered(account=ALICE, jid=BOB, approved=False))
        inject(app, SubscriptionRequested(account=ALICE, jid="dave@localhost"))
        await pilot.pause()
        notes = _notes(app)
        assert f"{ALICE}: Contact [b]added[/b]" in notes  # literal: markup=False
        assert f"{ALICE}: your status is dnd (busy)" in notes
        assert (
            f"{ALICE}: {BOB} no longer shares their presence with you (or denied your request)"
            in notes
        )
        assert (
            f"{ALICE}: dave@localhost wants to see your presence: "
            "/approve dave@localhost or /deny dave@localhost"
        ) in notes
        assert all(not n.markup for n in app._notifications)


async def test_tab_completes_a_pending_request(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        inject(app, SubscriptionRequested(account=ALICE, jid="dave@localhost"))
        await pilot.pause()
        app.main.composer.set_draft("/approve da")
        await pilot.press("tab")
        assert app.main.composer.text == "/approve dave@localhost "


async def test_trailing_blank_lines_are_not_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed: list[cmd.Command] = []

    async def record(command: cmd.Command) -> None:
        executed.append(command)

    monkeypatch.setattr(app.service, "execute", record)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        await pilot.press("a", "ctrl+j", "ctrl+j", "b", "ctrl+j", "space", "ctrl+j", "enter")
        await pilot.pause()
        sent = [c for c in executed if isinstance(c, cmd.SendMessage)]
        assert sent == [cmd.SendMessage(account=ALICE, peer=BOB, body="a\n\nb")]


async def test_palette_shows_usages_literally(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause(0.3)
        shown = "\n".join(_screen_rows(app))
        assert "/msg JID [text]" in shown
        await pilot.press(*"msg")
        await pilot.pause(0.3)
        assert "/msg JID [text]" in "\n".join(_screen_rows(app))


async def test_help_fits_the_console(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/help")
        await pilot.pause()
        rows = app.main.deck.console.rendered_rows()
        start = next(i for i, row in enumerate(rows) if "Commands (" in row)
        help_rows = rows[start:]
        assert help_rows[1:3] == [
            "/msg JID [text]",
            "  Open a conversation with JID; send text if given",
        ]
        assert help_rows[-1] == "Type /help COMMAND for one command."
        # One row per help line: nothing wrapped back to column 0.
        assert len(help_rows) == len(app.main.deck.console.lines_written[-len(help_rows) :])
