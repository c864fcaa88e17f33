"""The demo world against the real SessionService: the demo user logs in and sees the bot
online in the roster, gets an answer to a message, is in the bookmarked room with its
occupants and history; the second demo account is online in the same service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.peer import wait_until
from tests.service.harness import Harness, build_test_service
from xmpp_tui.core.commands import SendMessage
from xmpp_tui.core.events import (
    ConnectionChanged,
    MessageAdded,
    PresenceChanged,
    RoomChanged,
    RosterReplaced,
)
from xmpp_tui.core.jid import parse_jid
from xmpp_tui.core.models import ConnectionState, Direction
from xmpp_tui.demo.bot import HELP
from xmpp_tui.demo.world import DemoWorld

pytestmark = pytest.mark.prosody
TIMEOUT = 15.0
YOU = "you@localhost"
WORK = "work@localhost"
BOB = "bob@localhost"


async def test_demo_user_sees_bot_answer_and_room(demo_world: DemoWorld, tmp_path: Path) -> None:
    service = build_test_service(
        demo_world.account_settings(), tmp_path, passwords=demo_world.passwords
    )
    h = Harness(service=service, account=YOU)
    service.subscribe(h.events.append)
    await service.start()
    try:
        await wait_until(
            lambda: (
                {
                    e.account
                    for e in h.of_type(ConnectionChanged)
                    if e.state is ConnectionState.ONLINE
                }
                == {YOU, WORK}
            ),
            timeout=TIMEOUT,
            message="both demo accounts online",
        )
        roster = await h.wait_event(RosterReplaced, lambda e: e.account == YOU)
        assert {item.jid for item in roster.items} == {BOB, "carol@localhost"}
        # Bob is online.
        await h.wait_event(
            PresenceChanged,
            lambda e: e.account == YOU and e.presence.jid == BOB and bool(e.presence.resources),
            timeout=TIMEOUT,
        )
        # His greeting waited offline; he answers what we write.
        await h.wait_event(
            MessageAdded,
            lambda e: e.message.peer == BOB and "demo bot" in e.message.body,
            timeout=TIMEOUT,
        )
        await service.execute(SendMessage(account=YOU, peer=parse_jid(BOB).bare, body="help"))
        answer = await h.wait_event(
            MessageAdded,
            lambda e: (
                e.message.peer == BOB
                and e.message.direction is Direction.INCOMING
                and e.message.body == HELP
            ),
            timeout=TIMEOUT,
        )
        assert answer.account == YOU
        # The bookmarked room is joined, with Bob and Carol in it and its history.
        room = await h.wait_event(
            RoomChanged,
            lambda e: (
                e.account == YOU
                and e.room.jid == demo_world.room
                and e.room.joined
                and {"Bob", "Carol"} <= set(e.room.occupants)
            ),
            timeout=TIMEOUT,
        )
        assert room.room.name == "Demo lobby"
        await wait_until(
            lambda: any(
                e.message.peer == demo_world.room and "Welcome to the demo room" in e.message.body
                for e in h.of_type(MessageAdded)
            ),
            timeout=TIMEOUT,
            message="no room history",
        )
        # The second account has its own contact and the room too.
        await h.wait_event(
            MessageAdded,
            lambda e: e.account == WORK and "second demo account" in e.message.body,
            timeout=TIMEOUT,
        )
    finally:
        await h.stop()
