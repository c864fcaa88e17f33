"""S-XML-1: a hostile server sends each malformed-XML case; the client closes that stream
in time without echoing the bytes, nothing crashes, and the account works again after.

Real parts: `tests/hostile_server.py` holds the test certificate and relays to the real
Prosody, so post-login cases arrive inside a real authenticated session."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.hostile_server import HostileServer
from tests.peer import PeerFactory, wait_until
from tests.prosody_server import Account, ProsodyServer
from tests.service.harness import FAST, HarnessFactory
from tests.xml_corpus import CORPUS, XmlCase
from xmpp_tui.core.clock import utc_now
from xmpp_tui.core.commands import SendMessage
from xmpp_tui.core.events import AccountFailed, ConnectionChanged
from xmpp_tui.core.models import ConnectionState, Show
from xmpp_tui.xmpp.client import Endpoint, XmppClient
from xmpp_tui.xmpp.inbound import (
    ChatReceived,
    ConnectFailed,
    ConnectionLost,
    Inbound,
    SessionStarted,
)
from xmpp_tui.xmpp.xml_guard import GuardedParser

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


def _from(case: XmlCase, sender: str) -> XmlCase:
    """The case with ``FROM`` replaced by a real sender, so a benign stanza is delivered."""
    return dataclasses.replace(
        case, make=lambda: (chunk.replace(b"FROM", sender.encode()) for chunk in case.chunks())
    )


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
    bob = await peer()
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
            link = await hostile.inject(_from(case, bob.full_jid))
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
        bob.send_chat(client.bound_jid, "still here")
        await wait_until(
            lambda: any(isinstance(r, ChatReceived) and r.body == "still here" for r in reports)
        )
        client.send_chat(bob.jid, "and you?", "xmlsec-1")
        await bob.wait_body("and you?")
        if case.condition is None and not case.close_after:
            assert not link.closed.is_set()
            # accepted whole, C1 controls and all (they are cut at display, not here)
            assert any(
                isinstance(r, ChatReceived) and r.body == "\x9b31m red \x9d8;;x\x9c"
                for r in reports
            )
    finally:
        await client.disconnect()
    assert loop_errors == []


def _case(name: str) -> XmlCase:
    return next(case for case in CORPUS if case.name == name)


@pytest.mark.parametrize("name", ["comment-in-body", "doctype-internal-entity"])
async def test_the_account_reconnects_by_itself_and_says_why(
    name: str,
    hostile: HostileServer,
    new_account: Any,
    peer: PeerFactory,
    harness: HarnessFactory,
    loop_errors: list[dict[str, Any]],
) -> None:
    """Through the whole service: one clear line (no bytes of the payload), then the
    supervisor's back-off brings the account back online and messages flow."""
    case = _case(name)
    alice = new_account("alice")
    bob = await peer()
    if case.own_header:
        hostile.arm_start(case)
        h = await harness(alice, port=hostile.port, direct_tls=True, online=False)
    else:
        h = await harness(alice, port=hostile.port, direct_tls=True)
        await hostile.inject(case)
    lost = await h.wait_event(ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING)
    assert "the server sent" in lost.detail and "pwned" not in lost.detail
    assert "\n" not in lost.detail
    await wait_until(lambda: h.count(ConnectionState.ONLINE) == (1 if case.own_header else 2))
    assert h.of_type(AccountFailed) == []
    await h.service.execute(SendMessage(account=alice.jid, peer=bob.jid, body="back"))
    await bob.wait_body("back")
    assert loop_errors == []


async def test_a_server_that_always_refuses_gets_no_tight_reconnect_loop(
    hostile: HostileServer,
    new_account: Any,
    harness: HarnessFactory,
    loop_errors: list[dict[str, Any]],
) -> None:
    """Every connection opens with a DOCTYPE: a refused stream is an ordinary failed
    attempt, so the supervisor's back-off spaces them (FAST: 0.1 s first, growing, and
    at most 6 attempts in any 2 s) and never gives up the account."""
    hostile.arm_start(_case("doctype-internal-entity"), times=100)
    h = await harness(new_account("alice"), port=hostile.port, direct_tls=True, online=False)
    await wait_until(lambda: len(hostile.links) >= 7, timeout=15)
    first, seventh = hostile.links[0].accepted_at, hostile.links[6].accepted_at
    assert seventh - first >= FAST.reconnect_window * 0.95
    gaps = [b.accepted_at - a.accepted_at for a, b in itertools.pairwise(hostile.links)]
    assert min(gaps) >= FAST.backoff_first_min * 0.9
    details = {e.detail for e in h.of_type(ConnectionChanged)}
    assert any("DOCTYPE" in detail for detail in details)
    assert not any("pwned" in detail for detail in details)
    assert h.of_type(AccountFailed) == []
    assert all(b"<auth" not in link.sent_by_client for link in hostile.links)
    assert loop_errors == []


async def test_every_stream_of_a_starttls_login_is_guarded(
    prosody: ProsodyServer, new_account: Any, loop_errors: list[dict[str, Any]]
) -> None:
    """A fresh parser for the first stream, after STARTTLS and after SASL: all guarded."""
    account = new_account("xmlsec")
    client = XmppClient(
        Endpoint(
            jid=account.jid,
            resource="xmlsec",
            host="127.0.0.1",
            port=prosody.c2s_port,
            ca_file=prosody.cafile,
        ),
        report=lambda _: None,
        clock=utc_now,
        pinned=frozenset,
    )
    raw = client._ensure_client()
    parsers: list[object] = []
    guarded_init = raw.init_parser

    def counting_init() -> None:
        guarded_init()
        parsers.append(raw.parser)

    raw.init_parser = counting_init
    try:
        started = await client.connect(account.password, timeout=TIMEOUT)
        assert isinstance(started, SessionStarted)
        assert len(parsers) == 3
        assert all(isinstance(parser, GuardedParser) for parser in parsers)
        assert raw.parser is parsers[-1]
    finally:
        await client.disconnect()
    assert loop_errors == []
