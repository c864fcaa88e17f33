"""Where passwords come from: the account's password_command, then the system keyring.

Nothing here writes a password anywhere except through a secure keyring backend, and
no message or log line contains one. If neither source has the password, ``lookup``
returns None and the UI asks the user.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.settings import AccountSettings

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

KEYRING_SERVICE = "xmpp-tui"
COMMAND_TIMEOUT = 30.0
_STDERR_LIMIT = 200

#: Backend modules that store secrets unencrypted or not at all (keyrings.alt is
#: documented as "not recommended": plaintext files, or encrypted ones that prompt on
#: the terminal).
_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")
_INSECURE_NAME_PARTS = ("plaintext", "plain", "null", "fail", "unencrypted", "insecure")


def _is_secure(backend: KeyringBackend) -> bool:
    cls = type(backend)
    module = cls.__module__ or ""
    name = cls.__name__.lower()
    if any(module == bad or module.startswith(bad + ".") for bad in _INSECURE_MODULES):
        return False
    if any(part in name for part in _INSECURE_NAME_PARTS):
        return False
    try:
        priority = float(backend.priority)
    except Exception:  # noqa: BLE001 - a backend whose priority fails is not viable
        return False
    return priority > 0


def secure_backend(backend: KeyringBackend | None = None) -> KeyringBackend | None:
    """The secure backend to use (``backend`` or keyring's choice), or None.

    A chainer is looked through: its highest-priority secure member is used alone, so
    an insecure member can never be read from or written to. May block (D-Bus).
    """
    try:
        if backend is None:
            import keyring

            backend = keyring.get_keyring()
        from keyring.backends.chainer import ChainerBackend

        if isinstance(backend, ChainerBackend):
            members: list[KeyringBackend] = list(backend.backends)
            return next((m for m in members if _is_secure(m)), None)
    except Exception as exc:  # noqa: BLE001 - any keyring failure means "no keyring"
        log.warning("keyring unavailable: %s: %s", type(exc).__name__, exc)
        return None
    return backend if _is_secure(backend) else None


def keyring_usable() -> bool:
    """True if the system keyring is a real secret store (not fail/null/plaintext)."""
    return secure_backend() is not None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    line = text.split("\n", 1)[0].rstrip("\r")
    line = "".join(ch if ch.isprintable() else "?" for ch in line)
    return line if len(line) <= _STDERR_LIMIT else line[: _STDERR_LIMIT - 3] + "..."


async def run_password_command(jid: str, command: str, time_limit: float = COMMAND_TIMEOUT) -> str:
    """Run ``command`` with ``/bin/sh -c``; return its stdout's first line.

    Raises UserFacingError (naming the account, the exit status and the first stderr
    line, never the command's output or the command text) if it fails, times out or
    prints nothing.
    """
    hint = "check password_command in the config file"
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        process_group=0,  # its own group, so a timeout can kill the whole pipeline
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), time_limit)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise UserFacingError(
            f"password_command for {jid} did not finish within {time_limit:g} s", hint
        ) from None
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        raise
    status = proc.returncode
    if status != 0:
        if status is not None and status < 0:
            how = f"was killed by signal {-status}"
        else:
            how = f"failed with exit status {status}"
        err = _first_line(stderr)
        raise UserFacingError(
            f"password_command for {jid} {how}" + (f": {err}" if err else ""), hint
        )
    try:
        text = stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise UserFacingError(
            f"password_command for {jid} printed something that is not UTF-8", hint
        ) from None
    password = text.split("\n", 1)[0].rstrip("\r")
    if not password:
        raise UserFacingError(f"password_command for {jid} printed an empty first line", hint)
    return password


class PasswordSource:
    """Finds an account's password: password_command first, then the keyring.

    ``backend`` picks a keyring backend explicitly (tests); by default keyring's own
    choice is used, and only if it is a secure store.
    """

    def __init__(
        self,
        *,
        backend: KeyringBackend | None = None,
        use_keyring: bool = True,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        self._backend = backend
        self._use_keyring = use_keyring
        self._command_timeout = command_timeout

    async def _keyring(self) -> KeyringBackend | None:
        if not self._use_keyring:
            return None
        return await asyncio.to_thread(secure_backend, self._backend)

    async def keyring_usable(self) -> bool:
        return await self._keyring() is not None

    async def lookup(self, account: AccountSettings) -> str | None:
        """The password, or None if the UI has to ask.

        Raises UserFacingError if the account's password_command fails.
        """
        if account.password_command:
            return await run_password_command(
                account.jid, account.password_command, self._command_timeout
            )
        backend = await self._keyring()
        if backend is None:
            return None
        try:
            password = await asyncio.to_thread(backend.get_password, KEYRING_SERVICE, account.jid)
        except Exception as exc:  # noqa: BLE001 - a broken keyring counts as none
            log.warning(
                "keyring lookup for %s failed: %s: %s", account.jid, type(exc).__name__, exc
            )
            return None
        return password if isinstance(password, str) and password else None

    async def save(self, jid: str, password: str) -> bool:
        """Store the password in the keyring if it is secure.

        Never raises for a keyring problem: returns True if the password was stored,
        False if it was not (no secure keyring, or the keyring refused; the reason is
        logged without the password). The caller tells the user when it is False.
        """
        backend = await self._keyring()
        if backend is None:
            log.info("no secure keyring; password for %s not saved", jid)
            return False
        try:
            await asyncio.to_thread(backend.set_password, KEYRING_SERVICE, jid, password)
        except Exception as exc:  # noqa: BLE001 - a broken keyring counts as none
            log.warning("keyring save for %s failed: %s", jid, type(exc).__name__)
            return False
        return True

    async def forget(self, jid: str) -> bool:
        """Delete the account's keyring entry; False if there was none or no secure keyring."""
        backend = await self._keyring()
        if backend is None:
            return False
        try:
            if await asyncio.to_thread(backend.get_password, KEYRING_SERVICE, jid) is None:
                return False
            await asyncio.to_thread(backend.delete_password, KEYRING_SERVICE, jid)
        except Exception as exc:  # noqa: BLE001 - a broken keyring counts as none
            log.warning("keyring delete for %s failed: %s", jid, type(exc).__name__)
            return False
        return True
