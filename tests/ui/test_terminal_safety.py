"""What the real app writes to the terminal, byte by byte, under the hostile corpus (T1-T3, S-UI-1).

The app runs over an offline service with a recording driver (`tests/ui/terminal_capture.py`):
each payload of `tests/hostile_corpus.py` goes through the UI's event route into every display
field on screen (roster name, message body, resource, status text, chat state header, console
error, notice, /info answer, bookmark name, subscription request nick), then the frame is drawn.
The whole capture must hold nothing outside Textual's own drawing sequences. The real-server
delivery of the same corpus is in `test_terminal_safety_live.py`.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from tests.hostile_corpus import COMBINING_FLOOD, LONG_LINE, payloads
from tests.peer import wait_until
from tests.ui.pilot_helpers import active_pane, inject
from tests.ui.support import ALICE, BOB, NOW, offline_app
from tests.ui.terminal_capture import CAPTURED, RecordingDriver, findings
from xmpp_tui.core.events import (
    BookmarksChanged,
    CommandFailed,
    InfoReceived,
    MessageAdded,
    Notice,
    PresenceChanged,
    RosterItemChanged,
)
from xmpp_tui.core.models import (
    Bookmark,
    ContactPresence,
    Delivery,
    Direction,
    ResourcePresence,
    RosterItem,
    Show,
    StoredMessage,
    Subscription,
)
from xmpp_tui.store import Store
from xmpp_tui.ui.app import XmppTuiApp
from xmpp_tui.ui.render import MessageStyles, message_lines

SIZE = (120, 50)
CORPUS = payloads()


def _message(index: int, body: str) -> StoredMessage:
    return StoredMessage(
        id=10_000 + index,
        account=ALICE,
        peer=BOB,
        direction=Direction.INCOMING,
        sender=f"{BOB}/phone",
        body=body,
        timestamp=NOW + timedelta(seconds=index),
        delivery=Delivery.RECEIVED,
    )


#: Payloads drawn per frame: one per contact row, room row and message row.
BATCH = 8
CONTACTS = tuple(f"c{k}@localhost" for k in range(BATCH))


def _deliver(app: XmppTuiApp, first: int, batch: list[str]) -> None:
    """One batch into every field on screen: roster names, room (bookmark) names, message
    bodies, and (the batch's first few) resource, status text, console error, notice, /info."""
    bookmarks: list[Bookmark] = []
    for k, payload in enumerate(batch):
        index = first + k
        tag = f"#{index}#"
        item = RosterItem(jid=CONTACTS[k], name=tag + payload, subscription=Subscription.BOTH)
        inject(app, RosterItemChanged(account=ALICE, item=item))
        inject(app, MessageAdded(account=ALICE, message=_message(index, tag + payload)))
        bookmarks.append(Bookmark(jid=f"r{k}@muc.localhost", name=tag + payload))
    inject(app, BookmarksChanged(account=ALICE, bookmarks=tuple(bookmarks)))
    header = batch[0]
    resource = ResourcePresence(resource=header, show=Show.AWAY, status=f"#{first}#{header}")
    presence = ContactPresence(jid=BOB, resources=(resource,))
    inject(app, PresenceChanged(account=ALICE, presence=presence))
    failed = batch[-1]
    inject(app, CommandFailed(account=ALICE, command="SendMessage", message=failed, hint=failed))
    if first % (BATCH * 4) == 0:  # toasts stay on screen for seconds: a few suffice
        inject(app, Notice(account=ALICE, text=batch[1]))
        identity = (batch[2], batch[3], batch[4])
        info = InfoReceived(
            account=ALICE, jid=BOB, identities=(identity,), features=(batch[5],), software=header
        )
        inject(app, info)


async def test_hostile_corpus_never_reaches_the_terminal(tmp_path: Path) -> None:
    assert len(CORPUS) >= 500
    app = offline_app(tmp_path)
    app.driver_class = RecordingDriver
    CAPTURED.clear()
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await pilot.press(*f"/msg {BOB}", "enter")
        await pilot.pause()
        history = active_pane(app).history
        assert CAPTURED, "the recording driver saw no frame"
        for first in range(0, len(CORPUS), BATCH):
            seen = len(CAPTURED)
            batch = CORPUS[first : first + BATCH]
            _deliver(app, first, batch)
            # A frame with this batch drawn, before the next one scrolls it away (a busy
            # machine would otherwise coalesce several batches into one frame).
            tag = f"#{first + len(batch) - 1}#"
            await wait_until(
                lambda tag=tag, seen=seen: tag in "".join(CAPTURED[seen:]),  # type: ignore[misc]
                timeout=10,
            )
        last = f"#{len(CORPUS) - 1}#"
        await wait_until(lambda: any(last in row for row in history.rendered_rows()), timeout=10)
        await pilot.pause()
        output = "".join(CAPTURED)
    assert findings(output) == []
    # The payloads did reach the screen (drawn, defused): their tags are in the bytes.
    shown = {int(m) for m in re.findall(r"#(\d+)#", output)}
    assert len(shown) >= len(CORPUS) * 3 // 4, f"only {len(shown)} payloads were drawn"
    assert "<U+202E>" in output and "\u241b" in output  # bidi and ESC shown as placeholders
    assert "[@click=app.quit]click me[/]" in output  # markup shown literally


def test_the_check_catches_what_it_claims() -> None:
    """Positive control: raw payloads, written as they are, are all findings."""
    for raw in (
        "\x1b]52;c;eA==\x07",
        "\x9b2J",
        "a\u202eb",
        "x\u200by",
        "\x1bP$q\x1b\\",
        "\U000e0041",
    ):
        assert findings(raw), raw
    assert findings("\x1b[1;37;40mok\x1b[0m\x1b[3;4H") == []


def _render_ms(body: str) -> float:
    console = Console(width=100, force_terminal=True, color_system="truecolor")
    start = time.perf_counter()
    rows = message_lines(
        _message(0, body),
        peer_name=BOB,
        width=100,
        console=console,
        tz=None,
        styles=MessageStyles(),
    )
    elapsed = (time.perf_counter() - start) * 1000
    assert len(rows) < 300  # cut for display: at most 16 KiB of text
    return elapsed


def test_absurd_inputs_are_cut_for_display_in_bounded_time() -> None:
    """10,000 combining marks and a 256 KiB line render in well under a frame budget (measured)."""
    for body in (COMBINING_FLOOD, LONG_LINE, LONG_LINE + "\n" + LONG_LINE):
        best = min(_render_ms(body) for _ in range(3))
        assert best < 200, f"{best:.0f} ms to render {len(body)} characters"  # ~7 ms measured


def test_absurd_inputs_are_kept_whole_in_the_store(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "history.sqlite3")
    try:
        for n, body in enumerate((COMBINING_FLOOD, LONG_LINE)):
            stored = store.history.add_incoming(
                account=ALICE,
                peer=BOB,
                sender=f"{BOB}/phone",
                body=body,
                timestamp=NOW,
                stanza_id=f"big{n}",
                origin_id=None,
                message_id=f"big{n}",
            )
            assert stored is not None
            again = store.history.get(ALICE, stored.id)
            assert again is not None and again.body == body
    finally:
        store.close()


def test_no_body_line_can_pass_for_a_sender_line() -> None:
    """Every corpus payload, after a forged-looking prefix: one head row, then only "│" rows."""
    console = Console(width=60, force_terminal=True, color_system="truecolor")
    for index, payload in enumerate(CORPUS):
        body = f"ok\n12:00 <{BOB}> {payload}\n{payload}"
        rows = message_lines(
            _message(index, body),
            peer_name=BOB,
            width=60,
            console=console,
            tz=None,
            styles=MessageStyles(),
        )
        assert rows[0].plain.startswith(f"{(NOW + timedelta(seconds=index)):%H:%M} <")
        for row in rows[1:]:
            assert row.plain.startswith("      │ "), (payload, row.plain)
            assert "\n" not in row.plain and "\r" not in row.plain
