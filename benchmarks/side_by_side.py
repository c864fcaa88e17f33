"""The issue's anchor table, measured now: xmpp-tui beside mcabber, Profanity, Poezio and the
bare slixmpp reference client, same machine, same Prosody, server-side probes.

Every client runs in a pseudo-terminal (80x24) logged in as ``bench`` (``clients.py`` writes
its private home: TLS with the server's certificate trusted or pinned, no auto-join). Each
launch gets a fresh private Prosody (``bench_world.BenchWorld``), so no run inherits another's
archive, offline messages or lingering sessions. Per run, clients take turns (run 1: every
client, run 2: every client, ...), so a noisy moment is spread over all of them.

Scenarios (``--scenarios``, all by default):

- ``online10`` / ``online2000``: launch -> the client's initial presence reaches ``watcher``
  (10 / 2,000 roster contacts);
- ``ping2000``: launch -> the client answers an XEP-0199 ping that ``watcher`` sent the moment
  it saw that presence (so: when it has handled the whole roster);
- ``rss10`` / ``rss2000``: VmRSS at online + 3 s;
- ``flood``: the client idle (it answered a ping), ``flooder`` sends 10,000 chat messages to
  its full JID, then pings it; rate = messages / (answer - first message);
- ``rssflood``: VmRSS when it has answered that ping.

Printed: one table (median, min-max over ``--runs``), the ratio xmpp-tui / each rival, and
the issue's targets against Poezio. Clients not installed print "not installed"; a launch
that fails (not online, no answer within the timeout, the process exited) prints "-" and a
note. Figures only, nothing asserted.

    .venv/bin/python benchmarks/side_by_side.py                      # all, 5 runs
    .venv/bin/python benchmarks/side_by_side.py --runs 1 --clients xmpp-tui,poezio \\
        --scenarios online10,rss10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_world import (
    FLOODER,
    WATCHER,
    BenchWorld,
    PtyProcess,
    Watcher,
    flood,
    rss_kib,
)
from clients import CLIENTS, Client

ONLINE_TIMEOUT = 60.0
PING_TIMEOUT = 300.0
FLOOD_TIMEOUT = 900.0
SETTLE = 3.0
SMALL, BIG = 10, 2_000


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    unit: str
    #: True when more is better (msg/s); False for times and sizes
    higher_is_better: bool = False


SCENARIOS = {
    s.key: s
    for s in (
        Scenario("online10", f"launch -> online, {SMALL} contacts", "s"),
        Scenario("online2000", f"launch -> online, {BIG:,} contacts", "s"),
        Scenario("ping2000", f"launch -> answers a ping, {BIG:,} contacts", "s"),
        Scenario("rss10", f"RSS at online + {SETTLE:g} s, {SMALL} contacts", "MiB"),
        Scenario("rss2000", f"RSS at online + {SETTLE:g} s, {BIG:,} contacts", "MiB"),
        Scenario("flood", "{count:,}-message flood processed", "msg/s", higher_is_better=True),
        Scenario("rssflood", "RSS after the flood", "MiB"),
    )
}
#: which launch yields which figures
SMALL_LAUNCH = ("online10", "rss10", "flood", "rssflood")
BIG_LAUNCH = ("online2000", "ping2000", "rss2000")
#: the issue's targets against Poezio: (scenario, most xmpp-tui / poezio may be, or least)
TARGETS = (
    ("online10", "<=", 1.0),
    ("online2000", "<=", 1.0),
    ("rss10", "<=", 1.3),
    ("flood", ">=", 1.0),
)


@dataclass
class Results:
    #: (client, scenario) -> one figure per successful run
    figures: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: the probe clients of finished launches, kept until the end (see ``one_launch``)
    probes: list[Any] = field(default_factory=list)

    def add(self, client: str, key: str, value: float) -> None:
        self.figures.setdefault((client, key), []).append(value)

    def get(self, client: str, key: str) -> list[float]:
        return self.figures.get((client, key), [])


async def one_launch(
    client: Client,
    contacts: int,
    wanted: Sequence[str],
    results: Results,
    run: int,
    flood_count: int,
) -> None:
    """Launch ``client`` against a fresh world of ``contacts`` and take the ``wanted`` figures."""
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as tmp:
        world = BenchWorld(Path(tmp), contacts)
        home = Path(tempfile.mkdtemp(prefix=f"side-by-side-{client.name}-"))
        probes: list[Any] = []
        proc: PtyProcess | None = None
        ping: asyncio.Future[float] | None = None
        stage = "connecting the probes"
        try:
            watcher = Watcher(await world.connect(WATCHER))
            probes.append(watcher.client)
            flooder: Watcher | None = None
            if "flood" in wanted or "rssflood" in wanted:
                flooder = Watcher(await world.connect(FLOODER))
                probes.append(flooder.client)
            launch = client.launch(world, home)
            stage = "launch -> online"
            proc = PtyProcess(launch.argv, launch.env)
            online = await _until_exit(proc, watcher.wait_online(ONLINE_TIMEOUT))
            if f"online{contacts}" in wanted:
                results.add(client.name, f"online{contacts}", online - proc.started)
            if "ping2000" in wanted:  # sent now, answered once the roster is handled
                ping = asyncio.ensure_future(watcher.ping(PING_TIMEOUT))
            await asyncio.sleep(max(0.0, online + SETTLE - time.perf_counter()))
            if f"rss{contacts}" in wanted:
                results.add(client.name, f"rss{contacts}", rss_kib(proc.pid) / 1024)
            if ping is not None:
                stage = "launch -> answers a ping"
                results.add(client.name, "ping2000", await _until_exit(proc, ping) - proc.started)
            if flooder is not None:
                stage = "flood"
                await _until_exit(proc, flooder.wait_online(ONLINE_TIMEOUT))
                await _until_exit(proc, flooder.ping(PING_TIMEOUT))  # idle before the flood
                assert flooder.online_jid is not None
                start = time.perf_counter()
                flood(flooder.client, flooder.online_jid, flood_count)
                answered = await _until_exit(proc, flooder.ping(FLOOD_TIMEOUT))
                if "flood" in wanted:
                    results.add(client.name, "flood", flood_count / (answered - start))
                if "rssflood" in wanted:
                    results.add(client.name, "rssflood", rss_kib(proc.pid) / 1024)
        except Exception as exc:  # noqa: BLE001 - one failed launch is a note, not the end
            results.notes.append(
                f"{client.name}, run {run}, {contacts} contacts: {stage} failed: "
                f"{type(exc).__name__}: {exc}".rstrip(": ")
            )
        finally:
            if ping is not None and not ping.done():
                ping.cancel()
            if proc is not None:
                proc.stop()
            for probe in probes:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(probe.disconnect(ignore_send_queue=True), 5)
            results.probes.extend(probes)  # slixmpp's cancelled tasks outlive disconnect()
            world.stop()
            shutil.rmtree(home, ignore_errors=True)


async def _until_exit(proc: PtyProcess, awaitable: Any) -> Any:
    """``awaitable``'s result, or an error as soon as the client process has exited."""
    task = asyncio.ensure_future(awaitable)
    while not task.done():
        if proc.proc.poll() is not None:
            task.cancel()
            raise RuntimeError(f"the client exited with status {proc.proc.returncode}")
        await asyncio.wait({task}, timeout=0.1)
    return task.result()


