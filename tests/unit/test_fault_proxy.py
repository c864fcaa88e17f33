"""The test suite's TCP fault proxy, against a tiny echo server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from tests.fault_proxy import Direction, FaultProxy
from tests.peer import wait_until


@dataclass
class EchoServer:
    """Echoes every byte back and keeps what each connection received, and how it ended."""

    port: int = 0
    received: list[bytearray] = field(default_factory=list)
    endings: list[str] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got = bytearray()
        self.received.append(got)
        try:
            while data := await reader.read(65536):
                got.extend(data)
                writer.write(data)
                await writer.drain()
            self.endings.append("eof")
        except ConnectionError:
            self.endings.append("reset")
        finally:
            writer.close()


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    server = EchoServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    yield server
    listener.close()


@pytest.fixture
async def proxy(echo: EchoServer) -> AsyncIterator[FaultProxy]:
    async with FaultProxy("127.0.0.1", echo.port, seed=1234, random_max=50) as running:
        yield running


async def _open(proxy: FaultProxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", proxy.port)


async def _read_until_closed(reader: asyncio.StreamReader) -> tuple[bytes, str]:
    """Everything the client still gets, and how the connection ended."""
    got = bytearray()
    try:
        async with asyncio.timeout(5):
            while data := await reader.read(65536):
                got.extend(data)
    except ConnectionError:
        return bytes(got), "reset"
    return bytes(got), "eof"


async def test_forwards_both_ways_and_counts(proxy: FaultProxy, echo: EchoServer) -> None:
    reader, writer = await _open(proxy)
    writer.write(b"hello proxy")
    assert await reader.readexactly(11) == b"hello proxy"
    assert proxy.stats.accepted == 1
    assert proxy.connections == 1
    assert (proxy.stats.bytes_up, proxy.stats.bytes_down) == (11, 11)
    writer.close()
    await wait_until(lambda: proxy.connections == 0, timeout=5)
    await wait_until(lambda: echo.endings == ["eof"], timeout=5)  # a clean close passes on


async def test_cut_resets_every_current_connection_and_accepts_new_ones(
    proxy: FaultProxy, echo: EchoServer
) -> None:
    first = await _open(proxy)
    second = await _open(proxy)
    for reader, writer in (first, second):
        writer.write(b"x")
        assert await reader.readexactly(1) == b"x"
    assert proxy.cut() == 2
    for reader, _writer in (first, second):
        assert await _read_until_closed(reader) == (b"", "reset")
    await wait_until(lambda: sorted(echo.endings) == ["reset", "reset"], timeout=5)
    assert proxy.stats.cuts == 1
    assert proxy.connections == 0
    reader, writer = await _open(proxy)
    writer.write(b"again")
    assert await reader.readexactly(5) == b"again"
    assert proxy.stats.accepted == 3
    writer.close()


async def test_cut_after_bytes_forwards_exactly_n_bytes_upstream(
    proxy: FaultProxy, echo: EchoServer
) -> None:
    reader, writer = await _open(proxy)
    writer.write(b"0123")
    assert await reader.readexactly(4) == b"0123"
    assert proxy.cut_after_bytes(10, direction=Direction.UP) == 10
    assert proxy.cut_armed
    writer.write(b"abcdefghijKLMNOP")  # the cut falls inside this chunk
    await proxy.wait_cut()
    assert not proxy.cut_armed
    _echoed, ending = await _read_until_closed(reader)
    assert ending == "reset"
    await wait_until(lambda: echo.endings == ["reset"], timeout=5)
    assert bytes(echo.received[0]) == b"0123abcdefghij"
    assert proxy.stats.bytes_up == 14
    assert proxy.stats.cuts == 1


async def test_cut_after_bytes_downstream_delivers_the_last_byte_first(
    proxy: FaultProxy, echo: EchoServer
) -> None:
    reader, writer = await _open(proxy)
    proxy.cut_after_bytes(3, direction=Direction.DOWN)
    writer.write(b"abcdef")
    await proxy.wait_cut()
    got, ending = await _read_until_closed(reader)
    assert (got, ending) == (b"abc", "reset")
    assert proxy.stats.bytes_down == 3


async def test_random_cut_points_come_from_the_seed(echo: EchoServer) -> None:
    points = []
    for _ in range(2):
        async with FaultProxy("127.0.0.1", echo.port, seed=99, random_max=1000) as proxy:
            points.append([proxy.cut_after_bytes() for _ in range(5)])
    assert points[0] == points[1]
    assert all(1 <= n <= 1000 for n in points[0])
    assert len(set(points[0])) > 1


async def test_random_cut_fires_within_range(proxy: FaultProxy, echo: EchoServer) -> None:
    reader, writer = await _open(proxy)
    n = proxy.cut_after_bytes()  # random_max=50, both directions
    assert 1 <= n <= 50
    writer.write(bytes(200))
    await proxy.wait_cut()
    assert proxy.stats.bytes_up + proxy.stats.bytes_down == n
    assert (await _read_until_closed(reader))[1] == "reset"


async def test_blackhole_keeps_the_socket_open_and_drops_bytes(
    proxy: FaultProxy, echo: EchoServer
) -> None:
    reader, writer = await _open(proxy)
    writer.write(b"before")
    assert await reader.readexactly(6) == b"before"
    proxy.blackhole(True)
    writer.write(b"into the void")
    await wait_until(lambda: proxy.stats.dropped_up == 13, timeout=5)
    assert bytes(echo.received[0]) == b"before"
    assert proxy.connections == 1
    proxy.blackhole(False)
    writer.write(b"after")
    assert await reader.readexactly(5) == b"after"  # same connection, nothing reset
    assert bytes(echo.received[0]) == b"beforeafter"
    assert proxy.stats.accepted == 1
    writer.close()


async def test_a_close_during_a_blackhole_is_not_passed_on(
    proxy: FaultProxy, echo: EchoServer
) -> None:
    """Half-open: the client gives up, the server is not told; a cut ends the orphan."""
    reader, writer = await _open(proxy)
    writer.write(b"hi")
    assert await reader.readexactly(2) == b"hi"
    proxy.blackhole(True)
    writer.close()
    await wait_until(lambda: proxy.stats.orphaned == 1, timeout=5)
    proxy.blackhole(False)
    assert proxy.connections == 1
    assert echo.endings == []  # the server still believes in the connection
    assert proxy.cut() == 1
    await wait_until(lambda: echo.endings == ["reset"], timeout=5)
    assert proxy.connections == 0


async def test_one_way_blackhole(proxy: FaultProxy, echo: EchoServer) -> None:
    reader, writer = await _open(proxy)
    proxy.blackhole(True, direction=Direction.DOWN)
    writer.write(b"ping")
    await wait_until(lambda: proxy.stats.dropped_down == 4, timeout=5)
    assert bytes(echo.received[0]) == b"ping"  # went up, its echo was dropped
    assert proxy.stats.bytes_up == 4
    proxy.blackhole(False)
    writer.write(b"pong")
    assert await reader.readexactly(4) == b"pong"
    writer.close()


async def test_refuse_resets_new_connections(proxy: FaultProxy, echo: EchoServer) -> None:
    proxy.refuse(True)
    reader, writer = await _open(proxy)
    writer.write(b"anyone?")
    assert (await _read_until_closed(reader))[1] in {"reset", "eof"}
    assert echo.received == []
    proxy.refuse(False)
    reader, writer = await _open(proxy)
    writer.write(b"yes")
    assert await reader.readexactly(3) == b"yes"
    writer.close()


async def test_unreachable_upstream_resets_the_client() -> None:
    listener = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    async with FaultProxy("127.0.0.1", port) as proxy:
        reader, _writer = await _open(proxy)
        assert (await _read_until_closed(reader))[1] in {"reset", "eof"}
        assert proxy.stats.accepted == 1


async def test_stop_resets_and_closes(echo: EchoServer) -> None:
    proxy = FaultProxy("127.0.0.1", echo.port)
    port = await proxy.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"z")
    assert await reader.readexactly(1) == b"z"
    await proxy.stop()
    await proxy.stop()  # twice is harmless
    assert (await _read_until_closed(reader))[1] == "reset"
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    with contextlib.suppress(Exception):
        writer.close()
