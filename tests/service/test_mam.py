"""XEP-0313 catch-up against the real archive: paging, own messages, an unknown cursor."""

from __future__ import annotations

from pathlib import Path

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.service.harness import HarnessFactory
from xmpp_tui.core.events import MessageAdded, Notice
from xmpp_tui.core.models import Direction
from xmpp_tui.store import Store


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
