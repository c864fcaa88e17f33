"""A man in the middle with a chosen certificate, recording every byte the client sends.

It stands where the server should be, on loopback, in one of three modes:

- ``direct``: XEP-0368 direct TLS, with the chosen certificate;
- ``starttls``: plaintext XMPP up to ``<starttls/>`` (its features also offer PLAIN and
  SCRAM-SHA-1, the bait a careless client takes), ``<proceed/>``, then TLS with the chosen
  certificate;
- ``stripped``: the same plaintext stream, but the features lack ``<starttls/>`` (a MITM
  stripped it): only the SASL bait. It never answers anything else.

Once TLS is up it relays the decrypted stream to the real Prosody's direct TLS port (the
client restarts the stream after STARTTLS, so that is a fresh stream there too). So a
client that wrongly accepted a bad certificate would really log in, and its ``<auth>``
would be in the capture: the negative tests can fail. The positive case logs in end to end.

``Link.wire`` is everything the client sent on that connection: plaintext before TLS and
the decrypted bytes after, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

Mode = Literal["direct", "starttls", "stripped"]

_HEADER = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client'"
    b" xmlns:stream='http://etherx.jabber.org/streams' id='mitm-1' from='localhost'"
    b" version='1.0'>"
)
_STARTTLS = b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
_BAIT = (
    b"<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    b"<mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms>"
)
_PROCEED = b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"


@dataclass(slots=True, eq=False)
class Link:
    """One client connection."""

    wire: bytearray = field(default_factory=bytearray)
    tls_up: bool = False  # the client completed the TLS handshake
    tls_from: int = 0  # offset in ``wire`` where the decrypted bytes begin
    tls_error: str = ""
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def after_tls(self) -> bytes:
        """What the client sent inside TLS (decrypted)."""
        return bytes(self.wire[self.tls_from :]) if self.tls_up else b""


class TlsMitm:
    def __init__(
        self,
        *,
        mode: Mode,
        certfile: Path,
        keyfile: Path,
        upstream_port: int,
        upstream_ca: Path,
    ) -> None:
        self.mode = mode
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(certfile, keyfile)
        self._upstream_port = upstream_port
        self._upstream_ca = upstream_ca
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.links: list[Link] = []
        self.port = 0

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
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
        for writer in self._writers:
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def wire(self) -> bytes:
        """Everything every client connection sent, concatenated."""
        return b"".join(bytes(link.wire) for link in self.links)

    async def all_closed(self, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            for link in list(self.links):
                await link.closed.wait()

    # -- per connection ------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = Link()
        self.links.append(link)
        self._writers.append(writer)
        try:
            if self.mode != "direct":
                await self._plaintext(reader, writer, link)
                if self.mode == "stripped":
                    await self._record_until_eof(reader, link)
                    return
            try:
                await writer.start_tls(self._context)
            except (ssl.SSLError, ConnectionError, OSError) as error:
                link.tls_error = str(error)
                return
            link.tls_up, link.tls_from = True, len(link.wire)
            await self._relay(reader, writer, link)
        except (ConnectionError, ssl.SSLError, EOFError):
            pass
        finally:
            link.closed.set()
            writer.transport.abort()

    async def _read_until(self, reader: asyncio.StreamReader, link: Link, marker: bytes) -> None:
        start = len(link.wire)
        while marker not in link.wire[start:]:
            data = await reader.read(4096)
            if not data:
                raise EOFError
            link.wire += data

    async def _plaintext(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link
    ) -> None:
        await self._read_until(reader, link, b"<stream:stream")
        while b">" not in link.wire[link.wire.find(b"<stream:stream") :]:
            await self._read_until(reader, link, b">")  # the rest of the stream header
        offer = (b"" if self.mode == "stripped" else _STARTTLS) + _BAIT
        writer.write(_HEADER + b"<stream:features>" + offer + b"</stream:features>")
        await writer.drain()
        if self.mode == "starttls":
            await self._read_until(reader, link, b"<starttls")
            writer.write(_PROCEED)
            await writer.drain()

    async def _record_until_eof(self, reader: asyncio.StreamReader, link: Link) -> None:
        while data := await reader.read(65536):
            link.wire += data

    async def _relay(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link
    ) -> None:
        context = ssl.create_default_context(cafile=self._upstream_ca)
        up_reader, upstream = await asyncio.open_connection(
            "127.0.0.1", self._upstream_port, ssl=context, server_hostname="localhost"
        )
        self._writers.append(upstream)
        self._spawn(self._relay_down(up_reader, writer))
        try:
            while data := await reader.read(65536):
                link.wire += data
                upstream.write(data)
        finally:
            upstream.transport.abort()

    async def _relay_down(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
