"""A throwaway Prosody 0.12 server for the tests: one directory, loopback ports, self-signed cert.

Each instance lives in its own directory::

    ROOT/prosody.cfg.lua   rendered config
    ROOT/certs/            localhost.crt (the only CA clients trust) + localhost.key
    ROOT/data/             accounts, archives, admin socket (prosody.sock)
    ROOT/prosody.log       debug log with every stanza: read it when a test fails
    ROOT/prosody.stderr    console errors

Readiness is read from the log (``Activated service ... on [127.0.0.1]:PORT`` for every port),
never probed with a TCP connect: Prosody does not exit when a port is taken, and a connect would
reach whoever holds the port.

Manual debugging::

    python -m tests.prosody_server start DIR          # OS-chosen ports
    python -m tests.prosody_server start DIR 15000    # 15222/15223/15347/15280/15281
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Self
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import unescape as xml_unescape

from xmpp_tui.demo.server import lua_string

HOST = "localhost"
COMPONENT_SECRET = "pushsecret"
#: A second VirtualHost (users there share our local parts) and a component that forges.
OTHER_HOST = f"other.{HOST}"
SPOOF_COMPONENT = f"spoof.{HOST}"
INSTALL_HINT = "apt-get install -y prosody prosody-modules"

# Port name -> the Prosody network service that listens on it (as named in its log).
SERVICES: dict[str, str] = {
    "c2s": "c2s",  # STARTTLS
    "tls": "c2s_direct_tls",  # XEP-0368 direct TLS
    "component": "component",  # XEP-0114
    "http": "http",
    "https": "https",
}
# Offsets from a base port for the fixed-port debug mode.
_FIXED_OFFSETS: dict[str, int] = {
    "c2s": 222,
    "tls": 223,
    "component": 347,
    "http": 280,
    "https": 281,
}

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0

_FAILED_PORT = "Failed to open server port"
_ACTIVATED = re.compile(r"Activated service '([\w-]+)' on \[127\.0\.0\.1\]:(\d+)")


class ProsodyError(RuntimeError):
    """The test server could not be set up, started or driven."""


class Account(NamedTuple):
    """A registered account. Unpacks like ``jid, password = account``."""

    jid: str
    password: str


def free_ports(count: int) -> list[int]:
    """Ask the OS for ``count`` distinct free loopback TCP ports.

    All sockets stay bound until every port is known, so the ports are distinct.
    """
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def _require(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise ProsodyError(
            f"{program!r} is not on PATH; the real-server tests need Prosody 0.12: {INSTALL_HINT}"
        )
    return found


_CONFIG_TEMPLATE = """\
-- Throwaway Prosody 0.12 test server for xmpp-tui (rendered by tests/prosody_server.py).
-- Everything lives in @DIR@; listens on 127.0.0.1 only.

-- Prosody refuses to start as uid 0 unless told otherwise; ignored for ordinary users.
run_as_root = true

pidfile   = "@DIR@/prosody.pid"
data_path = "@DIR@/data"

log = {
  { levels = { min = "debug" }, to = "file", filename = "@DIR@/prosody.log" };
  { levels = { min = "error" }, to = "console" };
}

-- ---- network: loopback only ------------------------------------------------
interfaces                 = { "127.0.0.1" }
c2s_interfaces             = { "127.0.0.1" }
c2s_ports                  = { @C2S_PORT@ }          -- STARTTLS
c2s_direct_tls_interfaces  = { "127.0.0.1" }
c2s_direct_tls_ports       = { @TLS_PORT@ }          -- XEP-0368 direct TLS
component_interfaces       = { "127.0.0.1" }
component_ports            = { @COMPONENT_PORT@ }    -- XEP-0114
http_interfaces            = { "127.0.0.1" }
http_ports                 = { @HTTP_PORT@ }
https_interfaces           = { "127.0.0.1" }
https_ports                = { @HTTPS_PORT@ }
-- no federation: do not open 5269
modules_disabled = { "s2s" }

-- ---- TLS -------------------------------------------------------------------
ssl = {
  certificate = "@DIR@/certs/localhost.crt";
  key         = "@DIR@/certs/localhost.key";
}
https_ssl = {
  certificate = "@DIR@/certs/localhost.crt";
  key         = "@DIR@/certs/localhost.key";
}
c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"

-- ---- features --------------------------------------------------------------
admins = { "admin@localhost" }
allow_registration = true              -- XEP-0077; 127.0.0.1 is allow-listed

