"""Message extras at 80x24 against the real Prosody: Up edits the last message (XEP-0308),
/me (XEP-0245), the "read" mark (XEP-0333), styled bodies (XEP-0393)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.ui.pilot_helpers import active_pane
from xmpp_tui.core.commands import SendMessage
from xmpp_tui.core.models import Delivery
from xmpp_tui.ui.app import XmppTuiApp, make_app

pytestmark = pytest.mark.prosody
SIZE = (80, 24)
TIMEOUT = 15.0
CORRECT = "urn:xmpp:message-correct:0"


async def _start(app: XmppTuiApp, pilot: Pilot[int], jid: str) -> None:
    await wait_until(lambda: ": online" in app.main.status_bar.plain, timeout=TIMEOUT)
    await pilot.press(*f"/msg {jid}", "enter")
    await pilot.pause()


async def test_up_in_an_empty_composer_edits_the_last_message(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _start(app, pilot, bob.jid)
        composer = app.main.composer
        await pilot.press(*"see you at 5", "enter")
        original = await bob.wait_body("see you at 5", timeout=TIMEOUT)

        # Up: editing mode, shown in the border; Esc leaves it and drops the edit
        await pilot.press("up")
        await wait_until(lambda: composer.editing and composer.text == "see you at 5")
        assert "editing" in str(composer.border_title)
        await pilot.press("escape")
        assert (composer.editing, composer.text, composer.border_title) == (False, "", None)

        # Up again, change the text, Enter: the peer gets a correction of the first message
        await pilot.press("up")
        await wait_until(lambda: composer.editing)
        await pilot.press("backspace", "6", "enter")
        fix = await bob.wait_body("see you at 6", timeout=TIMEOUT)
        replace = fix.xml.find(f"{{{CORRECT}}}replace")
        assert replace is not None and replace.get("id") == original["id"]
        assert not composer.editing
        history = active_pane(app).history
        await wait_until(
            lambda: [m.body for m in history.messages] == ["see you at 6"], timeout=TIMEOUT
        )
        assert any("see you at 6 (edited)" in row for row in history.rendered_rows())

        # the console has nothing to edit: Up there still recalls the last line sent
        await pilot.press("ctrl+p")  # previous pane: the console
        await pilot.pause()
        await pilot.press("up")
        await wait_until(lambda: composer.text == "see you at 6", message=composer.text)
        assert not composer.editing
        assert app.main.deck.active_chat is None
        await pilot.press("escape", *["backspace"] * 20)

        # an edit left for another pane is still an edit of that message when we come back
        await pilot.press("ctrl+n")
        await wait_until(lambda: app.main.deck.active_chat is not None)
        await pilot.press("up")
        await wait_until(lambda: composer.editing)
        await pilot.press("!", "ctrl+p")
        await wait_until(lambda: app.main.deck.active_chat is None)
        assert not composer.editing
        await pilot.press("ctrl+n")
        await wait_until(lambda: composer.editing and composer.text == "see you at 6!")
        await pilot.press("enter")
        again = await bob.wait_body("see you at 6!", timeout=TIMEOUT)
        replace = again.xml.find(f"{{{CORRECT}}}replace")
        assert replace is not None and replace.get("id") == original["id"]


async def test_me_action_and_read_mark_and_styling(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await _start(app, pilot, bob.jid)
        await pilot.press(*"/me waves", "enter")
        sent = await bob.wait_body("/me waves", timeout=TIMEOUT)
        history = active_pane(app).history
        await wait_until(lambda: any("* me waves" in row for row in history.rendered_rows()))

        bob.send_chat(alice.jid, "/me dances *wildly* [b]x[/b]")
        await wait_until(
            lambda: any("dances *wildly* [b]x[/b]" in row for row in history.rendered_rows()),
            timeout=TIMEOUT,
        )
        row = next(r for r in history.rendered_rows() if "dances" in r)
        assert f"* {bob.jid[:10]}" in row  # "* name dances", not "<name> /me dances"
        assert "/me" not in row

        # bob's client says it displayed our message: the row is marked read
        marker = bob.client.make_message(mto=alice.jid, mtype="chat")
        marker.xml.append(
            ET.fromstring(f"<displayed xmlns='urn:xmpp:chat-markers:0' id='{sent['id']}'/>")
        )
        marker.send()
        await wait_until(
            lambda: history.messages[0].delivery is Delivery.DISPLAYED, timeout=TIMEOUT
        )
        await wait_until(lambda: any(r.endswith("✓✓ read") for r in history.rendered_rows()))

        # bob corrects his last message: the same row re-renders with the new text
        original_id = bob.send_chat(alice.jid, "meet at noon")
        await wait_until(lambda: any("meet at noon" in r for r in history.rendered_rows()))
        count = len(history.messages)
        fix = bob.client.make_message(mto=alice.jid, mbody="meet at one", mtype="chat")
        fix.xml.append(ET.fromstring(f"<replace xmlns='{CORRECT}' id='{original_id}'/>"))
        fix.send()
        await wait_until(
            lambda: any("meet at one (edited)" in r for r in history.rendered_rows()),
            timeout=TIMEOUT,
        )
        assert len(history.messages) == count
        assert not any("meet at noon" in r for r in history.rendered_rows())


async def test_read_marker_goes_out_only_once_the_terminal_has_focus(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    markers: list[str] = []
    bob.client.register_plugin("xep_0333")
    bob.client.add_event_handler(
        "marker_displayed", lambda m: markers.append(str(m["displayed"]["id"]))
    )
    service = build_test_service((account_settings(prosody, alice),), tmp_path)
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: ": online" in app.main.status_bar.plain, timeout=TIMEOUT)
        await pilot.press(*f"/add {bob.jid}", "enter")  # markers go to contacts only
        await wait_until(
            lambda: any(row.jid == bob.jid for row in app.main.roster_view.contacts),
            timeout=TIMEOUT,
        )
        await pilot.press(*f"/msg {bob.jid}", "enter")
        await pilot.pause()
        app.post_message(events.AppBlur())
        await pilot.pause()

        msg = bob.client.make_message(mto=alice.jid, mbody="are you there?", mtype="chat")
        msg["id"] = "bob-1"
        msg.xml.append(ET.fromstring("<markable xmlns='urn:xmpp:chat-markers:0'/>"))
        msg.send()
        history = active_pane(app).history
        await wait_until(
            lambda: any(m.body == "are you there?" for m in history.messages), timeout=TIMEOUT
        )
        # not seen yet: a message through alice's stream would follow a marker sent before it
        # (sent by the service: a key press would tell Textual the terminal has focus)
        await app.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="ping"))
        await bob.wait_body("ping", timeout=TIMEOUT)
        assert markers == []

        app.post_message(events.AppFocus())
        await wait_until(lambda: markers == ["bob-1"], timeout=TIMEOUT)
