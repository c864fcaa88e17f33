"""Passwords: password_command (real /bin/sh), then a secure keyring, else None.

The only stand-ins are keyring backends (no Secret Service runs here): keyring's own
fail/null backends, and two tiny backend classes registered with ``keyring.set_keyring``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError

from tests.keyrings import MemoryKeyring
from xmpp_tui.core.commands import ProvidePassword
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.secrets import (
    KEYRING_SERVICE,
    PasswordSource,
    keyring_usable,
    run_password_command,
)
from xmpp_tui.settings import AccountSettings

JID = "alice@example.org"


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt.file.PlaintextKeyring: must never be used."""


class BrokenKeyring(MemoryKeyring):
    """A secure backend whose D-Bus call fails."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("org.freedesktop.DBus.Error.ServiceUnknown")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("locked")


@pytest.fixture(autouse=True)
def restore_keyring() -> Iterator[None]:
    original = keyring.get_keyring()
    yield
    keyring.set_keyring(original)


def account(command: str | None = None) -> AccountSettings:
    return AccountSettings(jid=JID, password_command=command)


# --------------------------------------------------------------------------- password_command


async def test_command_first_line_is_the_password() -> None:
    assert await run_password_command(JID, "printf 'pw with space\\nsecond line\\n'") == (
        "pw with space"
    )


async def test_command_crlf_and_no_newline() -> None:
    assert await run_password_command(JID, "printf 'pw\\r\\n'") == "pw"
    assert await run_password_command(JID, "printf pw") == "pw"


async def test_command_failure_names_status_and_stderr_not_output() -> None:
    with pytest.raises(UserFacingError) as caught:
        await run_password_command(
            JID, "echo hunter2; echo 'gpg: decryption failed' >&2; echo more >&2; exit 3"
        )
    message = str(caught.value)
    assert "exit status 3" in message
    assert "gpg: decryption failed" in message
    assert "more" not in message
    assert "hunter2" not in message
    assert JID in message


async def test_command_not_found() -> None:
    with pytest.raises(UserFacingError, match="exit status 127"):
        await run_password_command(JID, "/nonexistent/password-tool")


async def test_command_killed_by_signal() -> None:
    with pytest.raises(UserFacingError, match="killed by signal 9"):
        await run_password_command(JID, "kill -9 $$")


async def test_command_empty_output() -> None:
    with pytest.raises(UserFacingError, match="empty first line"):
        await run_password_command(JID, "true")


async def test_command_timeout_kills_the_pipeline(tmp_path: Path) -> None:
    """A timed-out command's whole process group dies, not only the shell.

    The marker is written by a child of the shell (a pipeline member), DELAY seconds
    after the start: were only ``/bin/sh`` killed, that child would live on and write it.
    """
    delay = 1.0
    control = tmp_path / "control"
    # Control: given the time, the same pipeline does write its marker.
    with pytest.raises(UserFacingError, match="empty first line"):
        await run_password_command(JID, f"(sleep {delay}; touch {control}) | cat", time_limit=10)
    assert control.exists()

    marker = tmp_path / "still-running"
    started = time.monotonic()
    with pytest.raises(UserFacingError, match=r"did not finish within 0\.3 s"):
        await run_password_command(
            JID, f"(sleep {delay}; touch {marker}) | cat; sleep 30", time_limit=0.3
        )
    assert time.monotonic() - started < delay
    await asyncio.sleep(started + delay + 0.7 - time.monotonic())  # well past the delay
    assert not marker.exists()


async def test_lookup_prefers_the_command_over_the_keyring() -> None:
    backend = MemoryKeyring()
    backend.set_password(KEYRING_SERVICE, JID, "from-keyring")
    source = PasswordSource(backend=backend)
    assert await source.lookup(account("echo from-command")) == "from-command"
    assert await source.lookup(account()) == "from-keyring"


async def test_lookup_command_failure_is_not_hidden_by_keyring() -> None:
    backend = MemoryKeyring()
    backend.set_password(KEYRING_SERVICE, JID, "from-keyring")
    with pytest.raises(UserFacingError):
        await PasswordSource(backend=backend).lookup(account("exit 1"))


# --------------------------------------------------------------------------- keyring


@pytest.mark.parametrize(
    "backend",
    [
        fail.Keyring(),  # type: ignore[no-untyped-call]
        null.Keyring(),  # type: ignore[no-untyped-call]
        PlaintextKeyring(),
    ],
    ids=["fail", "null", "plaintext"],
)
async def test_insecure_backends_are_not_usable(backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)
    assert not keyring_usable()
    source = PasswordSource()
    assert not await source.keyring_usable()
    assert await source.lookup(account()) is None
    assert not await source.save(JID, "pw")


async def test_chainer_without_backends_is_not_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    # keyring's own switch for which backends the chainer may discover: none.
    monkeypatch.setattr(keyring.backend, "_limit", lambda _backend: False)
    keyring.set_keyring(chainer.ChainerBackend())  # type: ignore[no-untyped-call]
    assert not keyring_usable()
    assert await PasswordSource().lookup(account()) is None


async def test_plaintext_backend_is_never_written() -> None:
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    assert not await PasswordSource().save(JID, "pw")
    assert backend.store == {}


def _alt_stand_in(name: str) -> type[MemoryKeyring]:
    """A class living at keyrings.alt's module path under a harmless-looking name: the
    module rule alone must refuse it (keyrings.alt is no dependency of ours)."""
    return type(name, (MemoryKeyring,), {"__module__": "keyrings.alt.file", "priority": 10})


@pytest.mark.parametrize("name", ["Keyring", "EncryptedKeyring", "SecretStore"])
async def test_any_backend_from_keyrings_alt_is_refused(name: str) -> None:
    backend = _alt_stand_in(name)()
    keyring.set_keyring(backend)
    assert not keyring_usable()
    assert not await PasswordSource().save(JID, "pw")
    assert await PasswordSource().lookup(account()) is None
    assert backend.store == {}


async def test_chainer_uses_its_secure_member_never_a_plaintext_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plaintext = PlaintextKeyring()
    plaintext.store[(KEYRING_SERVICE, JID)] = "planted"
    alt = _alt_stand_in("Keyring")()
    secure = MemoryKeyring()
    members: list[KeyringBackend] = [plaintext, alt, secure]  # by priority, insecure first
    monkeypatch.setattr(chainer.ChainerBackend, "backends", property(lambda _self: members))
    keyring.set_keyring(chainer.ChainerBackend())  # type: ignore[no-untyped-call]
    source = PasswordSource()
    assert await source.lookup(account()) is None  # the planted one is never read
    assert await source.save(JID, "s3cret")
    assert secure.store == {(KEYRING_SERVICE, JID): "s3cret"}
    assert plaintext.store == {(KEYRING_SERVICE, JID): "planted"}
    assert alt.store == {}


async def test_real_keyrings_alt_plaintext_backend_is_refused(tmp_path: Path) -> None:
    # (EncryptedKeyring cannot even be built without pycryptodome; its stand-in is above.)
    alt_file = pytest.importorskip("keyrings.alt.file")
    backend = alt_file.PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    assert not keyring_usable()
    assert not await PasswordSource().save(JID, "s3cret-alt")
    assert await PasswordSource().lookup(account()) is None
    assert os.listdir(tmp_path) == []  # nothing written


def test_keyring_discovery_with_keyrings_alt_installed_stays_unusable(tmp_path: Path) -> None:
    """keyring's own choice, in a process with no D-Bus and keyrings.alt importable."""
    pytest.importorskip("keyrings.alt.file")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DBUS_", "KEYRING_", "PYTHON_KEYRING"))
    }
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["HOME"] = str(tmp_path)
    script = (
        "import asyncio, keyring\n"
        "from xmpp_tui.secrets import PasswordSource, keyring_usable\n"
        "print(type(keyring.get_keyring()).__module__, keyring_usable(),"
        " asyncio.run(PasswordSource().save('a@b.example', 's3cret-disc')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    chosen, usable, saved = result.stdout.split()
    assert chosen.startswith("keyrings.alt"), chosen  # keyring itself picked the plaintext file
    assert (usable, saved) == ("False", "False")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not [p for p in written if b"s3cret-disc" in p.read_bytes()], written


async def test_secure_backend_round_trip() -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    assert keyring_usable()
    source = PasswordSource()
    assert await source.lookup(account()) is None
    assert await source.save(JID, "s3cret")
    assert backend.store == {(KEYRING_SERVICE, JID): "s3cret"}
    assert await source.lookup(account()) == "s3cret"


async def test_broken_backend_counts_as_none(caplog: pytest.LogCaptureFixture) -> None:
    keyring.set_keyring(BrokenKeyring())
    source = PasswordSource()
    assert await source.lookup(account()) is None
    assert not await source.save(JID, "s3cret-save")
    assert "s3cret-save" not in caplog.text


async def test_keyring_can_be_disabled() -> None:
    backend = MemoryKeyring()
    backend.set_password(KEYRING_SERVICE, JID, "pw")
    assert await PasswordSource(backend=backend, use_keyring=False).lookup(account()) is None


# --------------------------------------------------------------------------- commands


def test_provide_password_repr_hides_the_password() -> None:
    command = ProvidePassword(account="a@b", password="hunter2", remember=True)
    assert "hunter2" not in repr(command)
    assert "hunter2" not in str(command)
    assert "a@b" in repr(command)
    assert command.password == "hunter2"
