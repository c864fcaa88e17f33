"""What a join asks before entering a room: the reserved nickname (XEP-0045 §7.12) and the
room's features (does it keep an archive?) go out together, so a join costs one round trip
before the join presence, not two (#8)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.component import ComponentPeer
from tests.peer import AccountFactory
from tests.prosody_server import ProsodyServer
from tests.service.harness import HarnessFactory
from tests.service.test_rooms import joined
from xmpp_tui.core.commands import JoinRoom

DISCO_INFO = "http://jabber.org/protocol/disco#info"
MUC = "http://jabber.org/protocol/muc"
#: An external component of the test server that no other test holds at the same time.
SERVICE = "loadgen.localhost"
#: How long the fake room waits for the second question before answering the first anyway.
PATIENCE = 3.0


class PatientRoom(ComponentPeer):
    """A room that answers the two disco#info questions only once both have arrived (or
    after ``PATIENCE``), and lets anyone in under the nickname it keeps for them."""

    def __init__(self, prosody: ProsodyServer, room: str, kept_nick: str) -> None:
        super().__init__(prosody, SERVICE)
        self.room = room
        self.kept_nick = kept_nick
        #: The questions that had arrived when the first answer went out.
        self.asked_before_answer: set[str] = set()
        self._pending: dict[str, Any] = {}
        self._both = asyncio.Event()
        self._answering: asyncio.Task[None] | None = None
        client = self._client
        client.register_handler(
            Callback(
                "disco info",
                MatchXPath(f"{{jabber:component:accept}}iq/{{{DISCO_INFO}}}query"),
                self._on_disco,
            )
        )
        client.register_handler(
            Callback("join", MatchXPath("{jabber:component:accept}presence"), self._on_presence)
        )

    def _on_disco(self, iq: Any) -> None:
        if iq["type"] != "get":
            return
        if str(iq["to"]) == SERVICE:  # "is this a group chat service?": yes, at once
            self._answer("service", iq)
            return
        node = iq.xml.find(f"{{{DISCO_INFO}}}query").get("node")
        question = "nick" if node == "x-roomuser-item" else "features"
        self._pending[question] = iq
        if len(self._pending) == 2:
            self._both.set()
        if len(self._pending) == 1:
            self._answering = asyncio.get_running_loop().create_task(self._answer_when_asked())

    async def _answer_when_asked(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._both.wait(), PATIENCE)
        self.asked_before_answer = set(self._pending)
        for question, iq in self._pending.items():
            self._answer(question, iq)
        self._pending.clear()

    def _answer(self, question: str, iq: Any) -> None:
        reply = self._client.make_iq_result(iq["id"], ito=iq["from"], ifrom=iq["to"])
        query = ET.SubElement(reply.xml, f"{{{DISCO_INFO}}}query")
        if question == "nick":
            query.set("node", "x-roomuser-item")
            ET.SubElement(
                query,
                f"{{{DISCO_INFO}}}identity",
                category="conference",
                type="text",
                name=self.kept_nick,
            )
        else:
            ET.SubElement(
                query, f"{{{DISCO_INFO}}}identity", category="conference", type="text", name="Q"
            )
            ET.SubElement(query, f"{{{DISCO_INFO}}}feature", var=MUC)
        reply.send()

    def _on_presence(self, presence: Any) -> None:
        to = presence["to"]
        if str(to.bare) != self.room or presence["type"] in ("unavailable", "error"):
            return
        nick = to.resource
        answer = self._client.make_presence(pfrom=f"{self.room}/{nick}", pto=presence["from"])
        x = ET.SubElement(answer.xml, f"{{{MUC}#user}}x")
        ET.SubElement(x, f"{{{MUC}#user}}item", affiliation="member", role="participant")
        ET.SubElement(x, f"{{{MUC}#user}}status", code="110")
        answer.send()
        subject = self._client.make_message(
            mto=presence["from"], mfrom=self.room, mtype="groupchat", msubject=""
        )
        subject.send()


async def test_join_asks_the_reserved_nick_and_the_features_at_once(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    h = await harness(alice)
    room = f"patient-{secrets.token_hex(4)}@{SERVICE}"
    async with PatientRoom(prosody, room, "kept-for-alice") as fake:
        await h.service.execute(JoinRoom(account=alice.jid, room=room))
        entered = await joined(h, room)
    # Both questions were in flight before the room answered either of them.
    assert fake.asked_before_answer == {"nick", "features"}
    # And each answer was used: the kept nickname, the features known (no archive there).
    assert entered.room.nick == "kept-for-alice"
