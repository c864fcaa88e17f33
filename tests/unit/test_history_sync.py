"""Pure parts of visible history sync: gap records, older rows below every id, the progress
throttle, the status bar's sync label, the gap and banner lines."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from rich.text import Text

from xmpp_tui.core.events import SyncProgress
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.service.sync import ProgressThrottle
from xmpp_tui.store import Store
from xmpp_tui.ui.render import GAP_TEXT, gap_line, history_banner
from xmpp_tui.ui.view_state import ConnectionView
from xmpp_tui.ui.widgets.status_bar import status_text, sync_label

A = "alice@example.org"
BOB = "bob@example.org"
CAROL = "carol@example.org"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _add(store: Store, peer: str, body: str, n: int, *, older: bool = False) -> int:
    message = store.history.add_incoming(
        account=A,
        peer=peer,
        sender=f"{peer}/x",
        body=body,
        timestamp=T0 + timedelta(minutes=n),
        stanza_id=f"{peer}-{n}",
        origin_id=None,
        message_id=None,
        older=older,
    )
    assert message is not None
    return message.id


def test_gap_after_the_newest_message_of_each_conversation_once() -> None:
    store = Store.open_memory()
    _add(store, BOB, "b1", 1)
    last_bob = _add(store, BOB, "b2", 2)
    last_carol = _add(store, CAROL, "c1", 3)
    added = store.gaps.mark_after_newest(A)
    assert added == [(BOB, last_bob), (CAROL, last_carol)]
    assert store.gaps.of(A, BOB) == {last_bob}
    assert store.gaps.mark_after_newest(A) == []  # nothing new: no second gap
    assert store.gaps.of("other@example.org", BOB) == frozenset()
    assert store.gaps.mark_after_newest("nobody@example.org") == []


def test_older_rows_go_below_every_id_and_count_as_read() -> None:
    store = Store.open_memory()
    newest = _add(store, BOB, "now", 10)
    store.history.mark_read(A, BOB, newest)
    first = _add(store, BOB, "older", 5, older=True)
    second = _add(store, BOB, "oldest", 4, older=True)
    assert second < first < 0 < newest
    assert [m.body for m in store.history.page(A, BOB)] == ["oldest", "older", "now"]
    assert store.history.page(A, BOB, before_id=first)[0].body == "oldest"
    assert store.history.unread_counts(A) == {}
    # a duplicate of an older row stays a duplicate (same dedupe path)
    again = store.history.add_incoming(
        account=A,
        peer=BOB,
        sender=f"{BOB}/x",
        body="older",
        timestamp=T0 + timedelta(minutes=5),
        stanza_id=f"{BOB}-5",
        origin_id=None,
        message_id=None,
        older=True,
    )
    assert again is None
    # ordinary ids keep counting up from the sequence
    assert _add(store, BOB, "later", 11) > newest
    assert [m.body for m in store.history.search("older")] == ["older"]


def test_oldest_anchor_is_the_first_trusted_stanza_id() -> None:
    store = Store.open_memory()
    assert store.history.oldest(A, BOB) == (None, None)
    store.history.add_outgoing(
        account=A,
        peer=BOB,
        sender=f"{A}/tui",
        body="no stanza-id yet",
        timestamp=T0,
        origin_id="o1",
        message_id="m1",
    )
    assert store.history.oldest(A, BOB) == (None, T0)
    _add(store, BOB, "second", 3)
    _add(store, BOB, "third", 4)
    assert store.history.oldest(A, BOB) == (f"{BOB}-3", T0)
    _add(store, BOB, "fetched", 2, older=True)
    assert store.history.oldest(A, BOB)[0] == f"{BOB}-2"


def test_progress_throttle_skips_one_page_syncs_and_rate_limits() -> None:
    moments = iter([0.0, 0.1, 0.3, 0.31])
    throttle = ProgressThrottle(0.25, now=lambda: next(moments))
    assert not throttle.due(1)
    assert not throttle.published
    assert throttle.due(2)  # t=0.0
    assert not throttle.due(3)  # t=0.1: too soon
    assert throttle.due(4)  # t=0.3
    assert not throttle.due(5)  # t=0.31
    assert throttle.published


def test_sync_label_and_status_bar() -> None:
    assert sync_label(SyncProgress(account=A, pages=12, messages=1200, total=10000)) == (
        "sync 1,200/10,000 msgs"
    )
    assert sync_label(SyncProgress(account=A, pages=2, messages=200)) == "sync 200 msgs"
    views = {A: ConnectionView(ConnectionState.CONNECTING, "")}
    syncs = {A: SyncProgress(account=A, pages=3, messages=300, total=900)}
    assert "sync 300/900 msgs" in status_text(views, "1", T0, syncs=syncs).plain
    assert "sync" not in status_text(views, "1", T0).plain


def test_gap_line_can_never_pass_for_a_message() -> None:
    line = gap_line(60)
    assert isinstance(line, Text) and line.cell_len == 60
    assert line.plain.startswith(GAP_TEXT)
    assert not re.match(r"\d\d:\d\d ", line.plain)  # message rows start with HH:MM
    assert "reverse" in str(line.spans[0].style) or "reverse" in str(line.style)
    assert gap_line(10).cell_len == 10
    banner = history_banner("x[@click=app.quit]y\x1b[2J")
    assert banner.plain.startswith("┄ ") and "\x1b" not in banner.plain
    assert banner.spans == [] or all("click" not in str(s.style) for s in banner.spans)
