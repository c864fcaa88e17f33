"""XEP-0313 catch-up against the real archive: paging, own messages, an unknown cursor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.service.harness import HarnessFactory
from xmpp_tui.core.events import MessageAdded, Notice
from xmpp_tui.core.models import Direction
from xmpp_tui.service import sync
from xmpp_tui.store import Store
from xmpp_tui.xmpp.client import XmppClient
from xmpp_tui.xmpp.features.mam import ArchivePage


async def test_catch_up_pages_keeps_own_messages_and_never_duplicates(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    bob.send_chat(alice.jid, "before the first start")
    first = await harness(alice)
    await first.wait_event(MessageAdded, lambda e: e.message.body == "before the first start")
    await first.stop()
    store = Store.open(tmp_path / "history.sqlite3")
    cursor = store.cursors.get(alice.jid, alice.jid)
    store.close()
    assert cursor, "the first catch-up stores the archive id it stopped at"

    # While we are away: more than one archive page from bob, and a message our phone sends.
    for n in range(150):
        bob.send_chat(alice.jid, f"offline {n:03}")
    phone = await peer(alice, resource="phone")
    phone.send_chat(bob.jid, "sent from my phone while the laptop was off")
    await bob.wait_body("sent from my phone while the laptop was off")
    await phone.close()

    again = await harness(alice)
    expected = [f"offline {n:03}" for n in range(150)]

    def bodies() -> list[str]:
        return [m.body for m in again.service.history_page(alice.jid, bob.jid, limit=1000)]

    await wait_until(lambda: all(b in bodies() for b in expected), timeout=20)
    history = again.service.history_page(alice.jid, bob.jid, limit=1000)
    got = [m.body for m in history]
    # each exactly once (archive copy and offline-storage copy are the same message)
    assert sorted(b for b in got if b.startswith("offline")) == expected
    own = [m for m in history if m.body == "sent from my phone while the laptop was off"]
    assert len(own) == 1 and own[0].direction is Direction.OUTGOING
    assert own[0].sender == f"{alice.jid}/phone"


async def test_unknown_cursor_falls_back_to_time_and_says_so(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    bob.send_chat(alice.jid, "first")
    h = await harness(alice)
    await h.wait_event(MessageAdded, lambda e: e.message.body == "first")
    await h.stop()
    store = Store.open(tmp_path / "history.sqlite3")
    store.cursors.set(alice.jid, alice.jid, "expired-or-bogus-archive-id")
    store.close()
    bob.send_chat(alice.jid, "while away")
    again = await harness(alice)
    notice = await again.wait_event(Notice, lambda e: "no longer knows" in e.text)
    assert "may be missing" in notice.text
    await wait_until(
        lambda: "while away" in [m.body for m in again.service.history_page(alice.jid, bob.jid)]
    )
    bodies = [m.body for m in again.service.history_page(alice.jid, bob.jid)]
    assert bodies.count("first") == 1 and bodies.count("while away") == 1


async def test_next_page_is_asked_for_before_a_page_is_stored(
    new_account: AccountFactory,
    peer: PeerFactory,
    harness: HarnessFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server reads page N+1 while we store page N (#8); the cursor still moves with the
    page it ends, and every message is stored once."""
    alice = new_account("alice")
    bob = await peer()
    bob.send_chat(alice.jid, "before the first start")
    first = await harness(alice)
    await first.wait_event(MessageAdded, lambda e: e.message.body == "before the first start")
    await first.stop()
    count = 2 * sync.PAGE_SIZE + 30  # three pages
    for n in range(count):
        bob.send_chat(alice.jid, f"away {n:03}")
    await bob.client.plugin["xep_0199"].ping(timeout=10)  # all archived before we log in

    asked: list[str | None] = []
    asked_when_storing: list[int] = []  # pages asked for when each page was being stored
    cursors_when_storing: list[str | None] = []
    queue_empty_when_storing: list[bool] = []  # the request handed to the transport already
    original_page = XmppClient.archive_page
    original_store = sync._store_page

    async def archive_page(self: XmppClient, **kwargs: Any) -> ArchivePage:
        asked.append(kwargs.get("after"))
        return await original_page(self, **kwargs)

    def store_page(session: Any, facts: Any, last_id: str | None) -> Any:
        asked_when_storing.append(len(asked))
        queue_empty_when_storing.append(session.client._client.waiting_queue.empty())
        cursors_when_storing.append(session.store.cursors.get(alice.jid, alice.jid))
        return original_store(session, facts, last_id)

    monkeypatch.setattr(XmppClient, "archive_page", archive_page)
    monkeypatch.setattr(sync, "_store_page", store_page)
    again = await harness(alice)
    expected = [f"away {n:03}" for n in range(count)]
    bodies = [m.body for m in again.service.history_page(alice.jid, bob.jid, limit=1000)]
    assert sorted(b for b in bodies if b.startswith("away")) == expected  # each exactly once
    # Catch-ups run twice on a fresh session (before and after the initial presence); the
    # first reads the three pages: while page 1 and page 2 are stored, the next one is asked
    # for already; the last page (complete) asks for nothing more.
    assert asked_when_storing[:3] == [2, 3, 3]
    assert queue_empty_when_storing[:2] == [True, True]
    # The cursor moved only with the pages stored: each page starts from the one before it.
    assert asked[1] is not None and asked[1] != cursors_when_storing[0]
    assert cursors_when_storing[1] == asked[1] and cursors_when_storing[2] == asked[2]
