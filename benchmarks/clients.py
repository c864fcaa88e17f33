"""The clients the side-by-side benchmark runs, each logged in as ``bench`` to a BenchWorld.

One ``Client`` per program: its name, the executable it needs (``installed()`` asks
``shutil.which``), its version, and ``launch(world, home)``, which writes a private home
(config files with the JID, the password, the server ``127.0.0.1:PORT``) into ``home``, a
fresh empty directory, and returns the argv and environment to start it in a pty
(``bench_world.PtyProcess``) so that it logs in without any interactive step.

Every client speaks STARTTLS with the world's self-signed certificate trusted as the CA
or its fingerprint pinned; none may fall back to plaintext (Prosody requires encryption
too). None joins a room or opens anything beyond what it does by default.

- ``xmpp-tui``: the real program (``python -m xmpp_tui``), ``ca_file``, password by command.
- ``reference``: ``benchmarks/reference_client.py`` (bare slixmpp, no UI, no store).
- ``poezio``: ``poezio -f CONFIG``; ``ca_cert_path`` plus the SPKI fingerprint pinned in
  ``certificate`` (what it would save after its first connection). Poezio refuses to run as
  root, so when we are root it runs as ``nobody`` (``setpriv``) with a home it owns.
- ``profanity``: ``profanity -a bench``; the account in ``$XDG_DATA_HOME/profanity/accounts``
  (``tls.policy=force``), the certificate's SHA-1 pinned in ``profanity/tlscerts`` (where
  ``/tls always`` keeps it; libstrophe's verification fails on a self-signed certificate and
  Profanity accepts it only when pinned there, else it asks).
- ``mcabber``: ``mcabber -f RC``; ``tls = 1``, ``ssl_ca`` and the SHA-256 fingerprint pinned
  (``ssl_fingerprint``), history logging on (``logging = 1``: it stores what it gets, like the
  others do by default).

Stdlib only (besides the BenchWorld it is given).
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_world import BENCH, BenchWorld, reference_argv, reference_env, xmpp_tui_config

XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR")


@dataclass(frozen=True)
class Launch:
    """How to start one client: argv and environment (its private home is already written)."""

    argv: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Client:
    name: str
    #: the executable it needs on PATH; ``None`` for the ones this checkout runs itself
    program: str | None
    #: argv that prints the version
    version_argv: Sequence[str]
    configure: Callable[[BenchWorld, Path], Launch]
    #: the pattern that picks the version out of ``version_argv``'s output
    version_pattern: str = r"\d+(?:\.\d+)+"

    def installed(self) -> bool:
        return self.program is None or shutil.which(self.program) is not None

    def version(self) -> str:
        """The version string, or ``"?"`` when the program will not say."""
        with tempfile.TemporaryDirectory(prefix="bench-version-") as home:
            try:
                proc = subprocess.run(
                    list(self.version_argv),
                    capture_output=True,
                    text=True,
                    timeout=30,
                    check=False,
                    env=_base_env(Path(home)),
                )
            except (OSError, subprocess.TimeoutExpired):
                return "?"
        found = re.search(self.version_pattern, proc.stdout + proc.stderr)
        return found[0] if found else "?"

    def launch(self, world: BenchWorld, home: Path) -> Launch:
        """Write the client's private home into ``home`` (made 0700 if missing); argv, env."""
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.configure(world, home)


