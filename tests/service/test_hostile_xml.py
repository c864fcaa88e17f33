"""S-XML-1: a hostile server sends each malformed-XML case; the client closes that stream
in time without echoing the bytes, nothing crashes, and the account works again after.

Real parts: `tests/hostile_server.py` holds the test certificate and relays to the real
Prosody, so post-login cases arrive inside a real authenticated session."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.hostile_server import HostileServer
from tests.peer import PeerFactory, wait_until
from tests.prosody_server import Account, ProsodyServer
from tests.xml_corpus import CORPUS, XmlCase
from xmpp_tui.core.clock import utc_now
from xmpp_tui.core.models import Show
from xmpp_tui.xmpp.client import Endpoint, XmppClient
from xmpp_tui.xmpp.inbound import (
    ChatReceived,
    ConnectFailed,
    ConnectionLost,
    Inbound,
    SessionStarted,
)

TIMEOUT = 10.0


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
async def hostile(prosody: ProsodyServer) -> AsyncIterator[HostileServer]:
    async with HostileServer(
        certfile=prosody.cafile, keyfile=prosody.keyfile, upstream_port=prosody.tls_port
    ) as server:
        yield server


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Everything that reaches the asyncio exception handler during the test."""
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    yield seen
    loop.set_exception_handler(previous)


def _client(
    account: Account, server: HostileServer, prosody: ProsodyServer
) -> tuple[XmppClient, list[Inbound]]:
    reports: list[Inbound] = []
    client = XmppClient(
        Endpoint(
            jid=account.jid,
            resource="xmlsec",
            host="127.0.0.1",
            port=server.port,
            direct_tls=True,
            ca_file=prosody.cafile,
        ),
        report=reports.append,
        clock=utc_now,
        pinned=frozenset,
    )
    return client, reports


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
async def test_malformed_xml_corpus(
    case: XmlCase,
    prosody: ProsodyServer,
    hostile: HostileServer,
    new_account: Any,
    peer: PeerFactory,
    loop_errors: list[dict[str, Any]],
) -> None:
    account = new_account("xmlsec")
    client, reports = _client(account, hostile, prosody)
    rss_before = _rss()
    try:
        if case.own_header:
            hostile.arm_start(case)
            outcome = await client.connect(account.password, timeout=TIMEOUT)
            assert isinstance(outcome, ConnectFailed)
            assert outcome.kind == "network" and not outcome.fatal  # retried on back-off
            assert "the server sent" in outcome.message
            link = hostile.links[0]
            assert b"<auth" not in link.sent_by_client  # refused before any login
        else:
            started = await client.connect(account.password, timeout=TIMEOUT)
            assert isinstance(started, SessionStarted), started
            link = await hostile.inject(case)
        if case.condition is not None or case.close_after:
            await asyncio.wait_for(link.closed.wait(), TIMEOUT)
            assert link.seconds_to_close <= 2.0
            if not case.own_header:
                await wait_until(lambda: any(isinstance(r, ConnectionLost) for r in reports))
        answer = link.answer
        assert case.marker not in answer  # nothing of the hostile bytes comes back
        errors = re.findall(rb"<stream:error>.*?</stream:error>", answer)
        if case.condition is not None:
            assert errors == [
                b"<stream:error><%s xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
                % case.condition.encode()
            ]
        else:
            assert errors == []
        assert _rss() - rss_before <= 50 * 1024 * 1024

        # Usable again (the benign case: still the same session).
        if case.condition is not None or case.close_after:
            again = await client.connect(account.password, timeout=TIMEOUT)
            assert isinstance(again, SessionStarted), again
            assert len(hostile.links) == 2
        client.send_presence(Show.AVAILABLE, "")
        bob = await peer()
        bob.send_chat(client.bound_jid, "still here")
        await wait_until(
            lambda: any(isinstance(r, ChatReceived) and r.body == "still here" for r in reports)
        )
        client.send_chat(bob.jid, "and you?", "xmlsec-1")
        await bob.wait_body("and you?")
        if case.condition is None and not case.close_after:
            assert not link.closed.is_set()
    finally:
        await client.disconnect()
    assert loop_errors == []