modules_enabled = {
  "roster";
  "saslauth"; "tls";
  "disco";           -- XEP-0030
  "carbons";         -- XEP-0280
  "pep";             -- XEP-0163
  "private";         -- XEP-0049
  "bookmarks";       -- XEP-0402 <-> XEP-0048
  "blocklist";       -- XEP-0191
  "vcard4"; "vcard_legacy";
  "version";         -- XEP-0092
  "uptime"; "time";
  "ping";            -- XEP-0199
  "register";        -- XEP-0077
  "mam";             -- XEP-0313 (+ XEP-0359 stanza-id)
  "smacks";          -- XEP-0198
  "csi_simple";      -- XEP-0352
  "cloud_notify";    -- XEP-0357 (prosody-modules)
  "offline";
  "posix";
  "admin_shell";     -- admin socket in data_path, used by ProsodyServer.admin()
}

-- XEP-0313: archive everything, keep it for the whole run
default_archive_policy = true
archive_expires_after = "never"
-- internal storage keeps 10,000 archive items per user by default, then truncates (the long
-- fault soak writes more: messages and receipts both ways)
storage_archive_item_limit = 1000000
max_archive_query_results = 100
-- RSM <count/> in every answer (Prosody leaves it out when archives never expire)
mam_include_total = true

-- XEP-0198: keep hibernating sessions for 2 minutes
smacks_hibernation_time = 120

-- XEP-0357: include sender/body in push summary (lets tests see them)
push_notification_with_body = true
push_notification_with_sender = true

VirtualHost "localhost"

Component "conference.localhost" "muc"
  modules_enabled = { "muc_mam"; "muc_moderation" }  -- + XEP-0425 (prosody-modules)
  muc_room_default_history_length = 20
  muc_room_locking = true
  max_history_messages = 50

Component "upload.localhost" "http_file_share"   -- XEP-0363
  http_file_share_size_limit = 10485760
  -- upload URLs under https://localhost:PORT/file_share/...: *.localhost does not resolve
  http_host = "localhost"
  http_external_url = "https://localhost:@HTTPS_PORT@/"

Component "pubsub.localhost" "pubsub"

-- External XEP-0114 component: a fake XEP-0357 app server in tests.
Component "push.localhost"
  component_secret = "@COMPONENT_SECRET@"

-- A second host on the same server: "our localpart at another domain" (spoof matrix).
VirtualHost "@OTHER_HOST@"

-- An external component that sends forgeries (spoof matrix); same secret.
Component "@SPOOF_COMPONENT@"
  component_secret = "@COMPONENT_SECRET@"

-- External XEP-0114 component: the load generator (tests/flood.py), any number of senders.
Component "loadgen.localhost"
  component_secret = "@COMPONENT_SECRET@"
