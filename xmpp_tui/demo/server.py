"""A private Prosody for the demo (and the memory benchmark): loopback only, one free port.

Everything lives in one directory, which the caller creates private (0700)::

    ROOT/prosody.cfg.lua   rendered config
    ROOT/certs/            localhost.crt (self-signed: the only CA the demo trusts) + .key
    ROOT/data/             accounts, rosters, archives
    ROOT/prosody.log       info log

The certificate is made with the ``openssl`` command (Prosody's own ``prosodyctl cert``
uses it too, and Debian's prosody package pulls it in), so the program needs no
cryptography library. Accounts and rosters are written into Prosody's data files before it
starts (its ``internal_hashed`` SCRAM-SHA-1 records), so nothing needs the admin socket,
whose path would be too long for a Unix socket under a deep TMPDIR. Readiness is read from
the log (``Activated service 'c2s' on [127.0.0.1]:PORT``), never probed with a connect.
Stdlib only: no Textual, no slixmpp.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

HOST = "localhost"
MUC_HOST = f"conference.{HOST}"
PROGRAMS = ("prosody", "prosodyctl", "openssl")
INSTALL_HINT = (
    "install Prosody (it brings openssl): sudo apt-get install prosody "
    "(Debian/Ubuntu), sudo dnf install prosody (Fedora), brew install prosody (macOS)"
)
#: SCRAM iteration count of the demo accounts (RFC 7677's minimum).
ITERATIONS = 4096
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

_ACTIVATED = re.compile(r"Activated service 'c2s' on \[127\.0\.0\.1\]:(\d+)")
_FAILED_PORT = "Failed to open server port"
_LOCAL_PART = re.compile(r"[a-z0-9]{1,40}")

_CONFIG = """\
-- Private Prosody for xmpp-tui --demo (rendered by xmpp_tui/demo/server.py).
-- Everything lives in @DIR@; it listens on 127.0.0.1 only and is removed on exit.
run_as_root = true
pidfile   = "@DIR@/prosody.pid"
data_path = "@DIR@/data"
log = { { levels = { min = "info" }, to = "file", filename = "@DIR@/prosody.log" } }

interfaces     = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports      = { @C2S_PORT@ }
c2s_direct_tls_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }
modules_disabled = { "s2s" }

ssl = { certificate = "@DIR@/certs/localhost.crt"; key = "@DIR@/certs/localhost.key"; }
c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"

modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "carbons"; "pep"; "private"; "bookmarks";
  "blocklist"; "vcard4"; "vcard_legacy"; "version"; "uptime"; "time"; "ping";
  "mam"; "smacks"; "csi_simple"; "offline"; "posix";
}
default_archive_policy = true
archive_expires_after = "never"

VirtualHost "localhost"

Component "conference.localhost" "muc"
  modules_enabled = { "muc_mam" }
  muc_room_default_history_length = 20
  muc_room_default_persistent = true
