"""A real XEP-0114 component on the test Prosody: the base of the test app servers and load
generators (`tests/push_app_server.py`, `tests/flood.py`). ``async with`` connects it and
waits for the handshake; leaving disconnects it."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self

from slixmpp import ComponentXMPP

from tests.prosody_server import ProsodyServer


class ComponentPeer:
    def __init__(self, prosody: ProsodyServer, jid: str) -> None:
        self.jid = jid
        self._client: Any = ComponentXMPP(
            jid, prosody.component_secret, "127.0.0.1", prosody.component_port
        )

    async def start(self, timeout: float = 10.0) -> None:
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def ready(_: Any) -> None:
            if not started.done():
                started.set_result(None)

        self._client.add_event_handler("session_start", ready)
        self._client.connect()
        await asyncio.wait_for(started, timeout)

    async def close(self) -> None:
        await self._client.disconnect(wait=1.0)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
