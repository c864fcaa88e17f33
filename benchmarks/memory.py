"""Memory figures: resident set size (RSS) of one xmpp-tui process.

Runs the real `xmpp-tui` in a pseudo-terminal (160x40) against a private Prosody on loopback
(the demo's server module, xmpp_tui/demo/server.py), waits until it is online (and, loaded,
in every room), lets it settle, and reads VmRSS from /proc/<pid>/status. Prints medians and
ranges over N runs (a fresh home each run).

- **accounts**: 1 and 3 connected accounts (10 contacts each), and what each further account
  adds;
- **growth** (``benchmarks/bench_world.py``): the baseline (10 contacts, no rooms, an empty
  history store) against the loaded case (2,000 contacts, 50 rooms joined through XEP-0402
  bookmarks with autojoin published before launch, each room with 20 messages of history and
  a watcher in it, and a history store of 100,000 messages seeded before launch), and the
  growth between them. "In every room" is seen from the server side: the watcher sees our
  nick enter each room.

    .venv/bin/python benchmarks/memory.py [--runs N] [--settle SECONDS] [--only accounts|growth]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import re
import secrets
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_world import (  # noqa: E402
    BENCH,
    WATCHER,
    BenchWorld,
    PtyProcess,
    rss_kib,
    summary,
    xmpp_tui_config,
)

from xmpp_tui.demo.bot import join  # noqa: E402
from xmpp_tui.demo.server import HOST, MUC_HOST, DemoServer  # noqa: E402

ACCOUNTS = ("bench1", "bench2", "bench3")
CONTACTS = 10
TIMEOUT = 30.0
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def _measure(config: Path, home: Path, users: tuple[str, ...], settle: float) -> int:
    """RSS in KiB once every account in ``users`` is online and ``settle`` s have passed."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "XMPP_TUI_HOME": str(home)}
    jids = [f"{user}@{HOST}" for user in users]
    proc = subprocess.Popen(
        [sys.executable, "-m", "xmpp_tui", "--config", str(config), *jids],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    # The status bar: "bench1@localhost: online" alone, "bench1: online | bench2: ..." for more.
    wanted = [re.compile(rf"{user}(@{HOST})?: online".encode()) for user in users]
    seen = b""
    start = time.perf_counter()
    online = False
    deadline = 0.0
    try:
        while time.perf_counter() - start < TIMEOUT + settle:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
            if not online:
                screen = _ANSI.sub(b"", seen[-20000:])
                wanted = [w for w in wanted if not w.search(screen)]
                online = not wanted
            if online and not deadline:
                deadline = time.perf_counter() + settle
            if online and time.perf_counter() >= deadline:
                return rss_kib(proc.pid)
        raise SystemExit(f"{', '.join(users)} not online within {TIMEOUT} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        os.close(master)


def _summary(name: str, kib: list[int]) -> str:
    mib = [k / 1024 for k in kib]
    return (
        f"{name:<22} median {statistics.median(mib):6.1f} MiB   "
        f"min {min(mib):6.1f} MiB   max {max(mib):6.1f} MiB   (n={len(mib)})"
    )


def accounts(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = DemoServer(root / "prosody")
        server.setup()
        passwords = {user: secrets.token_urlsafe(12) for user in ACCOUNTS}
        contacts: dict[str, str] = {}
        for number, user in enumerate(ACCOUNTS):
            mine = {f"c{number}x{i}": secrets.token_urlsafe(12) for i in range(CONTACTS)}
            contacts.update(mine)
            server.write_roster(user, {f"{c}@{HOST}": f"Contact {c}" for c in mine})
        for user, password in {**passwords, **contacts}.items():
            server.adduser(user, password)
        server.start()
        try:
            config = root / "config.toml"
            config.write_text(
                "".join(
                    "[[accounts]]\n"
                    f'jid = "{user}@{HOST}"\n'
                    f'server = "127.0.0.1:{server.port}"\n'
                    f'ca_file = "{server.cafile}"\n'
                    f"password_command = \"printf %s '{password}'\"\n\n"
                    for user, password in passwords.items()
                ),
                encoding="utf-8",
            )
            config.chmod(0o600)
            results: dict[int, list[int]] = {1: [], 3: []}
            for run in range(args.runs):
                for count in results:
                    home = root / f"home-{count}-{run}"
                    results[count].append(_measure(config, home, ACCOUNTS[:count], args.settle))
        finally:
            server.stop()
    one, three = statistics.median(results[1]), statistics.median(results[3])
    print(
        f"xmpp-tui memory (VmRSS after online + {args.settle:g} s), {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, {CONTACTS} contacts per account"
    )
    print(_summary("1 account", results[1]))
    print(_summary("3 accounts", results[3]))
    print(f"{'each further account':<22} {(three - one) / 2 / 1024:6.1f} MiB (from the medians)")


# -- growth: 2,000 contacts, 50 rooms, 100,000 stored messages -------------------------------

BOOKMARKS_NS = "urn:xmpp:bookmarks:1"
PUBSUB_NS = "http://jabber.org/protocol/pubsub"
ROOM_HISTORY = 20


def room_jid(index: int) -> str:
    return f"room{index:02d}@{MUC_HOST}"


async def _bookmark(client: Any, room: str) -> None:
    """A XEP-0402 bookmark of ``room`` with autojoin, as another device of bench would."""
    iq = client.make_iq_set()
    pubsub = ET.SubElement(iq.xml, f"{{{PUBSUB_NS}}}pubsub")
    publish = ET.SubElement(pubsub, f"{{{PUBSUB_NS}}}publish", node=BOOKMARKS_NS)
    item = ET.SubElement(publish, f"{{{PUBSUB_NS}}}item", id=room)
    ET.SubElement(item, f"{{{BOOKMARKS_NS}}}conference", name=room.split("@")[0], autojoin="true")
    options = ET.SubElement(pubsub, f"{{{PUBSUB_NS}}}publish-options")
    form = ET.SubElement(options, "{jabber:x:data}x", type="submit")
    for var, value in (
        ("FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"),
        ("pubsub#persist_items", "true"),
        ("pubsub#access_model", "whitelist"),
        ("pubsub#max_items", "max"),
    ):
        field = ET.SubElement(form, "{jabber:x:data}field", var=var)
        ET.SubElement(field, "{jabber:x:data}value").text = value
    await iq.send(timeout=30)


class RoomWatch:
    """The watcher in every room: which rooms our nick (``bench``) is in now."""

    def __init__(self, client: Any, rooms: list[str]) -> None:
        self.rooms = set(rooms)
        self.present: set[str] = set()
        client.add_event_handler("presence", self._on_presence)

    def _on_presence(self, pres: Any) -> None:
        room = str(pres["from"].bare)
        if room in self.rooms and pres["from"].resource == BENCH:
            if pres["type"] == "unavailable":
                self.present.discard(room)
            elif pres["type"] != "error":
                self.present.add(room)


def seed_store(path: Path, total: int) -> None:
    """``total`` messages of bench's history with 100 of its contacts (one transaction)."""
    from xmpp_tui.core.models import Direction
    from xmpp_tui.store import Store

    account = BenchWorld.jid(BENCH)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    store = Store.open(path)
    try:
        with store.database.transaction():
            for i in range(total):
                peer = f"c{i % 100:04d}@{HOST}"
                outgoing = i % 3 == 0
                store.history.add_incoming(
                    account=account,
                    peer=peer,
                    sender=f"{account}/laptop" if outgoing else f"{peer}/phone",
                    body=f"stored message {i} about the weekend, the train and coffee",
                    timestamp=t0 + timedelta(seconds=30 * i),
                    stanza_id=f"s-{i}",
                    origin_id=f"o-{i}",
                    message_id=f"m-{i}",
                    direction=Direction.OUTGOING if outgoing else Direction.INCOMING,
                )
    finally:
        store.close()


async def _measure_world(
    world: BenchWorld,
    root: Path,
    runs: int,
    settle: float,
    rooms: list[str],
    store: Path | None,
) -> list[int]:
    """RSS (KiB) of each run once online (and in every room of ``rooms``) + ``settle`` s."""
    watcher = await world.connect(WATCHER, "rooms")
    watch = RoomWatch(watcher, rooms)
    config = xmpp_tui_config(world, root / "config.toml")
    results: list[int] = []
    try:
        for nick_room in rooms:
            await join(watcher, nick_room, "watcher", {})  # a new room: the defaults
        if rooms:
            for index, room in enumerate(rooms):
                for n in range(ROOM_HISTORY):
                    watcher.send_message(mto=room, mbody=f"{room} line {n}", mtype="groupchat")
                if index % 10 == 9:
                    await watcher.plugin["xep_0199"].ping(timeout=60)
            bench = await world.connect(BENCH, "setup")
            for room in rooms:
                await _bookmark(bench, room)
            bench.disconnect()
        for run in range(runs):
            home = root / f"home-{run}"
            home.mkdir(mode=0o700)
            if store is not None:
                shutil.copy(store, home / "history.sqlite3")
            env = {**os.environ, "TERM": "xterm-256color", "XMPP_TUI_HOME": str(home)}
            argv = [sys.executable, "-m", "xmpp_tui", "--config", str(config)]
            proc = PtyProcess(argv, env, rows=40, cols=160)
            try:
                online = b"bench@localhost: online"
                proc.watch(online)
                deadline = time.perf_counter() + 120
                while proc.first_seen(online) is None or watch.present != watch.rooms:
                    if time.perf_counter() > deadline or proc.proc.poll() is not None:
                        raise SystemExit(
                            f"not online in every room within 120 s "
                            f"({len(watch.present)} of {len(watch.rooms)} rooms)"
                        )
                    await asyncio.sleep(0.05)
                await asyncio.sleep(settle)
                results.append(rss_kib(proc.pid))
            finally:
                proc.stop()
            for _ in range(600):  # the rooms saw us leave before the next run (30 s at most)
                if not watch.present:
                    break
                await asyncio.sleep(0.05)
    finally:
        watcher.disconnect()
    return results


def growth(args: argparse.Namespace, root: Path) -> None:
    rooms = [room_jid(k) for k in range(args.rooms)]
    worlds = {
        "baseline": (10, [], None),
        "loaded": (args.contacts, rooms, root / "store.sqlite3"),
    }
    started = time.perf_counter()
    seed_store(root / "store.sqlite3", args.messages)
    print(f"[seeded {args.messages:,} messages in {time.perf_counter() - started:.1f} s]")
    results: dict[str, list[int]] = {}
    for name, (contacts, wanted, store) in worlds.items():
        world = BenchWorld(root / name, contacts)
        try:
            results[name] = asyncio.run(
                _measure_world(world, root / name, args.runs, args.settle, wanted, store)
            )
        finally:
            world.stop()
    loaded_label = (
        f"loaded: {args.contacts:,} contacts, {args.rooms} rooms, {args.messages:,} stored"
    )
    base = statistics.median(results["baseline"])
    loaded = statistics.median(results["loaded"])
    print(
        f"\nxmpp-tui memory growth (VmRSS after online + {args.settle:g} s, pty 160x40), "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(
        f"  {'baseline: 10 contacts, no rooms, empty store':<56} "
        + summary([k / 1024 for k in results["baseline"]], "MiB", digits=1)
    )
    print(
        f"  {loaded_label:<56} " + summary([k / 1024 for k in results["loaded"]], "MiB", digits=1)
    )
    print(f"  {'growth (from the medians)':<56} {(loaded - base) / 1024:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after online")
    parser.add_argument("--only", choices=("accounts", "growth"))
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    if args.only != "growth":
        accounts(args)
    if args.only != "accounts":
        with tempfile.TemporaryDirectory() as tmp:
            growth(args, Path(tmp))


if __name__ == "__main__":
    main()
