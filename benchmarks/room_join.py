"""Joining a big room: N occupants, M messages in its history, through the real app.

Starts a throwaway Prosody on loopback. A real slixmpp peer creates the room and says M
messages; an XEP-0114 component (the test server's external component) makes N virtual
users (``userK@push.localhost``) enter it. Then the headless app (80x24) types
``/join ROOM`` and we time:

- join: from Enter to our own presence (the room's pane says "in as ...");
- occupants listed: until the occupant list shows all N + 2 occupants;
- history shown: until the room's replay (what we ask for on join) is in the pane;

and the app's worst frame: the longest stall of its event loop meanwhile (a 10 ms ticker in
the same loop: no frame can be drawn while the loop is stalled), p50 and p99 too. Then the
whole crowd leaves at once (churn in a room we are in): time until the list is down to 2,
and the worst frame meanwhile. ROOM_JOIN_PROFILE=1 prints where xmpp-tui's own time went.

    .venv/bin/python benchmarks/room_join.py [--occupants 500] [--history 100]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import room_peer  # noqa: E402
from tests.peer import Peer  # noqa: E402
from tests.prosody_server import ProsodyServer  # noqa: E402
from xmpp_tui.secrets import PasswordSource  # noqa: E402
from xmpp_tui.service.factory import build_service  # noqa: E402
from xmpp_tui.settings import AccountSettings, Settings  # noqa: E402

COMPONENT = "push.localhost"  # the test server's only external (XEP-0114) component
MUC_NS = "http://jabber.org/protocol/muc"
PROFILE = bool(os.environ.get("ROOM_JOIN_PROFILE"))  # print where the join's time goes


async def _lag_probe(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append(time.perf_counter() - before - 0.01)


async def _until(predicate: Any, what: str, timeout: float = 300.0) -> None:
    """Wait until ``predicate()`` holds (polled every 5 ms)."""
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.005)


async def _crowd(port: int, secret: str, room: str, count: int) -> Any:
    """A component whose ``count`` virtual users enter ``room``; returns it once all are in."""
    from slixmpp import ComponentXMPP

    component = ComponentXMPP(COMPONENT, secret, "127.0.0.1", port)
    entered: set[str] = set()
    ready = asyncio.Event()

    def on_presence(pres: Any) -> None:
        # Each virtual user hears its own presence back (status 110) once it is in.
        if str(pres["from"].bare) == room and pres["type"] != "error":
            for status in pres.xml.iter(f"{{{MUC_NS}#user}}status"):
                if status.get("code") == "110":
                    entered.add(str(pres["to"].bare))
        if len(entered) >= count:
            ready.set()

    component.add_event_handler("presence", on_presence)
    started = asyncio.Event()
    component.add_event_handler("session_start", lambda _: started.set())
    component.connect()
    await asyncio.wait_for(started.wait(), 30)
    for k in range(count):
        pres = component.make_presence(pfrom=f"user{k}@{COMPONENT}/bench", pto=f"{room}/user{k}")
        x = ET.SubElement(pres.xml, f"{{{MUC_NS}}}x")
        ET.SubElement(x, f"{{{MUC_NS}}}history", maxstanzas="0")
        pres.send()
        if k % 50 == 49:
            await asyncio.sleep(0)  # let the stream write
    await asyncio.wait_for(ready.wait(), 600)
    return component


async def run(server: ProsodyServer, home: Path, occupants: int, history: int) -> None:
    from tests.ui.pilot_helpers import submit
    from xmpp_tui.ui.app import make_app
    from xmpp_tui.ui.widgets.room_pane import RoomPane

    alice = server.unique_user("alice")
    bob = await Peer.connect(server, server.unique_user("bob"))
    room = f"big-{int(time.time())}@conference.localhost"
    await room_peer.join(
        bob, room, "bob", config={"muc#roomconfig_historylength": str(max(history, 20))}
    )
    for n in range(history):
        room_peer.say(bob, room, f"history line {n}")
    await room_peer.wait_groupchat(bob, room, f"history line {history - 1}", timeout=60)
    # The crowd runs in a process of its own: the room echoes every presence to every
    # occupant (N² stanzas), and parsing those must not be counted as the app's frames.
    started = time.perf_counter()
    crowd = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--crowd",
        room,
        str(occupants),
        str(server.component_port),
        server.component_secret,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert crowd.stdin is not None and crowd.stdout is not None
    if (await crowd.stdout.readline()).strip() != b"ready":
        raise SystemExit("the crowd did not enter the room")
    crowding = time.perf_counter() - started

    settings = AccountSettings(
        jid=alice.jid,
        host="127.0.0.1",
        port=server.c2s_port,
        ca_file=server.cafile,
        resource="bench",
        password_command=f"printf %s {shlex.quote(alice.password)}",
    )
    service = build_service(
        Settings(accounts=(settings,)), home=home, passwords=PasswordSource(use_keyring=False)
    )
    app = make_app(service, cursor_blink=False)
    expected = occupants + 2  # the crowd, bob and us
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(lambda: ": online" in app.main.status_bar.plain, "online", 60)
        lag: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(_lag_probe(lag, stop))
        profiler = cProfile.Profile() if PROFILE else None
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        await submit(pilot, app, f"/join {room}")
        pane = app.main.deck.active_pane()
        assert isinstance(pane, RoomPane)
        await _until(lambda: pane.info is not None and pane.info.joined, "join")
        joined = time.perf_counter() - started
        await _until(
            lambda: sum(r.occupant is not None for r in pane.occupants.rows) == expected,
            "occupant list",
        )
        listed = time.perf_counter() - started
        await _until(
            lambda: any("history line" in r for r in pane.history.rendered_rows()), "history"
        )
        total = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("xmpp_tui", 25)
        await asyncio.sleep(1.0)  # the tail of the burst (coalesced snapshots, redraws)
        stop.set()
        await probe
        shown = sum("history line" in r for r in pane.history.rendered_rows())

        # Churn once in: the whole crowd leaves at once (each leave changes the list).
        churn: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(_lag_probe(churn, stop))
        started = time.perf_counter()
        crowd.stdin.write(b"leave\n")
        await crowd.stdin.drain()
        await _until(lambda: pane.info is not None and len(pane.info.occupants) == 2, "leaves")
        left = time.perf_counter() - started
        await asyncio.sleep(1.0)
        stop.set()
        await probe
    crowd.stdin.close()
    await crowd.wait()
    await bob.close()
    print(
        f"Room join: {occupants} component occupants + 2, {history} messages in the room's "
        "history, headless app 80x24, Prosody on loopback, 2 CPUs"
    )
    print(f"  crowd entered the room in          {crowding:7.1f} s (setup, not measured)")
    print(f"  Enter -> joined (own presence)     {joined:7.2f} s")
    print(f"  Enter -> all {expected} occupants listed  {listed:7.2f} s")
    print(f"  Enter -> history in the pane       {total:7.2f} s ({shown} lines replayed)")
    print(f"  worst frame (event-loop stall)     {_figures(lag)}")
    print(f"  whole crowd leaves -> list shows 2 {left:7.2f} s")
    print(f"  worst frame meanwhile              {_figures(churn)}")


def _figures(lag: list[float]) -> str:
    lag_ms = sorted(x * 1000 for x in lag)
    return (
        f"max {lag_ms[-1]:.1f} ms, p99 {lag_ms[int(len(lag_ms) * 0.99)]:.1f} ms, "
        f"p50 {statistics.median(lag_ms):.1f} ms ({len(lag_ms)} ticks)"
    )


async def crowd_main(room: str, count: int, port: int, secret: str) -> None:
    """The crowd's process: enter, say "ready", leave on "leave", stop at end of input."""
    component = await _crowd(port, secret, room, count)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        if line.strip() == b"leave":
            for k in range(count):
                component.make_presence(
                    pfrom=f"user{k}@{COMPONENT}/bench", pto=f"{room}/user{k}", ptype="unavailable"
                ).send()
    component.disconnect()


def main() -> None:
    if sys.argv[1:2] == ["--crowd"]:
        room, count, port, secret = sys.argv[2:6]
        asyncio.run(crowd_main(room, int(count), int(port), secret))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--occupants", type=int, default=500)
    parser.add_argument("--history", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ProsodyServer()
        server.setup(root / "prosody")
        server.start()
        try:
            asyncio.run(run(server, root / "home", args.occupants, args.history))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
