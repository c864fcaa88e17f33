"""The side-by-side benchmark's clients (benchmarks/clients.py) against a real BenchWorld.

Each client logs in as ``bench`` from the private home ``clients.py`` writes, in a pty, and
answers the watcher's XEP-0199 ping; each rival refuses the server when its pin is wrong (so
the pins are what keeps it connecting, not a disabled check). The rivals (Poezio, Profanity,
mcabber) are not project dependencies: their cases skip when they are not installed. The
report's ratios and target verdicts are checked on fixed figures. Nothing here is timed.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_world import BENCH, WATCHER, BenchWorld, PtyProcess, Watcher  # noqa: E402
from clients import CLIENTS, Client  # noqa: E402
from side_by_side import SCENARIOS, Results, report  # noqa: E402

from xmpp_tui.demo.server import missing_programs  # noqa: E402

pytestmark = pytest.mark.prosody
TIMEOUT = 30.0
RIVALS = ("poezio", "profanity", "mcabber")


@pytest.fixture
def world() -> Iterator[BenchWorld]:
    """A fresh server per test: an earlier test's session could linger (hibernated by stream
    management) and its presence would reach the next test's watcher."""
    if missing_programs():
        pytest.fail(
            f"the benchmark world needs {missing_programs()}: run sh tests/run.sh",
            pytrace=False,
        )
    root = Path(tempfile.mkdtemp(prefix="xmpp-tui-bench-test-"))
    bench = BenchWorld(root, contacts=10)
    try:
        yield bench
    finally:
        bench.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def home() -> Iterator[Path]:
    # Not tmp_path: Poezio runs as nobody when we are root and must reach its home.
    path = Path(tempfile.mkdtemp(prefix="xmpp-tui-bench-home-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def installed(name: str) -> Client:
    client = CLIENTS[name]
    if not client.installed():
        pytest.skip(f"{name} is not installed (a rival, not a dependency)")
    return client


def openssl_fingerprint(cafile: Path, digest: str) -> str:
    out = subprocess.run(
        ["openssl", "x509", "-in", str(cafile), "-noout", "-fingerprint", f"-{digest}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split("=", 1)[1].strip().replace(":", "").lower()


@pytest.mark.parametrize("name", list(CLIENTS))
def test_home_is_private_and_holds_the_password_only_in_0600_files(
    world: BenchWorld, home: Path, name: str
) -> None:
    client = CLIENTS[name]
    launch = client.launch(world, home)
    assert launch.env["HOME"] == str(home)
    assert all(launch.env[k].startswith(str(home)) for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"))
    holders = [
        path
        for path in home.rglob("*")
        if path.is_file() and world.password in path.read_text("utf-8", "replace")
    ]
    for path in holders:
        assert path.stat().st_mode & 0o077 == 0, path
    if name in RIVALS:
        assert holders, "the rival's config should hold the password"


def test_rival_configs_require_tls_and_pin_the_worlds_certificate(
    world: BenchWorld, home: Path
) -> None:
    sha1 = openssl_fingerprint(world.cafile, "sha1")
    sha256 = openssl_fingerprint(world.cafile, "sha256")
    CLIENTS["profanity"].launch(world, home / "profanity")
    accounts = (home / "profanity/.local/share/profanity/accounts").read_text("utf-8")
    assert "tls.policy=force" in accounts
    tlscerts = (home / "profanity/.local/share/profanity/tlscerts").read_text("utf-8")
    assert tlscerts.startswith(f"[{sha1}]")
    CLIENTS["mcabber"].launch(world, home / "mcabber")
    rc = (home / "mcabber/.mcabber/mcabberrc").read_text("utf-8")
    assert "set tls = 1" in rc
    assert f"set ssl_fingerprint = SHA256:{sha256}" in rc
    assert f"set ssl_ca = {world.cafile}" in rc
    CLIENTS["poezio"].launch(world, home / "poezio")
    cfg = (home / "poezio/.config/poezio/poezio.cfg").read_text("utf-8")
    assert "force_encryption = true" in cfg
    assert re.search(r"^rooms =$", cfg, re.M)
    assert re.search(r"^certificate = ([0-9A-F]{2}:){31}[0-9A-F]{2}$", cfg, re.M)


async def start(client: Client, world: BenchWorld, home: Path) -> tuple[PtyProcess, Watcher]:
    watcher = Watcher(await world.connect(WATCHER, resource=f"test-{client.name}"))
    launch = client.launch(world, home)
    return PtyProcess(launch.argv, launch.env), watcher


@pytest.mark.parametrize("name", list(CLIENTS))
async def test_client_logs_in_and_answers_the_watchers_ping(
    world: BenchWorld, home: Path, name: str
) -> None:
    client = installed(name)
    proc, watcher = await start(client, world, home)
    try:
        online = await watcher.wait_online(TIMEOUT)
        assert watcher.online_jid is not None
        assert watcher.online_jid.startswith(f"{world.jid(BENCH)}/")
        answered = await watcher.ping(TIMEOUT)
        assert answered >= online > proc.started
    finally:
        proc.stop()
        await watcher.client.disconnect()


#: the wrong pin written over the right one, and what the rival then shows
WRONG_PIN = {
    "poezio": (
        ".config/poezio/poezio.cfg",
        re.compile(r"^certificate = ..", re.M),
        "certificate = 00",
        b"accept or reject the certificate",
    ),
    "profanity": (
        ".local/share/profanity/tlscerts",
        re.compile(r"^\[..", re.M),
        "[00",
        b"/tls allow",
    ),
    "mcabber": (
        ".mcabber/mcabberrc",
        re.compile(r"SHA256:.."),
        "SHA256:00",
        b"Expect fingerprint",
    ),
}


@pytest.mark.parametrize("name", RIVALS)
async def test_rival_refuses_the_server_when_its_pin_is_wrong(
    world: BenchWorld, home: Path, name: str
) -> None:
    client = installed(name)
    relative, pin, wrong, refusal = WRONG_PIN[name]
    watcher = Watcher(await world.connect(WATCHER, resource=f"refusal-{name}"))
    launch = client.launch(world, home)
    config = home / relative
    text, replaced = pin.subn(wrong, config.read_text("utf-8"), count=1)
    assert replaced == 1
    config.write_text(text, "utf-8")
    proc = PtyProcess(launch.argv, launch.env)
    try:
        await asyncio.to_thread(proc.wait_for, refusal, TIMEOUT)
        assert watcher.online_at is None
    finally:
        proc.stop()
        await watcher.client.disconnect()


def test_report_prints_medians_ratios_and_the_targets_against_poezio() -> None:
    results = Results()
    for value in (1.0, 0.5, 0.6):
        results.add("xmpp-tui", "online10", value)
    for value in (1.0, 1.2, 1.1):
        results.add("poezio", "online10", value)
    results.add("xmpp-tui", "flood", 1_000.0)
    results.add("poezio", "flood", 2_000.0)
    results.notes.append("poezio, run 2, 10 contacts: flood failed: TimeoutError")
    clients = [CLIENTS["xmpp-tui"], CLIENTS["poezio"]]
    text = report(clients, ["mcabber"], ["online10", "flood", "rss10"], results, 10_000)
    assert "| launch -> online, 10 contacts | 0.60 s (0.50-1.00) | 1.10 s (1.00-1.20) |" in text
    assert "| 10,000-message flood processed | 1,000 msg/s | 2,000 msg/s | not installed |" in text
    assert "| launch -> online, 10 contacts | 0.55x |" in text
    assert "launch -> online, 10 contacts: xmpp-tui / poezio <= 1: 0.55x, met" in text
    assert "10,000-message flood processed: xmpp-tui / poezio >= 1: 0.50x, MISSED" in text
    assert "RSS at online + 3 s, 10 contacts: xmpp-tui / poezio <= 1.3: not measured" in text
    assert "- poezio, run 2, 10 contacts: flood failed: TimeoutError" in text
    assert set(SCENARIOS) >= {"online10", "online2000", "ping2000", "rss10", "rss2000", "flood"}
