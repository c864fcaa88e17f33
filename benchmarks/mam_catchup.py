"""MAM catch-up speed side by side: N messages archived while the client was away, one login.

Starts a throwaway Prosody on loopback, lets a real slixmpp peer send N messages to alice
while she is offline, then, ``--runs`` times (each with a fresh home, so no stored cursor):

- **reference**: a bare slixmpp MAM pager (its own process) logs in as alice and pages the
  same archive the way we do (the last week, ``retrieve()`` with RSM ``after``, pages of
  ``sync.PAGE_SIZE``) to its end, storing nothing: the server's floor;
- **xmpp-tui**: the session service from start to "caught up" (online is published after the
  catch-up, every message stored); the event-loop lag meanwhile.

Prints messages per second for both and the ratio (1.0 = limited by the server).

    .venv/bin/python benchmarks/mam_catchup.py [--messages 10000] [--runs 3] [--ui]

With ``--ui`` the catch-up runs under the real app (headless, 80x24, the conversation's pane
open), so the lag includes the UI path: every event posted to the screen and drawn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.peer import Peer  # noqa: E402
from tests.prosody_server import ProsodyServer  # noqa: E402
from xmpp_tui.core.events import ConnectionChanged, Event  # noqa: E402
from xmpp_tui.core.models import ConnectionState  # noqa: E402
from xmpp_tui.secrets import PasswordSource  # noqa: E402
from xmpp_tui.service.factory import build_service  # noqa: E402
from xmpp_tui.service.session import SessionService  # noqa: E402
from xmpp_tui.service.sync import FIRST_WINDOW, PAGE_SIZE  # noqa: E402
from xmpp_tui.settings import AccountSettings, Settings  # noqa: E402


async def _lag_probe(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append(time.perf_counter() - before - 0.01)


# -- the bare slixmpp pager (its own process) ------------------------------------------------


async def pager_main(jid: str, password: str, port: int, cafile: str) -> None:
    """Log in, page the whole archive of the last week forward, print the figures as JSON."""
    import slixmpp

    client = slixmpp.ClientXMPP(f"{jid}/pager", password)
    client.ca_certs = Path(cafile)
    client.enable_plaintext = False
    for plugin in ("xep_0030", "xep_0313"):
        client.register_plugin(plugin)
    started = asyncio.Event()
    client.add_event_handler("session_start", lambda _: started.set())
    begin = time.perf_counter()
    client.connect("127.0.0.1", port)
    await asyncio.wait_for(started.wait(), 30)
    logged_in = time.perf_counter()
    start = datetime.now(UTC) - FIRST_WINDOW
    after: str | None = None
    count = pages = 0
    while True:
        rsm: dict[str, Any] = {"max": PAGE_SIZE}
        if after:
            rsm["after"] = after
        result = await client.plugin["xep_0313"].retrieve(
            start=None if after else start, rsm=rsm, timeout=60
        )
        results = result["mam"]["results"]
        count += len(results)
        pages += 1
        last = str(result["mam_fin"]["rsm"]["last"] or "")
        complete = str(result["mam_fin"].xml.get("complete", "")) in ("true", "1")
        if complete or not results or not last or last == after:
            break
        after = last
    done = time.perf_counter()
    print(
        json.dumps(
            {"login": logged_in - begin, "paging": done - logged_in, "count": count, "pages": pages}
        ),
        flush=True,
    )
    client.disconnect()


async def reference_pager(server: ProsodyServer, jid: str, password: str) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--pager",
        jid,
        password,
        str(server.c2s_port),
        str(server.cafile),
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 600)
    await proc.wait()
    if not line:
        raise SystemExit("the reference pager failed")
    figures: dict[str, Any] = json.loads(line)
    return figures


# -- xmpp-tui --------------------------------------------------------------------------------


async def _through_ui(service: SessionService, account: str, peer: str, count: int) -> int:
    """Run the service under the headless app with ``peer``'s pane open until it is caught up;
    returns how many messages were stored (the app closes the store when it exits)."""
    from xmpp_tui.ui.app import make_app
    from xmpp_tui.ui.view_state import ChatKey

    app = make_app(service, cursor_blink=False)
    async with app.run_test(size=(80, 24)):
        await app.main.open_chat(ChatKey(account, peer))
        deadline = time.perf_counter() + 600
        # Online is published after the catch-up, so once the status bar says it, the
        # screen has handled every message event before it.
        while ": online" not in app.main.status_bar.plain:
            if time.perf_counter() > deadline:
                raise SystemExit("the app did not catch up within 600 s")
            await asyncio.sleep(0.05)
        return len(service.history_page(account, peer, limit=count + 10))


async def app_catch_up(
    server: ProsodyServer, home: Path, alice: Any, peer: str, count: int, ui: bool
) -> tuple[float, int, list[float]]:
    """(seconds from start to caught up, messages stored, loop lag samples)."""
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
    online = asyncio.Event()

    def on_event(event: Event) -> None:
        if isinstance(event, ConnectionChanged) and event.state is ConnectionState.ONLINE:
            online.set()

    service.subscribe(on_event)
    lag: list[float] = []
    stop = asyncio.Event()
    probe = asyncio.create_task(_lag_probe(lag, stop))
    started = time.perf_counter()
    if ui:  # the app starts the service, and stops it on exit
        stored = await _through_ui(service, alice.jid, peer, count)
        caught_up = time.perf_counter() - started
    else:
        await service.start()
        await asyncio.wait_for(online.wait(), timeout=600)  # online = caught up (sync first)
        caught_up = time.perf_counter() - started
        stored = len(service.history_page(alice.jid, peer, limit=count + 10))
    stop.set()
    await probe
    if not ui:
        await service.stop()
    return caught_up, stored, lag


def _summary(values: list[float], unit: str, digits: int) -> str:
    return (
        f"{statistics.median(values):.{digits}f} {unit} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


async def run(server: ProsodyServer, home: Path, count: int, runs: int, ui: bool = False) -> None:
    alice = server.unique_user("alice")
    bob = await Peer.connect(server, server.unique_user("bob"))
    started = time.perf_counter()
    for n in range(count):
        bob.send_chat(alice.jid, f"archived message {n}")
        if n % 500 == 499:
            await bob.client.plugin["xep_0199"].ping(timeout=60)  # let the server keep up
    await bob.client.plugin["xep_0199"].ping(timeout=60)
    sending = time.perf_counter() - started

    ref_rates: list[float] = []
    ref_times: list[float] = []
    app_rates: list[float] = []
    app_times: list[float] = []
    lag: list[float] = []
    for number in range(runs):
        ref = await reference_pager(server, alice.jid, alice.password)
        if ref["count"] != count:
            raise SystemExit(f"the reference pager read {ref['count']} of {count}")
        total = ref["login"] + ref["paging"]
        ref_times.append(total)
        ref_rates.append(count / total)
        caught_up, stored, samples = await app_catch_up(
            server, home / f"run{number}", alice, bob.jid, count, ui
        )
        if stored != count:
            raise SystemExit(f"expected {count} messages, stored {stored}")
        app_times.append(caught_up)
        app_rates.append(stored / caught_up)
        lag.extend(samples)
        print(
            f"[run {number + 1}: reference {total:.2f} s ({ref['pages']} pages, login "
            f"{ref['login']:.2f} s), xmpp-tui {caught_up:.2f} s]"
        )
    await bob.close()
    lag_ms = sorted(x * 1000 for x in lag)
    where = "through the headless app" if ui else "service only"
    print(
        f"\nMAM catch-up, {count} archived messages, pages of {PAGE_SIZE}, {where}, Prosody on "
        f"loopback; median (min-max) of {runs} runs"
    )
    print(f"  peer sent them in                      {sending:7.1f} s (setup)")
    print(f"  reference pager: login -> archive read {_summary(ref_times, 's', 2)}")
    print(f"  reference pager speed                  {_summary(ref_rates, 'msg/s', 0)}")
    print(f"  xmpp-tui: login -> caught up (stored)  {_summary(app_times, 's', 2)}")
    print(f"  xmpp-tui speed                         {_summary(app_rates, 'msg/s', 0)}")
    ratio = statistics.median(app_rates) / statistics.median(ref_rates)
    print(f"  ratio xmpp-tui / reference             {ratio:.2f}")
    print(
        f"  event-loop lag meanwhile (xmpp-tui)    p50 {statistics.median(lag_ms):.1f} ms, "
        f"p99 {lag_ms[int(len(lag_ms) * 0.99)]:.1f} ms, max {lag_ms[-1]:.1f} ms"
    )


def main() -> None:
    if sys.argv[1:2] == ["--pager"]:
        jid, password, port, cafile = sys.argv[2:6]
        asyncio.run(pager_main(jid, password, int(port), cafile))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ui", action="store_true", help="run it under the headless app")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ProsodyServer()
        server.setup(root / "prosody")
        server.start()
        try:
            asyncio.run(run(server, root / "home", args.messages, args.runs, args.ui))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
