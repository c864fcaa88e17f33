"""Several accounts in one app at 80x24 against the real Prosody: --account, /account, the
activity view (F2) and Alt+A, with one account failing beside the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.harness import account_settings, build_test_service
from tests.service.test_rooms import new_room
from tests.ui.pilot_helpers import console_lines, join_room, submit
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.ui.app import make_app
from xmpp_tui.ui.screens.activity_view import ActivityScreen
from xmpp_tui.ui.screens.password import PasswordScreen
from xmpp_tui.ui.view_state import ChatKey

pytestmark = pytest.mark.prosody
SIZE = (80, 24)
TIMEOUT = 15.0


async def test_three_accounts_activity_view_and_alt_a(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice, carol, bad = new_account("alice"), new_account("carol"), new_account("bad")
    bob = await peer()
    service = build_test_service(
        (
            account_settings(prosody, alice),
            account_settings(prosody, bad, password="nope"),
            account_settings(prosody, carol),
        ),
        tmp_path,
    )
    app = make_app(service, cursor_blink=False)
    main = app.main
    at_alice, at_carol = ChatKey(alice.jid, bob.jid), ChatKey(carol.jid, bob.jid)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: all(
                service.snapshot(jid).state is ConnectionState.ONLINE
                for jid in (alice.jid, carol.jid)
            ),
            timeout=TIMEOUT,
            message=f"not online; console: {console_lines(app)[-5:]}",
        )
        # The wrong password is asked for again; meanwhile the others carry on.
        await wait_until(lambda: isinstance(app.screen, PasswordScreen), TIMEOUT)
        assert isinstance(app.screen, PasswordScreen) and app.screen.account == bad.jid
        bob.send_chat(carol.jid, "while the prompt is up")
        await wait_until(lambda: main.rosters[carol.jid].unread.get(bob.jid) == 1, TIMEOUT)
        await pilot.press("escape")  # no password: that account stays offline, alone
        await wait_until(lambda: app.screen is main, TIMEOUT)
        assert any(f"{bad.jid}: no password given" in line for line in console_lines(app))
        assert all(
            service.snapshot(jid).state is ConnectionState.ONLINE for jid in (alice.jid, carol.jid)
        )

        # --account from the console (which acts on alice): carol writes to bob.
        await submit(pilot, app, f"/msg --account {carol.jid} {bob.jid} hello from carol")
        received = await bob.wait_body("hello from carol", timeout=TIMEOUT)
        assert received["from"].bare == carol.jid
        assert main.deck.active_chat == at_carol
        await submit(pilot, app, "/msg --account mallory@localhost bob@localhost hi")
        assert "--account mallory@localhost is not an open account" in console_lines(app)[-1]

        # /account: every account with its state, the console's marked.
        await submit(pilot, app, "/account")
        listing = "\n".join(console_lines(app)[-5:])
        assert f"* {alice.jid}: online" in listing
        assert f"  {carol.jid}: online" in listing
        assert f"  {bad.jid}: disconnected" in listing or f"  {bad.jid}: failed" in listing
        assert main.deck.active_chat is None  # the answer is in the console, now in front

        # The same peer writes to both accounts: two conversations, each unread once.
        # (carol's conversation was read when /msg opened it; the console is in front now)
        bob.send_chat(alice.jid, "to alice")
        await wait_until(lambda: main.rosters[alice.jid].unread.get(bob.jid) == 1, TIMEOUT)
        bob.send_chat(carol.jid, "to carol")
        await wait_until(lambda: main.rosters[carol.jid].unread.get(bob.jid) == 1, TIMEOUT)
        assert main.rosters[alice.jid].unread.get(bob.jid) == 1
        assert not main.rosters[bad.jid].unread

        # F2: newest first, and it follows new messages while open.
        await pilot.press("f2")
        await wait_until(lambda: isinstance(app.screen, ActivityScreen), TIMEOUT)
        view = app.screen
        assert isinstance(view, ActivityScreen)
        assert view.keys == [at_carol, at_alice]
        carol_short = carol.jid.partition("@")[0]
        assert view.lines[0].endswith(f"  1  {bob.jid}  ({carol_short})"), view.lines
        bob.send_chat(alice.jid, "again alice")
        await wait_until(lambda: view.keys == [at_alice, at_carol], TIMEOUT)
        assert f"  2  {bob.jid}" in view.lines[0]

        # The highlight stayed on carol's row as it moved down; Enter opens it, which reads it.
        await pilot.press("enter")
        await wait_until(lambda: main.deck.active_chat == at_carol, TIMEOUT)
        await wait_until(lambda: not main.rosters[carol.jid].unread.get(bob.jid), TIMEOUT)
        assert app.screen is main

        # Alt+A: the other unread conversation, then nothing left to go to.
        await pilot.press("alt+a")
        await wait_until(lambda: main.deck.active_chat == at_alice, TIMEOUT)
        await wait_until(lambda: not main.rosters[alice.jid].unread.get(bob.jid), TIMEOUT)
        await pilot.press("alt+a")
        await pilot.pause()
        assert main.deck.active_chat == at_alice
        assert main.activity.entries() == []
        # The offline account is connected again by name; the prompt comes back for it only.
        await submit(pilot, app, f"/account connect {bad.jid}")
        await wait_until(lambda: isinstance(app.screen, PasswordScreen), TIMEOUT)
        assert isinstance(app.screen, PasswordScreen) and app.screen.account == bad.jid
        await pilot.press("escape")
        await wait_until(lambda: app.screen is main, TIMEOUT)


async def test_alt_a_prefers_a_chat_and_a_mention_to_newer_room_chatter(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice, carol = new_account("alice"), new_account("carol")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    service = build_test_service(
        (account_settings(prosody, alice), account_settings(prosody, carol)), tmp_path
    )
    app = make_app(service, cursor_blink=False)
    main = app.main
    in_room, chat = ChatKey(alice.jid, room), ChatKey(carol.jid, bob.jid)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: all(
                service.snapshot(jid).state is ConnectionState.ONLINE
                for jid in (alice.jid, carol.jid)
            ),
            timeout=TIMEOUT,
        )
        await join_room(app, pilot, f"{room}/al")
        await pilot.press("alt+1")  # the console in front: nothing arriving is read
        assert main.deck.active_chat is None

        bob.send_chat(carol.jid, "psst")
        await wait_until(lambda: main.rosters[carol.jid].unread.get(bob.jid) == 1, TIMEOUT)
        room_peer.say(bob, room, "chatter")
        await wait_until(lambda: main.rosters[alice.jid].unread.get(room) == 1, TIMEOUT)
        assert [e.key for e in main.activity.entries()] == [in_room, chat]  # newest first

        await pilot.press("alt+a")  # the chat, older, before the room's chatter
        await wait_until(lambda: main.deck.active_chat == chat, TIMEOUT)
        await pilot.press("alt+a")
        await wait_until(lambda: main.deck.active_chat == in_room, TIMEOUT)
        await wait_until(lambda: not main.activity.entries(), TIMEOUT)

        # A line naming our nick marks the room "!" in the view.
        await pilot.press("alt+1")
        room_peer.say(bob, room, "al: look at this")
        await wait_until(lambda: main.rosters[alice.jid].unread.get(room) == 1, TIMEOUT)
        await pilot.press("f2")
        await wait_until(lambda: isinstance(app.screen, ActivityScreen), TIMEOUT)
        view = app.screen
        assert isinstance(view, ActivityScreen)
        assert view.keys == [in_room]
        assert view.lines[0].startswith("!") and room in view.lines[0]
        await pilot.press("escape")
        await wait_until(lambda: app.screen is main, TIMEOUT)