"""


class DemoServerError(RuntimeError):
    """The demo server could not be set up, started or driven (one line, for the user)."""


def missing_programs(programs: Iterable[str] = PROGRAMS) -> list[str]:
    """The programs the demo needs that are not on PATH."""
    return [name for name in programs if shutil.which(name) is None]


def free_port() -> int:
    """A free loopback TCP port, picked by the OS."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lua_string(value: str) -> str:
    """A Lua string literal for ``value`` (data files, admin-shell arguments)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def roster_lua(items: Mapping[str, str]) -> str:
    """Prosody's stored roster (``data/HOST/roster/USER.dat``): every contact subscribed
    both ways; ``items`` maps a bare JID to its display name."""
    lines = ["return {", '  [false] = { ["version"] = 1; };']
    for jid, name in items.items():
        lines.append(
            f'  [{lua_string(jid)}] = {{ ["subscription"] = "both"; '
            f'["name"] = {lua_string(name)}; ["groups"] = {{ }}; }};'
        )
    lines.append("};")
    return "\n".join(lines) + "\n"


class DemoServer:
    """One Prosody child process serving ``localhost`` on one loopback port.

    ``setup()`` (cert, config), ``adduser()`` and ``write_roster()``, ``start()``, ``stop()``.
    """

    host = HOST

    def __init__(self, root: Path) -> None:
        self.root = root.absolute()
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def cafile(self) -> Path:
        return self.root / "certs" / "localhost.crt"

    @property
    def config_path(self) -> Path:
        return self.root / "prosody.cfg.lua"

    @property
    def log_path(self) -> Path:
        return self.root / "prosody.log"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def setup(self) -> None:
        """Create the certificate and the config; pick the port."""
        missing = missing_programs()
        if missing:
            raise DemoServerError(f"{', '.join(missing)} not found; {INSTALL_HINT}")
        (self.root / "data" / HOST / "roster").mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.root / "certs").mkdir(mode=0o700, exist_ok=True)
        key = self.root / "certs" / "localhost.key"
        sans = f"DNS:{HOST},DNS:{MUC_HOST},IP:127.0.0.1"
        # fmt: off
        _run([
            _program("openssl"), "req", "-x509", "-nodes", "-days", "30",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName={sans}",
            "-keyout", str(key), "-out", str(self.cafile),
        ], "openssl req")
        # fmt: on
        key.chmod(0o600)
        self.port = free_port()
        text = _CONFIG.replace("@DIR@", str(self.root)).replace("@C2S_PORT@", str(self.port))
        self.config_path.write_text(text, encoding="utf-8")

    def write_roster(self, user: str, items: Mapping[str, str]) -> None:
        """Give ``user`` these contacts, subscribed both ways (before ``start()``)."""
        if not _LOCAL_PART.fullmatch(user):
            raise DemoServerError(f"demo user names are [a-z0-9]+, not {user!r}")
        path = self.root / "data" / HOST / "roster" / f"{user}.dat"
        path.write_text(roster_lua(items), encoding="utf-8")

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start ``prosody -F`` and wait until the client port is up."""
        with (self.root / "prosody.stderr").open("ab") as stderr:
            self._proc = subprocess.Popen(  # noqa: S603 - a fixed argv, no shell
                [_program("prosody"), "-F", "--config", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # Ctrl+C in the terminal is ours to handle
                cwd=self.root,
            )
        deadline = time.monotonic() + timeout
        try:
            while True:
                text = self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""
                if _FAILED_PORT in text:
                    raise DemoServerError(f"Prosody could not listen on port {self.port}")
                ports = {int(m[1]) for m in _ACTIVATED.finditer(text)}
                if self.port in ports:
                    return
                if self._proc.poll() is not None:
                    raise DemoServerError(
                        f"Prosody exited with status {self._proc.returncode} while starting "
                        f"(see {self.log_path})"
                    )
                if time.monotonic() > deadline:
                    raise DemoServerError(f"Prosody was not ready within {timeout:g} s")
                time.sleep(0.02)
        except BaseException:
            self.stop()
            raise

    def adduser(self, user: str, password: str) -> str:
        """Register ``user@localhost`` (before ``start()``); returns the JID.

        Writes the record Prosody's ``internal_hashed`` keeps: SCRAM-SHA-1 stored and server
        keys (hex), salt and iteration count; never the password itself.
        """
        if self.running:
            raise DemoServerError("demo users are made before the server starts")
        if not _LOCAL_PART.fullmatch(user):
            raise DemoServerError(f"demo user names are [a-z0-9]+, not {user!r}")
        salt = str(uuid.uuid4())
        salted = hashlib.pbkdf2_hmac("sha1", password.encode(), salt.encode(), ITERATIONS)
        client_key = hmac.digest(salted, b"Client Key", "sha1")
        stored_key = hashlib.sha1(client_key).hexdigest()  # noqa: S324 - SCRAM-SHA-1 (RFC 5802)
        server_key = hmac.digest(salted, b"Server Key", "sha1").hex()
        record = (
            "return {\n"
            f'  ["stored_key"] = {lua_string(stored_key)};\n'
            f'  ["server_key"] = {lua_string(server_key)};\n'
            f'  ["salt"] = {lua_string(salt)};\n'
            f'  ["iteration_count"] = {ITERATIONS};\n'
            "};\n"
        )
        accounts = self.root / "data" / HOST / "accounts"
        accounts.mkdir(mode=0o700, parents=True, exist_ok=True)
        (accounts / f"{user}.dat").write_text(record, encoding="utf-8")
        return f"{user}@{HOST}"

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds. Safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DemoServerError(f"{name} not found; {INSTALL_HINT}")
    return found


def _run(cmd: list[str], what: str) -> None:
    try:
        proc = subprocess.run(  # noqa: S603 - a fixed argv, no shell
            cmd, capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DemoServerError(f"{what} failed: {exc}") from None
    if proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise DemoServerError(f"{what} failed: {detail[-1] if detail else proc.returncode}")