def _base_env(home: Path) -> dict[str, str]:
    """The caller's environment with HOME and the XDG directories moved into ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in XDG}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        TERM="xterm-256color",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
    )
    return env


def _private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (parents made 0700), mode 0600: it holds a password."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def _der(cafile: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cafile.read_text(encoding="ascii"))


def _colons(digest: str) -> str:
    upper = digest.upper()
    return ":".join(upper[i : i + 2] for i in range(0, len(upper), 2))


def spki_sha256(cafile: Path) -> str:
    """SHA-256 of the certificate's SubjectPublicKeyInfo (Poezio's pin), via ``openssl``."""
    pubkey = subprocess.run(
        ["openssl", "x509", "-in", str(cafile), "-noout", "-pubkey"],
        capture_output=True,
        check=True,
    ).stdout
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "DER"],
        input=pubkey,
        capture_output=True,
        check=True,
    ).stdout
    return hashlib.sha256(der).hexdigest()


# -- unprivileged runs (Poezio will not run as root) ---------------------------------------


def _unprivileged(argv: list[str], home: Path) -> list[str]:
    """``argv`` as ``nobody`` when we are root (``home`` handed over to it); else as is."""
    if os.geteuid() != 0:
        return argv
    nobody = pwd.getpwnam("nobody")
    for path in [home, *home.rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid, follow_symlinks=False)
    setpriv = shutil.which("setpriv") or "setpriv"
    return [
        setpriv,
        f"--reuid={nobody.pw_uid}",
        f"--regid={nobody.pw_gid}",
        "--clear-groups",
        "--",
        *argv,
    ]


# -- the clients ---------------------------------------------------------------------------


def _xmpp_tui(world: BenchWorld, home: Path) -> Launch:
    config = xmpp_tui_config(world, home / "config.toml")
    env = {**_base_env(home), "XMPP_TUI_HOME": str(home / "xmpp-tui")}
    argv = [sys.executable, "-m", "xmpp_tui", "--config", str(config), world.jid(BENCH)]
    return Launch(argv, env)


def _reference(world: BenchWorld, home: Path) -> Launch:
    env = {**reference_env(world), **_base_env(home)}
    return Launch(reference_argv(world), env)


def _poezio(world: BenchWorld, home: Path) -> Launch:
    cafile = home / "ca.crt"
    shutil.copyfile(world.cafile, cafile)
    config = _private(
        home / ".config" / "poezio" / "poezio.cfg",
        "[Poezio]\n"
        f"jid = {world.jid(BENCH)}\n"
        f"password = {world.password}\n"
        "device_id = bench\n"
        "custom_host = 127.0.0.1\n"
        f"custom_port = {world.server.port}\n"
        "force_encryption = true\n"
        f"ca_cert_path = {cafile}\n"
        f"certificate = {_colons(spki_sha256(world.cafile))}\n"
        "rooms =\n"
        "open_all_bookmarks = false\n"
        "plugins_autoload =\n",
    )
    argv = _unprivileged(["poezio", "-f", str(config)], home)
    return Launch(argv, _base_env(home))


def _profanity(world: BenchWorld, home: Path) -> Launch:
    env = _base_env(home)
    data = Path(env["XDG_DATA_HOME"]) / "profanity"
    _private(
        data / "accounts",
        f"[{BENCH}]\n"
        "enabled=true\n"
        f"jid={world.jid(BENCH)}\n"
        "resource=profanity\n"
        "server=127.0.0.1\n"
        f"port={world.server.port}\n"
        f"password={world.password}\n"
        "tls.policy=force\n"
        "presence.login=online\n",
    )
    sha1 = hashlib.sha1(_der(world.cafile)).hexdigest()
    _private(data / "tlscerts", f"[{sha1}]\nversion=3\n")
    _private(Path(env["XDG_CONFIG_HOME"]) / "profanity" / "profrc", "[ui]\nsplash=false\n")
    return Launch(["profanity", "-a", BENCH], env)


def _mcabber(world: BenchWorld, home: Path) -> Launch:
    sha256 = hashlib.sha256(_der(world.cafile)).hexdigest()
    rc = _private(
        home / ".mcabber" / "mcabberrc",
        f"set jid = {world.jid(BENCH)}\n"
        f"set password = {world.password}\n"
        "set server = 127.0.0.1\n"
        f"set port = {world.server.port}\n"
        "set resource = mcabber\n"
        "set tls = 1\n"
        f"set ssl_ca = {world.cafile}\n"
        f"set ssl_fingerprint = SHA256:{sha256}\n"
        "set logging = 1\n"
        f"set logging_dir = {home / 'histo'}\n"
        "set beep_on_message = 0\n",
    )
    return Launch(["mcabber", "-f", str(rc)], _base_env(home))


def _poezio_version() -> list[str]:
    """Poezio's own interpreter (its script's shebang) asked for ``poezio.version``: ``poezio
    --version`` refuses to run as root."""
    script = shutil.which("poezio")
    interpreter = sys.executable
    if script is not None:
        first = Path(script).read_bytes().split(b"\n", 1)[0]
        if first.startswith(b"#!"):
            interpreter = first[2:].decode().split()[0]
    return [interpreter, "-c", "from poezio.version import __version__; print(__version__)"]


def _xmpp_tui_version() -> list[str]:
    return [sys.executable, "-m", "xmpp_tui", "--version"]


CLIENTS: dict[str, Client] = {
    client.name: client
    for client in (
        Client("xmpp-tui", None, _xmpp_tui_version(), _xmpp_tui),
        Client(
            "reference",
            None,
            [sys.executable, "-c", "import slixmpp; print(slixmpp.__version__)"],
            _reference,
        ),
        Client("poezio", "poezio", _poezio_version(), _poezio),
        Client("profanity", "profanity", ["profanity", "-v"], _profanity),
        Client("mcabber", "mcabber", ["mcabber", "-V"], _mcabber),
    )
}

__all__ = ["CLIENTS", "Client", "Launch", "spki_sha256"]
