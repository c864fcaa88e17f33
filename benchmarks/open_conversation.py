"""Opening a conversation of 100,000 messages: from the open action to its last screen drawn.

Seeds a throwaway store through the store API (one conversation of N messages, plus a few
small ones), then, ``--runs`` times, starts the headless app (80x24, the real screen over an
offline session service on that store) and opens the big conversation the way the roster's
Enter does (``MainScreen.open_chat``). Timed from the call to the first frame the compositor
produced that holds the conversation's newest message (a wrapper on ``App._display``, which
the headless driver calls with each frame; a wrapper on the history view's ``render_line``
says when the newest message was drawn). Then the pane is closed and opened again (warm).
Also prints the store's own cost for the page the view loads, and the app's worst frame
(event-loop stall) from the open action to a second after.

    .venv/bin/python benchmarks/open_conversation.py [--messages 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stalls import LoopLag  # noqa: E402

from xmpp_tui.core.models import Direction  # noqa: E402
from xmpp_tui.secrets import PasswordSource  # noqa: E402
from xmpp_tui.service.session import SessionService  # noqa: E402
from xmpp_tui.settings import AccountSettings  # noqa: E402
from xmpp_tui.store import Store  # noqa: E402

ACCOUNT = "alice@example.org"
PEER = "bob@example.org"
T0 = datetime(2023, 1, 1, tzinfo=UTC)
WORDS = tuple(
    [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "a",
        "lazy",
        "dog",
        "and",
        "then",
        "goes",
        "home",
        "for",
        "coffee",
    ]
)


def seed(path: Path, total: int) -> float:
    """``total`` messages with PEER, 500 with each of 10 others; returns the seconds taken."""
    started = time.perf_counter()
    store = Store.open(path)
    try:
        with store.database.transaction():
            for i in range(total):
                outgoing = i % 3 == 0
                store.history.add_incoming(
                    account=ACCOUNT,
                    peer=PEER,
                    sender=f"{ACCOUNT}/laptop" if outgoing else f"{PEER}/phone",
                    body=f"message {i}: " + " ".join(WORDS[: 3 + i % 12]),
                    timestamp=T0 + timedelta(seconds=30 * i),
                    stanza_id=f"s-{i}",
                    origin_id=f"o-{i}",
                    message_id=f"m-{i}",
                    direction=Direction.OUTGOING if outgoing else Direction.INCOMING,
                )
            for friend in range(10):
                for i in range(500):
                    store.history.add_incoming(
                        account=ACCOUNT,
                        peer=f"friend{friend}@example.net",
                        sender=f"friend{friend}@example.net/phone",
                        body=f"hello {i}",
                        timestamp=T0 + timedelta(minutes=i),
                        stanza_id=f"f{friend}-{i}",
                        origin_id=None,
                        message_id=f"f{friend}-{i}",
                        direction=Direction.INCOMING,
                    )
    finally:
        store.close()
    return time.perf_counter() - started


class FrameClock:
    """When the first frame holding ``marker`` (drawn by the history view) was produced."""

    def __init__(self, app: Any, marker: str) -> None:
        from xmpp_tui.ui.widgets.history_view import HistoryView

        self.marker = marker
        self.drawn = False
        self.frame_at: float | None = None
        clock = self
        original_line: Callable[[Any, int], Any] = HistoryView.render_line

        def render_line(view: Any, y: int) -> Any:
            strip = original_line(view, y)
            if clock.marker in strip.text:
                clock.drawn = True
            return strip

        original_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            if clock.drawn and clock.frame_at is None and renderable is not None:
                clock.frame_at = time.perf_counter()
            original_display(screen, renderable)

        self._restore: Callable[[], None] = lambda: setattr(
            HistoryView, "render_line", original_line
        )
        setattr(HistoryView, "render_line", render_line)  # noqa: B010 (mypy: a method swap)
        app._display = display

    def reset(self) -> None:
        self.drawn = False
        self.frame_at = None

    def close(self) -> None:
        self._restore()

    async def wait(self, timeout: float = 30.0) -> float:
        deadline = time.perf_counter() + timeout
        while self.frame_at is None:
            if time.perf_counter() > deadline:
                raise SystemExit(f"{self.marker!r} not drawn within {timeout:g} s")
            await asyncio.sleep(0.001)
        return self.frame_at


async def one_run(db: Path, newest: str) -> tuple[float, float, float]:
    """(cold open, warm reopen, worst frame) in seconds."""
    from xmpp_tui.ui.app import make_app
    from xmpp_tui.ui.view_state import ChatKey

    service = SessionService(
        accounts=[AccountSettings(jid=ACCOUNT)],
        store=Store.open(db),
        passwords=PasswordSource(use_keyring=False),
        offline=True,
    )
    app = make_app(service, cursor_blink=False)
    key = ChatKey(ACCOUNT, PEER)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await asyncio.sleep(0.2)  # start-up settled
        clock = FrameClock(app, newest)
        try:
            lag = LoopLag().start()
            started = time.perf_counter()
            await app.main.open_chat(key)
            cold = await clock.wait() - started
            await asyncio.sleep(0.3)
            await app.main.panes.close(key)
            await pilot.pause()
            clock.reset()
            started = time.perf_counter()
            await app.main.open_chat(key)
            warm = await clock.wait() - started
            await asyncio.sleep(0.3)
            worst = max(await lag.stop())
        finally:
            clock.close()
    return cold, warm, worst


def _summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):6.1f} ms (min {min(ms):.1f}, max {max(ms):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "history.sqlite3"
        seconds = seed(db, args.messages)
        print(
            f"seeded {args.messages:,} messages with {PEER} (+5,000 with 10 others) through the "
            f"store API in {seconds:.1f} s, database {db.stat().st_size / 1e6:.1f} MB"
        )
        store = Store.open(db)
        page: list[float] = []
        try:
            for _ in range(args.runs):
                started = time.perf_counter()
                store.history.page(ACCOUNT, PEER, limit=100)
                page.append(time.perf_counter() - started)
        finally:
            store.close()
        newest = f"message {args.messages - 1}:"
        cold: list[float] = []
        warm: list[float] = []
        worst: list[float] = []
        for _ in range(args.runs):
            c, w, s = asyncio.run(one_run(db, newest))
            cold.append(c)
            warm.append(w)
            worst.append(s)
    print(
        f"Open a conversation of {args.messages:,} messages, headless app 80x24, {args.runs} runs"
    )
    print(f"  store: newest page (100 messages)        {_summary(page)}")
    print(f"  open -> last screen drawn (first open)   {_summary(cold)}")
    print(f"  open -> last screen drawn (reopen)       {_summary(warm)}")
    print(f"  worst frame meanwhile                    {_summary(worst)}")


if __name__ == "__main__":
    main()
