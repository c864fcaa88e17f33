"""Room administration in the app at 80x24 against the real Prosody: /moderate removes a line
for everyone; /kick reaches the kicked occupant with its reason; /configure opens the room's
form, a changed field saved is what the room then says; /affiliations adds a member;
/destroy asks first; /join --configure opens a new room's form."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from slixmpp import JID
from textual.widgets import Input, OptionList, TabbedContent

from tests import room_peer
from tests.peer import DEFAULT_TIMEOUT, AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.test_rooms import new_room
from tests.ui.pilot_helpers import console_lines, join_room, submit, wait_online
from tests.ui.test_pilot_rooms import SIZE, TIMEOUT, _app
from xmpp_tui.ui.app import XmppTuiApp
from xmpp_tui.ui.screens.affiliation_lists import AffiliationListsScreen
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.screens.room_config import RoomConfigScreen
from xmpp_tui.ui.widgets.room_pane import RoomPane

pytestmark = pytest.mark.prosody
MUC_USER = room_peer.MUC_USER


async def _own_room(app: XmppTuiApp, pilot: Any, room: str) -> RoomPane:
    await wait_online(app)
    return await join_room(app, pilot, f"{room}/boss")


async def test_kick_from_the_room_pane(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("pkick")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _own_room(app, pilot, room)
        await room_peer.join(bob, room, "bob")
        await wait_until(lambda: pane.info is not None and "bob" in pane.info.occupants)
        # /moderate: bob's last line is removed for everyone, here too.
        room_peer.say(bob, room, "buy [b]cheap[/b] stuff")
        await wait_until(
            lambda: any("<bob> buy [b]cheap[/b] stuff" in r for r in pane.history.rendered_rows()),
            timeout=TIMEOUT,
        )
        await submit(pilot, app, "/moderate bob spam")
        await wait_until(  # the line may wrap beside the occupant list: read it whole
            lambda: (
                "<bob> (removed by moderator boss: spam)"
                in " ".join(r.replace("│ ", "").strip() for r in pane.history.rendered_rows())
            ),
            timeout=TIMEOUT,
            message=f"rows: {pane.history.rendered_rows()[-3:]}",
        )
        assert not any("cheap" in r for r in pane.history.rendered_rows())

        kicked = bob.expect("presence_unavailable")
        await submit(pilot, app, "/kick bob [b]be nice[/b]")
        pres = await bob.wait_future(kicked, timeout=TIMEOUT)
        codes = {s.get("code") for s in pres.xml.iter(f"{{{MUC_USER}}}status")}
        assert "307" in codes
        assert pres.xml.findtext(f"{{{MUC_USER}}}x/{{{MUC_USER}}}item/{{{MUC_USER}}}reason") == (
            "[b]be nice[/b]"
        )
        await wait_until(
            lambda: any(f"Kicked bob from {room}" in line for line in console_lines(app)),
            timeout=TIMEOUT,
        )
        # Kicking someone who is not there: one clear line, no traceback.
        await submit(pilot, app, "/kick nobody")
        await wait_until(
            lambda: any(f"{room} refused to kick nobody" in line for line in console_lines(app)),
            timeout=TIMEOUT,
        )


async def test_configure_form_saves_and_the_room_reflects_it(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("pconf")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _own_room(app, pilot, room)
        await submit(pilot, app, "/configure")
        await wait_until(lambda: isinstance(app.screen, RoomConfigScreen), timeout=TIMEOUT)
        screen = app.screen
        assert isinstance(screen, RoomConfigScreen)
        index = next(
            i for i, f in enumerate(screen.form.fields) if f.var == "muc#roomconfig_roomname"
        )
        name = screen.query_one(f"#field-{index}", Input)
        name.focus()
        name.value = ""
        await pilot.press(*"Pilot room")
        await pilot.click("#save")
        await wait_until(lambda: not isinstance(app.screen, RoomConfigScreen))
        await wait_until(
            lambda: any(f"Saved the configuration of {room}" in ln for ln in console_lines(app)),
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-3:]}",
        )
        info = await bob.client.plugin["xep_0030"].get_info(jid=JID(room), timeout=DEFAULT_TIMEOUT)
        assert [i[3] for i in info["disco_info"]["identities"]] == ["Pilot room"]

        # Escape leaves it as it was.
        await submit(pilot, app, "/configure")
        await wait_until(lambda: isinstance(app.screen, RoomConfigScreen), timeout=TIMEOUT)
        await pilot.press("escape")
        await wait_until(
            lambda: any("was left as it was" in line for line in console_lines(app)),
            timeout=TIMEOUT,
        )


async def test_lists_screen_adds_a_member_and_destroy_asks_first(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("plist")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _own_room(app, pilot, room)
        await submit(pilot, app, "/affiliations")
        await wait_until(lambda: isinstance(app.screen, AffiliationListsScreen), timeout=TIMEOUT)
        screen = app.screen
        assert isinstance(screen, AffiliationListsScreen)
        owners = screen.query_one("#list-owner", OptionList)
        assert [owners.get_option_at_index(i).id for i in range(owners.option_count)] == [alice.jid]
        screen.query_one("#lists", TabbedContent).active = "tab-member"
        await pilot.pause()
        screen.query_one("#entry", Input).value = bob.jid
        await pilot.click("#add")
        members = screen.query_one("#list-member", OptionList)
        await wait_until(lambda: members.option_count == 1, timeout=TIMEOUT)
        assert members.get_option_at_index(0).id == bob.jid
        # Remove it again.
        members.highlighted = 0
        await pilot.click("#remove")
        await wait_until(lambda: members.option_count == 0, timeout=TIMEOUT)
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, AffiliationListsScreen))

        # /destroy asks, with Cancel focused: Enter cancels; then Destroy destroys.
        await submit(pilot, app, "/destroy moving on")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")
        await wait_until(
            lambda: any(f"{room} was not destroyed" in line for line in console_lines(app))
        )
        await submit(pilot, app, "/destroy moving on")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.click("#destroy")
        await wait_until(
            lambda: any(f"Destroyed {room}" in line for line in console_lines(app)),
            timeout=TIMEOUT,
        )
        gone = bob.client.plugin["xep_0030"].get_info(jid=JID(room), timeout=DEFAULT_TIMEOUT)
        with pytest.raises(Exception, match="item-not-found"):
            await asyncio.wait_for(gone, DEFAULT_TIMEOUT)


async def test_join_configure_opens_the_form_of_a_new_room(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("preserved")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/join {room} --configure")
        await wait_until(lambda: isinstance(app.screen, RoomConfigScreen), timeout=TIMEOUT)
        # Cancelled: not left locked, it gets the defaults and others can come in.
        await pilot.press("escape")
        await wait_until(
            lambda: any(f"{room} keeps the default settings" in ln for ln in console_lines(app)),
            timeout=TIMEOUT,
        )
        await wait_until(
            lambda: any(f"Saved the configuration of {room}" in ln for ln in console_lines(app)),
            timeout=TIMEOUT,
        )
        await room_peer.join(bob, room, "bob")
