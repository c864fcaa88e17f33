"""Edit config.toml in place: add or remove one ``[[accounts]]`` table, keep everything else.

The user's comments, blank lines, key order and quoting outside the edited table stay byte for
byte: a new table is appended to the file's text (rendered by tomlkit, so its strings are
escaped right), and a removed table is cut out of the text together with the comment lines
right above its header. Every edit is checked before it is written: the new text must load with
`settings.parse_config_text` and hold exactly the old accounts plus (or minus) the one edited,
else nothing is written and a ConfigError says why.

The file is written atomically (a temporary file in the same directory, fsync, rename, fsync
of the directory), mode 0600; a directory we create is 0700. A config file that is a symlink
(dotfiles) is written through: the link stays, its target changes.

Passwords are never written: an account carries none (`settings.AccountSettings`), and the
table is built from a fixed list of keys.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

import tomlkit

from xmpp_tui.core.errors import ConfigError
from xmpp_tui.settings import AccountSettings, display_path, parse_config_text

#: The first line of a config file this module creates.
NEW_FILE_HEADER = (
    "# xmpp-tui configuration (see docs/configuration.md).\n"
    "# Passwords never go here: use password_command or the system keyring.\n"
)
#: A line that opens an account table (``[[accounts]]``, spaces and a comment allowed).
_ACCOUNTS_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*accounts[ \t]*\]\][ \t]*(#.*)?$")
_COMMENT = re.compile(r"^[ \t]*#")


def server_text(account: AccountSettings) -> str | None:
    """``host``, ``host:port`` or ``[v6]:port`` as the ``server`` key writes it."""
    if account.host is None:
        return None
    host = f"[{account.host}]" if ":" in account.host else account.host
    return host if account.port is None else f"{host}:{account.port}"


def account_table(account: AccountSettings) -> dict[str, str | bool]:
    """The keys to write for ``account``, in the order docs/configuration.md lists them.

    Defaults are left out, so the table says only what the user chose.
    """
    values: dict[str, str | bool] = {"jid": account.jid}
    server = server_text(account)
    if server is not None:
        values["server"] = server
    if account.direct_tls:
        values["direct_tls"] = True
    if account.ca_file is not None:
        values["ca_file"] = str(account.ca_file)
    if account.resource is not None:
        values["resource"] = account.resource
    if account.password_command is not None:
        values["password_command"] = account.password_command
    if not account.send_chat_states:
        values["chat_states"] = False
    if not account.send_read_markers:
        values["read_markers"] = False
    if account.push_service is not None:
        values["push_service"] = account.push_service
    if account.push_node is not None:
        values["push_node"] = account.push_node
    return values


def render_account(account: AccountSettings) -> str:
    """``[[accounts]]`` and its keys, as TOML text ending in a newline."""
    table = tomlkit.table()
    for key, value in account_table(account).items():
        table.add(key, value)
    document = tomlkit.document()
    array = tomlkit.aot()
    array.append(table)
    document.append("accounts", array)
    return tomlkit.dumps(document)


def add_account(path: Path, account: AccountSettings) -> None:
    """Append ``account`` to the config file at ``path`` (created if missing).

    Raises ConfigError, writing nothing, if the file cannot be read or parsed, already has
    this account, or would not load afterwards.
    """
    text = _current_text(path)
    before = _accounts_in(text, path) if text is not None else ()
    if any(existing.jid == account.jid for existing in before):
        raise ConfigError(
            f"{display_path(path)} already has an account {account.jid}; "
            "edit or remove that one instead"
        )
    if text is None:
        new_text = NEW_FILE_HEADER + "\n" + render_account(account)
    else:
        separator = "" if not text or text.endswith("\n") else "\n"
        if text.strip():
            separator += "\n"
        new_text = text + separator + render_account(account)
    after = _check_result(new_text, path)
    if after[:-1] != before or [entry.jid for entry in after[-1:]] != [account.jid]:
        raise ConfigError(
            f"{display_path(path)}: adding the account at the end would change other settings "
            "(is accounts written as an inline array?); add it by hand: nothing was changed"
        )
    write_private(path, new_text)


def remove_account(path: Path, jid: str) -> bool:
    """Remove the account ``jid`` (bare, normalised) from ``path``; False if it is not there.

    The table goes with the comment lines right above its header; nothing else changes.
    Raises ConfigError, writing nothing, if the file cannot be read, parsed or cut cleanly.
    """
    text = _current_text(path)
    if text is None:
        return False
    before = _accounts_in(text, path)
    jids = [entry.jid for entry in before]
    if jid not in jids:
        return False
    index = jids.index(jid)
    lines = text.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if _ACCOUNTS_HEADER.match(line.rstrip("\r\n"))]
    if len(headers) != len(before):
        raise ConfigError(
            f"{display_path(path)}: cannot find where account {jid} starts "
            "(is accounts written as an inline array?); remove it by hand: nothing was changed"
        )
    start = _comment_block_start(lines, headers[index])
    end = (
        _comment_block_start(lines, headers[index + 1]) if index + 1 < len(headers) else len(lines)
    )
    new_text = "".join(lines[:start] + lines[end:])
    after = _check_result(new_text, path)
    if tuple(entry.jid for entry in after) != tuple(j for j in jids if j != jid) or any(
        old != new for old, new in zip([e for e in before if e.jid != jid], after, strict=True)
    ):
        raise ConfigError(
            f"{display_path(path)}: removing account {jid} would change other settings; "
            "remove it by hand: nothing was changed"
        )
    write_private(path, new_text)
    return True


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, mode 0600 (through a symlink, if it is one)."""
    target = path.resolve() if path.is_symlink() else path
    directory = target.parent
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # the rename itself is durable once the dir is synced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- helpers


def _current_text(path: Path) -> str | None:
    """The file's text, or None if there is no file yet. ConfigError if it cannot be read."""
    where = display_path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if path.is_symlink():
            raise ConfigError(
                f"{where} is a link to a missing file; fix the link: nothing was changed"
            ) from None
        return None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read it: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where}: not valid UTF-8 (byte {exc.start}); fix it first: nothing was changed"
        ) from None


def _accounts_in(text: str, path: Path) -> tuple[AccountSettings, ...]:
    """The file's accounts; a file we cannot parse is never overwritten."""
    try:
        return parse_config_text(text, path)
    except ConfigError as exc:
        raise ConfigError(f"{exc.message}; fix it first: nothing was changed", exc.hint) from None


def _check_result(text: str, path: Path) -> tuple[AccountSettings, ...]:
    try:
        return parse_config_text(text, path)
    except ConfigError as exc:
        raise ConfigError(
            f"the edited config would not load ({exc.message}); nothing was changed", exc.hint
        ) from None


def _comment_block_start(lines: list[str], header: int) -> int:
    """The first of the comment lines right above line ``header`` (no blank line between)."""
    start = header
    while start > 0 and _COMMENT.match(lines[start - 1]):
        start -= 1
    return start
