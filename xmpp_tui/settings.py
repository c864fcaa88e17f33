"""Settings: frozen dataclasses from the TOML config file merged with the command line.

Every problem in the file is a ConfigError whose text is one line naming the file, the
key (``accounts[1].server``) and the fix. See docs/configuration.md.
"""

from __future__ import annotations

import argparse
import difflib
import ipaddress
import os
import re
import stat
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from xmpp_tui.core.errors import ConfigError, InvalidJidError, UserFacingError
from xmpp_tui.notification_settings import TERMINAL_KEYS, NotificationSettings, parse_notifications

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LOG_LEVEL = "WARNING"

_TOP_LEVEL_KEYS = ("accounts", "idle_inactive_after", "theme", "notifications", *TERMINAL_KEYS)
#: Longest ``idle_inactive_after`` accepted (a day), in seconds.
MAX_IDLE_INACTIVE_AFTER = 86400
_THEME_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_ACCOUNT_KEYS = (
    "jid",
    "server",
    "direct_tls",
    "ca_file",
    "resource",
    "password_command",
    "chat_states",
    "read_markers",
    "push_service",
    "push_node",
)


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One account to connect. ``host``/``port`` None means: use DNS SRV / the default port."""

    jid: str  # bare, normalised
    host: str | None = None
    port: int | None = None
    direct_tls: bool = False
    ca_file: Path | None = None
    resource: str | None = None
    password_command: str | None = None
    send_chat_states: bool = True  # XEP-0085 "typing..." notifications to contacts
    send_read_markers: bool = True  # XEP-0333 "displayed" markers to contacts
    #: XEP-0357: the app server to enable at every fresh session, and this device's node
    #: there (None: the one ``/push enable`` stored, or a generated one).
    push_service: str | None = None
    push_node: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app needs from the outside world.

    ``config_path`` is the config file that was read, or None when none was.
    """

    accounts: tuple[AccountSettings, ...]
    config_path: Path | None = None
    log_level: str = DEFAULT_LOG_LEVEL
    #: XEP-0352: seconds without a key press before the server is told "inactive"; 0: off.
    idle_inactive_after: float = 0.0
    #: The colour theme's name (a file in themes/ or the user's themes dir); None: the default.
    theme: str | None = None
    #: Bell, terminal notification escape, notify_command, terminal title, mouse.
    notifications: NotificationSettings = field(default_factory=NotificationSettings)


# --------------------------------------------------------------------------- helpers


def display_path(path: Path) -> str:
    """``path`` with the home directory shown as ``~`` (for messages)."""
    path = path.absolute()
    try:
        home = Path.home()
    except RuntimeError:
        return str(path)
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def _toml_value(value: object) -> str:
    """A value as it would look in TOML, short, on one line (for messages)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped)
        return f'"{shown}"'
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def _suggest(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    if close:
        return f"did you mean {close[0]}?"
    return "known keys: " + ", ".join(known)


def _jid_error_text(exc: InvalidJidError) -> str:
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


def parse_server(text: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address.

    Raises ValueError with a message fit to follow "server ..." (no file or key).
    """
    text = text.strip()
    if not text:
        raise ValueError("is empty; write host or host:port")
    port_text: str | None = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"{_toml_value(text)} has no closing ]; write [2001:db8::1]:5222")
        host = text[1:end]
        rest = text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"{_toml_value(text)} is not [address]:port")
            port_text = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{_toml_value(host)} in brackets is not an IPv6 address") from None
    elif text.count(":") > 1:
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            raise ValueError(
                f"{_toml_value(text)} is not host:port; put an IPv6 address in brackets: "
                "[2001:db8::1]:5222"
            ) from None
        host = text
    else:
        host, sep, port_text_part = text.partition(":")
        if sep:
            port_text = port_text_part
    if not host or any(ch.isspace() or ch in "/@[]" for ch in host):
        raise ValueError(f"{_toml_value(text)} is not a host name; write host or host:port")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(
            f"has port {_toml_value(port_text)}; the port must be a number from 1 to 65535"
        )
    return host, int(port_text)


def _parse_jid(text: str) -> tuple[str, str, str | None]:
    """(bare, local, resource) via core.jid; InvalidJidError passes through."""
    from xmpp_tui.core.jid import parse_jid  # lazy: it loads slixmpp.jid

    parsed = parse_jid(text)
    return parsed.bare, parsed.local or "", parsed.resource or None


def _check_resource(bare: str, resource: str) -> str:
    """Validate a resource by parsing ``bare/resource``; returns the normalised resource."""
    from xmpp_tui.core.jid import parse_jid

    parsed = parse_jid(f"{bare}/{resource}")
    return parsed.resource or resource


