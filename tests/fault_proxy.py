"""A TCP fault proxy for the tests: client <-> proxy (127.0.0.1) <-> server, bytes untouched.

TLS passes through unchanged (STARTTLS or direct TLS), so the client still verifies the
server's certificate for its domain while it connects to ``127.0.0.1:proxy.port``. The test
drives the faults from the same event loop:

- ``cut()``: reset every current connection now (RST to both sides, unsent bytes lost);
- ``cut_after_bytes(n)``: forward ``n`` more bytes (counted in the chosen direction, or in
  both), then reset: a cut at an exact or random byte, mid-stanza or mid-TLS-record;
- ``blackhole(True)``: sockets stay open, every byte is read and dropped; ``direction``
  limits it to one way. A side that closes meanwhile is not told to the other one (a
  half-open link: the server learns nothing when the client gives up, and vice versa); that
  other side stays open, its bytes dropped, until it closes itself or is cut;
- ``refuse(True)``: new connections are reset as soon as they are accepted;
- ``stats``: connections accepted, bytes forwarded each way, bytes dropped, cuts.

Usage::

    async with FaultProxy("127.0.0.1", prosody.c2s_port, seed=7) as proxy:
        settings = replace(settings, port=proxy.port)
        ...
        proxy.cut_after_bytes()          # random byte in [1, random_max]
        await proxy.wait_cut()

One proxy serves one upstream address; build it inside the running loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
import socket
import struct
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

log = logging.getLogger(__name__)

_CHUNK = 65536


class Direction(enum.Enum):
    """Which way bytes flow: ``UP`` client -> server, ``DOWN`` server -> client."""

    UP = "up"
    DOWN = "down"
    BOTH = "both"

    def covers(self, way: Direction) -> bool:
        return self is Direction.BOTH or self is way


@dataclass(slots=True)
class ProxyStats:
    """Counters since the proxy started (never reset)."""

    accepted: int = 0
    bytes_up: int = 0  # client -> server, forwarded
    bytes_down: int = 0  # server -> client, forwarded
    dropped_up: int = 0  # read from the client and thrown away (blackhole)
    dropped_down: int = 0
    cuts: int = 0  # times cut() reset connections (armed cuts included)
    connections_reset: int = 0
    orphaned: int = 0  # links one side left during a blackhole, the other side kept open


@dataclass(slots=True)
class _ArmedCut:
    remaining: int
    direction: Direction
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False, slots=True)
class _Link:
    """One proxied connection: the client's and the server's stream pair."""

    client_reader: asyncio.StreamReader
    client_writer: asyncio.StreamWriter
    server_reader: asyncio.StreamReader | None = None
    server_writer: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    closed: bool = False
    orphaned: bool = False  # one side is gone: drop what the other sends

    def writers(self) -> list[asyncio.StreamWriter]:
        return [w for w in (self.client_writer, self.server_writer) if w is not None]


class FaultProxy:
    """Loopback TCP proxy to ``upstream_host:upstream_port`` with injectable faults."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        seed: int | None = None,
        random_max: int = 4096,
        listen_host: str = "127.0.0.1",
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listen_host = listen_host
        #: Seed of the RNG used for random cut points (printed by tests on failure).
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.rng = random.Random(self.seed)
        self.random_max = random_max
        self.stats = ProxyStats()
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._blackhole: Direction | None = None
        self._refuse = False
        self._armed: _ArmedCut | None = None
        self._firing = False  # an armed cut is flushing its last bytes: forward nothing else

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> int:
        """Listen on an OS-chosen loopback port; returns it."""
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, self.listen_host, 0)
        return self.port

    async def stop(self) -> None:
        """Stop listening and reset every connection; safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        self._reset_all()
        tasks = [task for link in list(self._links) for task in link.tasks]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def connections(self) -> int:
        """Connections open right now."""
        return len(self._links)

    # -- faults ----------------------------------------------------------------

    def cut(self) -> int:
        """Reset every current connection now; returns how many were reset."""
        self.stats.cuts += 1
        return self._reset_all()

    def cut_after_bytes(
        self, n: int | None = None, *, direction: Direction = Direction.BOTH
    ) -> int:
        """Arm one cut: after ``n`` more bytes in ``direction`` (``None``: a random count in
        ``[1, random_max]`` from the seeded RNG), reset every connection. The byte that
        reaches the count is the last one forwarded. Returns ``n``. Re-arming replaces an
        armed cut that has not fired."""
        count = self.rng.randint(1, self.random_max) if n is None else n
        if count < 1:
            raise ValueError("cut_after_bytes needs n >= 1 (use cut() to reset now)")
        self._armed = _ArmedCut(remaining=count, direction=direction)
        return count

    @property
    def cut_armed(self) -> bool:
        return self._armed is not None and not self._armed.done.is_set()

    async def wait_cut(self, timeout: float = 10.0) -> None:
        """Wait until the armed cut has fired (AssertionError on timeout)."""
        armed = self._armed
        if armed is None:
            return
        try:
            await asyncio.wait_for(armed.done.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"armed cut did not fire within {timeout:g} s "
                f"({armed.remaining} bytes still to go {armed.direction.value})"
            ) from None

    def blackhole(self, on: bool, *, direction: Direction = Direction.BOTH) -> None:
        """While on, bytes in ``direction`` are read and dropped; sockets stay open."""
        self._blackhole = direction if on else None

    def refuse(self, on: bool) -> None:
        """While on, each new connection is reset at once (the server looks down)."""
        self._refuse = on

    # -- plumbing --------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.accepted += 1
        link = _Link(client_reader=reader, client_writer=writer)
        if self._refuse:
            _reset(writer)
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError as error:
            log.info("fault proxy: upstream %s:%d unreachable: %s", *self.upstream, error)
            _reset(writer)
            return
        link.server_reader, link.server_writer = server_reader, server_writer
        self._links.add(link)
        up = asyncio.create_task(self._pump(link, reader, server_writer, Direction.UP))
        down = asyncio.create_task(self._pump(link, server_reader, writer, Direction.DOWN))
        link.tasks = [up, down]
        try:
            await asyncio.gather(up, down, return_exceptions=True)
        finally:
            self._close(link)

    async def _pump(
        self,
        link: _Link,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        way: Direction,
    ) -> None:
        try:
            while not link.closed:
                data = await reader.read(_CHUNK)
                if not data:
                    self._side_closed(link)
                    return
                if (
                    self._firing
                    or link.orphaned
                    or (self._blackhole is not None and self._blackhole.covers(way))
                ):
                    self._count(way, dropped=len(data))
                    continue
                armed = self._armed
                fire = False
                if armed is not None and not armed.done.is_set() and armed.direction.covers(way):
                    if len(data) >= armed.remaining:
                        data = data[: armed.remaining]
                        fire = True
                    armed.remaining -= len(data)
                writer.write(data)
                self._count(way, forwarded=len(data))
                if fire:
                    assert armed is not None
                    await self._fire(armed, writer)
                    return
                await writer.drain()
        except (ConnectionError, OSError):
            self._side_closed(link)

    def _side_closed(self, link: _Link) -> None:
        """One side closed (or reset): pass it on, unless a blackhole hides it."""
        if self._blackhole is not None and not link.orphaned and not link.closed:
            link.orphaned = True
            self.stats.orphaned += 1
            return
        self._close(link)

    async def _fire(self, armed: _ArmedCut, writer: asyncio.StreamWriter) -> None:
        """Let the last bytes reach the kernel (an RST discards what is still buffered),
        then reset everything."""
        self._armed = None
        self._firing = True
        try:
            with contextlib.suppress(TimeoutError, ConnectionError, OSError):
                async with asyncio.timeout(1.0):
                    writer.transport.set_write_buffer_limits(high=0)  # drain() = all written
                    await writer.drain()
            self.stats.cuts += 1
            self._reset_all()
        finally:
            self._firing = False
            armed.done.set()

    def _count(self, way: Direction, *, forwarded: int = 0, dropped: int = 0) -> None:
        if way is Direction.UP:
            self.stats.bytes_up += forwarded
            self.stats.dropped_up += dropped
        else:
            self.stats.bytes_down += forwarded
            self.stats.dropped_down += dropped

    def _reset_all(self) -> int:
        links = list(self._links)
        for link in links:
            self.stats.connections_reset += 1
            self._close(link, reset=True)
        return len(links)

    def _close(self, link: _Link, *, reset: bool = False) -> None:
        if link.closed:
            return
        link.closed = True
        self._links.discard(link)
        for writer in link.writers():
            if reset:
                _reset(writer)
            else:
                with contextlib.suppress(Exception):
                    writer.close()
        current = asyncio.current_task()
        for task in link.tasks:
            if task is not current:
                task.cancel()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST (SO_LINGER 0): buffered bytes are discarded, the peer sees a reset."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
