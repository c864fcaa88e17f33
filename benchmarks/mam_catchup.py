"""MAM catch-up speed: N messages archived while the client was away, then one login.

Starts a throwaway Prosody on loopback, lets a real slixmpp peer send N messages to alice
while she is offline, then times the session service from start to "caught up" (every
message stored). Prints messages per second and the event-loop lag seen meanwhile.

    .venv/bin/python benchmarks/mam_catchup.py [--messages 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.peer import Peer  # noqa: E402
from tests.prosody_server import ProsodyServer  # noqa: E402
from xmpp_tui.core.events import ConnectionChanged, Event  # noqa: E402
from xmpp_tui.core.models import ConnectionState  # noqa: E402
from xmpp_tui.secrets import PasswordSource  # noqa: E402
from xmpp_tui.service.factory import build_service  # noqa: E402
from xmpp_tui.settings import AccountSettings, Settings  # noqa: E402


async def _lag_probe(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append(time.perf_counter() - before - 0.01)


async def run(server: ProsodyServer, home: Path, count: int) -> None:
    alice = server.unique_user("alice")
    bob = await Peer.connect(server, server.unique_user("bob"))
    started = time.perf_counter()
    for n in range(count):
        bob.send_chat(alice.jid, f"archived message {n}")
        if n % 500 == 499:
            await bob.client.plugin["xep_0199"].ping(timeout=60)  # let the server keep up
    await bob.client.plugin["xep_0199"].ping(timeout=60)
    sending = time.perf_counter() - started

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
    await service.start()
    await asyncio.wait_for(online.wait(), timeout=600)  # online = caught up (sync runs first)
    caught_up = time.perf_counter() - started
    stored = len(service.history_page(alice.jid, bob.jid, limit=count + 10))
    stop.set()
    await probe
    await service.stop()
    await bob.close()
    lag_ms = sorted(x * 1000 for x in lag)
    print(f"MAM catch-up, {count} archived messages, Prosody on loopback, 2 CPUs")
    print(f"  peer sent them in            {sending:7.1f} s")
    print(f"  login -> caught up (online)  {caught_up:7.2f} s  ({stored} stored)")
    print(f"  catch-up speed               {stored / caught_up:7.0f} messages/s")
    print(
        f"  event-loop lag meanwhile     p50 {statistics.median(lag_ms):.1f} ms, "
        f"p99 {lag_ms[int(len(lag_ms) * 0.99)]:.1f} ms, max {lag_ms[-1]:.1f} ms"
    )
    if stored != count:
        raise SystemExit(f"expected {count} messages, stored {stored}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ProsodyServer()
        server.setup(root / "prosody")
        server.start()
        try:
            asyncio.run(run(server, root / "home", args.messages))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
