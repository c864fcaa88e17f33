"""The history view under a burst of appended messages (issue #8, a flood with the pane open).

A real `HistoryView` in a Textual app (`App.run_test`), its pages read from a list that plays the
store (messages are stored before they are published, so the "store" holds every appended
message). Stuck to the bottom, a burst is laid out in one pass and only its newest messages are
held and wrapped; older ones come back from the store on scroll up. Scrolled up, nothing moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from tests.peer import wait_until
from xmpp_tui.core.models import Delivery, Direction, StoredMessage
from xmpp_tui.ui.render import message_lines
from xmpp_tui.ui.widgets import history_view
from xmpp_tui.ui.widgets.history_view import PAGE_SIZE, WINDOW_MAX, HistoryView

SIZE = (80, 24)
PEER = "flooder@localhost"
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def message(index: int, direction: Direction = Direction.INCOMING) -> StoredMessage:
    return StoredMessage(
        id=index,
        account="bench@localhost",
        peer=PEER,
        direction=direction,
        sender=PEER,
        body=f"flood message number {index}",
        timestamp=START + timedelta(milliseconds=index),
        delivery=Delivery.RECEIVED if direction is Direction.INCOMING else Delivery.SENT,
    )


class Store:
    """The pages a `HistoryView` reads: oldest first, ``limit`` before ``before_id``."""

    def __init__(self, count: int) -> None:
        self.messages = [message(index) for index in range(1, count + 1)]

    def add(self, count: int) -> list[StoredMessage]:
        first = len(self.messages) + 1
        new = [message(index) for index in range(first, first + count)]
        self.messages += new
        return new

    def page(self, before_id: int | None, limit: int) -> Sequence[StoredMessage]:
        older = [m for m in self.messages if before_id is None or m.id < before_id]
        return older[-limit:]


class ViewApp(App[None]):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield HistoryView(load_page=self.store.page, peer_name="Flooder", tz=UTC)


def body_of(view: HistoryView, row: int) -> str:
    return view.render_line(row).text


async def burst(store: Store, view: HistoryView, count: int, batch: int = 50) -> None:
    """``count`` messages stored and appended in batches, a loop turn apart (as the service
    publishes a flood: one batch per committed slice)."""
    for _ in range(count // batch):
        view.add_messages(store.add(batch))
        await asyncio.sleep(0)


def visible_text(view: HistoryView) -> str:
    return "\n".join(body_of(view, row) for row in range(view.size.height))


async def test_a_burst_while_stuck_is_laid_out_lazily_and_held_rows_stay_bounded() -> None:
    store = Store(PAGE_SIZE)
    wrapped: list[int] = []
    real_lines = message_lines

    def counting(message: StoredMessage, **kwargs: object) -> object:
        wrapped.append(message.id)
        return real_lines(message, **kwargs)  # type: ignore[arg-type]

    app = ViewApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(HistoryView)
        await pilot.pause()
        assert view.messages[-1].id == PAGE_SIZE
        setattr(history_view, "message_lines", counting)  # noqa: B010
        try:
            await burst(store, view, 2_000)
            newest = store.messages[-1]
            await wait_until(lambda: f"number {newest.id}" in visible_text(view))
        finally:
            setattr(history_view, "message_lines", real_lines)  # noqa: B010
        # The newest message is drawn on the last row, the view still stuck to the bottom.
        assert f"number {newest.id}" in body_of(view, view.size.height - 1)
        assert view.scroll_y == view.max_scroll_y
        assert view.unseen_below == 0
        # Held: a bounded window of the newest messages, in order, ending with the newest.
        held = view.messages
        assert len(held) <= WINDOW_MAX
        assert [m.id for m in held] == list(range(held[0].id, newest.id + 1))
        # Wrapped: a small part of the burst, not every message as it came.
        assert len(set(wrapped)) < 2_000 // 4


async def test_every_message_of_a_burst_is_reachable_by_scrolling_up() -> None:
    store = Store(PAGE_SIZE)
    app = ViewApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(HistoryView)
        await pilot.pause()
        await burst(store, view, 1_000)
        view.settle()
        seen = {m.id for m in view.messages}
        for _ in range(100):  # each step pages in at most PAGE_SIZE older messages
            if view.messages[0].id == 1:
                break
            view.scroll_home(animate=False, immediate=True)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen |= {m.id for m in view.messages}
        assert view.messages[0].id == 1
        assert seen == {m.id for m in store.messages}
        # The paged-in messages lie above, in order, without holes.
        ids = [m.id for m in view.messages]
        assert ids == list(range(1, ids[-1] + 1))
        # Back at the bottom: the newest is drawn there.
        view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert f"number {store.messages[-1].id}" in body_of(view, view.size.height - 1)


async def test_scrolled_up_a_burst_moves_nothing_and_is_counted_unseen() -> None:
    store = Store(PAGE_SIZE)
    app = ViewApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(HistoryView)
        await pilot.pause()
        view.scroll_to(y=view.max_scroll_y - 30, animate=False, immediate=True)
        await pilot.pause()
        before_y = view.scroll_y
        before_rows = [body_of(view, row) for row in range(view.size.height)]
        await burst(store, view, 500)
        await pilot.pause()
        assert view.scroll_y == before_y
        assert [body_of(view, row) for row in range(view.size.height)] == before_rows
        assert view.unseen_below == 500
        # Nothing dropped while the reader is up there: all of it is held and reachable.
        assert [m.id for m in view.messages] == [m.id for m in store.messages]
        # Back at the bottom: caught up, the newest drawn.
        view.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert view.unseen_below == 0
        assert f"number {store.messages[-1].id}" in body_of(view, view.size.height - 1)


async def test_a_delivery_update_after_the_window_moved_redraws_its_row() -> None:
    store = Store(PAGE_SIZE)
    app = ViewApp(store)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(HistoryView)
        await pilot.pause()
        await burst(store, view, 400)
        mine = message(len(store.messages) + 1, Direction.OUTGOING)
        store.messages.append(mine)
        view.add_message(mine)
        await wait_until(lambda: "number" in body_of(view, view.size.height - 1))
        view.settle()
        last = body_of(view, view.size.height - 1)
        assert f"number {mine.id}" in last
        view.set_delivery(mine.id, Delivery.DELIVERED)
        await pilot.pause()
        assert body_of(view, view.size.height - 1) != last
        assert f"number {mine.id}" in body_of(view, view.size.height - 1)
