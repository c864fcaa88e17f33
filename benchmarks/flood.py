"""Floods from strangers (SECURITY.md L-2, L-5): the headless app under 10,000 stanzas a minute.

A private Prosody on loopback; the real service and screen (Textual's headless pilot, 100x30);
an XEP-0114 component (tests/flood.py) sends from ``--senders`` JIDs in nobody's roster:
``--count`` messages, then as many presences, then as many chat states, each evenly over
``--seconds``. Printed per run and kind: event-loop lag seen by a 10 ms probe inside the app
(p50, p99, max), alerts given (bell / notification), RSS before and after, messages stored,
roster rows. Nothing is asserted (tests/ui/test_flood.py holds the bounds).

    .venv/bin/python benchmarks/flood.py                      # 10,000 in 60 s, 1,000 JIDs
    .venv/bin/python benchmarks/flood.py --count 2000 --seconds 12 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.flood import FloodFigures, LoadGen, run_flood  # noqa: E402
from tests.peer import wait_until  # noqa: E402
from tests.prosody_server import ProsodyServer  # noqa: E402
from tests.service.harness import account_settings, build_test_service  # noqa: E402
from xmpp_tui.core.events import Event, MessageAdded  # noqa: E402
from xmpp_tui.core.models import Direction  # noqa: E402
from xmpp_tui.ui.app import make_app  # noqa: E402

KINDS = ("message", "presence", "chatstate")


async def one_run(
    server: ProsodyServer, home: Path, count: int, senders: int, seconds: float
) -> list[FloodFigures]:
    alice = server.unique_user("alice")
    service = build_test_service((account_settings(server, alice),), home)
    incoming = 0

    def on_event(event: Event) -> None:
        nonlocal incoming
        if isinstance(event, MessageAdded) and event.message.direction is Direction.INCOMING:
            incoming += 1

    service.subscribe(on_event)
    app = make_app(service, cursor_blink=False)
    results: list[FloodFigures] = []
    async with app.run_test(size=(100, 30)), LoadGen(server) as loadgen:
        await wait_until(lambda: ": online" in app.main.status_bar.plain, 60)
        for kind in KINDS:
            figures = await run_flood(
                app,
                loadgen,
                alice.jid,
                kind=kind,
                count=count,
                senders=senders,
                seconds=seconds,
                stored=(lambda: incoming) if kind == "message" else None,
                settle_timeout=600,
            )
            print(figures.line(), flush=True)
            results.append(figures)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=1_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = ProsodyServer()
        server.setup(root / "prosody")
        server.start()
        try:
            for run in range(args.runs):
                print(f"run {run + 1}/{args.runs}", flush=True)
                asyncio.run(
                    one_run(server, root / f"home{run}", args.count, args.senders, args.seconds)
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
