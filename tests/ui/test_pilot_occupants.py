"""Occupants in the app at 80x24 against the real Prosody with real occupants: the occupant list
(by role, with presence and affiliation), /nick (a taken nick offers another), /topic, Tab
completing a nick, and a mention highlighted and notified (word-boundary match)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from textual.pilot import Pilot
from textual.strip import Strip

from tests import room_peer
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer
from tests.service.test_rooms import new_room
from tests.ui.pilot_helpers import (
    active_pane,
    console_lines,
    inject,
    join_room,
    submit,
    wait_online,
)
from tests.ui.test_pilot_rooms import TIMEOUT, _app
from xmpp_tui.core.events import RoomChanged
from xmpp_tui.core.models import Occupant
from xmpp_tui.ui.app import XmppTuiApp
from xmpp_tui.ui.view_state import ChatKey
from xmpp_tui.ui.widgets.room_pane import RoomPane

pytestmark = pytest.mark.prosody
SIZE = (100, 30)


async def _in_room(app: XmppTuiApp, pilot: Pilot[int], room: str, nick: str) -> RoomPane:
    return await join_room(app, pilot, f"{room}/{nick}")


def _notes(app: XmppTuiApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_occupant_list_nick_topic_and_tab(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    carol = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob", config={"muc#roomconfig_changesubject": "1"})
    await room_peer.join(carol, room, "carol[b]x[/b]")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        pane = await _in_room(app, pilot, room, "al")
        # The list: moderators (the owner, marked ~), then participants; ours in it.
        expected = [
            "Moderators (1)",
            "● ~bob",
            "Participants (2)",
            "●  al",
            "●  carol[b]x[/b]",  # a nick is text, never markup
        ]
        await wait_until(
            lambda: pane.occupants.rendered_rows() == expected,
            timeout=TIMEOUT,
            message=f"rows: {pane.occupants.rendered_rows()}",
        )
        # Carol goes away: her glyph changes.
        carol.client.send_presence(pto=f"{room}/carol[b]x[/b]", pshow="away")
        await wait_until(
            lambda: "◑  carol[b]x[/b]" in pane.occupants.rendered_rows(),
            timeout=TIMEOUT,
            message=f"rows: {pane.occupants.rendered_rows()}",
        )

        # Tab completes a nick; at the start of the line it addresses them ("bob: ").
        app.main.composer.focus()
        app.main.composer.set_draft("bo")
        await pilot.press("tab")
        assert app.main.composer.text == "bob: "
        await pilot.press(*"hi", "enter")
        await room_peer.wait_groupchat(bob, room, "bob: hi", timeout=TIMEOUT)

        # /nick: the room renames us; bob sees the new nick; the header follows.
        await submit(pilot, app, "/nick al2")
        await wait_until(
            lambda: pane.info is not None and pane.info.nick == "al2",
            timeout=TIMEOUT,
            message=f"console: {console_lines(app)[-3:]}",
        )
        assert "in as al2" in str(pane.header.render())
        assert "●  al2" in pane.occupants.rendered_rows()
        # A taken nick: one clear line that offers another.
        await submit(pilot, app, "/nick bob")
        await wait_until(
            lambda: any("someone else uses that nickname" in line for line in console_lines(app)),
            timeout=TIMEOUT,
        )
        assert any("Try /nick bob_" in line for line in console_lines(app))

        # /topic: sent as typed; the header shows the room's report of it.
        await submit(pilot, app, "/topic Plans [b]for[/b] today")
        await wait_until(
            lambda: "Plans [b]for[/b] today" in str(pane.header.render()), timeout=TIMEOUT
        )


async def test_a_mention_in_the_history_a_join_brings_is_not_announced(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    """What the room's archive or replay brings at join time is history: it may name us, but
    only a live line pops up "You were mentioned"."""
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    room_peer.say(bob, room, "al: from before you came")
    await room_peer.wait_groupchat(bob, room, "al: from before you came")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        pane = await _in_room(app, pilot, room, "al")
        await wait_until(
            lambda: any("from before you came" in r for r in pane.history.rendered_rows()),
            timeout=TIMEOUT,
        )
        await pilot.pause()  # the notification, had there been one, is posted with the rows
        assert not any("You were mentioned" in n for n in _notes(app))
        room_peer.say(bob, room, "al: now")
        await wait_until(
            lambda: any("You were mentioned in" in n for n in _notes(app)), timeout=TIMEOUT
        )
        assert _notes(app).count(f"You were mentioned in {room}") == 1


async def test_mention_highlighted_and_notified_on_word_boundary(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        pane = await _in_room(app, pilot, room, "al")
        # "all" and "Sal" do not name al: no notification.
        room_peer.say(bob, room, "hello all, ask Sal")
        await wait_until(
            lambda: any("hello all, ask Sal" in r for r in pane.history.rendered_rows()),
            timeout=TIMEOUT,
        )
        room_peer.say(bob, room, "AL: [b]look[/b]")
        await wait_until(
            lambda: any("You were mentioned in" in n for n in _notes(app)), timeout=TIMEOUT
        )
        assert _notes(app).count(f"You were mentioned in {room}") == 1

        # The line is highlighted: its sender shown reversed; the "all" line is not.
        def sender_reversed(text: str) -> bool:
            rows = pane.history.rendered_rows()
            row = next(i for i, r in enumerate(rows) if text in r)
            strip = pane.history.row_strip(row)
            return any("<bob>" in seg.text and seg.style and seg.style.reverse for seg in strip)

        assert sender_reversed("AL: [b]look[/b]")
        assert not sender_reversed("hello all, ask Sal")
        assert all(not n.markup for n in app._notifications)
        assert not any("look" in n for n in _notes(app))  # fixed text, never the body


async def test_private_messages_from_the_room_pane_and_the_list(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_online(app)
        room_pane = await _in_room(app, pilot, room, "al")
        await wait_until(lambda: "● ~bob" in room_pane.occupants.rendered_rows(), timeout=TIMEOUT)

        # /msg NICK text in a room's pane: a private conversation "bob in room".
        got = expect_body(bob, "psst")
        await submit(pilot, app, "/msg bob psst")
        msg = await bob.wait_future(got, timeout=TIMEOUT)
        assert str(msg["from"]) == f"{room}/al" and msg["type"] == "chat"
        pm = active_pane(app)
        assert pm.key == ChatKey(alice.jid, f"{room}/bob") and not isinstance(pm, RoomPane)
        assert str(pm.header.render()).splitlines()[0].startswith(f"bob in {room}")
        # The answer lands in the same pane, from "bob in room", never a contact.
        reply = bob.client.make_message(mto=f"{room}/al", mbody="ok [b]!", mtype="chat")
        ET.SubElement(reply.xml, "{http://jabber.org/protocol/muc#user}x")
        reply.send()
        await wait_until(
            lambda: any("ok [b]!" in r for r in pm.history.rendered_rows()),
            timeout=TIMEOUT,
            message=f"rows: {pm.history.rendered_rows()}",
        )
        line = next(r for r in pm.history.rendered_rows() if "ok [b]!" in r)
        assert f"<bob in {room[:12]}" in line  # the nick and its room (cut to fit)

        # Enter on an occupant in the list opens the same private conversation.
        await pilot.press("alt+2")  # back to the room (pane 2; the console is 1)
        assert active_pane(app) is room_pane
        room_pane.occupants.focus()
        await pilot.pause()
        await pilot.press("home", "enter")
        await pilot.pause()
        assert active_pane(app).key == ChatKey(alice.jid, f"{room}/bob")
        assert app.main.composer.has_focus


def expect_body(peer: object, body: str) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    client: Any = peer.client  # type: ignore[attr-defined]

    def handler(msg: Any) -> None:
        if str(msg["body"]) == body and not future.done():
            future.set_result(msg)

    client.add_event_handler("message", handler)
    return future


async def test_a_thousand_occupants_render_virtually(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    """At 80x24 a snapshot of 1,000 occupants draws only the rows on screen; the list scrolls."""
    alice = new_account("alice")
    bob = await peer()
    room = new_room()
    await room_peer.join(bob, room, "bob")
    app = _app(prosody, alice, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_online(app)
        pane = await _in_room(app, pilot, room, "al")
        info = pane.info
        assert info is not None
        crowd = tuple(Occupant(nick=f"user{k:04}") for k in range(1000))
        big = replace(info, occupants=tuple(o.nick for o in crowd), people=crowd)
        drawn: list[int] = []
        original = pane.occupants.render_line

        def counting(y: int) -> Strip:
            drawn.append(y)
            return original(y)

        pane.occupants.render_line = counting  # type: ignore[method-assign]
        inject(app, RoomChanged(account=alice.jid, room=big))
        await wait_until(lambda: len(pane.occupants.rows) == 1001, timeout=TIMEOUT)
        await pilot.pause()
        assert pane.occupants.display and pane.occupants.size.height < 24
        assert 0 < len(drawn) <= 3 * pane.occupants.size.height  # a screenful, not 1,001 rows
        assert "1000 occupants" in str(pane.header.render())
        # The keys move through it; End reaches the last occupant.
        pane.occupants.focus()
        await pilot.press("end")
        assert pane.occupants.highlighted_nick == "user0999"
        assert pane.occupants.scroll_offset.y > 900
        # Page Up/Down page through the list while it has focus (not the history).
        await pilot.press("pageup")
        assert pane.occupants.highlighted_nick == "user0989"
        await pilot.press("pagedown")
        assert pane.occupants.highlighted_nick == "user0999"
