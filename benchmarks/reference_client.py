"""The bare slixmpp reference client: the floor for each side-by-side scenario.

Logs in (STARTTLS, the given CA), fetches the roster, sends its initial presence, answers
pings (slixmpp's XEP-0199 plugin) and counts the messages it receives. No UI, no store: what
any slixmpp-based client pays before doing any work of its own.

    BENCH_PASSWORD=... python benchmarks/reference_client.py --jid J --server HOST:PORT --ca-file F
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

import slixmpp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jid", required=True)
    parser.add_argument("--server", required=True, help="HOST:PORT")
    parser.add_argument("--ca-file", required=True)
    args = parser.parse_args()
    host, _, port = args.server.rpartition(":")
    client = slixmpp.ClientXMPP(f"{args.jid}/reference", os.environ["BENCH_PASSWORD"])
    client.ca_certs = args.ca_file
    client.enable_plaintext = False
    client.register_plugin("xep_0030")
    client.register_plugin("xep_0199")
    received = 0

    async def on_start(_: Any) -> None:
        await client.get_roster()
        client.send_presence()
        print("online", flush=True)

    def on_message(_: Any) -> None:
        nonlocal received
        received += 1

    client.add_event_handler("session_start", on_start)
    client.add_event_handler("message", on_message)
    client.add_event_handler("failed_all_auth", lambda _: sys.exit("authentication failed"))
    client.connect(host, int(port))
    asyncio.get_event_loop().run_forever()


if __name__ == "__main__":
    main()
