"""XEP-0368: with no server configured, DNS SRV picks direct TLS first, STARTTLS as fallback.

DNS is the one thing we cannot run for real here: a loopback responder serves the records and
slixmpp's resolver is pointed at it. Everything else (TLS, login) is the real Prosody.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aiodns
import pytest
import slixmpp.xmlstream.xmlstream as xmlstream

from tests.peer import AccountFactory
from tests.prosody_server import ProsodyServer, free_ports
from tests.service.dns_server import SrvRecord, start_dns
from tests.service.harness import HarnessFactory

XMPPS = "_xmpps-client._tcp.localhost"
XMPP = "_xmpp-client._tcp.localhost"


@pytest.fixture
def dns_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Point slixmpp's SRV lookups at our responder (port filled in by the test)."""
    port: list[int] = []

    def resolver(loop: asyncio.AbstractEventLoop) -> aiodns.DNSResolver:
        return aiodns.DNSResolver(loop=loop, nameservers=[f"127.0.0.1:{port[0]}"])

    monkeypatch.setattr(xmlstream, "default_resolver", resolver)
    yield port


@pytest.mark.parametrize("xmpps_works", [True, False], ids=["direct-tls", "starttls-fallback"])
async def test_srv_prefers_direct_tls(
    prosody: ProsodyServer,
    new_account: AccountFactory,
    harness: HarnessFactory,
    dns_port: list[int],
    xmpps_works: bool,
) -> None:
    (closed,) = free_ports(1)
    zone = {
        # Direct TLS has the better priority; the other record points nowhere useful.
        XMPPS: [SrvRecord(5, 0, prosody.tls_port if xmpps_works else closed, "localhost")],
        XMPP: [SrvRecord(10, 0, closed if xmpps_works else prosody.c2s_port, "localhost")],
    }
    transport, port, protocol = await start_dns(zone)
    dns_port.append(port)
    alice = new_account("alice")
    try:
        await harness(alice, host=None, port=None)  # waits until online
        assert XMPPS in protocol.queries and XMPP in protocol.queries
    finally:
        transport.close()
