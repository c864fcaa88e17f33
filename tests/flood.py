"""Floods through the real Prosody, measured inside the running app (issue #7 item 5).

`LoadGen` is an XEP-0114 component (``loadgen.localhost`` in tests/prosody_server.py): one
connection, any number of senders ``strangerN@loadgen.localhost``, none of them in the
user's roster. `run_flood` drives the headless app (the real service, the real screen)
while the component sends, and measures in the app's own event loop:

- event-loop lag: a probe task sleeps 10 ms in a loop and records how late it wakes;
- alerts: every call of the screen's `TerminalAlerts.alert` (bell / notification);
- memory: ``VmRSS`` of this process before and after (``/proc/self/status``);
- what arrived: messages stored, rows in the roster pane, and how long that took.

Used by tests/ui/test_flood.py (bounds) and benchmarks/flood.py (figures).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from tests.component import ComponentPeer
from tests.peer import wait_until
from tests.prosody_server import ProsodyServer

JID = "loadgen.localhost"
CHAT_STATES = "http://jabber.org/protocol/chatstates"
PROBE_INTERVAL = 0.01


def rss_kib() -> int:
    """This process's resident set size in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class LoadGen(ComponentPeer):
    """The component; `send_*` queue stanzas in slixmpp (sent as fast as the socket goes)."""

    def __init__(self, prosody: ProsodyServer, jid: str = JID) -> None:
        super().__init__(prosody, jid)

    def sender(self, index: int) -> str:
        return f"stranger{index}@{self.jid}"

    def send_message(self, to: str, sender: int, body: str) -> None:
        msg = self._client.make_message(
            mto=to, mfrom=f"{self.sender(sender)}/spam", mbody=body, mtype="chat"
        )
        msg["id"] = self._client.new_id()
        msg.send()

    def send_chat_state(self, to: str, sender: int, state: str) -> None:
        msg = self._client.make_message(mto=to, mfrom=f"{self.sender(sender)}/spam", mtype="chat")
        msg.append(_element(f"{{{CHAT_STATES}}}{state}"))
        msg.send()

    def send_presence(self, to: str, sender: int, show: str, status: str) -> None:
        self._client.make_presence(
            pto=to, pfrom=f"{self.sender(sender)}/spam", pshow=show, pstatus=status
        ).send()


def _element(tag: str) -> Any:
    from xml.etree.ElementTree import Element

    return Element(tag)


@dataclass
class FloodFigures:
    kind: str
    sent: int
    senders: int
    send_seconds: float
    settle_seconds: float = 0.0
    lag_ms: list[float] = field(default_factory=list)
    alerts: int = 0
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    stored: int = 0
    roster_rows: int = 0

    def lag_p(self, q: float) -> float:
        ordered = sorted(self.lag_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0

    @property
    def rss_growth_mib(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) / 1024

    def line(self) -> str:
        return (
            f"{self.kind}: {self.sent} stanzas from {self.senders} JIDs sent in "
            f"{self.send_seconds:.1f} s, handled {self.settle_seconds:.1f} s later; "
            f"loop lag p50 {statistics.median(self.lag_ms or [0]):.1f} ms, "
            f"p99 {self.lag_p(0.99):.1f} ms, max {max(self.lag_ms or [0]):.1f} ms "
            f"({len(self.lag_ms)} samples); alerts {self.alerts}; "
            f"RSS {self.rss_before_kib / 1024:.1f} -> {self.rss_after_kib / 1024:.1f} MiB "
            f"(+{self.rss_growth_mib:.1f}); stored {self.stored}; roster rows {self.roster_rows}"
        )


async def _probe(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(PROBE_INTERVAL)
        samples.append((time.perf_counter() - before - PROBE_INTERVAL) * 1000)


async def run_flood(
    app: Any,
    loadgen: LoadGen,
    account: str,
    *,
    kind: str,
    count: int,
    senders: int,
    seconds: float,
    stored: Any = None,
    settle_timeout: float = 120.0,
) -> FloodFigures:
    """Send ``count`` stanzas of ``kind`` ("message", "presence", "chatstate") from
    ``senders`` strangers to ``account`` evenly over ``seconds``, then wait until
    ``stored()`` (for messages: how many the app stored) reaches ``count``.

    ``app`` runs (inside ``run_test``) and is online; its alerts are counted."""
    figures = FloodFigures(kind=kind, sent=count, senders=senders, send_seconds=0.0)
    alerts = app.main.alerts
    original_alert = alerts.alert

    def counting_alert(alert_kind: Any) -> None:
        figures.alerts += 1
        original_alert(alert_kind)

    alerts.alert = counting_alert
    figures.rss_before_kib = rss_kib()
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(figures.lag_ms, stop))
    start = time.perf_counter()
    batches = max(1, int(seconds * 10))
    per_batch = -(-count // batches)
    sent = 0
    try:
        for batch in range(batches):
            for _ in range(min(per_batch, count - sent)):
                who = sent % senders
                if kind == "message":
                    loadgen.send_message(account, who, f"buy now {sent}")
                elif kind == "chatstate":
                    state = ("composing", "paused", "active")[sent % 3]
                    loadgen.send_chat_state(account, who, state)
                else:
                    show = ("away", "dnd", "xa", "chat")[sent % 4]
                    loadgen.send_presence(account, who, show, f"status {sent}")
                sent += 1
            next_at = start + (batch + 1) * seconds / batches
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        figures.send_seconds = time.perf_counter() - start
        sent_at = time.perf_counter()
        if stored is not None:
            await wait_until(
                lambda: stored() >= count,
                settle_timeout,
                message=f"only {stored()} of {count} arrived",
            )
            # The roster pane may redraw up to ui/refresh_throttle.MAX_DELAY later.
            await wait_until(
                lambda: len(app.main.roster_view.contacts) >= senders,
                settle_timeout,
                message=f"roster rows: {len(app.main.roster_view.contacts)} of {senders}",
            )
        else:
            await asyncio.sleep(2.0)  # presences and chat states leave no row to wait for
        figures.settle_seconds = time.perf_counter() - sent_at
        await asyncio.sleep(0.5)  # and a quiet moment for the last redraw
    finally:
        stop.set()
        await probe
        alerts.alert = original_alert
    figures.rss_after_kib = rss_kib()
    if stored is not None:
        figures.stored = stored()
    figures.roster_rows = len(app.main.roster_view.contacts)
    return figures
