"""The rest of XEP-0045 in the app at 80x24 against the real Prosody: the voice list in the
lists screen (§8.5), voice requests asked and answered (§7.13, §8.6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, TabbedContent

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.test_rooms import new_room
from tests.ui.pilot_helpers import submit
from tests.ui.test_pilot_room_admin import _own_room
from tests.ui.test_pilot_rooms import SIZE, TIMEOUT, _app
from xmpp_tui.core.models import Role
from xmpp_tui.ui.screens.affiliation_lists import AffiliationListsScreen

pytestmark = pytest.mark.prosody


async def test_voice_list_shows_who_may_speak_and_removes_a_voice(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("pvoice")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await _own_room(app, pilot, room)
        await room_peer.join(bob, room, "bob")
        await wait_until(lambda: pane.info is not None and "bob" in pane.info.occupants)
        await submit(pilot, app, "/affiliations")
        await wait_until(lambda: isinstance(app.screen, AffiliationListsScreen), timeout=TIMEOUT)
        screen = app.screen
        assert isinstance(screen, AffiliationListsScreen)
        screen.query_one("#lists", TabbedContent).active = "tab-participant"
        await pilot.pause()
        voices = screen.query_one("#list-participant", OptionList)
        assert [voices.get_option_at_index(i).id for i in range(voices.option_count)] == ["bob"]
        # Remove: bob becomes a visitor (the room says so) and leaves the voice list.
        voices.highlighted = 0
        await pilot.click("#remove")
        await wait_until(lambda: voices.option_count == 0, timeout=TIMEOUT)
        await pilot.press("escape")

        def bob_role() -> Role | None:
            people = dict((p.nick, p.role) for p in pane.info.people) if pane.info else {}
            return people.get("bob")

        await wait_until(lambda: bob_role() is Role.VISITOR, timeout=TIMEOUT)
