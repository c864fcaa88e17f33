"""A real slixmpp client acting as "the other person" in service and UI tests.

The helpers take a ``timeout`` argument; on expiry they raise an AssertionError that says what
was awaited.

Build peers only inside the running event loop (slixmpp binds the loop at construction):
``await Peer.connect(server, account)`` or, in tests, the ``peer`` fixture factory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import slixmpp
from slixmpp.stanza import Message

from tests.prosody_server import Account, ProsodyServer

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
PEER_PLUGINS = ("xep_0030", "xep_0184", "xep_0199", "xep_0280", "xep_0359")


async def wait_until(
    predicate: Callable[[], bool],
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = 0.02,
    message: str | None = None,
) -> None:
    """Poll ``predicate`` in the running loop until it is true.

    Raises AssertionError (``message`` or the predicate's name) after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            what = message or getattr(predicate, "__qualname__", repr(predicate))
            raise AssertionError(f"condition not met within {timeout:g} s: {what}")
        await asyncio.sleep(interval)


class Peer:
    """A connected ``slixmpp.ClientXMPP`` with a queue of received messages.

    ``messages`` holds every ``message`` event (chat, normal and headline; groupchat and
    errors have their own slixmpp events) in arrival order; ``received`` keeps them all, even
    after ``wait_message`` consumed them.
    """

    def __init__(self, client: slixmpp.ClientXMPP, account: Account) -> None:
        self.client = client
        self.account = account
        self.messages: asyncio.Queue[Message] = asyncio.Queue()
        self.received: list[Message] = []
        client.add_event_handler("message", self._on_message)

    @property
    def jid(self) -> str:
        """Bare JID of the account (``client.boundjid`` has the full one)."""
        return self.account.jid

    @property
    def full_jid(self) -> str:
        return str(self.client.boundjid.full)

    def _on_message(self, msg: Message) -> None:
        self.received.append(msg)
        self.messages.put_nowait(msg)

    @classmethod
    async def connect(
        cls,
        server: ProsodyServer,
        account: Account,
        *,
        resource: str = "peer",
        auto_authorize: bool | None = False,
        auto_subscribe: bool = False,
        auto_ack_receipts: bool = True,
        send_presence: bool = True,
        get_roster: bool = True,
        direct_tls: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Peer:
        """Log in ``account`` (STARTTLS on ``server.c2s_port``, or direct TLS on ``tls_port``).

        Must be awaited inside the loop that will run the client. Raises AssertionError
        when the session does not start within ``timeout`` (bad password, server down...).
        """
        asyncio.get_running_loop()  # fail early if called outside a loop
        client = slixmpp.ClientXMPP(f"{account.jid}/{resource}", account.password)
        client.ca_certs = server.cafile
        client.enable_plaintext = False
        client.enable_direct_tls = direct_tls
        client.enable_starttls = not direct_tls
        # slixmpp defaults both to True; None means "ask the user" (leave the request pending).
        client.auto_authorize = auto_authorize
        client.auto_subscribe = auto_subscribe
        for plugin in PEER_PLUGINS:
            pconfig = {"auto_ack": auto_ack_receipts, "auto_request": False}
            client.register_plugin(plugin, pconfig=pconfig if plugin == "xep_0184" else None)

        peer = cls(client, account)
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[str] = loop.create_future()

        def settle(result: str) -> Callable[[Any], None]:
            def handler(_event: Any) -> None:
                if not outcome.done():
                    outcome.set_result(result)

            return handler

        client.add_event_handler("session_start", settle("ok"))
        client.add_event_handler("failed_all_auth", settle("authentication failed"))
        client.add_event_handler("connection_failed", settle("connection failed"))
        port = server.tls_port if direct_tls else server.c2s_port
        client.connect("127.0.0.1", port)
        try:
            result = await asyncio.wait_for(outcome, timeout)
        except TimeoutError:
            result = f"no session_start within {timeout:g} s"
        if result != "ok":
            await peer.close()
            raise AssertionError(f"peer {account.jid} could not log in: {result}")

        if get_roster:
            await client.get_roster(timeout=timeout)
        if send_presence:
            client.send_presence()
        return peer

    async def wait_message(
        self,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """Next queued message matching ``predicate``; non-matching ones are consumed.

        Raises AssertionError on timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                msg = await asyncio.wait_for(self.messages.get(), max(remaining, 0))
            except TimeoutError:
                raise AssertionError(
                    f"{self.jid}: no matching message within {timeout:g} s; "
                    f"received {len(self.received)}: {[str(m) for m in self.received[-5:]]}"
                ) from None
            if predicate is None or predicate(msg):
                return msg

    async def wait_body(
        self,
        body: str,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """Next queued message whose body is exactly ``body``."""
        return await self.wait_message(lambda m: m["body"] == body, timeout)

    def send_chat(self, to: str, body: str, request_receipt: bool = False) -> str:
        """Send a ``type='chat'`` message; returns its id."""
        msg = self.client.make_message(mto=to, mbody=body, mtype="chat")
        msg["id"] = self.client.new_id()
        if request_receipt:
            msg["request_receipt"] = True
        msg.send()
        return str(msg["id"])

    def expect(self, event_name: str) -> asyncio.Future[Any]:
        """A future for the next ``event_name`` event, registered now (before acting)."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def handler(data: Any) -> None:
            if not fut.done():
                fut.set_result(data)

        self.client.add_event_handler(event_name, handler, disposable=True)
        fut.add_done_callback(lambda _f: self._drop_handler(event_name, handler))
        return fut

    def _drop_handler(self, event_name: str, handler: Callable[[Any], None]) -> None:
        with contextlib.suppress(Exception):
            self.client.del_event_handler(event_name, handler)

    async def wait_for(
        self,
        event_name: str,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Any:
        """Wait for the next slixmpp event ``event_name``; returns its data.

        The handler is registered when this is awaited, so events that already fired are
        missed: use ``expect()`` before the action when the answer may come first.
        """
        return await self.wait_future(self.expect(event_name), timeout, event_name)

    async def wait_future(
        self,
        fut: asyncio.Future[Any],
        timeout: float = DEFAULT_TIMEOUT,
        what: str = "event",
    ) -> Any:
        """Await a future from ``expect()``; AssertionError on timeout."""
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise AssertionError(f"{self.jid}: no {what!r} within {timeout:g} s") from None

    async def close(self, timeout: float = 5.0) -> None:
        """Disconnect (stream close, abort after ``timeout``); safe to call twice."""
        client = self.client
        client.cancel_connection_attempt()
        if client.transport is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(wait=timeout), timeout + 1)
            if client.transport is not None:
                client.abort()
        filters = getattr(client, "_run_out_filters", None)
        if filters is not None and not filters.done():
            filters.cancel()  # slixmpp never cancels it; avoids "Task was destroyed" warnings
            with contextlib.suppress(asyncio.CancelledError):
                await filters


class PeerFactory(Protocol):
    """The ``peer`` fixture: ``await peer()`` logs in a fresh account."""

    async def __call__(
        self,
        account: Account | None = None,
        *,
        resource: str = "peer",
        auto_authorize: bool | None = False,
        auto_subscribe: bool = False,
        auto_ack_receipts: bool = True,
        send_presence: bool = True,
        get_roster: bool = True,
        direct_tls: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Peer: ...


class AccountFactory(Protocol):
    """The ``new_account`` fixture: ``new_account("alice")`` registers ``alice-<hex>``."""

    def __call__(self, prefix: str = "user") -> Account: ...
