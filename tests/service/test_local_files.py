"""Local files after a real DEBUG session under umask 022 (issue #7 item 4, S-SEC-1, S-SEC-4).

The whole program runs in a process of its own (``tests/local_files_runner.py``: the CLI's
``main`` with its umask, its log setup and its service factory; only the terminal is
Textual's headless pilot) against the real Prosody, with ``--log-level DEBUG``, under
``umask 022``, with ``HOME``, ``XDG_*``, ``TMPDIR`` and ``XMPP_TUI_HOME`` inside one
fresh directory. It logs in, sends a message and receives one; then every directory and
file under that directory is checked (while the client runs, so the ``-wal`` and ``-shm``
files are there, and again after it quit): directories 0700, files 0600, and no byte of
the password, the base64 PLAIN string or a SCRAM client proof anywhere.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import stat
import sys
from pathlib import Path

import pytest

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import ProsodyServer

pytestmark = pytest.mark.prosody

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0

#: A SASL element and its text, as slixmpp logs it ("SEND: <auth ...>...</auth>").
_SASL_RE = re.compile(
    r"<(?P<name>auth|response|challenge|success)\b[^>]*(?<!/)>(?P<body>[^<]*)</(?P=name)>"
)


def _walk(root: Path) -> tuple[dict[Path, int], dict[Path, int]]:
    """Modes of every directory and regular file under ``root`` (symlinks are not followed)."""
    dirs: dict[Path, int] = {root: stat.S_IMODE(root.lstat().st_mode)}
    files: dict[Path, int] = {}
    for current, dirnames, filenames in os.walk(root):
        for name in dirnames:
            path = Path(current) / name
            dirs[path] = stat.S_IMODE(path.lstat().st_mode)
        for name in filenames:
            path = Path(current) / name
            info = path.lstat()
            assert stat.S_ISREG(info.st_mode), f"{path} is not a regular file"
            files[path] = stat.S_IMODE(info.st_mode)
    return dirs, files


def _assert_private(root: Path, *, running: bool) -> dict[Path, int]:
    dirs, files = _walk(root)
    loose_dirs = {str(p.relative_to(root)): oct(m) for p, m in dirs.items() if m != 0o700}
    loose_files = {str(p.relative_to(root)): oct(m) for p, m in files.items() if m != 0o600}
    assert not loose_dirs, f"directories not 0700 (running={running}): {loose_dirs}"
    assert not loose_files, f"files not 0600 (running={running}): {loose_files}"
    return files


def _secrets(jid: str, password: str) -> list[bytes]:
    local = jid.split("@", 1)[0]
    plain = base64.b64encode(f"\0{local}\0{password}".encode()).decode()
    plain_with_authzid = base64.b64encode(f"{jid}\0{local}\0{password}".encode()).decode()
    # The start of a SCRAM client-final-message "c=GS2,r=NONCE,p=PROOF": no channel
    # binding ("n,,"), supported but not offered ("y,,"), tls-exporter / tls-server-end-point.
    scram_final = [b"c=biws,r=", b"c=eSws,r=", b"c=cD10bHM"]
    return [
        password.encode(),
        base64.b64encode(password.encode()).decode().rstrip("=").encode(),
        plain.encode(),
        plain_with_authzid.encode(),
        *scram_final,
        *(base64.b64encode(start) for start in scram_final),
    ]


async def test_debug_session_under_umask_022_leaves_private_files_and_no_secret(
    prosody: ProsodyServer, new_account: AccountFactory, peer: PeerFactory, tmp_path: Path
) -> None:
    alice = new_account("alice")
    bob = await peer()
    # What the test itself provides lives outside the walked tree: the config and the
    # password file (the password comes from a password_command, as a user would set it).
    outside = tmp_path / "outside"
    outside.mkdir()
    password_file = outside / "pw"
    password_file.write_text(alice.password + "\n")
    config_file = outside / "config.toml"
    config_file.write_text(
        "[[accounts]]\n"
        f'jid = "{alice.jid}"\n'
        f'server = "127.0.0.1:{prosody.c2s_port}"\n'
        f'ca_file = "{prosody.cafile}"\n'
        f'password_command = "cat {password_file}"\n'
    )
    root = tmp_path / "world"
    root.mkdir(mode=0o700)
    home = root / "xmpp-tui"  # created by the program
    env = {
        **os.environ,
        "XMPP_TUI_HOME": str(home),
        "HOME": str(root / "home"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_STATE_HOME": str(root / "state"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "XDG_RUNTIME_DIR": str(root / "runtime"),
        "TMPDIR": str(root / "tmp"),
    }
    for name in ("home", "tmp"):
        (root / name).mkdir(mode=0o700)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    runner_config = outside / "runner.json"
    runner_config.write_text(
        json.dumps(
            {
                "argv": ["--config", str(config_file), "--log-level", "DEBUG"],
                "peer": bob.jid,
                "send": "hello bob, from a private home",
                "expect": "hello alice, back to you",
            }
        )
    )
    stderr_path = outside / "runner.stderr"
    lines: list[str] = []
    with stderr_path.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            'umask 022 && exec "$0" "$@"',
            sys.executable,
            "-m",
            "tests.local_files_runner",
            str(runner_config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            cwd=REPO,
            env=env,
        )

    async def read() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            lines.append(line.decode().strip())

    reader = asyncio.create_task(read())
    try:

        def seen(fact: str) -> bool:
            if proc.returncode is not None:
                raise AssertionError(
                    f"the client exited {proc.returncode}: "
                    f"{stderr_path.read_text(errors='replace')[-2000:]}"
                )
            return fact in lines

        await bob.wait_body("hello bob, from a private home", timeout=TIMEOUT)
        bob.send_chat(alice.jid, "hello alice, back to you")
        await wait_until(lambda: seen("received"), TIMEOUT, message=f"runner said {lines}")

        files = _assert_private(root, running=True)
        names = {p.name for p in files}
        # The walk is not vacuous: the history with its WAL files, the log, the lock.
        assert {"history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"} <= names
        assert "xmpp-tui.log" in names
        assert any(p.suffix == ".lock" for p in files)

        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await reader

    files = _assert_private(root, running=False)
    log_text = (home / "log" / "xmpp-tui.log").read_text(encoding="utf-8")
    # DEBUG really logged the SASL exchange (so the grep below can fail), redacted.
    sasl = [(m.group("name"), m.group("body")) for m in _SASL_RE.finditer(log_text)]
    assert any(name == "auth" for name, _ in sasl), "no <auth> in the DEBUG log"
    assert any(name == "success" for name, _ in sasl), "no <success> in the DEBUG log"
    assert all(body in ("", "[redacted]") for _, body in sasl), sasl

    needles = _secrets(alice.jid, alice.password)
    leaks = [
        (str(path.relative_to(root)), needle.decode())
        for path in files
        for needle in needles
        if needle in path.read_bytes()
    ]
    assert not leaks, f"secrets found in files: {leaks}"
