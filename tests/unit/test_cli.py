"""The command line: light --version/--help, one-line errors, no password option."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from xmpp_tui import __version__
from xmpp_tui.cli import build_parser, main
from xmpp_tui.store.database import Database

REPO = Path(__file__).resolve().parents[2]
HEAVY = "{'textual', 'slixmpp', 'rich'}"
OURS_HEAVY = "('xmpp_tui.ui', 'xmpp_tui.service', 'xmpp_tui.xmpp', 'xmpp_tui.store')"

PROBE = f"""
import sys
from xmpp_tui.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY})
ours = sorted(m for m in sys.modules if m.startswith({OURS_HEAVY}))
print('LOADED', heavy + ours)
sys.exit(code)
"""


def run(
    args: list[str], home: Path, *, python_args: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["XMPP_TUI_HOME"] = str(home)
    command = [sys.executable, *(python_args or ["-c", PROBE]), *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=home, timeout=60, check=False
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def test_version_is_light(home: Path) -> None:
    result = run(["--version"], home)
    assert result.returncode == 0, result.stderr
    assert f"xmpp-tui {__version__}" in result.stdout
    assert "LOADED []" in result.stdout
    assert result.stderr == ""


def test_help_is_light_and_offers_no_password_option(home: Path) -> None:
    result = run(["--help"], home)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout
    options = ("--config", "--server", "--direct-tls", "--ca-file", "--resource", "--log-level")
    for option in options:
        assert option in result.stdout
    assert "--password" not in result.stdout


def test_help_points_to_the_offline_subcommands(home: Path) -> None:
    result = run(["--help"], home)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "xmpp-tui history ACCOUNT PEER" in text
    assert "xmpp-tui search WORDS" in text


def test_history_is_light_and_needs_no_account_in_the_config(home: Path) -> None:
    result = run(["history", "alice@example.org", "bob@example.org"], home)
    assert result.returncode == 2
    assert "no message history yet" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "'textual" not in result.stdout and "'slixmpp" not in result.stdout


def test_a_jid_after_the_first_is_never_a_subcommand(home: Path) -> None:
    result = run(["alice@example.org", "history", "--limit", "5"], home)
    assert result.returncode == 2
    # The client's parser, which has no --limit, read it: not the history subcommand.
    assert "unrecognized arguments: --limit 5" in result.stderr


def test_python_dash_m(home: Path) -> None:
    result = run(["--version"], home, python_args=["-m", "xmpp_tui"])
    assert result.returncode == 0
    assert result.stdout.strip() == f"xmpp-tui {__version__}"


def test_bad_config_exits_2_with_one_line(home: Path) -> None:
    config = home / "config.toml"
    config.write_text('[[accounts]]\njid = "alice@example.org"\ndirect_tls = "yes"\n')
    config.chmod(0o600)
    result = run([], home)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"xmpp-tui: {config}: accounts[0].direct_tls")
    assert "'textual" not in result.stdout  # failed before the UI was imported


def test_history_writable_by_others_exits_2_and_is_left_alone(home: Path) -> None:
    history = home / "history.sqlite3"
    Database.open(history).close()
    history.chmod(0o666)
    result = run(["alice@example.org"], home)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"xmpp-tui: Refusing to open {history}: others may write to it")
    assert f"chmod 600 {history}" in lines[0]
    assert stat.S_IMODE(history.stat().st_mode) == 0o666


def test_no_account_exits_2_with_how_to_add_one(home: Path) -> None:
    result = run([], home)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "xmpp-tui you@example.org" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_jid_exits_2(home: Path) -> None:
    result = run(["not a jid"], home)
    assert result.returncode == 2
    assert result.stderr.startswith("xmpp-tui: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--password", "hunter2", "alice@example.org"],
        ["--password=hunter2", "alice@example.org"],
        ["--pass", "hunter2", "alice@example.org"],
        ["--log-level", "LOUD"],
    ],
)
def test_rejected_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("xmpp-tui: ")
    assert captured.err.count("\n") == 1


def test_no_option_takes_a_password() -> None:
    parser = build_parser()
    options = [s for action in parser._actions for s in action.option_strings]
    assert options
    assert not [s for s in options if "pass" in s.lower() or "secret" in s.lower()]


def test_in_process_config_error(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XMPP_TUI_HOME", str(home))
    config = home / "custom.toml"
    config.write_text('[[accounts]]\njid = "alice@example.org"\npassword = "hunter2"\n')
    config.chmod(0o600)
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "accounts[0].password" in err
    assert "hunter2" not in err
