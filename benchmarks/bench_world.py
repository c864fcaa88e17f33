"""What the side-by-side benchmarks share: the server, the server-side probe, a pty runner.

``BenchWorld``: a private Prosody on loopback (the demo's, ``xmpp_tui/demo/server.py``) with
one account under test, ``bench@localhost``, whose roster holds ``contacts`` entries. Two of
them are real accounts subscribed both ways:

- ``watcher``: the server-side probe. "Online" means the client's initial presence reached
  it; "processed" means the client answered its XEP-0199 ping (a client handles stanzas in
  order, so the answer comes after everything sent before it);
- ``flooder``: sends floods to the client.

The other contacts are plain roster items (``cNNNN@localhost``, "Contact NNNN"), offline.
Any client under test logs in as ``bench`` with ``world.password``.

``PtyProcess``: a client in a pseudo-terminal whose output a thread drains (a client must
never block on a full terminal), with the time each marker first appeared.

Stdlib + slixmpp only (the reference client must not pull in the app).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import secrets
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import slixmpp  # noqa: E402

from xmpp_tui.demo.server import HOST, DemoServer  # noqa: E402

BENCH = "bench"
WATCHER = "watcher"
FLOODER = "flooder"
ANSI = re.compile(
    rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>]"
)


def contact_name(index: int) -> str:
    return f"Contact {index:04d}"


@dataclass
class BenchWorld:
    """A started server with ``bench``, ``watcher``, ``flooder`` and ``contacts`` roster items."""

    root: Path
    contacts: int
    server: DemoServer = field(init=False)
    passwords: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.server = DemoServer(self.root / "prosody")
        self.server.setup()
        for user in (BENCH, WATCHER, FLOODER):
            self.passwords[user] = secrets.token_urlsafe(12)
            self.server.adduser(user, self.passwords[user])
        roster = {self.jid(WATCHER): "Watcher", self.jid(FLOODER): "Flooder"}
        for index in range(max(0, self.contacts - len(roster))):
            roster[f"c{index:04d}@{HOST}"] = contact_name(index)
        self.server.write_roster(BENCH, roster)
        self.server.write_roster(WATCHER, {self.jid(BENCH): "Bench"})
        self.server.write_roster(FLOODER, {self.jid(BENCH): "Bench"})
        self.server.start()

    @staticmethod
    def jid(user: str) -> str:
        return f"{user}@{HOST}"

    @property
    def password(self) -> str:
        """The password of ``bench``, the account under test."""
        return self.passwords[BENCH]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    @property
    def cafile(self) -> Path:
        return self.server.cafile

    def stop(self) -> None:
        self.server.stop()

    def client(self, user: str, resource: str = "probe") -> slixmpp.ClientXMPP:
        """A slixmpp client for ``user`` (not connected) that trusts the world's CA."""
        client = slixmpp.ClientXMPP(f"{self.jid(user)}/{resource}", self.passwords[user])
        client.ca_certs = self.cafile
        client.enable_plaintext = False
        client.register_plugin("xep_0030")
        client.register_plugin("xep_0199")
        return client

    async def connect(self, user: str, resource: str = "probe", timeout: float = 30.0) -> Any:
        """Log ``user`` in (roster fetched, presence sent); returns the slixmpp client."""
        client = self.client(user, resource)
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_start(_: Any) -> None:
            if not started.done():
                started.set_result(None)

        client.add_event_handler("session_start", on_start)
        client.connect("127.0.0.1", self.server.port)
        await asyncio.wait_for(started, timeout)
        await client.get_roster(timeout=timeout)
        client.send_presence()
        return client


class Watcher:
    """The server-side probe: when did ``bench`` come online (which full JID), and ping it.

    Any client subscribed to ``bench`` can be one: the flooder's own watcher pings after its
    flood, so the ping queues behind every flood message (same sender, same recipient).
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.online_at: float | None = None
        self.online_jid: str | None = None
        self._changed = asyncio.Event()
        client.add_event_handler("presence_available", self._on_available)
        client.add_event_handler("presence_unavailable", self._on_unavailable)

    def _on_available(self, presence: Any) -> None:
        if presence["from"].bare == BenchWorld.jid(BENCH) and self.online_at is None:
            self.online_at = time.perf_counter()
            self.online_jid = str(presence["from"])
            self._changed.set()

    def _on_unavailable(self, presence: Any) -> None:
        if str(presence["from"]) == self.online_jid:
            self.online_at = None
            self.online_jid = None

    def reset(self) -> None:
        self.online_at = None
        self.online_jid = None
        self._changed.clear()

    async def wait_online(self, timeout: float = 60.0) -> float:
        """perf_counter() when bench's available presence arrived."""
        deadline = time.perf_counter() + timeout
        while self.online_at is None:
            self._changed.clear()
            await asyncio.wait_for(self._changed.wait(), max(0.0, deadline - time.perf_counter()))
        return self.online_at

    async def ping(self, timeout: float = 300.0) -> float:
        """perf_counter() when bench's client answered a ping sent now."""
        if self.online_jid is None:
            raise RuntimeError("bench is not online")
        await self.client.plugin["xep_0199"].send_ping(self.online_jid, timeout=timeout)
        return time.perf_counter()


