"""History sync you can see, at 80x24 against the real Prosody: older pages fetched from the
archive when the history is scrolled to its top, archive gap lines, catch-up progress."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.strip import Strip

from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service, start_harness
from tests.ui.pilot_helpers import active_pane, inject, record_commands, wait_online
from tests.ui.support import ALICE, BOB, NOW, offline_service
from xmpp_tui.core.commands import Command
from xmpp_tui.core.events import HistoryGapMarked, MessageAdded, SyncProgress
from xmpp_tui.settings import AccountSettings
from xmpp_tui.store import Store
from xmpp_tui.ui.app import make_app
from xmpp_tui.ui.render import GAP_TEXT
from xmpp_tui.ui.widgets.history_view import ARCHIVE_START, LOADING_OLDER, HistoryView

SIZE = (80, 24)
TIMEOUT = 15.0


def _screen_rows(view: HistoryView) -> list[str]:
    return [view.render_line(y).text for y in range(view.size.height)]


async def _archive_only(
    alice_settings: AccountSettings, home: Path, bob: Peer, keep_from: str
) -> None:
    """A first login stores everything; then the older messages are dropped locally, as on a
    new machine: they are in the server's archive only."""
    first = await start_harness(alice_settings, home)
    await first.wait_online(timeout=TIMEOUT)
    await first.stop()
    store = Store.open(home / "history.sqlite3")
    with store.database.transaction() as conn:
        conn.execute("DELETE FROM messages WHERE peer = ? AND body < ?", (bob.jid, keep_from))
    store.close()


