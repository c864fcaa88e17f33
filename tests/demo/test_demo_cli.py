"""``xmpp-tui --demo`` at the edges: without Prosody on PATH it says how to install it in one
line and exits non-zero, touching nothing; it refuses options that would mix in the user's
own accounts; the bot's answers and the stored rosters are right (pure parts)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from xmpp_tui.cli import EXIT_USAGE, main
from xmpp_tui.demo.bot import HELP, answer_to
from xmpp_tui.demo.server import PROGRAMS, missing_programs, roster_lua
from xmpp_tui.demo.world import DemoPasswords
from xmpp_tui.settings import AccountSettings

REPO = Path(__file__).resolve().parents[2]


def _run_without_prosody(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {
        "PATH": str(empty),  # no prosody, prosodyctl or openssl
        "PYTHONPATH": str(REPO),
        "XMPP_TUI_HOME": str(tmp_path / "home"),
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    return subprocess.run(
        [sys.executable, "-m", "xmpp_tui", "--demo"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_demo_without_prosody_prints_the_install_hint(tmp_path: Path) -> None:
    result = _run_without_prosody(tmp_path)
    assert result.returncode == EXIT_USAGE
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("xmpp-tui: --demo needs prosody and prosodyctl and openssl")
    assert "sudo apt-get install prosody" in lines[0]
    assert "brew install prosody" in lines[0]
    assert "Traceback" not in result.stderr
    # Nothing was created: no temp dir, no home.
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize(
    "extra",
    [["alice@example.org"], ["--config", "x.toml"], ["--server", "h:5222"], ["--direct-tls"]],
)
def test_demo_refuses_the_users_own_accounts(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--demo", *extra]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.strip() == (
        "xmpp-tui: --demo takes no JID, --config, --server, --ca-file or --direct-tls"
    )


def test_missing_programs_names_what_is_not_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert missing_programs() == list(PROGRAMS)
    assert missing_programs(["sh"]) == ["sh"]


def test_bot_answers() -> None:
    assert answer_to("help") == HELP
    assert answer_to(" Help! ") == HELP
    assert answer_to("hi").startswith("Hello!")
    echoed = answer_to("the quick fox")
    assert "“the quick fox”" in echoed and "(3 words)" in echoed
    assert "(1 word)" in answer_to("x")
    long = answer_to("a" * 500)
    assert "a" * 199 + "…" in long and "a" * 200 not in long


def test_roster_lua_quotes_names() -> None:
    text = roster_lua({"bob@localhost": 'Bob "the bot"\\'})
    assert text.startswith('return {\n  [false] = { ["version"] = 1; };\n')
    assert '["bob@localhost"] = { ["subscription"] = "both"; ' in text
    assert '["name"] = "Bob \\"the bot\\"\\\\";' in text


async def test_demo_passwords_stay_in_memory() -> None:
    source = DemoPasswords({"you@localhost": "pw"})
    assert await source.lookup(AccountSettings(jid="you@localhost")) == "pw"
    assert await source.lookup(AccountSettings(jid="other@localhost")) is None
    assert await source.save("you@localhost", "pw") is False
    assert not await source.keyring_usable()


def _plain(screen: bytes) -> bytes:
    """Terminal output without its escape sequences."""
    return re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", b"", screen)


@pytest.mark.prosody
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_demo_cleans_up_when_stopped(tmp_path: Path, sig: signal.Signals) -> None:
    """The real ``xmpp-tui --demo`` in a pty: online, then SIGTERM (the demo cleans up) or
    SIGKILL (the bot notices and cleans up); either way Prosody and the bot are gone and the
    temp dir is removed (nothing outside it is touched)."""
    if missing_programs():
        # Like every real-server test: missing programs fail, with the command to fix it.
        pytest.fail(
            f"the demo needs {missing_programs()}: run sh tests/run.sh (it installs them)",
            pytrace=False,
        )
    temp = tmp_path / "tmp"
    temp.mkdir()
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "TMPDIR": str(temp),
        "PYTHONPATH": str(REPO),
        "XMPP_TUI_HOME": str(tmp_path / "not-used"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "xmpp_tui", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=tmp_path,
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 30
        while b"you: online" not in _plain(seen) and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 65536)
        assert b"you: online" in _plain(seen), _plain(seen)[-500:]
        (root,) = temp.iterdir()
        assert root.name.startswith("xmpp-tui-demo-")
        prosody_pid = int((root / "prosody" / "prosody.pid").read_text().strip())
        os.kill(prosody_pid, 0)  # running
        proc.send_signal(sig)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(master, 65536)
        assert proc.poll() is not None, f"the demo did not exit on {sig.name}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    deadline = time.monotonic() + 15  # after SIGKILL the bot needs a moment
    while (list(temp.iterdir()) or _alive(prosody_pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(temp.iterdir()) == []
    assert not (tmp_path / "not-used").exists()  # the user's home was never used
    assert not _alive(prosody_pid)


def _alive(pid: int) -> bool:
    """Running (a zombie that no init has reaped yet counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
