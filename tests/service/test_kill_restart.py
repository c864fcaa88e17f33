"""SIGKILL of the client at random moments, then a restart (SECURITY.md R-KILL).

The client is the real SessionService in a process of its own (`tests/service_runner.py`,
built like the CLI builds it, history in a home directory). It is killed with SIGKILL at
seeded random moments, five times per test, during (a) a flood of incoming messages, (b) the
archive catch-up of a big backlog, (c) the sending of its own list of messages; each time the
history file must pass ``PRAGMA integrity_check`` before the next start. After the last start
has settled: every message exactly once in the history, and (c) every one of ours received
exactly once by the peer.

What the outbox guarantees across a SIGKILL (c): a message is committed as PENDING before it
is written to the stream, and marked SENT right after, in the same synchronous step, so a
message can be on the wire only as SENT. After the restart the session is fresh (the XEP-0198
state died with the process): the archive catch-up reads our own archive first, and a SENT
message found there (the server had it) is only marked acknowledged; the others are re-sent
with the same id and origin-id. A peer could see one twice only if the server processed the
dead connection's last bytes after the new session's catch-up query, which a killed process's
socket does not allow (it is closed by the kernel at once, a restart takes longer): the test
asserts exactly once.

Seeded: the seed is in the report ("kill" section); rerun with ``KILL_SEED=<seed>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import secrets
import shlex
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.peer import AccountFactory, Peer, PeerFactory
from tests.prosody_server import Account, ProsodyServer
from tests.reconnecting_peer import origin_of, wait_for

REPO = Path(__file__).resolve().parents[2]
KILLS = 5
SETTLED = {"acked", "delivered", "displayed"}


@pytest.fixture
def kill_seed(request: pytest.FixtureRequest) -> int:
    seed = int(os.environ.get("KILL_SEED") or random.SystemRandom().randrange(2**32))
    request.node.add_report_section("setup", "kill", f"seed={seed} (rerun with KILL_SEED={seed})")
    return seed


@dataclass
class Runner:
    """One client process at a time over ``home``."""

    config: Path
    home: Path
    proc: asyncio.subprocess.Process | None = None
    lines: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None

    @property
    def db(self) -> Path:
        return self.home / "history.sqlite3"

    async def start(self) -> None:
        self.lines = []
        with (self.home / "runner.stderr").open("ab") as stderr:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.service_runner",
                str(self.config),
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
                cwd=REPO,
            )
        self._reader = asyncio.create_task(self._read(self.proc))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            self.lines.append(line.decode().strip())

    async def kill(self) -> None:
        assert self.proc is not None
        assert self.proc.returncode is None, f"the client died by itself: {self.stderr()}"
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        await self._done()

    async def stop(self) -> None:
        """SIGTERM (clean stop); SIGKILL if it does not exit."""
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        await self._done()

    async def _done(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    def stderr(self) -> str:
        path = self.home / "runner.stderr"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@pytest.fixture
async def runner_factory(
    prosody: ProsodyServer, tmp_path: Path
) -> AsyncIterator[Callable[..., Runner]]:
    made: list[Runner] = []

    def make(alice: Account, *, peer: str = "", send: list[str] | None = None) -> Runner:
        home = tmp_path / "home"
        home.mkdir(mode=0o700)
        config = tmp_path / "runner.json"
        config.write_text(
            json.dumps(
                {
                    "home": str(home),
                    "jid": alice.jid,
                    "port": prosody.c2s_port,
                    "ca_file": str(prosody.cafile),
                    "password_command": f"printf %s {shlex.quote(alice.password)}",
                    "peer": peer,
                    "send": send or [],
                    "pace": 0.01,
                }
            ),
            encoding="utf-8",
        )
        runner = Runner(config=config, home=home)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        await runner.stop()


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def rows(db: Path, peer: str) -> list[sqlite3.Row]:
    """The conversation with ``peer``, read-only (the client may be running)."""
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(
            "SELECT direction, body, delivery, origin_id FROM messages WHERE peer = ?", (peer,)
        ).fetchall()


def incoming(db: Path, peer: str) -> Counter[str]:
    return Counter(str(r["body"]) for r in rows(db, peer) if r["direction"] == "in")


async def kill_repeatedly(
    runner: Runner,
    rng: random.Random,
    low: float,
    high: float,
    progress: Callable[[], int],
    report: list[str],
) -> None:
    """``KILLS`` times: start, SIGKILL after a random delay, check the file, pause a moment."""
    for kill in range(KILLS):
        await runner.start()
        delay = rng.uniform(low, high)
        await asyncio.sleep(delay)
        await runner.kill()
        verdict = integrity(runner.db)
        report.append(
            f"kill {kill + 1}: after {delay:.2f} s, {progress()} stored, integrity {verdict}"
        )
        assert verdict == "ok", "\n".join(report)
        await asyncio.sleep(rng.uniform(0.1, 1.0))


async def final_run(runner: Runner, done: Callable[[], bool], report: list[str]) -> float:
    """Start once more and wait until ``done``; stop cleanly; returns the time it took."""
    started = time.monotonic()
    await runner.start()
    await wait_for(
        lambda: "online" in runner.lines and done(),
        90,
        lambda: "\n".join([*report, "not settled", runner.stderr()]),
    )
    took = time.monotonic() - started
    await runner.stop()
    assert integrity(runner.db) == "ok"
    return took


async def flood(bob: Peer, to: str, bodies: list[str], pace: float) -> None:
    for body in bodies:
        bob.send_chat(to, body)
        await asyncio.sleep(pace)


async def test_kill_during_a_flood_of_incoming_messages(
    new_account: AccountFactory,
    peer: PeerFactory,
    runner_factory: Callable[..., Runner],
    kill_seed: int,
    request: pytest.FixtureRequest,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    runner = runner_factory(alice)
    run = secrets.token_hex(3)
    bodies = [f"K-{run}-flood-{k}" for k in range(1500)]
    rng = random.Random(kill_seed)
    report = [f"seed={kill_seed}"]
    sending = asyncio.create_task(flood(bob, alice.jid, bodies, pace=0.01))
    try:
        await kill_repeatedly(
            runner, rng, 0.5, 3.0, lambda: sum(incoming(runner.db, bob.jid).values()), report
        )
        await sending
    finally:
        sending.cancel()
    took = await final_run(runner, lambda: set(incoming(runner.db, bob.jid)) >= set(bodies), report)
    stored = incoming(runner.db, bob.jid)
    report.append(f"settled {took:.1f} s after the last start")
    request.node.add_report_section("call", "kill figures", "\n".join(report))
    assert stored == Counter(bodies), "\n".join(report)


async def test_kill_during_the_catch_up_of_a_big_archive(
    new_account: AccountFactory,
    peer: PeerFactory,
    runner_factory: Callable[..., Runner],
    kill_seed: int,
    request: pytest.FixtureRequest,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    runner = runner_factory(alice)
    run = secrets.token_hex(3)
    bodies = [f"K-{run}-backlog-{k}" for k in range(5000)]
    await flood(bob, alice.jid, bodies, pace=0.0005)
    await bob.client.plugin["xep_0199"].ping(timeout=30)  # all routed: in the archive
    rng = random.Random(kill_seed)
    report = [f"seed={kill_seed}"]
    await kill_repeatedly(
        runner, rng, 0.8, 2.5, lambda: sum(incoming(runner.db, bob.jid).values()), report
    )
    took = await final_run(runner, lambda: set(incoming(runner.db, bob.jid)) >= set(bodies), report)
    report.append(f"caught up {took:.1f} s after the last start")
    request.node.add_report_section("call", "kill figures", "\n".join(report))
    assert incoming(runner.db, bob.jid) == Counter(bodies), "\n".join(report)


async def test_kill_while_sending_resends_each_message_once(
    new_account: AccountFactory,
    peer: PeerFactory,
    runner_factory: Callable[..., Runner],
    kill_seed: int,
    request: pytest.FixtureRequest,
) -> None:
    alice = new_account("alice")
    bob = await peer()
    run = secrets.token_hex(3)
    bodies = [f"K-{run}-out-{k}" for k in range(600)]
    runner = runner_factory(alice, peer=bob.jid, send=bodies)
    rng = random.Random(kill_seed)
    report = [f"seed={kill_seed}"]

    def outgoing() -> list[sqlite3.Row]:
        return [r for r in rows(runner.db, bob.jid) if r["direction"] == "out"]

    await kill_repeatedly(runner, rng, 0.5, 3.5, lambda: len(outgoing()), report)

    def settled() -> bool:
        out = outgoing()
        return {r["body"] for r in out} >= set(bodies) and all(
            r["delivery"] in SETTLED for r in out
        )

    took = await final_run(runner, settled, report)
    # Everything is acknowledged by the server, so routed to bob: a ping from bob returns
    # after every one of them has reached his stream.
    await bob.client.plugin["xep_0199"].ping(timeout=10)
    out = outgoing()
    received = [m for m in bob.received if str(m["body"]).startswith(f"K-{run}-")]
    by_origin = Counter(origin_of(m) for m in received)
    by_body = Counter(str(m["body"]) for m in received)
    report.append(
        f"settled {took:.1f} s after the last start; peer received {len(received)} "
        f"for {len(bodies)} typed"
    )
    request.node.add_report_section("call", "kill figures", "\n".join(report))
    assert Counter(str(r["body"]) for r in out) == Counter(bodies), "\n".join(report)
    assert set(by_origin) == {str(r["origin_id"]) for r in out}, "\n".join(report)
    assert [o for o, n in by_origin.items() if n > 1] == [], "\n".join(report)
    assert by_body == Counter(bodies), "\n".join(report)