async def measure(
    clients: Sequence[Client], keys: Sequence[str], runs: int, flood_count: int
) -> Results:
    results = Results()
    small = [k for k in keys if k in SMALL_LAUNCH]
    big = [k for k in keys if k in BIG_LAUNCH]
    for run in range(1, runs + 1):
        for client in clients:
            print(f"run {run}/{runs}: {client.name}", file=sys.stderr, flush=True)
            if small:
                await one_launch(client, SMALL, small, results, run, flood_count)
            if big:
                await one_launch(client, BIG, big, results, run, flood_count)
    return results


def cell(values: Sequence[float], scenario: Scenario) -> str:
    if not values:
        return "-"
    digits = 0 if scenario.unit == "msg/s" else (1 if scenario.unit == "MiB" else 2)
    median = statistics.median(values)
    text = f"{median:,.{digits}f} {scenario.unit}"
    if len(values) > 1:
        text += f" ({min(values):,.{digits}f}-{max(values):,.{digits}f})"
    return text


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ratio(mine: Sequence[float], theirs: Sequence[float]) -> float | None:
    if not mine or not theirs or statistics.median(theirs) == 0:
        return None
    return statistics.median(mine) / statistics.median(theirs)


def environment(clients: Sequence[Client], runs: int) -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    prosody = "?"
    if shutil.which("dpkg-query"):
        prosody = (
            subprocess.run(
                ["dpkg-query", "-W", "-f", "${Version}", "prosody"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            or "?"
        )
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    versions = ", ".join(f"{c.name} {c.version()}" for c in clients)
    return (
        f"{now}; {platform.machine()} {cpu}, {os.cpu_count()} CPUs, {platform.system()}; "
        f"Python {platform.python_version()}; Prosody {prosody}; median (min-max) of "
        f"{runs} run(s), each launch against a fresh Prosody.\nClients: {versions}."
    )


def report(
    clients: Sequence[Client],
    missing: Sequence[str],
    keys: Sequence[str],
    results: Results,
    flood_count: int,
) -> str:
    names = [c.name for c in clients]

    def label(key: str) -> str:
        return SCENARIOS[key].label.format(count=flood_count)

    header = ["Scenario", *names, *missing]
    rows = [
        [
            label(k),
            *(cell(results.get(n, k), SCENARIOS[k]) for n in names),
            *("not installed" for _ in missing),
        ]
        for k in keys
    ]
    out = [table(header, rows)]
    rivals = [n for n in names if n != "xmpp-tui"]
    if "xmpp-tui" in names and rivals:
        ratio_rows = []
        for k in keys:
            row = [label(k)]
            for rival in rivals:
                r = ratio(results.get("xmpp-tui", k), results.get(rival, k))
                row.append("-" if r is None else f"{r:.2f}x")
            ratio_rows.append(row)
        out.append(
            "\nxmpp-tui / rival (medians; times and memory: below 1 is better; "
            "msg/s: above 1 is better)\n\n" + table(["Scenario", *rivals], ratio_rows)
        )
    if "xmpp-tui" in names and "poezio" in names:
        lines = ["\nThe issue's targets against Poezio (from the medians):"]
        for key, op, bound in TARGETS:
            if key not in keys:
                continue
            r = ratio(results.get("xmpp-tui", key), results.get("poezio", key))
            if r is None:
                verdict = "not measured"
            else:
                met = r <= bound if op == "<=" else r >= bound
                verdict = f"{r:.2f}x, {'met' if met else 'MISSED'}"
            lines.append(f"- {label(key)}: xmpp-tui / poezio {op} {bound:g}: {verdict}")
        out.append("\n".join(lines))
    if results.notes:
        out.append("\nFailed launches:\n" + "\n".join(f"- {n}" for n in results.notes))
    return "\n".join(out)


def _names(text: str, known: Sequence[str], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--clients", default=",".join(CLIENTS), help=f"comma-separated, of {', '.join(CLIENTS)}"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, of {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--flood-count", type=int, default=10_000)
    args = parser.parse_args()
    chosen = [CLIENTS[n] for n in _names(args.clients, list(CLIENTS), "client")]
    keys = _names(args.scenarios, list(SCENARIOS), "scenario")
    clients = [c for c in chosen if c.installed()]
    missing = [c.name for c in chosen if not c.installed()]
    print(environment(clients, args.runs), flush=True)
    results = asyncio.run(measure(clients, keys, args.runs, args.flood_count))
    print()
    print(report(clients, missing, keys, results, args.flood_count))


if __name__ == "__main__":
    main()