"""


class ProsodyServer:
    """One Prosody child process serving ``localhost`` on loopback ports.

    Typical use: ``setup(root)``, ``start()``, ``unique_user()`` per test, ``stop()``.
    """

    host = HOST

    def __init__(self) -> None:
        self._root: Path | None = None
        self._ports: dict[str, int] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._paused = False

    # ---- paths and ports ---------------------------------------------------

    @property
    def root(self) -> Path:
        if self._root is None:
            raise ProsodyError("ProsodyServer.setup() has not been called")
        return self._root

    @property
    def config_path(self) -> Path:
        return self.root / "prosody.cfg.lua"

    @property
    def log_path(self) -> Path:
        return self.root / "prosody.log"

    @property
    def stderr_path(self) -> Path:
        return self.root / "prosody.stderr"

    @property
    def cafile(self) -> Path:
        """The self-signed certificate: the only CA a test client should trust."""
        return self.root / "certs" / "localhost.crt"

    @property
    def keyfile(self) -> Path:
        return self.root / "certs" / "localhost.key"

    @property
    def admin_socket(self) -> Path:
        return self.root / "data" / "prosody.sock"

    @property
    def ports(self) -> Mapping[str, int]:
        """Port by name: ``c2s``, ``tls``, ``component``, ``http``, ``https``."""
        if not self._ports:
            raise ProsodyError("ProsodyServer.setup() has not been called")
        return dict(self._ports)

    @property
    def c2s_port(self) -> int:
        """Client port with STARTTLS."""
        return self.ports["c2s"]

    @property
    def tls_port(self) -> int:
        """Client port with direct TLS (XEP-0368)."""
        return self.ports["tls"]

    @property
    def component_port(self) -> int:
        return self.ports["component"]

    @property
    def http_port(self) -> int:
        return self.ports["http"]

    @property
    def https_port(self) -> int:
        return self.ports["https"]

    @property
    def component_secret(self) -> str:
        """Secret of the ``push.localhost`` XEP-0114 component."""
        return COMPONENT_SECRET

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ---- setup -------------------------------------------------------------

    def setup(
        self,
        root: Path,
        *,
        ports: Mapping[str, int] | None = None,
        base_port: int | None = None,
    ) -> None:
        """Create ROOT with a certificate and a rendered config.

        Ports are picked by the OS unless given: ``ports`` overrides single ones
        (``{"c2s": 15222}``), ``base_port`` fixes all of them (15000 gives 15222/15223/...).
        """
        _require("prosody")
        _require("prosodyctl")
        unknown = set(ports or {}) - set(SERVICES)
        if unknown:
            raise ProsodyError(f"unknown port names {sorted(unknown)}; known: {list(SERVICES)}")
        if base_port is not None:
            chosen = {name: base_port + offset for name, offset in _FIXED_OFFSETS.items()}
        else:
            chosen = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
        chosen.update(ports or {})

        self._root = root.resolve()
        self._ports = chosen
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        (self.root / "certs").mkdir(exist_ok=True)
        self._make_cert()
        self.config_path.write_text(self._render_config(), encoding="utf-8")

    def _make_cert(self) -> None:
        if self.cafile.exists() and self.keyfile.exists():
            return
        sans = ",".join(
            [f"DNS:{HOST}"]
            + [
                f"DNS:{sub}.{HOST}"
                for sub in ("conference", "upload", "pubsub", "push", "other", "spoof")
            ]
            + ["IP:127.0.0.1"]
        )
        # fmt: off
        cmd = [
            _require("openssl"), "req", "-x509", "-nodes", "-days", "3650",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-subj", f"/CN={HOST}",
            "-addext", f"subjectAltName={sans}",
            "-keyout", str(self.keyfile), "-out", str(self.cafile),
        ]
        # fmt: on
        _run(cmd, "openssl req")
        self.keyfile.chmod(0o600)

    def _render_config(self) -> str:
        text = _CONFIG_TEMPLATE
        values = {
            "DIR": str(self.root),
            "COMPONENT_SECRET": COMPONENT_SECRET,
            "OTHER_HOST": OTHER_HOST,
            "SPOOF_COMPONENT": SPOOF_COMPONENT,
            **{f"{name.upper()}_PORT": str(port) for name, port in self._ports.items()},
        }
        for key, value in values.items():
            text = text.replace(f"@{key}@", value)
        if "@" in text.replace("@localhost", ""):
            raise ProsodyError("config template has an unfilled placeholder")
        return text

    # ---- users -------------------------------------------------------------

    def adduser(self, user: str, password: str, host: str = HOST) -> Account:
        """Register ``user@localhost`` (or ``user@host``). Works before and after ``start()``.

        While the server runs this goes through the admin socket (about 1 ms);
        otherwise through ``prosodyctl register`` (about 50 ms).
        """
        jid = f"{user}@{host}"
        if self.running and self.admin_socket.exists():
            self.admin(f"user:create({lua_string(jid)}, {lua_string(password)})")
        else:
            self.prosodyctl("register", user, host, password)
        return Account(jid, password)

    def unique_user(self, prefix: str = "user") -> Account:
        """Register a fresh user with a random name and password."""
        return self.adduser(f"{prefix}-{secrets.token_hex(5)}", secrets.token_urlsafe(12))

    def prosodyctl(self, *args: str) -> str:
        """Run ``prosodyctl --config CFG ARGS...`` and return its stdout."""
        cmd = [_require("prosodyctl"), "--config", str(self.config_path), *args]
        return _run(cmd, f"prosodyctl {args[0] if args else ''}")

    def admin(self, command: str, timeout: float = 10.0) -> str:
        """Run one admin-shell command (``"c2s:show()"``) over the admin socket.

        The same as ``prosodyctl --config CFG shell COMMAND`` but without starting Lua.
        Returns the output; raises ProsodyError when the command reports an error.
        """
        if not self.running:
            raise ProsodyError("admin(): the server is not running")
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            while True:  # the socket file exists a moment before listen()
                try:
                    sock.connect(str(self.admin_socket))
                    break
                except (ConnectionRefusedError, FileNotFoundError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
            sock.sendall(
                b"<?xml version='1.0'?>"
                b"<stream:stream xmlns='xmpp:prosody.im/admin'"
                b" xmlns:stream='http://etherx.jabber.org/streams'>"
                + f"<repl-input>{xml_escape(command)}</repl-input>".encode()
            )
            received = b""
            while b"</repl-result>" not in received:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ProsodyError(f"admin socket closed during {command!r}: {received!r}")
                received += chunk
            with contextlib.suppress(OSError):
                sock.sendall(b"</stream:stream>")
        return _parse_repl(command, received.decode())

    # ---- lifecycle ---------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start ``prosody -F`` and wait until every port is active (raises otherwise)."""
        if self.running:
            raise ProsodyError("already running")
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with contextlib.suppress(FileNotFoundError):
            self.admin_socket.unlink()
        with self.stderr_path.open("ab") as stderr:
            self._proc = subprocess.Popen(
                [_require("prosody"), "-F", "--config", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
                cwd=self.root,
            )
        self._paused = False
        try:
            self._wait_ready(offset, timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, offset: int, timeout: float) -> None:
        proc = self._proc
        assert proc is not None
        expected = {(SERVICES[name], port) for name, port in self._ports.items()}
        deadline = time.monotonic() + timeout
        text = ""
        while True:
            text = self._read_log(offset)
            if _FAILED_PORT in text:
                line = next(ln for ln in text.splitlines() if _FAILED_PORT in ln)
                raise ProsodyError(
                    f"Prosody could not listen: {line.strip()} (log: {self.log_path})"
                )
            active = {(m[1], int(m[2])) for m in _ACTIVATED.finditer(text)}
            if expected <= active and self.admin_socket.exists():
                return
            if proc.poll() is not None:
                raise ProsodyError(
                    f"Prosody exited with status {proc.returncode} during start-up: "
                    f"{self._tail(self.stderr_path)!r} (log: {self.log_path})"
                )
            if time.monotonic() > deadline:
                raise ProsodyError(
                    f"Prosody not ready after {timeout:.0f} s; still waiting for "
                    f"{sorted(expected - active)} (log: {self.log_path})"
                )
            time.sleep(0.01)

    def _read_log(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                return log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    @staticmethod
    def _tail(path: Path, size: int = 2000) -> str:
        try:
            return path.read_bytes()[-size:].decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds. Returns the exit status."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            if self._paused:  # a stopped process only sees SIGTERM once continued
                proc.send_signal(signal.SIGCONT)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._proc = None
        self._paused = False
        return proc.returncode

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, nothing is answered."""
        self._signal(signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        """Undo ``pause()`` (SIGCONT)."""
        self._signal(signal.SIGCONT)
        self._paused = False

    def _signal(self, sig: signal.Signals) -> None:
        if self._proc is None or self._proc.poll() is not None:
            raise ProsodyError("the server is not running")
        self._proc.send_signal(sig)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


_REPL = re.compile(
    r"<repl-(output|result)(?:\s+type=['\"](\w+)['\"])?\s*(?:/>|>(.*?)</repl-\1>)", re.S
)


def _parse_repl(command: str, received: str) -> str:
    lines: list[str] = []
    error = False
    for kind, kind_type, body in _REPL.findall(received):
        text = xml_unescape(body, {"&apos;": "'", "&quot;": '"'})
        if kind_type == "error":
            error = True
        if text:
            lines.append(text)
        if kind == "result":
            break
    output = "\n".join(lines)
    if error:
        raise ProsodyError(f"admin command {command!r} failed: {output}")
    return output


def _run(cmd: list[str], what: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise ProsodyError(
            f"{what} failed with status {proc.returncode}: "
            f"{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc.stdout


def _main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "start":
        print("usage: python -m tests.prosody_server start DIR [BASE_PORT]", file=sys.stderr)
        return 2

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    server = ProsodyServer()
    server.setup(Path(argv[1]), base_port=int(argv[2]) if len(argv) > 2 else None)
    server.start()
    print(f"Prosody running (pid {server.pid}); Ctrl-C stops it.")
    print(f"  config  {server.config_path}")
    print(f"  log     {server.log_path}")
    print(f"  cafile  {server.cafile}")
    for name, port in server.ports.items():
        print(f"  {name:<10}127.0.0.1:{port}")
    print(f"  register: prosodyctl --config {server.config_path} register USER localhost PASSWORD")
    try:
        while server.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        status = server.stop()
    print(f"Prosody stopped (status {status}).")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
