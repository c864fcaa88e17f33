"""Group chat in the app at 80x24 against the real Prosody: a bookmarked room autojoined and its
pane showing the room's lines by nick; /join then typing reaches the other occupant; closing the
pane leaves the room (and turns its bookmark's autojoin off); /bookmark lists and adds, and the
header follows the bookmark's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.service.test_bookmarks import publish_from
from tests.service.test_rooms import new_room
from tests.ui.pilot_helpers import active_pane, console_lines, submit, wait_online
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.view_state import ChatKey
from xmpp_tui.ui.widgets.room_pane import RoomPane

pytestmark = pytest.mark.prosody
SIZE = (80, 24)
TIMEOUT = 15.0


def _app(prosody: ProsodyServer, account: object, home: Path) -> XmppTuiApp:
    settings = account_settings(prosody, account)  # type: ignore[arg-type]
    return make_app(build_test_service((settings,), home), cursor_blink=False)


async def test_bookmarked_room_autojoined_and_shown(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    tmp_path: Path,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    room_peer.say(bob, room, "hello [b]room[/b]")
    phone = await peer(alice, resource="phone")  # another device saved the bookmark
    await publish_from(phone, room, autojoin=True, nick="al")
    await phone.close()

    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        # Autojoined at start: listed under Rooms, joined.
        await wait_until(
            lambda: any(r.jid == room and r.joined for r in app.main.roster_view.rooms),
            timeout=TIMEOUT,
            message=f"room not joined; console: {console_lines(app)[-4:]}",
        )
        # Enter on the room in the roster opens its pane.
        app.main.roster_view.highlight_contact(alice.jid, room)
        app.main.roster_view.focus()
        await pilot.press("enter")
        await pilot.pause()
        pane = active_pane(app)
        assert isinstance(pane, RoomPane) and pane.key == ChatKey(alice.jid, room)
        await wait_until(
            lambda: any("<bob> hello [b]room[/b]" in row for row in pane.history.rendered_rows()),
            timeout=TIMEOUT,
            message=f"rows: {pane.history.rendered_rows()[-3:]}",
        )
        # Live: a line naming us is shown with the nick; the header counts the occupants.
        room_peer.say(bob, room, "al: welcome")
        await wait_until(
            lambda: any("<bob> al: welcome" in row for row in pane.history.rendered_rows()),
            timeout=TIMEOUT,
        )
        info = pane.info
        assert info is not None and info.nick == "al" and len(info.occupants) == 2
        header = str(pane.header.render()).splitlines()
        assert header[0].startswith("Team room") and room in header[0]
        assert "in as al" in header[1] and "2 occupants" in header[1]


async def test_join_type_and_close_leaves(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    peer: PeerFactory,
    tmp_path: Path,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/join {room}/alice-tui")
        pane = active_pane(app)
        assert isinstance(pane, RoomPane)
        await wait_until(
            lambda: pane.info is not None and pane.info.joined,
            timeout=TIMEOUT,
            message=f"not joined; console: {console_lines(app)[-4:]}",
        )
        await pilot.press(*"hello everyone", "enter")
        got = await room_peer.wait_groupchat(bob, room, "hello everyone", timeout=TIMEOUT)
        assert str(got["from"].resource) == "alice-tui"
        await wait_until(
            # Our own room lines carry our nick (an occupant may call himself "me").
            lambda: (
                sum("<alice-tui> hello everyone" in r for r in pane.history.rendered_rows()) == 1
            ),
            timeout=TIMEOUT,
            message=f"rows: {pane.history.rendered_rows()[-3:]}",
        )

        # Bookmark it from its pane, then list.
        await submit(pilot, app, "/bookmark add --autojoin Team")
        await wait_until(
            lambda: any("Bookmarked" in line for line in console_lines(app)), timeout=TIMEOUT
        )
        await submit(pilot, app, "/bookmark")
        assert any(f"{room} (Team), autojoin" in line for line in console_lines(app))
        # The header follows the bookmark's name at once, not at the next join.
        await wait_until(
            lambda: str(pane.header.render()).startswith("Team"),
            timeout=TIMEOUT,
            message=f"header: {str(pane.header.render())!r}; console: {console_lines(app)[-3:]}",
        )
        # Renaming keeps autojoin (only what is given changes).
        await submit(pilot, app, f"/bookmark add {room} Big Room")
        await wait_until(
            lambda: str(pane.header.render()).startswith("Big Room"),
            timeout=TIMEOUT,
            message=f"header: {str(pane.header.render())!r}; console: {console_lines(app)[-3:]}",
        )
        await submit(pilot, app, "/bookmark")
        assert any(f"{room} (Big Room), autojoin" in line for line in console_lines(app))

        # Closing the room's pane leaves the room: bob sees alice-tui go.
        left = bob.expect("presence_unavailable")
        await pilot.press("alt+2")
        await submit(pilot, app, "/close")
        pres = await bob.wait_future(left, timeout=TIMEOUT)
        assert str(pres["from"]) == f"{room}/alice-tui"
        assert app.main.deck.chat(ChatKey(alice.jid, room)) is None
        # Left on purpose: its bookmark no longer brings it back at the next start.
        await wait_until(
            lambda: any(
                f"Autojoin turned off for the bookmark of {room}" in line
                for line in console_lines(app)
            ),
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-4:]}",
        )
        await submit(pilot, app, "/bookmark")
        assert any(
            line.strip().startswith(f"{room} (Big Room)") and "autojoin" not in line
            for line in console_lines(app)[-2:]
        )


async def test_a_refused_join_of_a_contact_address_leaves_no_room_behind(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/join {bob.jid}")
        await wait_until(
            lambda: any("not a group chat service" in line for line in console_lines(app)),
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-4:]}",
        )
        key = ChatKey(alice.jid, bob.jid)
        await wait_until(lambda: app.main.deck.chat(key) is None, message="room pane left open")
        assert bob.jid not in app.main.rosters[alice.jid].room_jids
        # A message from bob later opens a chat with him, not a room pane.
        bob.send_chat(alice.jid, "hi alice")
        await submit(pilot, app, f"/msg {bob.jid}")
        await wait_until(lambda: app.main.deck.chat(key) is not None)
        assert not isinstance(app.main.deck.chat(key), RoomPane)
