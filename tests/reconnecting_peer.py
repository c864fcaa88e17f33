"""A peer that survives server restarts, and readers of an account's archive (XEP-0313).

`tests/peer.py` logs in once; a soak test restarts Prosody under it. `ReconnectingPeer` logs in
again after every disconnection (a new slixmpp client each time: a restart ends the XEP-0198
session anyway) and makes its own sends reliable the way a careful client would, without
sending anything twice:

- every message carries a unique origin-id (= its id) and stays "unconfirmed" until it shows up
  in the peer's own archive (the server archives what it accepted, both directions);
- after each login, before the initial presence, the archive is read forward from the last
  cursor; unconfirmed messages not found in it never reached the server and are sent again
  (same id); found ones are confirmed. Nothing the server accepted is ever sent twice.

What the peer *received* is counted raw by origin-id over all its logins (``live``): a
message delivered twice (live, offline storage) counts twice. The archive view
(``archived_in``) is separate: seen once live and once in the archive is not a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slixmpp.stanza import Message

from tests.peer import Peer
from tests.prosody_server import Account, ProsodyServer

log = logging.getLogger(__name__)

_ORIGIN = "{urn:xmpp:sid:0}origin-id"


def origin_of(message: Message) -> str:
    origin = message.xml.find(_ORIGIN)
    return str(origin.get("id", "")) if origin is not None else f"no-origin:{message['id']}"


@dataclass(frozen=True, slots=True)
class ArchivedMessage:
    """One archive result: who sent it (bare), its origin-id and body."""

    sender: str
    origin_id: str
    body: str


async def read_archive(
    client: Any, *, after: str | None, with_jid: str | None = None, timeout: float = 15
) -> tuple[list[ArchivedMessage], str | None]:
    """Every archive result after ``after`` (all pages); returns them and the new cursor."""
    from slixmpp import JID

    results: list[ArchivedMessage] = []
    cursor = after
    while True:
        rsm: dict[str, Any] = {"max": 100}
        if cursor:
            rsm["after"] = cursor
        iq = await client.plugin["xep_0313"].retrieve(
            with_jid=JID(with_jid) if with_jid else None, rsm=rsm, timeout=timeout
        )
        for result in iq["mam"]["results"]:
            stanza = result["mam_result"]["forwarded"]["stanza"]
            body = str(stanza["body"])
            if not body:
                continue
            origin = stanza.xml.find(_ORIGIN)
            results.append(
                ArchivedMessage(
                    sender=str(stanza["from"].bare),
                    origin_id=str(origin.get("id", "")) if origin is not None else "",
                    body=body,
                )
            )
        fin = iq["mam_fin"]
        last = str(fin["rsm"]["last"] or "")
        if last:
            cursor = last
        if fin["complete"] in (True, "true") or not last:
            return results, cursor


async def login(server: ProsodyServer, account: Account, resource: str, timeout: float = 5) -> Peer:
    """Log in with XEP-0313 available; no roster fetch, no presence yet."""
    peer = await Peer.connect(
        server, account, resource=resource, send_presence=False, get_roster=False, timeout=timeout
    )
    peer.client.register_plugin("xep_0313")
    return peer


@dataclass
class ReconnectingPeer:
    server: ProsodyServer
    account: Account
    resource: str = "soak"
    #: Raw live receptions by origin-id, every login together.
    live: Counter[str] = field(default_factory=Counter)
    #: Origin-ids of messages to us found in our archive.
    archived_in: set[str] = field(default_factory=set)
    #: Origin-ids of our messages the archive holds (the server accepted them).
    archived_out: Counter[str] = field(default_factory=Counter)
    #: Our messages not yet seen in the archive: origin-id -> (to, body).
    unconfirmed: dict[str, tuple[str, str]] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)  # every origin-id we sent, in order
    resent: int = 0
    logins: int = 0
    peer: Peer | None = None
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _cursor: str | None = None
    _task: asyncio.Task[None] | None = None
    _stopping: bool = False

    @property
    def jid(self) -> str:
        return self.account.jid

    async def start(self) -> None:
        await self._login()
        self._task = asyncio.create_task(self._supervise(), name=f"peer {self.jid}")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.peer is not None:
            await self.peer.close()

    def send(self, to: str, body: str, origin_id: str) -> None:
        """Send now if logged in, else at the next login (after the archive check)."""
        self.unconfirmed[origin_id] = (to, body)
        self.sent.append(origin_id)
        if self.connected.is_set() and self.peer is not None:
            self._put(self.peer, to, body, origin_id)

    @staticmethod
    def _put(peer: Peer, to: str, body: str, origin_id: str) -> None:
        msg = peer.client.make_message(mto=to, mbody=body, mtype="chat")
        msg["id"] = origin_id
        msg["origin_id"]["id"] = origin_id
        msg.send()

    async def sync(self) -> None:
        """Read the archive from the cursor: confirm what the server has, learn receptions."""
        assert self.peer is not None
        results, self._cursor = await read_archive(self.peer.client, after=self._cursor)
        for item in results:
            if item.sender == self.jid:
                self.archived_out[item.origin_id] += 1
                self.unconfirmed.pop(item.origin_id, None)
            else:
                self.archived_in.add(item.origin_id)

    async def settle(self, timeout: float = 30) -> None:
        """Until the archive holds every message we sent (re-sending none it has)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self.connected.wait()
            with contextlib.suppress(Exception):
                await self.sync()
            if not self.unconfirmed:
                return
            if loop.time() > deadline:
                raise AssertionError(f"{len(self.unconfirmed)} peer messages never archived")
            await asyncio.sleep(0.2)

    async def _supervise(self) -> None:
        while not self._stopping:
            assert self.peer is not None
            lost = asyncio.get_running_loop().create_future()

            def on_disconnected(_event: Any, fut: asyncio.Future[None] = lost) -> None:
                if not fut.done():
                    fut.set_result(None)

            self.peer.client.add_event_handler("disconnected", on_disconnected)
            if self.peer.client.transport is None:
                on_disconnected(None)
            await lost
            self.connected.clear()
            log.info("peer %s disconnected; logging in again", self.jid)
            with contextlib.suppress(Exception):
                await self.peer.close(timeout=1)
            while not self._stopping:
                try:
                    await self._login()
                    break
                except Exception as error:  # noqa: BLE001 - the server is not back yet
                    log.info("peer login failed: %s", error)
                    await asyncio.sleep(0.2)

    async def _login(self) -> None:
        peer = await login(self.server, self.account, self.resource)
        peer.client.add_event_handler("message", self._on_message)
        self.peer = peer
        try:
            await self.sync()
            # Not in the archive after a disconnection: the server never got them.
            for origin_id, (to, body) in list(self.unconfirmed.items()):
                self._put(peer, to, body, origin_id)
                self.resent += 1
            peer.client.send_presence()
        except BaseException:
            await peer.close(timeout=1)
            raise
        self.logins += 1
        self.connected.set()

    def _on_message(self, message: Message) -> None:
        if str(message["body"]) and message["type"] in ("chat", "normal"):
            self.live[origin_of(message)] += 1


def duplicates(counts: Counter[str]) -> dict[str, int]:
    return {key: n for key, n in counts.items() if n > 1}


async def wait_for(condition: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    """Poll ``condition``; on timeout fail with ``what()`` (the state at that moment)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(what())
        await asyncio.sleep(0.05)
