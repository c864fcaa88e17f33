"""The rest of XEP-0045 in the app at 80x24 against the real Prosody: the voice list in the
lists screen (§8.5), voice requests asked and answered (§7.13, §8.6)."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from textual.widgets import Input, OptionList, Static, TabbedContent

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.test_room_admin import presence_future
from tests.service.test_room_requests import (
    MUC_ADMIN,
    REGISTER,
    REQUEST,
    form_message,
    message_future,
    reserve,
    role_is,
)
from tests.service.test_rooms import new_room
from tests.ui.pilot_helpers import (
    active_pane,
    console_lines,
    inject,
    record_commands,
    submit,
    wait_online,
)
from tests.ui.test_pilot_room_admin import _own_room
from tests.ui.test_pilot_rooms import SIZE, TIMEOUT, _app
from xmpp_tui.core.commands import AnswerRegistrationRequest
from xmpp_tui.core.events import RegistrationRequested
from xmpp_tui.core.forms import DataForm, FieldType, FormField
from xmpp_tui.core.models import Role
from xmpp_tui.ui.screens.affiliation_lists import AffiliationListsScreen
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.screens.room_config import RoomConfigScreen
from xmpp_tui.ui.widgets.room_pane import RoomPane

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


async def test_voice_request_waits_for_requests_then_approve_gives_voice(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob, carol = await peer(), await peer()
    room = new_room("preq")
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_moderatedroom": "1"})
    await reserve(bob, room, alice.jid, "boss", affiliation="admin")  # a moderator when in
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/join {room}/boss")
        pane = active_pane(app)
        assert isinstance(pane, RoomPane)
        await wait_until(lambda: pane.info is not None and pane.info.joined, timeout=TIMEOUT)
        await room_peer.join(carol, room, "carol")
        form_message(carol, room, {"FORM_TYPE": REQUEST, "muc#role": "participant"})
        await wait_until(
            lambda: any("carol asks for voice in" in line for line in console_lines(app)),
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-4:]}",
        )
        # The request took no keys: no prompt until the user asks for it.
        assert not isinstance(app.screen, ChoiceScreen)
        await submit(pilot, app, "/requests")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen), timeout=TIMEOUT)
        assert app.screen.focused is not None and app.screen.focused.id == "later"
        voiced = presence_future(carol, role_is(room, "carol", "participant"))
        await pilot.click("#approve")
        await carol.wait_future(voiced, what="carol voiced")
        await wait_until(lambda: not isinstance(app.screen, ChoiceScreen))
        # Answered: nothing waits any more.
        await submit(pilot, app, "/requests")
        await wait_until(
            lambda: any(
                f"No requests are waiting in {room}" in line for line in console_lines(app)
            ),
            timeout=TIMEOUT,
        )


async def test_register_fills_in_the_rooms_form(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room("preg")
    await room_peer.join(bob, room, "bob")
    iq = bob.client.make_iq_set(ito=room)
    query = ET.SubElement(iq.xml, f"{{{MUC_ADMIN}}}query")
    ET.SubElement(query, f"{{{MUC_ADMIN}}}item", jid=alice.jid, affiliation="member")
    await iq.send(timeout=5)
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/join {room}/al")
        pane = active_pane(app)
        assert isinstance(pane, RoomPane)
        await wait_until(lambda: pane.info is not None and pane.info.joined, timeout=TIMEOUT)
        await submit(pilot, app, "/register")
        await wait_until(lambda: isinstance(app.screen, RoomConfigScreen), timeout=TIMEOUT)
        screen = app.screen
        assert isinstance(screen, RoomConfigScreen)
        title = str(screen.query_one(".form-title", Static).render())
        assert title.startswith("Registration")
        index = next(
            i for i, f in enumerate(screen.form.fields) if f.var == "muc#register_roomnick"
        )
        nick = screen.query_one(f"#field-{index}", Input)
        nick.focus()
        await pilot.press(*"ally")
        await pilot.click("#save")
        await wait_until(
            lambda: any(f"Registered with {room}" in x for x in console_lines(app)),
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-3:]}",
        )
        await submit(pilot, app, "/register")
        await wait_until(
            lambda: any(f"registered with {room} as ally" in x for x in console_lines(app)),
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-3:]}",
        )


async def test_registration_request_prompt_shows_the_answers_literally(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = new_account("alice")
    room = new_room("preg")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/join {room}/boss")
        pane = active_pane(app)
        assert isinstance(pane, RoomPane)
        await wait_until(lambda: pane.info is not None and pane.info.joined, timeout=TIMEOUT)
        sent = record_commands(app, monkeypatch)
        form = DataForm(
            fields=(
                FormField(var="FORM_TYPE", type=FieldType.HIDDEN, values=(REGISTER,)),
                FormField(var="muc#register_first", label="Given name", values=("[b]Dave[/b]",)),
                FormField(var="muc#register_roomnick", values=("dave",)),
            )
        )
        request = RegistrationRequested(
            account=alice.jid, room=room, nick="dave", jid="dave@localhost", form=form
        )
        inject(app, request)
        await wait_until(
            lambda: any("dave asks to register with" in x for x in console_lines(app)),
            timeout=TIMEOUT,
        )
        assert not isinstance(app.screen, ChoiceScreen)
        await submit(pilot, app, "/requests")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen), timeout=TIMEOUT)
        shown = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "Given name: [b]Dave[/b]" in shown  # the room's text, literally
        # Later (the focused answer) keeps it waiting; then Deny answers it.
        await pilot.press("enter")
        await wait_until(lambda: not isinstance(app.screen, ChoiceScreen))
        assert sent == []
        await submit(pilot, app, "/requests")
        await wait_until(lambda: isinstance(app.screen, ChoiceScreen), timeout=TIMEOUT)
        await pilot.click("#deny")
        await wait_until(lambda: len(sent) == 1, timeout=TIMEOUT)
        assert sent == [
            AnswerRegistrationRequest(account=alice.jid, room=room, form=form, allow=False)
        ]


async def test_convert_opens_the_new_room_and_invites_the_contact(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    invited = message_future(
        bob,
        lambda m: (
            m.xml.find(f"{{{room_peer.MUC_USER}}}x/{{{room_peer.MUC_USER}}}invite") is not None
        ),
    )
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        await submit(pilot, app, f"/msg {bob.jid} hello")
        await bob.wait_body("hello")
        # A count that is not a number: one line, nothing created.
        await submit(pilot, app, "/convert many")
        await wait_until(
            lambda: any("many is not a number of messages" in x for x in console_lines(app)),
            timeout=TIMEOUT,
        )
        await submit(pilot, app, "/convert 1")
        invitation = await bob.wait_future(invited, what="invitation")
        room = str(invitation["from"])
        await wait_until(
            lambda: isinstance(active_pane(app), RoomPane) and active_pane(app).key.peer == room,
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-3:]}",
        )
        assert any(
            f"the chat with {bob.jid} goes on in {room}, with the last 1 message" in x
            for x in console_lines(app)
        )
