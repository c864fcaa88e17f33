"""A hostile XMPP server for the tests: a TLS-terminating man in the middle before Prosody.

Malformed XML has to reach the client *inside* TLS (our client refuses to authenticate
without it) and, for most cases, inside an authenticated session. So this server holds the
test certificate (Prosody's own, which the client trusts through ``ca_file``), accepts
the client on direct TLS (XEP-0368), and relays the decrypted stream to Prosody's direct
TLS port: a real login, a real session. The test then makes it hostile:

- ``arm_start(case, times)``: the next connection(s) never reach Prosody; the client gets the
  case's bytes as the very start of the stream (DOCTYPE, wrong namespace...);
- ``await inject(case)``: on the current relayed session, stop relaying (both ways) and
  write the case to the client (big cases chunk by chunk, stopping once the client has
  closed); a benign case gives the link back to Prosody afterwards.

For each connection it records what the client sent (decrypted), when the hostile bytes
started and when the client closed its side. Loopback only; one loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tests.xml_corpus import XmlCase

#: A XEP-0198 ack from the client (slixmpp writes each in one piece).
_ACK = re.compile(rb"(<a xmlns=['\"]urn:xmpp:sm:3['\"] h=['\"])(\d+)")


@dataclass(slots=True, eq=False)
class Link:
    """One client connection as the hostile server saw it."""

    writer: asyncio.StreamWriter
    accepted_at: float = field(default_factory=time.monotonic)
    sent_by_client: bytearray = field(default_factory=bytearray)
    hostile_from: int | None = None  # offset in sent_by_client when the hostile bytes began
    hostile_at: float | None = None
    closed_at: float | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    relaying: bool = True
    #: Stanzas we slipped into the stream: the client's acks count them, Prosody must not.
    injected_stanzas: int = 0

    def upstream_bytes(self, data: bytes) -> bytes:
        if not self.injected_stanzas:
            return data
        return _ACK.sub(lambda m: m[1] + str(int(m[2]) - self.injected_stanzas).encode(), data)

    @property
    def answer(self) -> bytes:
        """What the client sent from the first hostile byte on."""
        return bytes(self.sent_by_client[self.hostile_from or 0 :])

    @property
    def seconds_to_close(self) -> float:
        assert self.hostile_at is not None and self.closed_at is not None
        return self.closed_at - self.hostile_at


class HostileServer:
    def __init__(self, *, certfile: Path, keyfile: Path, upstream_port: int) -> None:
        self._upstream_port = upstream_port
        self._cafile = certfile
        self._server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_ctx.load_cert_chain(certfile, keyfile)
        self._server: asyncio.Server | None = None
        self._armed: XmlCase | None = None
        self._armed_times = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.links: list[Link] = []
        self.port = 0

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", 0, ssl=self._server_ctx
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for link in self.links:
            link.writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def current(self) -> Link:
        return self.links[-1]

    def arm_start(self, case: XmlCase, times: int = 1) -> None:
        """The next ``times`` connections get ``case`` instead of Prosody's stream."""
        self._armed, self._armed_times = case, times

    async def inject(self, case: XmlCase, link: Link | None = None) -> Link:
        link = link or self.current
        link.relaying = False
        await self._send_case(link, case)
        if case.condition is None and not case.close_after:
            link.injected_stanzas += case.stanzas
            link.relaying = True  # benign: the session goes on
        return link

    # -- per connection ------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = Link(writer)
        self.links.append(link)
        case = self._armed
        self._armed_times -= 1
        if self._armed_times <= 0:
            self._armed = None
        upstream: asyncio.StreamWriter | None = None
        if case is None:
            context = ssl.create_default_context(cafile=self._cafile)
            up_reader, upstream = await asyncio.open_connection(
                "127.0.0.1", self._upstream_port, ssl=context, server_hostname="localhost"
            )
            self._spawn(self._relay_down(up_reader, link))
        else:
            self._spawn(self._send_case(link, case))
        try:
            while data := await reader.read(65536):
                link.sent_by_client += data
                if upstream is not None and link.relaying:
                    upstream.write(link.upstream_bytes(data))
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            link.closed_at = time.monotonic()
            link.closed.set()
            if upstream is not None:
                upstream.transport.abort()
            writer.transport.abort()

    async def _relay_down(self, reader: asyncio.StreamReader, link: Link) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            while data := await reader.read(65536):
                if not link.relaying:
                    continue  # the hostile bytes have the link now
                link.writer.write(data)
                await link.writer.drain()

    async def _send_case(self, link: Link, case: XmlCase) -> None:
        link.hostile_from = len(link.sent_by_client)
        link.hostile_at = time.monotonic()
        writer = link.writer
        try:
            for chunk in case.chunks():
                if link.closed.is_set() or writer.is_closing():
                    return
                writer.write(chunk)
                await writer.drain()
            if case.close_after:
                writer.close()
        except (ConnectionError, ssl.SSLError, RuntimeError):
            return
