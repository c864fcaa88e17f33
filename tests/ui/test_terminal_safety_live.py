"""The hostile corpus delivered for real: a peer and our own second resource, through Prosody.

Bob (a real slixmpp client) sends every XML-carriable payload of `tests/hostile_corpus.py` as a
message body and, batch by batch, as his status text; our account's second resource renames Bob
in the roster to payloads (a roster push the app receives). The app draws it all through the
recording driver, and the bytes must hold nothing outside the allow-list (SECURITY.md S-UI-1).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from slixmpp import JID

from tests.hostile_corpus import payloads
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import active_pane, wait_online
from tests.ui.terminal_capture import CAPTURED, RecordingDriver, findings
from xmpp_tui.core.models import Subscription
from xmpp_tui.ui.app import make_app

pytestmark = pytest.mark.prosody
SIZE = (120, 50)
TIMEOUT = 20.0
BATCH = 16
CORPUS = payloads(xml=True)


def _shown(rows: Callable[[], list[str]], tag: str) -> bool:
    return any(tag in row for row in rows())


def _named(name: Callable[[], str | None], tag: str) -> bool:
    return (name() or "").startswith(tag)


async def test_hostile_corpus_from_a_real_peer_never_reaches_the_terminal(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    assert len(CORPUS) >= 500
    alice = new_account("alice")
    bob = await peer(auto_authorize=True)
    second = await peer(alice, resource="second", send_presence=False)
    app = make_app(
        build_test_service((account_settings(prosody, alice),), tmp_path), cursor_blink=False
    )
    app.driver_class = RecordingDriver
    CAPTURED.clear()
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await wait_online(app)
        await pilot.press(*f"/add {bob.jid} Bob", "enter")

        def bob_row_name() -> str | None:
            row = next((r for r in app.main.roster_view.contacts if r.jid == bob.jid), None)
            ok = row is not None and row.subscription in (Subscription.TO, Subscription.BOTH)
            return row.name if row is not None and ok else None

        await wait_until(lambda: bob_row_name() is not None, timeout=TIMEOUT)
        await pilot.press(*f"/msg {bob.jid}", "enter")
        await pilot.pause()
        history = active_pane(app).history
        for first in range(0, len(CORPUS), BATCH):
            batch = CORPUS[first : first + BATCH]
            for k, payload in enumerate(batch):
                bob.send_chat(alice.jid, f"#{first + k}#{payload}")
            bob.client.send_presence(pstatus=f"#{first}#{batch[0]}")
            name = f"#{first}#{batch[-1]}"
            pending = second.client.update_roster(JID(bob.jid), name=name)
            assert pending is not None
            await pending
            last = f"#{first + len(batch) - 1}#"
            await wait_until(
                partial(_shown, history.rendered_rows, last),
                timeout=TIMEOUT,
                message=f"{last} not shown; rows: {history.rendered_rows()[-2:]}",
            )
            # (XML normalises line breaks in an attribute such as the roster name to spaces)
            tag = f"#{first}#"
            await wait_until(
                partial(_named, bob_row_name, tag),
                timeout=TIMEOUT,
                message=f"roster name {name!r} not shown: {bob_row_name()!r}",
            )
            await pilot.pause()
        output = "".join(CAPTURED)
    assert findings(output) == []
    shown = {int(m) for m in re.findall(r"#(\d+)#", output)}
    assert len(shown) >= len(CORPUS) * 3 // 4, f"only {len(shown)} payloads were drawn"
    assert "<U+202E>" in output and "<U+009D>" in output  # bidi and 8-bit OSC as placeholders
