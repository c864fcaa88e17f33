"""Noticing a dead link: XEP-0199 pings while idle, XEP-0198 acks after each message.

slixmpp notices a dead peer only when TCP gives up (minutes). Either check failing aborts
the connection; the account supervisor then reconnects (and resumes when it can).

The pings run on a timer of their own: traffic neither skips nor postpones one, and a
received stanza resets nothing. So the worst case is fixed: the link dies just after a
ping was answered, and the next ping fails one interval plus one timeout later
(``Timing.dead_peer_bound``, tests/service/test_resilience.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from xmpp_tui.service.timing import Timing
from xmpp_tui.xmpp.client import XmppClient


class Liveness:
    def __init__(
        self,
        client: XmppClient,
        timing: Timing,
        name: str,
        on_ack_timeout: Callable[[], None] = lambda: None,
    ) -> None:
        self._client = client
        self._on_ack_timeout = on_ack_timeout
        self._timing = timing
        self._name = name
        self._tasks: set[asyncio.Task[None]] = set()
        self._ping: asyncio.Task[None] | None = None
        # One dead link is one timeout: checks that expire together (a burst of messages
        # sent into it) must not report it again, or it looks like a stream that never
        # makes progress and is thrown away instead of resumed.
        self._ack_timed_out = False

    def start(self) -> None:
        """A session is up (called before its setup, so a link lost during the setup is
        noticed as fast): ping it while it lasts. Ack checks already started keep running."""
        self._ack_timed_out = False
        if self._ping is not None:
            self._ping.cancel()
        self._ping = self._spawn(self._ping_loop(), f"keepalive {self._name}")

    def stop(self) -> None:
        """The connection is gone (or going): every pending check is moot."""
        for task in list(self._tasks):
            task.cancel()

    def expect_ack(self, still_unacked: Callable[[], bool]) -> None:
        """Abort if ``still_unacked()`` holds after the ack timeout on this connection."""
        if not self._client.acks_enabled:
            return

        async def check() -> None:
            await asyncio.sleep(self._timing.ack_timeout)
            if still_unacked() and not self._ack_timed_out:
                self._ack_timed_out = True
                self._on_ack_timeout()
                self._client.abort("no acknowledgement from the server")

        self._spawn(check(), f"ack check {self._name}")

    async def _ping_loop(self) -> None:
        while True:
            await asyncio.sleep(self._timing.keepalive_interval)
            try:
                await self._client.ping(self._timing.keepalive_timeout)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - any failure means the link is unusable
                self._client.abort("ping timeout")
                return

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
