"""/info answers are printed in the console, every remote string made safe."""

from __future__ import annotations

from pathlib import Path

from tests.ui.support import ALICE, offline_app
from xmpp_tui.core.events import InfoReceived
from xmpp_tui.ui.bridge import ServiceEvent


async def test_info_answer_is_listed_safely(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(
            ServiceEvent(
                InfoReceived(
                    account=ALICE,
                    jid="bob@localhost/phone",
                    identities=(("client", "phone", "Evil\u202e[b]Client[/b]"),),
                    features=("urn:xmpp:receipts", "jabber:iq:version\x1b[2J"),
                    software="Conversations 2.17",
                )
            )
        )
        await pilot.pause()
        written = "\n".join(app.main.deck.console.lines_written)
        assert "bob@localhost/phone:" in written
        assert "software: Conversations 2.17" in written
        assert "is: client/phone (Evil<U+202E>[b]Client[/b])" in written
        assert "speaks 2 protocols:" in written and "urn:xmpp:receipts" in written
        assert "\x1b" not in written and "\u202e" not in written