@pytest.mark.prosody
async def test_scrolling_to_the_top_fetches_older_messages_from_the_archive(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    for n in range(60):
        bob.send_chat(alice.jid, f"old {n:03}")
    await bob.client.plugin["xep_0199"].ping(timeout=30)
    settings = account_settings(prosody, alice)
    await _archive_only(settings, tmp_path, bob, keep_from="old 040")

    app = make_app(build_test_service((settings,), tmp_path), cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await pilot.press(*f"/msg {bob.jid}", "enter")
        view = active_pane(app).history
        await wait_until(lambda: len(view.messages) == 20, timeout=TIMEOUT)
        assert view.scroll_y == view.max_scroll_y > 0  # opened at the newest
        assert view.max_scroll_y < view.size.height  # one page up reaches the top
        shown: list[str] = []  # the top screen row at each refresh while it loads
        real_render = view.render_line

        def spy(y: int) -> Strip:
            strip = real_render(y)
            if y == 0:
                shown.append(strip.text)
            return strip

        monkeypatch.setattr(view, "render_line", spy)
        await pilot.press("pageup")
        await wait_until(lambda: len(view.messages) == 60, timeout=TIMEOUT)
        await pilot.pause()
        bodies = [m.body for m in view.messages]
        assert bodies == [f"old {n:03}" for n in range(60)]  # above, in order, none twice
        assert any(LOADING_OLDER in row for row in shown), shown[-5:]
        # the reader's place is kept: what was at the top is still on screen, near the top
        screen = _screen_rows(view)
        assert any("old 040" in row for row in screen[:3]), screen[:4]
        assert view.scroll_y > 0
        # at the very top now: the archive said it is complete
        await pilot.press("pageup", "pageup", "pageup", "pageup", "pageup")
        await wait_until(lambda: view.scroll_y == 0)
        await wait_until(lambda: view.banner == ARCHIVE_START)
        await pilot.pause()
        assert ARCHIVE_START in _screen_rows(view)[0]
        assert "old 000" in "\n".join(_screen_rows(view)[:4])
        assert len(view.messages) == 60


async def test_empty_conversation_page_up_asks_the_archive_once(tmp_path: Path) -> None:
    """Offline: the request goes out once, and its failure is one line at the top."""
    service = offline_service(tmp_path, seed=False)
    asked: list[Command] = []
    real = service.execute

    async def execute(command: Command) -> None:
        asked.append(command)
        await real(command)

    app = make_app(service, clock=lambda: NOW, cursor_blink=False)
    app.service.execute = execute  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*f"/msg {BOB}", "enter")
        view = active_pane(app).history
        await pilot.press("pageup")
        await wait_until(lambda: "could not be fetched" in view.banner)
        assert [type(c).__name__ for c in asked].count("FetchOlderHistory") == 1
        assert "could not be fetched" in _screen_rows(view)[0]
        assert not any(row.startswith("⚠") for row in view.rendered_rows())


async def test_gap_line_and_sync_progress(tmp_path: Path) -> None:
    service = offline_service(tmp_path, seed=False)
    history = service._store.history  # seeding only
    stored = [
        history.add_incoming(
            account=ALICE,
            peer=BOB,
            sender=f"{BOB}/x",
            body=f"before {n}",
            timestamp=NOW - timedelta(minutes=10 - n),
            stanza_id=f"s{n}",
            origin_id=None,
            message_id=None,
        )
        for n in range(3)
    ]
    first = stored[0]
    assert first is not None
    service._store.gaps.mark_after_newest(ALICE)  # a gap after "before 2", from the store
    app = make_app(service, clock=lambda: NOW, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*f"/msg {BOB}", "enter")
        view = active_pane(app).history
        rows = view.rendered_rows()
        assert rows.index(next(r for r in rows if r.startswith("⚠"))) == len(rows) - 1
        assert GAP_TEXT in rows[-1] and "before 2" in rows[-2]
        # a gap published while the pane is open lands after its message
        inject(app, HistoryGapMarked(account=ALICE, peer=BOB, after_id=first.id))
        await wait_until(lambda: sum(GAP_TEXT in r for r in view.rendered_rows()) == 2)
        rows = view.rendered_rows()
        assert GAP_TEXT in rows[rows.index(next(r for r in rows if "before 0" in r)) + 1]

        inject(app, SyncProgress(account=ALICE, pages=3, messages=1200, total=10000))
        await wait_until(lambda: "sync 1,200/10,000 msgs" in app.main.status_bar.plain)
        inject(app, SyncProgress(account=ALICE, pages=5, messages=2000, total=None, done=True))
        await wait_until(lambda: "sync" not in app.main.status_bar.plain)


async def test_a_burst_of_messages_is_applied_at_once_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catch-up page arrives as a burst of MessageAdded: all shown, in order, one read mark."""
    service = offline_service(tmp_path, seed=False)
    history = service._store.history  # seeding only
    burst = []
    for n in range(150):
        message = history.add_incoming(
            account=ALICE,
            peer=BOB,
            sender=f"{BOB}/x",
            body=f"burst {n:03}",
            timestamp=NOW + timedelta(seconds=n),
            stanza_id=f"s{n}",
            origin_id=None,
            message_id=None,
        )
        assert message is not None
        burst.append(message)
    app = make_app(service, clock=lambda: NOW, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"/msg carol@localhost", "enter")  # bob's pane stays closed
        await pilot.press(*f"/msg {BOB}", "enter")
        view = active_pane(app).history
        already = len(view.messages)
        executed = record_commands(app, monkeypatch)
        for message in burst[-3:]:
            inject(app, MessageAdded(account=ALICE, message=message))  # known: replaced
        extra = [
            history.add_incoming(
                account=ALICE,
                peer=BOB,
                sender=f"{BOB}/x",
                body=f"new {n}",
                timestamp=NOW + timedelta(minutes=10, seconds=n),
                stanza_id=f"n{n}",
                origin_id=None,
                message_id=None,
            )
            for n in range(120)
        ]
        for message in extra:
            assert message is not None
            inject(app, MessageAdded(account=ALICE, message=message))
        await wait_until(lambda: len(view.messages) == already + 120)
        await pilot.pause()
        assert [m.body for m in view.messages[-120:]] == [f"new {n}" for n in range(120)]
        assert "new 119" in view.rendered_rows()[-1]
        assert view.scroll_y == view.max_scroll_y  # stuck to the newest
        reads = [c for c in executed if type(c).__name__ == "MarkRead"]
        assert 1 <= len(reads) <= 3  # one per burst, not one per message
