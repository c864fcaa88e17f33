"""History sync you can see: archive gaps, scroll-back pages, catch-up progress (XEP-0313).

Against the real Prosody archive: a bogus cursor leaves a gap record after each stored
conversation (once per session), `FetchOlderHistory` pages back with RSM ``before`` until the
archive is complete, and a catch-up longer than one page reports its progress.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.peer import AccountFactory, Peer, PeerFactory, wait_until
from tests.service.harness import Harness, HarnessFactory
from xmpp_tui.core.commands import FetchOlderHistory
from xmpp_tui.core.events import (
    HistoryGapMarked,
    MessageAdded,
    Notice,
    OlderHistoryFetched,
    SyncProgress,
)
from xmpp_tui.service import older_history, sync
from xmpp_tui.store import Store


async def _settle(peer: Peer) -> None:
    """Everything the peer sent has been handled (and archived) by the server."""
    await peer.client.plugin["xep_0199"].ping(timeout=30)


def _bodies(h: Harness, account: str, peer: str) -> list[str]:
    return [m.body for m in h.service.history_page(account, peer, limit=1000)]


def _forget_local(h: Harness, account: str, peer: str, keep_from: str) -> None:
    """Drop the stored messages older than ``keep_from`` (they stay in the archive only)."""
    connection = h.service._store.database.connection  # test hook: no public API for this
    connection.execute(
        "DELETE FROM messages WHERE account = ? AND peer = ? AND body < ?",
        (account, peer, keep_from),
    )


async def test_bogus_cursor_marks_a_gap_after_each_conversation_once(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob, carol = await peer(), await peer()
    bob.send_chat(alice.jid, "from bob")
    carol.send_chat(alice.jid, "from carol")
    h = await harness(alice)
    await h.wait_event(MessageAdded, lambda e: e.message.body == "from carol")
    await h.wait_event(MessageAdded, lambda e: e.message.body == "from bob")
    await h.stop()
    store = Store.open(tmp_path / "history.sqlite3")
    store.cursors.set(alice.jid, alice.jid, "expired-or-bogus-archive-id")
    last = {p: store.history.page(alice.jid, p, limit=1)[-1].id for p in (bob.jid, carol.jid)}
    store.close()
    bob.send_chat(alice.jid, "while away")
    await _settle(bob)

    again = await harness(alice)
    await wait_until(lambda: "while away" in _bodies(again, alice.jid, bob.jid))
    marked = {(e.peer, e.after_id) for e in again.of_type(HistoryGapMarked)}
    assert marked == {(bob.jid, last[bob.jid]), (carol.jid, last[carol.jid])}
    # persisted, and placed before what the fallback brought
    assert again.service.history_gaps(alice.jid, bob.jid) == frozenset({last[bob.jid]})
    new = [m for m in again.service.history_page(alice.jid, bob.jid) if m.body == "while away"]
    assert len(new) == 1 and new[0].id > last[bob.jid]
    fallbacks = [e for e in again.of_type(Notice) if "no longer knows" in e.text]
    assert len(fallbacks) == 1  # both catch-ups of the session (before and after presence)

    # The server forgets the new cursor too, in the same session: no second fallback, no loop.
    session = again.service._sessions[alice.jid]  # test hook: run one more catch-up
    again.service._store.cursors.set(alice.jid, alice.jid, "bogus-again")
    assert await asyncio.wait_for(sync.catch_up(session), timeout=10) == 0
    assert len([e for e in again.of_type(Notice) if "no longer knows" in e.text]) == 1
    assert len(again.of_type(HistoryGapMarked)) == 2


async def test_older_pages_come_from_the_archive_before_the_oldest_stored(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(older_history, "PAGE_SIZE", 10)
    alice = new_account("alice")
    bob = await peer()
    for n in range(25):
        bob.send_chat(alice.jid, f"old {n:03}")
    await _settle(bob)
    h = await harness(alice)
    await wait_until(lambda: len(_bodies(h, alice.jid, bob.jid)) == 25)
    _forget_local(h, alice.jid, bob.jid, keep_from="old 020")
    assert _bodies(h, alice.jid, bob.jid) == [f"old {n:03}" for n in range(20, 25)]

    await h.service.execute(FetchOlderHistory(account=alice.jid, peer=bob.jid))
    first = await h.wait_event(OlderHistoryFetched)
    assert (first.peer, first.count, first.complete, first.error) == (bob.jid, 10, False, "")
    assert _bodies(h, alice.jid, bob.jid) == [f"old {n:03}" for n in range(10, 25)]

    await h.service.execute(FetchOlderHistory(account=alice.jid, peer=bob.jid))
    await wait_until(lambda: len(h.of_type(OlderHistoryFetched)) == 2)
    second = h.of_type(OlderHistoryFetched)[1]
    assert (second.count, second.complete) == (10, True)
    # exactly the older ones, in archive order above the rest, none twice
    assert _bodies(h, alice.jid, bob.jid) == [f"old {n:03}" for n in range(25)]
    # scroll-back never counts as unread
    assert h.service.unread_counts(alice.jid).get(bob.jid, 0) <= 5

    await h.service.execute(FetchOlderHistory(account=alice.jid, peer=bob.jid))
    await wait_until(lambda: len(h.of_type(OlderHistoryFetched)) == 3)
    third = h.of_type(OlderHistoryFetched)[2]
    assert (third.count, third.complete) == (0, True)
    assert len(_bodies(h, alice.jid, bob.jid)) == 25


async def test_older_pages_for_an_empty_conversation_and_one_fetch_at_a_time(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    bob, carol = await peer(), await peer()
    carol.send_chat(alice.jid, "carol 1")
    carol.send_chat(alice.jid, "carol 2")
    bob.send_chat(alice.jid, "bob 1")
    await _settle(carol)
    await _settle(bob)
    h = await harness(alice)
    await wait_until(lambda: len(_bodies(h, alice.jid, carol.jid)) == 2)
    await wait_until(lambda: len(_bodies(h, alice.jid, bob.jid)) == 1)
    _forget_local(h, alice.jid, carol.jid, keep_from="\uffff")  # nothing of carol's left
    assert _bodies(h, alice.jid, carol.jid) == []

    command = FetchOlderHistory(account=alice.jid, peer=carol.jid)
    await asyncio.gather(h.service.execute(command), h.service.execute(command))
    answers = h.of_type(OlderHistoryFetched)
    assert [(a.peer, a.count, a.complete) for a in answers] == [(carol.jid, 2, True)]
    assert _bodies(h, alice.jid, carol.jid) == ["carol 1", "carol 2"]
    assert _bodies(h, alice.jid, bob.jid) == ["bob 1"]  # scoped to that conversation


async def test_older_pages_while_offline_answer_with_an_error(
    new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice, online=False, password_command="false")
    await h.service.execute(FetchOlderHistory(account=alice.jid, peer="bob@localhost"))
    answer = await h.wait_event(OlderHistoryFetched)
    assert answer.count == 0 and not answer.complete and "Not connected" in answer.error


async def test_a_catch_up_longer_than_a_page_reports_progress(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync, "PAGE_SIZE", 20)
    monkeypatch.setattr(sync, "PROGRESS_INTERVAL", 0.0)
    alice = new_account("alice")
    bob = await peer()
    for n in range(90):
        bob.send_chat(alice.jid, f"m {n:03}")
    await _settle(bob)
    h = await harness(alice)
    await wait_until(lambda: len(_bodies(h, alice.jid, bob.jid)) == 90, timeout=20)
    await h.wait_event(SyncProgress, lambda e: e.done)
    progress = h.of_type(SyncProgress)
    running = [e for e in progress if not e.done]
    assert running, "pages 2.. of a 5-page catch-up publish progress"
    assert [e.pages for e in running] == sorted(e.pages for e in running)
    assert all(e.total == 90 for e in progress)  # first start: time-based, the server counts
    assert running[0].messages == 40 and running[-1].messages <= 90
    done = [e for e in progress if e.done]
    assert done[0].messages == 90 and done[0].pages == 5
