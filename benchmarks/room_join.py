"""Joining a big room side by side: xmpp-tui against a bare slixmpp join, in the same run.

Starts a throwaway Prosody on loopback. For each room size N (500 and 1,000 by default) a real
slixmpp peer (bob) creates a room and says M messages (100 by default); an XEP-0114 component
(the test server's external component, in a process of its own) makes N virtual users
(``userK@push.localhost``) enter it. Then, ``--runs`` times, each with a fresh account:

- **reference**: a bare slixmpp client (xep_0045 ``join_muc_wait``, in a process of its own,
  asking for as many history messages as xmpp-tui shows) joins: timed to its own presence
  (status 110) and to the room's subject (the end of the history replay);
- **xmpp-tui**: the headless app (80x24) types ``/join ROOM``; timed from Enter to our own
  presence (the pane says we are in), to all N + 2 occupants in the occupant list, and to the
  newest history message in the pane; its worst frame is the longest stall of its event
  loop from Enter until a second after the history is shown (a 10 ms ticker in the same loop:
  no frame can be drawn while the loop is stalled).

After the last run the whole crowd leaves at once (churn in a room the app is in): time until
the list is down to 2, and the worst frame meanwhile. ``--profile`` samples the app's stack
whenever its loop stalls for 30 ms or more and prints where those stalls went; ``--cprofile``
prints a cProfile of the last run's join (Enter to the history shown).

    .venv/bin/python benchmarks/room_join.py [--occupants 500 1000] [--history 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import shlex
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stalls import LoopLag, StallSampler, lag_figures  # noqa: E402

from tests import room_peer  # noqa: E402
from tests.peer import Peer  # noqa: E402
from tests.prosody_server import ProsodyServer  # noqa: E402
from xmpp_tui.secrets import PasswordSource  # noqa: E402
from xmpp_tui.service.factory import build_service  # noqa: E402
from xmpp_tui.service.rooms import HISTORY_ON_JOIN  # noqa: E402
from xmpp_tui.settings import AccountSettings, Settings  # noqa: E402

COMPONENT = "push.localhost"  # the test server's only external (XEP-0114) component
MUC_NS = "http://jabber.org/protocol/muc"


@dataclass
class Figures:
    """One size's measurements over the runs (seconds)."""

    ref_joined: list[float] = field(default_factory=list)
    ref_subject: list[float] = field(default_factory=list)
    ref_history: list[int] = field(default_factory=list)
    joined: list[float] = field(default_factory=list)
    listed: list[float] = field(default_factory=list)
    shown: list[float] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    worst: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)
    churn: float | None = None
    churn_lag: list[float] = field(default_factory=list)


async def _until(predicate: Any, what: str, timeout: float = 300.0) -> None:
    """Wait until ``predicate()`` holds (polled every 5 ms)."""
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.005)


# -- the crowd (its own process) ----------------------------------------------------------


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
    await asyncio.wait_for(ready.wait(), 900)
    return component


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


# -- the bare slixmpp reference (its own process) -------------------------------------------


