"""Rooms before joining and invitations in the app at 80x24 against the real Prosody: /rooms
opens a list of the server's rooms, i shows a room's info, Enter joins it; an invitation is a
line and a "?" in the roster, never a prompt by itself; Enter on it accepts, or (Later keeps
it) declines through the room."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from textual.widgets import OptionList

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.test_rooms import new_room
from tests.ui.pilot_helpers import active_pane, console_lines, submit, wait_online
from tests.ui.test_pilot_rooms import SIZE, TIMEOUT, _app
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.screens.room_directory import RoomListScreen
from xmpp_tui.ui.widgets.room_pane import RoomPane

pytestmark = pytest.mark.prosody
MUC_USER = "http://jabber.org/protocol/muc#user"


async def test_rooms_list_info_and_enter_joins(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("aaa-listed")  # sorts first among the test's rooms
    await room_peer.join(
        bob,
        room,
        "bob",
        config={
            "muc#roomconfig_roomname": "!Plans [b]x[/b]",
            "muc#roomconfig_roomdesc": "Where we [i]plan[/i]",
            "muc#roomconfig_publicroom": "1",
        },
    )
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, "/rooms")
        await wait_until(
            lambda: isinstance(app.screen, RoomListScreen),
            timeout=TIMEOUT,
            message=f"no room list; console: {console_lines(app)[-3:]}",
        )
        screen = app.screen
        assert isinstance(screen, RoomListScreen)
        assert screen.service == "conference.localhost"
        index = next(i for i, r in enumerate(screen.rooms) if r.jid == room)
        screen.query_one(OptionList).highlighted = index
        await pilot.pause()
        assert screen.highlighted is not None and screen.highlighted.jid == room

        await pilot.press("i")
        await wait_until(lambda: "occupant" in screen.details_text, timeout=TIMEOUT)
        assert "Where we [i]plan[/i]" in screen.details_text  # remote text, shown as text
        assert "1 occupant" in screen.details_text and "archived" in screen.details_text

        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, RoomListScreen), timeout=TIMEOUT)
        pane = active_pane(app)
        assert isinstance(pane, RoomPane) and pane.key.peer == room
        await wait_until(
            lambda: pane.info is not None and pane.info.joined,
            timeout=TIMEOUT,
            message=f"not joined; console: {console_lines(app)[-3:]}",
        )
        # The composer has the keys: typing reaches the room.
        await pilot.press(*"hi all", "enter")
        await room_peer.wait_groupchat(bob, room, "hi all", timeout=TIMEOUT)

        # /roominfo in the room's pane answers in the console.
        await submit(pilot, app, "/roominfo")
        await wait_until(
            lambda: any("2 occupants" in line for line in console_lines(app)), timeout=TIMEOUT
        )


async def test_invitation_marked_then_accepted_from_the_roster(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("invite")
    await room_peer.join(bob, room, "bob")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        composer = app.main.composer
        composer.focus()
        await pilot.press(*"half typed")
        msg = bob.client.make_message(mto=alice.jid)
        ET.SubElement(msg.xml, "{jabber:x:conference}x", jid=room, reason="standup [b]now[/b]")
        msg.send()
        await wait_until(
            lambda: any("invites you to" in line for line in console_lines(app)),
            timeout=TIMEOUT,
        )
        line = next(line for line in console_lines(app) if "invites you to" in line)
        assert bob.jid in line and room in line and "standup [b]now[/b]" in line
        # No prompt took the keys: still typing into the composer; nothing joined.
        await pilot.press(*" more")
        assert composer.text == "half typed more"
        assert not isinstance(app.screen, ChoiceScreen)
        rows = [r for r in app.main.roster_view.rooms if r.jid == room]
        assert len(rows) == 1 and rows[0].invited and not rows[0].joined

        # Enter on the room in the roster: Accept / Decline / Later, "Later" focused.
        app.main.roster_view.highlight_contact(alice.jid, room)
        app.main.roster_view.focus()
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen), timeout=TIMEOUT)
        assert app.screen.focused is not None and app.screen.focused.id == "later"
        await pilot.press("left", "left", "enter")  # Accept
        await wait_until(lambda: not isinstance(app.screen, ChoiceScreen), timeout=TIMEOUT)
        pane = active_pane(app)
        assert isinstance(pane, RoomPane) and pane.key.peer == room
        await wait_until(
            lambda: pane.info is not None and pane.info.joined,
            timeout=TIMEOUT,
            message=f"not joined; console: {console_lines(app)[-3:]}",
        )
        await wait_until(
            lambda: not any(r.invited for r in app.main.roster_view.rooms if r.jid == room)
        )
        await wait_until(lambda: "alice" in " ".join(pane.info.occupants if pane.info else ()))


async def test_mediated_invitation_later_then_declined(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("closed")
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_membersonly": "1"})
    declined: list[str] = []

    def on_decline(msg: Any) -> None:
        element = msg.xml.find(f"{{{MUC_USER}}}x/{{{MUC_USER}}}decline")
        if element is not None:
            declined.append(element.findtext(f"{{{MUC_USER}}}reason") or "")

    bob.client.add_event_handler("message", on_decline)
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        msg = bob.client.make_message(mto=room)
        x = ET.SubElement(msg.xml, f"{{{MUC_USER}}}x")
        ET.SubElement(x, f"{{{MUC_USER}}}invite", to=alice.jid)
        msg.send()
        await wait_until(
            lambda: any(r.invited for r in app.main.roster_view.rooms if r.jid == room),
            timeout=TIMEOUT,
        )
        roster = app.main.roster_view
        roster.highlight_contact(alice.jid, room)
        roster.focus()
        # Later (focused by default): the "?" stays.
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen), timeout=TIMEOUT)
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, ChoiceScreen), timeout=TIMEOUT)
        assert any(r.invited for r in roster.rooms if r.jid == room)
        # Decline: the "?" goes, the room tells bob, nothing joined.
        roster.highlight_contact(alice.jid, room)
        roster.focus()
        await pilot.press("enter")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen), timeout=TIMEOUT)
        await pilot.press("left", "enter")  # Decline
        await wait_until(lambda: bool(declined), timeout=TIMEOUT)
        assert not any(r.invited for r in roster.rooms)
        assert app.service.rooms(alice.jid) == ()