def flood(client: Any, to: str, count: int, tag: str = "flood") -> None:
    """Queue ``count`` chat messages to ``to`` as fast as the socket takes them.

    Pre-serialised (``send_raw``) so the sender is not the bottleneck; ids and bodies are
    unique per message, so a client that stores with dedupe keeps every one.
    """
    for index in range(count):
        client.send_raw(
            f"<message to='{to}' type='chat' id='{tag}-{index}'>"
            f"<body>{tag} message {index} of {count}</body></message>"
        )


class PtyProcess:
    """``argv`` in a pseudo-terminal of ``rows`` x ``cols``; output drained by a thread."""

    def __init__(
        self, argv: Sequence[str], env: dict[str, str], rows: int = 24, cols: int = 80
    ) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        self._master = master
        self._lock = threading.Lock()
        self._text = b""  # ANSI-stripped output, for markers
        self._first: dict[bytes, float] = {}
        self._watch: list[bytes] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def write(self, data: bytes) -> None:
        os.write(self._master, data)

    def watch(self, *markers: bytes) -> None:
        """Record the first time each marker shows in the (ANSI-stripped) output."""
        with self._lock:
            self._watch.extend(markers)
            self._scan()

    def first_seen(self, marker: bytes) -> float | None:
        with self._lock:
            return self._first.get(marker)

    def wait_for(self, marker: bytes, timeout: float = 60.0) -> float:
        """perf_counter() when ``marker`` first appeared (polls; for use off the event loop)."""
        self.watch(marker)
        deadline = time.perf_counter() + timeout
        while (seen := self.first_seen(marker)) is None:
            if time.perf_counter() > deadline or self.proc.poll() is not None:
                raise TimeoutError(f"{marker!r} not shown within {timeout:g} s")
            time.sleep(0.005)
        return seen

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            with self._lock:
                self._text = (self._text + ANSI.sub(b"", chunk))[-200_000:]
                self._scan(now)

    def _scan(self, now: float | None = None) -> None:
        for marker in self._watch:
            if marker not in self._first and marker in self._text:
                self._first[marker] = now if now is not None else time.perf_counter()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(OSError):
            os.close(self._master)


def rss_kib(pid: int) -> int:
    """VmRSS of ``pid`` in KiB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    if match is None:
        raise RuntimeError(f"no VmRSS for pid {pid}")
    return int(match[1])


def xmpp_tui_config(world: BenchWorld, path: Path) -> Path:
    """A config.toml for ``bench`` (password by command, the world's CA), mode 0600."""
    path.write_text(
        "[[accounts]]\n"
        f'jid = "{world.jid(BENCH)}"\n'
        f'server = "{world.address}"\n'
        f'ca_file = "{world.cafile}"\n'
        f"password_command = \"printf %s '{world.password}'\"\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def reference_argv(world: BenchWorld) -> list[str]:
    """The bare slixmpp reference client (``benchmarks/reference_client.py``) as ``bench``."""
    return [
        sys.executable,
        str(ROOT / "benchmarks" / "reference_client.py"),
        "--jid",
        world.jid(BENCH),
        "--server",
        world.address,
        "--ca-file",
        str(world.cafile),
    ]


def reference_env(world: BenchWorld) -> dict[str, str]:
    return {**os.environ, "BENCH_PASSWORD": world.password}


def summary(values: Sequence[float], unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    """ "median (min-max)" of ``values`` times ``scale``."""
    scaled = [v * scale for v in values]
    return (
        f"{statistics.median(scaled):.{digits}f} {unit} "
        f"({min(scaled):.{digits}f}-{max(scaled):.{digits}f}, n={len(scaled)})"
    )