def _check_file_safety(path: Path, info: os.stat_result) -> None:
    """Refuse a config file that someone else can change (SECURITY.md T14).

    The file may hold a ``password_command``, which is run by the shell: whoever can
    write it can run commands as the user.
    """
    where = display_path(path)
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWOTH:
        raise ConfigError(
            f"{where}: anyone on this machine can change this file (mode {mode:04o}); "
            f"run chmod 600 {where}"
        )
    if mode & stat.S_IWGRP:
        raise ConfigError(
            f"{where}: other users in its group can change this file (mode {mode:04o}); "
            f"run chmod 600 {where}"
        )
    if info.st_uid not in (os.getuid(), 0):
        raise ConfigError(
            f"{where}: owned by another user (uid {info.st_uid}); "
            "use a config file of your own (--config PATH)"
        )


def _ca_file_problem(path: Path) -> str | None:
    """Why ``path`` cannot serve as ``ca_file``, or None if it holds PEM certificates.

    Loads it the way the connection will, so a bad file fails here, with the key named,
    and not later inside an account's connection attempt.
    """
    import ssl  # lazy: --version and --help should not pay for it

    if not path.is_file():
        return "not found"
    try:
        # A bare client context: checks the file as the connection will, without first
        # loading the system trust store (~20 ms at every start).
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=str(path))
    except ssl.SSLError as exc:
        detail = exc.reason or (exc.args[-1] if exc.args else "") or type(exc).__name__
        detail = str(detail).split(" (_ssl.c:", 1)[0]  # OpenSSL's source location
        return f"holds no PEM certificate ({detail})"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


# --------------------------------------------------------------------------- config file


def load_config(path: Path) -> tuple[AccountSettings, ...]:
    """Read and validate the config file at ``path``; raise ConfigError (one line) if bad."""
    return _parse_document(_read_toml(path), path)


def parse_config_text(text: str, path: Path) -> tuple[AccountSettings, ...]:
    """The accounts of config ``text`` as if read from ``path``; ConfigError if it is bad.

    The config writer (`config_writer.py`) checks every edit with this before writing it.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(f"{display_path(path)}: invalid TOML: {detail}") from None
    _parse_idle(data, path)
    _parse_theme(data, path)
    return _parse_document(data, path)


def load_config_file(path: Path) -> tuple[tuple[AccountSettings, ...], float]:
    """`load_config` plus the top-level ``idle_inactive_after`` (seconds, 0 = off)."""
    accounts, idle, _theme, _notifications = _load_whole_config(path)
    return accounts, idle


def _load_whole_config(
    path: Path,
) -> tuple[tuple[AccountSettings, ...], float, str | None, NotificationSettings]:
    """Accounts, ``idle_inactive_after``, ``theme`` (None: not set) and notifications."""
    data = _read_toml(path)
    accounts = _parse_document(data, path)
    notifications = parse_notifications(data, display_path(path))
    return accounts, _parse_idle(data, path), _parse_theme(data, path), notifications


def _read_toml(path: Path) -> dict[str, Any]:
    where = display_path(path)
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ConfigError(f"{where}: not a regular file; point --config at a TOML file")
            _check_file_safety(path, info)
            raw = handle.read()
    except FileNotFoundError:
        raise ConfigError(
            f"{where}: no such file; create it or point --config at an existing file"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a directory; point --config at a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read it: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(f"{where}: invalid TOML: {detail}") from None
    return data


def _parse_idle(data: dict[str, Any], path: Path) -> float:
    value = data.get("idle_inactive_after", 0)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= MAX_IDLE_INACTIVE_AFTER
    ):
        raise ConfigError(
            f"{display_path(path)}: idle_inactive_after must be a number of seconds from 0 "
            f"(off) to {MAX_IDLE_INACTIVE_AFTER}, not {_toml_value(value)}; "
            "write idle_inactive_after = 300"
        )
    return float(value)


def _parse_theme(data: dict[str, Any], path: Path) -> str | None:
    """The theme's name; whether such a theme exists is checked when the app starts."""
    value = data.get("theme")
    if value is None:
        return None
    if not isinstance(value, str) or not _THEME_NAME.fullmatch(value):
        raise ConfigError(
            f"{display_path(path)}: theme must be a theme's name in quotes (lower-case letters, "
            f'digits, - and _), not {_toml_value(value)}; write theme = "light"'
        )
    return value


