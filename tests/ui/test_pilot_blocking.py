"""Pilot tests of blocking (XEP-0191) at 80x24 over an offline service: the roster's mark, the
chat header, /block, /unblock and /blocked, and no message to a blocked contact."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.peer import wait_until
from tests.ui.pilot_helpers import active_pane, console_lines, inject, record_commands, submit
from tests.ui.support import ALICE, BOB, CAROL, fixed_clock, offline_app, offline_service
from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import BlockListChanged
from xmpp_tui.core.models import AccountId, AccountSnapshot
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.view_state import NOT_IN_ROSTER, ChatKey, ContactRow
from xmpp_tui.ui.widgets.chat_pane import BLOCKED_TEXT

SIZE = (80, 24)
MALLORY = "mallory@localhost"  # blocked, never talked to
_WAY_BACK = f"You blocked {BOB}: /unblock {BOB} to write to them"


def _rows(app: XmppTuiApp) -> dict[str, ContactRow]:
    return {row.jid: row for row in app.main.roster_view.contacts}


def _header(app: XmppTuiApp) -> list[str]:
    return str(active_pane(app).header.render()).splitlines()


def _roster_text(app: XmppTuiApp) -> list[str]:
    view = app.main.roster_view
    return [str(view.get_option_at_index(i).prompt) for i in range(view.option_count)]


def _blocking(executed: list[cmd.Command]) -> list[cmd.Command]:
    kinds = (cmd.Block, cmd.Unblock, cmd.SendMessage)
    return [c for c in executed if isinstance(c, kinds)]


async def test_block_list_marks_the_roster_and_the_header(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, f"/msg {BOB}")
        assert BLOCKED_TEXT not in "\n".join(_header(app))
        inject(app, BlockListChanged(account=ALICE, blocked=(BOB, MALLORY)))
        await pilot.pause()
        rows = _rows(app)
        assert rows[BOB].blocked and not rows[CAROL].blocked
        assert MALLORY not in rows  # blocked without history: not listed under "Not in roster"
        assert any(line.startswith(f"⊘ {BOB}") for line in _roster_text(app))
        assert NOT_IN_ROSTER in _roster_text(app)  # Bob and Carol, from history
        assert _header(app)[1].startswith(BLOCKED_TEXT)
        # The whole list again, from another device: Bob is unblocked.
        inject(app, BlockListChanged(account=ALICE, blocked=(MALLORY,)))
        await pilot.pause()
        assert not _rows(app)[BOB].blocked
        assert BLOCKED_TEXT not in "\n".join(_header(app))
        assert console_lines(app)[-1].endswith(f"{ALICE}: unblocked {BOB}")


async def test_block_and_unblock_in_a_chat_act_on_its_peer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, f"/msg {BOB}")
        await submit(pilot, app, "/block")
        await submit(pilot, app, "/unblock")
        await submit(pilot, app, "/block carol@localhost")
        await submit(pilot, app, "/block carol")  # a single label: refused
        assert _blocking(executed) == [
            cmd.Block(account=ALICE, jid=BOB),
            cmd.Unblock(account=ALICE, jid=BOB),
            cmd.Block(account=ALICE, jid=CAROL),
        ]
        assert "carol is not a full address" in console_lines(app)[-1]
        assert app.main.deck.active_chat == ChatKey(ALICE, BOB)  # still in the conversation


async def test_blocked_prints_the_list_in_the_console(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/blocked")
        assert console_lines(app)[-1].endswith("Nobody is blocked")
        inject(app, BlockListChanged(account=ALICE, blocked=(MALLORY, BOB)))
        await pilot.pause()
        await submit(pilot, app, f"/msg {BOB}")
        await submit(pilot, app, "/blocked")
        assert app.main.deck.active_chat is None  # the answer is in the console, now in front
        assert console_lines(app)[-3].endswith("Blocked (2):")
        assert console_lines(app)[-2:] == [f"  {BOB}", f"  {MALLORY}"]


async def test_text_to_a_blocked_peer_is_not_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        inject(app, BlockListChanged(account=ALICE, blocked=(BOB,)))
        await pilot.pause()
        await submit(pilot, app, f"/msg {BOB}")
        await submit(pilot, app, "are you there?")
        assert _blocking(executed) == []
        assert not any(isinstance(c, cmd.SendChatState) for c in executed)  # not even typing
        assert console_lines(app)[-1].endswith(_WAY_BACK)
        await wait_until(lambda: any(_WAY_BACK in n.message for n in app._notifications))
        await submit(pilot, app, f"/msg {BOB} hello")
        assert _blocking(executed) == []
        # Unblocked (the server's push): text goes out again.
        inject(app, BlockListChanged(account=ALICE, blocked=()))
        await pilot.pause()
        await submit(pilot, app, "hello again")
        assert _blocking(executed) == [cmd.SendMessage(account=ALICE, peer=BOB, body="hello again")]


async def test_initial_block_list_comes_from_the_snapshot(tmp_path: Path) -> None:
    service = offline_service(tmp_path)
    original = service.snapshot

    def snapshot(account: AccountId) -> AccountSnapshot:
        return replace(original(account), blocked=(CAROL,))

    service.snapshot = snapshot  # type: ignore[method-assign]
    app = make_app(service, clock=fixed_clock, tz=None, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert _rows(app)[CAROL].blocked and not _rows(app)[BOB].blocked
        await submit(pilot, app, f"/msg {CAROL}")
        assert active_pane(app).blocked