async def reference_main(
    jid: str, password: str, port: int, cafile: str, room: str, history: int
) -> None:
    """Log in, say "online", join on "join" and print the figures as JSON."""
    import slixmpp

    client = slixmpp.ClientXMPP(f"{jid}/reference", password)
    client.ca_certs = Path(cafile)
    client.enable_plaintext = False
    for plugin in ("xep_0030", "xep_0045", "xep_0199"):
        client.register_plugin(plugin)
    started = asyncio.Event()
    client.add_event_handler("session_start", lambda _: started.set())
    client.connect("127.0.0.1", port)
    await asyncio.wait_for(started.wait(), 30)
    await client.get_roster()
    client.send_presence()
    print("online", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    joined: list[float] = []
    client.add_event_handler(
        f"muc::{room}::self-presence", lambda _: joined.append(time.perf_counter())
    )
    begin = time.perf_counter()
    _pres, _subject, occupants, replay = await client.plugin["xep_0045"].join_muc_wait(
        slixmpp.JID(room), "reference", maxstanzas=history, timeout=120
    )
    subject = time.perf_counter() - begin
    figures = {
        "joined": joined[0] - begin,
        "subject": subject,
        "occupants": len(occupants),
        "history": len(replay),
    }
    print(json.dumps(figures), flush=True)
    client.disconnect()


async def reference_join(server: ProsodyServer, room: str, history: int) -> dict[str, Any]:
    user = server.unique_user("ref")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--reference",
        user.jid,
        user.password,
        str(server.c2s_port),
        str(server.cafile),
        room,
        str(history),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    if (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() != b"online":
        raise SystemExit("the reference client did not log in")
    proc.stdin.write(b"join\n")
    await proc.stdin.drain()
    line = await asyncio.wait_for(proc.stdout.readline(), 180)
    proc.stdin.close()
    await proc.wait()
    if not line:
        raise SystemExit("the reference client did not join")
    figures: dict[str, Any] = json.loads(line)
    return figures


# -- xmpp-tui --------------------------------------------------------------------------------


async def app_join(
    server: ProsodyServer,
    home: Path,
    room: str,
    expected: int,
    newest: str,
    figures: Figures,
    *,
    crowd: Any = None,
    sampler_out: list[StallSampler] | None = None,
    cprofile: bool = False,
) -> None:
    """One join through the headless app; with ``crowd``, the churn afterwards too."""
    from tests.ui.pilot_helpers import submit
    from xmpp_tui.ui.app import make_app
    from xmpp_tui.ui.widgets.room_pane import RoomPane

    user = server.unique_user("alice")
    settings = AccountSettings(
        jid=user.jid,
        host="127.0.0.1",
        port=server.c2s_port,
        ca_file=server.cafile,
        resource="bench",
        password_command=f"printf %s {shlex.quote(user.password)}",
    )
    service = build_service(
        Settings(accounts=(settings,)), home=home, passwords=PasswordSource(use_keyring=False)
    )
    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(lambda: ": online" in app.main.status_bar.plain, "online", 60)
        await pilot.pause()
        lag = LoopLag().start()
        sampler = StallSampler(lag).start() if sampler_out is not None else None
        profiler = cProfile.Profile() if cprofile else None
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        # Watched from a task of its own: `submit` returns only once the app is idle.
        watch = asyncio.create_task(_watch_join(app, expected, newest))
        await submit(pilot, app, f"/join {room}")
        joined, listed, shown = await asyncio.wait_for(watch, 300)
        figures.joined.append(joined - started)
        figures.listed.append(listed - started)
        figures.shown.append(shown - started)
        pane = app.main.deck.active_pane()
        assert isinstance(pane, RoomPane)
        if profiler is not None:
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats("xmpp_tui", 25)
        await asyncio.sleep(1.0)  # the tail of the burst (coalesced snapshots, redraws)
        samples = await lag.stop()
        figures.worst.append(max(samples))
        figures.lag.extend(samples)
        figures.lines.append(sum("history line" in r for r in pane.history.rendered_rows()))
        if sampler is not None and sampler_out is not None:
            sampler.stop()
            sampler_out.append(sampler)
        if crowd is not None:  # the whole crowd leaves at once (each leave changes the list)
            churn = LoopLag().start()
            started = time.perf_counter()
            crowd.stdin.write(b"leave\n")
            await crowd.stdin.drain()
            await _until(lambda: pane.info is not None and len(pane.info.occupants) == 2, "leaves")
            figures.churn = time.perf_counter() - started
            await asyncio.sleep(1.0)
            figures.churn_lag = await churn.stop()


async def _watch_join(app: Any, expected: int, newest: str) -> tuple[float, float, float]:
    """When the room's pane first showed us in, all ``expected`` occupants, ``newest``."""
    from xmpp_tui.ui.widgets.room_pane import RoomPane

    joined = listed = shown = 0.0
    deadline = time.perf_counter() + 300
    while not (joined and listed and shown):
        if time.perf_counter() > deadline:
            raise SystemExit("the join did not complete within 300 s")
        await asyncio.sleep(0.002)
        pane = app.main.deck.active_pane()
        if not isinstance(pane, RoomPane):
            continue
        now = time.perf_counter()
        if not joined and pane.info is not None and pane.info.joined:
            joined = now
        if not listed and sum(r.occupant is not None for r in pane.occupants.rows) == expected:
            listed = now
        if not shown and any(newest in r for r in pane.history.rendered_rows()):
            shown = now
    return joined, listed, shown


async def one_size(
    server: ProsodyServer, bob: Peer, home: Path, occupants: int, history: int, args: Any
) -> Figures:
    room = f"big{occupants}-{int(time.time())}@conference.localhost"
    await room_peer.join(
        bob, room, "bob", config={"muc#roomconfig_historylength": str(max(history, 20))}
    )
    for n in range(history):
        room_peer.say(bob, room, f"history line {n}")
    newest = f"history line {history - 1}"
    await room_peer.wait_groupchat(bob, room, newest, timeout=60)
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
    print(f"[{occupants} occupants: the crowd entered in {time.perf_counter() - started:.1f} s]")
    figures = Figures()
    samplers: list[StallSampler] = []
    for run in range(args.runs):
        ref = await reference_join(server, room, min(history, HISTORY_ON_JOIN))
        figures.ref_joined.append(ref["joined"])
        figures.ref_subject.append(ref["subject"])
        figures.ref_history.append(ref["history"])
        last = run == args.runs - 1
        await app_join(
            server,
            home / f"{occupants}-{run}",
            room,
            occupants + 2,
            newest,
            figures,
            crowd=crowd if last else None,
            sampler_out=samplers if args.profile else None,
            cprofile=args.cprofile and last,
        )
        print(
            f"[run {run + 1}: reference joined {ref['joined']:.3f} s, subject "
            f"{ref['subject']:.3f} s; xmpp-tui joined {figures.joined[-1]:.3f} s, history "
            f"{figures.shown[-1]:.3f} s, worst frame {figures.worst[-1] * 1000:.0f} ms]"
        )
    crowd.stdin.close()
    await crowd.wait()
    for sampler in samplers:
        print(sampler.report())
    return figures


def _summary(values: list[float], scale: float = 1.0, unit: str = "s", digits: int = 2) -> str:
    scaled = [v * scale for v in values]
    return (
        f"{statistics.median(scaled):.{digits}f} {unit} "
        f"({min(scaled):.{digits}f}-{max(scaled):.{digits}f})"
    )


def report(occupants: int, history: int, runs: int, f: Figures) -> None:
    shown = min(history, HISTORY_ON_JOIN)
    print(
        f"\nRoom join: {occupants} component occupants + 2, {history} messages in the room's "
        f"history ({shown} shown on join), median (min-max) of {runs} runs, Prosody on "
        "loopback, headless app 80x24"
    )
    width = 44
    rows = [
        ("reference: join -> own presence", _summary(f.ref_joined)),
        (
            f"reference: join -> subject ({statistics.median(f.ref_history):.0f} replayed)",
            _summary(f.ref_subject),
        ),
        ("xmpp-tui: Enter -> joined (own presence)", _summary(f.joined)),
        (f"xmpp-tui: Enter -> all {occupants + 2} listed", _summary(f.listed)),
        (
            f"xmpp-tui: Enter -> newest history shown ({statistics.median(f.lines):.0f} lines)",
            _summary(f.shown),
        ),
        ("xmpp-tui: worst frame per run", _summary(f.worst, 1000, "ms", 0)),
        ("xmpp-tui: frames over all runs", lag_figures(f.lag)),
    ]
    for label, value in rows:
        print(f"  {label:<{width}} {value}")
    ratio_join = statistics.median(f.joined) / statistics.median(f.ref_joined)
    ratio_all = statistics.median(f.shown) / statistics.median(f.ref_subject)
    print(f"  {'ratio xmpp-tui / reference: joined':<{width}} {ratio_join:.2f}x")
    print(f"  {'ratio xmpp-tui / reference: history shown':<{width}} {ratio_all:.2f}x")
    if f.churn is not None:
        print(f"  {'whole crowd leaves -> list shows 2':<{width}} {f.churn:.2f} s")
        print(f"  {'worst frame meanwhile':<{width}} {lag_figures(f.churn_lag)}")


async def run(server: ProsodyServer, home: Path, args: Any) -> None:
    bob = await Peer.connect(server, server.unique_user("bob"))
    results = []
    try:
        for occupants in args.occupants:
            results.append(
                (occupants, await one_size(server, bob, home, occupants, args.history, args))
            )
    finally:
        await bob.close()
    for occupants, figures in results:
        report(occupants, args.history, args.runs, figures)


def main() -> None:
    if sys.argv[1:2] == ["--crowd"]:
        room, count, port, secret = sys.argv[2:6]
        asyncio.run(crowd_main(room, int(count), int(port), secret))
        return
    if sys.argv[1:2] == ["--reference"]:
        jid, password, port, cafile, room, history = sys.argv[2:8]
        asyncio.run(reference_main(jid, password, int(port), cafile, room, int(history)))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--occupants", type=int, nargs="+", default=[500, 1000])
    parser.add_argument("--history", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="where the app's stalls go")
    parser.add_argument("--cprofile", action="store_true", help="cProfile the last app join")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ProsodyServer()
        server.setup(root / "prosody")
        server.start()
        try:
            asyncio.run(run(server, root / "home", args))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
