"""Group chat extras in the app at 80x24 against the real Prosody: Up edits our last message
in a room pane (XEP-0308, sent to the room); scrolling up in a room pane pages back through the
room's own archive."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.test_rooms import new_room
from tests.ui.pilot_helpers import active_pane, console_lines, submit, wait_online
from tests.ui.test_pilot_rooms import SIZE, TIMEOUT, _app
from xmpp_tui.service import room_history
from xmpp_tui.ui.widgets.history_view import ARCHIVE_START
from xmpp_tui.ui.widgets.room_pane import RoomPane

pytestmark = pytest.mark.prosody
CORRECT = "urn:xmpp:message-correct:0"


async def test_up_edits_our_last_message_in_a_room(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/join {room}/al")
        pane = active_pane(app)
        assert isinstance(pane, RoomPane)
        await wait_until(
            lambda: pane.info is not None and pane.info.joined,
            timeout=TIMEOUT,
            message=f"not joined; console: {console_lines(app)[-4:]}",
        )
        composer = app.main.composer
        await pilot.press(*"meet at 5", "enter")
        original = await room_peer.wait_groupchat(bob, room, "meet at 5", timeout=TIMEOUT)

        await pilot.press("up")
        await wait_until(lambda: composer.editing and composer.text == "meet at 5")
        await pilot.press("backspace", "6", "enter")
        fix = await room_peer.wait_groupchat(bob, room, "meet at 6", timeout=TIMEOUT)
        replace = fix.xml.find(f"{{{CORRECT}}}replace")
        assert replace is not None and replace.get("id") == original["id"]
        await wait_until(
            lambda: [m.body for m in pane.history.messages] == ["meet at 6"],
            timeout=TIMEOUT,
            message=f"rows: {pane.history.rendered_rows()[-3:]}",
        )
        assert any("meet at 6 (edited)" in row for row in pane.history.rendered_rows())


async def test_scrolling_up_in_a_room_fetches_older_lines_from_its_archive(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    said = [f"line {n:02}" for n in range(40)]
    for body in said:
        room_peer.say(bob, room, body)
    await bob.client.plugin["xep_0199"].ping(timeout=30)
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/join {room}")
        pane = active_pane(app)
        view = pane.history
        # Joined without the classic replay: the newest page of the room's archive.
        await wait_until(
            lambda: [m.body for m in view.messages] == said[-room_history.FIRST_PAGE :],
            timeout=TIMEOUT,
            message=f"rows: {view.rendered_rows()[-3:]}",
        )
        for _ in range(3):  # to the top: the view asks for older lines there
            await pilot.press("pageup")
            if view.scroll_y == 0:
                break
        await wait_until(lambda: len(view.messages) == len(said), timeout=TIMEOUT)
        assert [m.body for m in view.messages] == said  # above, in the room's order, once
        assert {m.sender for m in view.messages} == {f"{room}/bob"}
        await pilot.press("pageup", "pageup", "pageup", "pageup")
        await wait_until(lambda: view.banner == ARCHIVE_START, timeout=TIMEOUT)
