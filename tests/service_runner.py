"""The real SessionService in a process of its own, headless, for kill tests.

``python -m tests.service_runner CONFIG.json`` builds the service the way the CLI does (one
account, the history in ``home``, the password from a ``password_command``), connects, and
"types" each body of ``send`` that its history does not already hold as an outgoing message
to ``peer`` (as a user would after a crash: what reached the outbox stays typed), one every
``pace`` seconds. It runs until SIGTERM (clean stop, exit 0) or SIGKILL.

It prints one line per fact on stdout (flushed): ``online``, ``typed N`` when the list is
done (N typed in this life). The log goes to ``home/runner.log``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from tests.service.harness import FAST, build_test_service
from xmpp_tui.core.commands import SendMessage
from xmpp_tui.core.events import ConnectionChanged, Event
from xmpp_tui.core.models import ConnectionState, Direction
from xmpp_tui.settings import AccountSettings


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(config: dict[str, Any]) -> int:
    home = Path(config["home"])
    settings = AccountSettings(
        jid=config["jid"],
        host="127.0.0.1",
        port=int(config["port"]),
        ca_file=Path(config["ca_file"]),
        resource=config.get("resource"),
        password_command=config["password_command"],
    )
    service = build_test_service([settings], home, timing=FAST)

    def on_event(event: Event) -> None:
        if isinstance(event, ConnectionChanged) and event.state is ConnectionState.ONLINE:
            say("online")

    service.subscribe(on_event)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await service.start()
    peer = config.get("peer")
    typed = 0
    if peer and config.get("send"):
        page = service.history_page(settings.jid, peer, limit=1_000_000)
        already = {m.body for m in page if m.direction is Direction.OUTGOING}
        for body in config["send"]:
            if body in already:
                continue
            await service.execute(SendMessage(account=settings.jid, peer=peer, body=body))
            typed += 1
            await asyncio.sleep(float(config.get("pace", 0.01)))
    say(f"typed {typed}")
    await stop.wait()
    await service.stop()
    return 0


if __name__ == "__main__":
    loaded = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    logging.basicConfig(
        filename=str(Path(loaded["home"]) / "runner.log"),
        level=logging.INFO,
        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s",
    )
    sys.exit(asyncio.run(main(loaded)))
