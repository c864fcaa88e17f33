"""MAM catch-up speed: N messages archived while the client was away, then one login.

Starts a throwaway Prosody on loopback, lets a real slixmpp peer send N messages to alice
while she is offline, then times the session service from start to "caught up" (every
message stored). Prints messages per second and the event-loop lag seen meanwhile.

    .venv/bin/python benchmarks/mam_catchup.py [--messages 10000] [--ui]

With ``--ui`` the catch-up runs under the real app (headless, 80x24, the conversation's pane
open), so the lag includes the UI path: every event posted to the screen and drawn.
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
from xmpp_tui.service.session import SessionService  # noqa: E402
from xmpp_tui.settings import AccountSettings, Settings  # noqa: E402


async def _lag_probe(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append(time.perf_counter() - before - 0.01)


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


async def run(server: ProsodyServer, home: Path, count: int, ui: bool = False) -> None:
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
    if ui:  # the app starts the service, and stops it on exit
        stored = await _through_ui(service, alice.jid, bob.jid, count)
        caught_up = time.perf_counter() - started
    else:
        await service.start()
        await asyncio.wait_for(online.wait(), timeout=600)  # online = caught up (sync first)
        caught_up = time.perf_counter() - started
        stored = len(service.history_page(alice.jid, bob.jid, limit=count + 10))
    stop.set()
    await probe
    if not ui:
        await service.stop()
    await bob.close()
    lag_ms = sorted(x * 1000 for x in lag)
    where = "through the headless app" if ui else "service only"
    print(f"MAM catch-up, {count} archived messages, {where}, Prosody on loopback, 2 CPUs")
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
    parser.add_argument("--ui", action="store_true", help="run it under the headless app")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ProsodyServer()
        server.setup(root / "prosody")
        server.start()
        try:
            asyncio.run(run(server, root / "home", args.messages, args.ui))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