def _parse_document(data: dict[str, Any], path: Path) -> tuple[AccountSettings, ...]:
    where = display_path(path)
    for key in data:
        if key not in _TOP_LEVEL_KEYS:
            raise ConfigError(f"{where}: unknown key {key}; {_suggest(key, _TOP_LEVEL_KEYS)}")
    raw_accounts = data.get("accounts", [])
    if not isinstance(raw_accounts, list) or not all(isinstance(a, dict) for a in raw_accounts):
        raise ConfigError(
            f"{where}: accounts must be a list of [[accounts]] tables, "
            f'not {_toml_value(raw_accounts)}; write [[accounts]] then jid = "..."'
        )
    accounts: list[AccountSettings] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(raw_accounts):
        account = _parse_account(table, index, path)
        if account.jid in seen:
            raise ConfigError(
                f"{where}: accounts[{index}].jid {account.jid} is already accounts"
                f"[{seen[account.jid]}]; remove one of them"
            )
        seen[account.jid] = index
        accounts.append(account)
    return tuple(accounts)


def _parse_account(table: dict[str, Any], index: int, path: Path) -> AccountSettings:
    where = display_path(path)
    prefix = f"accounts[{index}]"

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}: {prefix}.{key} {problem}")

    for key in table:
        if key in ("password", "pass", "passwd", "secret"):
            raise fail(
                key,
                "is not allowed: passwords never go in the config file; use "
                'password_command = "..." or the system keyring (or type it when asked)',
            )
        if key not in _ACCOUNT_KEYS:
            raise fail(key, f"is not a known key; {_suggest(key, _ACCOUNT_KEYS)}")

    def string(key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise fail(key, f"must be a string in quotes, not {_toml_value(value)}")
        if not value.strip():
            raise fail(key, "is empty; remove the line or give a value")
        return value

    jid_text = string("jid")
    if jid_text is None:
        raise ConfigError(
            f'{where}: {prefix} has no jid; add jid = "you@example.org" to this [[accounts]] table'
        )
    try:
        bare, local, resource = _parse_jid(jid_text)
    except InvalidJidError as exc:
        raise fail("jid", f"is invalid: {_jid_error_text(exc)}") from None
    if resource is not None:
        raise fail(
            "jid",
            f'{_toml_value(jid_text)} has a resource; write jid = "{bare}" and '
            f'resource = "{resource}"',
        )
    if not local:
        raise fail("jid", f"{_toml_value(jid_text)} has no user part; write user@{bare}")

    host: str | None = None
    port: int | None = None
    server = string("server")
    if server is not None:
        try:
            host, port = parse_server(server)
        except ValueError as exc:
            raise fail("server", str(exc)) from None

    direct_tls = table.get("direct_tls", False)
    if not isinstance(direct_tls, bool):
        raise fail("direct_tls", f"must be true or false, not {_toml_value(direct_tls)}")

    ca_file: Path | None = None
    ca_text = string("ca_file")
    if ca_text is not None:
        candidate = Path(ca_text).expanduser()
        if not candidate.is_absolute():
            candidate = path.parent.absolute() / candidate
        problem = _ca_file_problem(candidate)
        if problem is not None:
            raise fail(
                "ca_file",
                f"{display_path(candidate)} {problem}; give the path of a PEM file "
                "(relative paths start at the config file's directory)",
            )
        ca_file = candidate

    resource_text = string("resource")
    resource_value: str | None = None
    if resource_text is not None:
        try:
            resource_value = _check_resource(bare, resource_text)
        except InvalidJidError as exc:
            raise fail("resource", f"is invalid: {exc.message}") from None

    password_command = string("password_command")
    chat_states = table.get("chat_states", True)
    if not isinstance(chat_states, bool):
        raise fail("chat_states", f"must be true or false, not {_toml_value(chat_states)}")
    read_markers = table.get("read_markers", True)
    if not isinstance(read_markers, bool):
        raise fail("read_markers", f"must be true or false, not {_toml_value(read_markers)}")
    push_service, push_node = _parse_push(table, bare, fail)

    return AccountSettings(
        jid=bare,
        host=host,
        port=port,
        direct_tls=direct_tls,
        ca_file=ca_file,
        resource=resource_value,
        password_command=password_command,
        send_chat_states=chat_states,
        send_read_markers=read_markers,
        push_service=push_service,
        push_node=push_node,
    )


def _parse_push(
    table: dict[str, Any], account: str, fail: Callable[[str, str], ConfigError]
) -> tuple[str | None, str | None]:
    """``push_service`` (a JID, not our own) and ``push_node`` (one word), both optional."""
    from xmpp_tui.core.push import parse_app_server, parse_node

    values: dict[str, str | None] = {}
    for key, parse in (
        ("push_service", lambda text: parse_app_server(text, account)),
        ("push_node", parse_node),
    ):
        value = table.get(key)
        if value is None:
            values[key] = None
            continue
        if not isinstance(value, str):
            raise fail(key, f"must be a string in quotes, not {_toml_value(value)}")
        try:
            values[key] = parse(value)
        except UserFacingError as exc:
            raise fail(key, f"is invalid: {exc.message}") from None
    if values["push_node"] is not None and values["push_service"] is None:
        raise fail("push_node", 'needs push_service too; add push_service = "push.example.org"')
    return values["push_service"], values["push_node"]


# --------------------------------------------------------------------------- command line


def _cli_account(jid_text: str) -> AccountSettings:
    bare, local, resource = _parse_jid(jid_text)  # its InvalidJidError is already clear
    if resource is not None:
        raise InvalidJidError(
            f"{_toml_value(jid_text)} has a resource",
            f"give {bare} and --resource {resource}",
        )
    if not local:
        raise InvalidJidError(f"{_toml_value(jid_text)} has no user part", f"write user@{bare}")
    return AccountSettings(jid=bare)


def _cli_overrides(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    server = getattr(args, "server", None)
    if server:
        try:
            changes["host"], changes["port"] = parse_server(str(server))
        except ValueError as exc:
            raise ConfigError(f"--server {exc}") from None
    if getattr(args, "direct_tls", False):
        changes["direct_tls"] = True
    ca_text = getattr(args, "ca_file", None)
    if ca_text:
        ca_file = Path(str(ca_text)).expanduser().absolute()
        problem = _ca_file_problem(ca_file)
        if problem is not None:
            raise ConfigError(f"--ca-file {display_path(ca_file)}: {problem}; give a PEM file")
        changes["ca_file"] = ca_file
    resource = getattr(args, "resource", None)
    if resource is not None:
        changes["resource"] = str(resource)
    return changes


def resolve_settings(args: argparse.Namespace, *, allow_no_account: bool = False) -> Settings:
    """Merge the config file with the command line.

    Reads ``args.jids`` (list of str), ``args.config`` (path or None), ``args.server``,
    ``args.direct_tls``, ``args.ca_file``, ``args.resource``, ``args.log_level``; any
    missing attribute counts as not given.

    Rules: JIDs on the command line select those accounts from the config (a JID not in
    the config is used ad hoc, with defaults); no JID selects every account in the
    config. ``--server``, ``--direct-tls``, ``--ca-file`` and ``--resource`` then
    override the same setting of every selected account.

    ``allow_no_account``: no JID and no account in the config is not an error but a first
    start (the app opens its "Add account" screen); ``accounts`` is then empty.
    """
    from xmpp_tui import paths

    config_arg = getattr(args, "config", None)
    explicit = config_arg is not None
    config_file = Path(str(config_arg)).expanduser() if explicit else paths.default_config_path()

    configured: tuple[AccountSettings, ...] = ()
    config_path: Path | None = None
    idle_inactive_after = 0.0
    theme: str | None = None
    notifications = NotificationSettings()
    if explicit or config_file.exists() or config_file.is_symlink():
        configured, idle_inactive_after, theme, notifications = _load_whole_config(config_file)
        config_path = config_file

    jid_args: Sequence[str] = getattr(args, "jids", None) or ()
    selected: list[AccountSettings] = []
    if jid_args:
        by_jid = {account.jid: account for account in configured}
        for jid_text in jid_args:
            ad_hoc = _cli_account(str(jid_text))
            account = by_jid.get(ad_hoc.jid, ad_hoc)
            if all(existing.jid != account.jid for existing in selected):
                selected.append(account)
    else:
        selected = list(configured)

    if not selected and not (allow_no_account and not jid_args):
        raise ConfigError(
            "no account to use; run xmpp-tui you@example.org, or add an [[accounts]] "
            f"table to {display_path(config_file)} (see docs/configuration.md)"
        )

    changes = _cli_overrides(args)
    if changes:
        selected = [replace(account, **changes) for account in selected]
    if "resource" in changes:
        for account in selected:
            try:
                _check_resource(account.jid, changes["resource"])
            except InvalidJidError as exc:
                raise ConfigError(f"--resource is invalid: {exc.message}") from None

    level = str(getattr(args, "log_level", None) or DEFAULT_LOG_LEVEL).upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"--log-level {level} is not one of {', '.join(LOG_LEVELS)}")

    return Settings(
        accounts=tuple(selected),
        config_path=config_path,
        log_level=level,
        idle_inactive_after=idle_inactive_after,
        theme=theme,
        notifications=notifications,
    )
