"""A loopback DNS server that answers SRV queries from a table (we cannot run real DNS here).

Just enough of RFC 1035 for c-ares: one question per query, SRV answers, NXDOMAIN otherwise.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

SRV = 33


@dataclass(frozen=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str


def _name(data: bytes, offset: int) -> tuple[str, int]:
    labels: list[str] = []
    while data[offset]:
        length = data[offset]
        labels.append(data[offset + 1 : offset + 1 + length].decode("ascii"))
        offset += 1 + length
    return ".".join(labels).lower(), offset + 1


def _encode(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode("ascii") for p in name.split(".") if p) + b"\0"


def answer(query: bytes, zone: Mapping[str, list[SrvRecord]]) -> bytes:
    (ident,) = struct.unpack("!H", query[:2])
    name, end = _name(query, 12)
    qtype, _qclass = struct.unpack("!HH", query[end : end + 4])
    question = query[12 : end + 4]
    records = zone.get(name, []) if qtype == SRV else []
    flags = 0x8180 if records else 0x8183  # response, recursion; NXDOMAIN when empty
    header = struct.pack("!HHHHHH", ident, flags, 1, len(records), 0, 0)
    body = b""
    for record in records:
        rdata = struct.pack("!HHH", record.priority, record.weight, record.port)
        rdata += _encode(record.target)
        body += b"\xc0\x0c" + struct.pack("!HHIH", SRV, 1, 60, len(rdata)) + rdata
    return header + question + body


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, zone: Mapping[str, list[SrvRecord]]) -> None:
        self.zone = zone
        self.transport: asyncio.DatagramTransport | None = None
        self.queries: list[str] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.queries.append(_name(data, 12)[0])
        assert self.transport is not None
        self.transport.sendto(answer(data, self.zone), addr)


async def start_dns(
    zone: Mapping[str, list[SrvRecord]],
) -> tuple[asyncio.DatagramTransport, int, _Protocol]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _Protocol(zone), local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]
    return transport, port, protocol
