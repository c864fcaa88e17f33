"""``xmpp-tui history`` and ``xmpp-tui search``: the local history, offline.

Outside the layers like ``cli.py``: it reads the store directly (no service, no connection)
and imports neither Textual nor slixmpp, so it starts fast and works while an xmpp-tui
holds the same database open (WAL lets a reader in beside the writer; ``busy_timeout`` bounds
any wait, and a history that stays locked is a one-line error).

Output:

- ``text``: ``YYYY-MM-DD HH:MM:SS <sender> body`` in local time (in a room, the occupant's
  nick) (``search`` adds the account
  and the peer after the time). Every remote string is sanitised for the terminal first
  (:mod:`xmpp_tui.core.sanitize`); continuation lines of a body are indented, so a body can
  never pass for a message line of its own.
- ``jsonl``: one JSON object per message, raw text, UTC timestamps. JSON escapes every control
  character, and ``ensure_ascii`` escapes everything else outside ASCII too, so even jsonl
  printed to a terminal cannot drive it.

Addresses are normalised here by :func:`normalise_bare_jid`, a light stand-in for
``core.jid.parse_bare_jid``: that one imports ``slixmpp.jid``, which runs slixmpp's
``__init__`` and loads all of slixmpp (about 135 ms), for a lookup that only needs the case
folded the way the stored JIDs were.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC
from pathlib import Path
from typing import TextIO

from xmpp_tui import paths
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import ConversationKind, Direction, StoredMessage
from xmpp_tui.core.sanitize import sanitize_for_display, sanitize_identifier
from xmpp_tui.logs import setup_logging
from xmpp_tui.store import Store

log = logging.getLogger(__name__)

PROG = "xmpp-tui"
EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_CONTINUATION = "    "  # indents the second and later lines of a body
_SHOWN_MAX = 80  # how much of a bad argument an error message quotes
_CHUNK = 256  # records per write: one system call each even when stdout is unbuffered

#: A command's work once the history is open: (store, stdout) -> exit status.
_Body = Callable[[Store, TextIO], int]


class HistoryError(UserFacingError):
    """A problem with the arguments or the history that the user can fix (exit status 2)."""


# -- the two commands -------------------------------------------------------------------------


def run_history(
    *,
    account: str,
    peer: str,
    limit: int | None,
    output_format: str,
    log_level: str,
    config: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Print the conversation of `account` with `peer`; returns the exit status."""

    def body(store: Store, stdout: TextIO) -> int:
        account_jid = normalise_bare_jid(account, "ACCOUNT")
        peer_jid = normalise_bare_jid(peer, "PEER")
        _require_account(store, account_jid)
        messages = store.history.conversation(account_jid, peer_jid, limit=limit)
        written = _write(stdout, messages, output_format, with_conversation=False)
        if not written:
            _say(f"no messages with {_shown(peer_jid)} are stored for {_shown(account_jid)}")
        return EXIT_OK

    return _run(body, log_level=log_level, config=config, out=out)


def run_search(
    *,
    query: str,
    account: str | None,
    limit: int,
    output_format: str,
    log_level: str,
    config: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Print the stored messages matching `query`, newest first; returns the exit status."""

    def body(store: Store, stdout: TextIO) -> int:
        if not query.replace("\0", " ").strip():
            raise HistoryError("the search query is empty", "give one or more words to look for")
        account_jid = None if account is None else normalise_bare_jid(account, "--account")
        if account_jid is not None:
            _require_account(store, account_jid)
        hits = store.history.search(query, account=account_jid, limit=limit + 1)
        _write(stdout, hits[:limit], output_format, with_conversation=True)
        if not hits:
            _say(f"no stored message matches {_shown(query)}")
        elif len(hits) > limit:
            _say(f"showing the newest {limit} hits; use --limit for more")
        return EXIT_OK

    return _run(body, log_level=log_level, config=config, out=out)


# -- addresses --------------------------------------------------------------------------------


def normalise_bare_jid(text: str, what: str) -> str:
    """A bare JID as the store keys it (case folded, NFKC); HistoryError if malformed.

    This checks the shape (``local@domain`` or ``domain``, no resource, no space or control
    character) and folds case the way nodeprep/nameprep do for the addresses people use. It
    does not run full stringprep: an exotic Unicode address may not be found, never mangled
    into another one that exists.
    """
    shown = sanitize_identifier(text, max_len=_SHOWN_MAX)
    hint = "use the form name@example.org"
    if not text:
        raise HistoryError(f"{what} is empty", hint)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise HistoryError(f'{what} "{shown}" is not valid UTF-8', hint) from None
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise HistoryError(f'{what} "{shown}" contains a space or an invisible character', hint)
    if "/" in text:
        bare = sanitize_identifier(text.partition("/")[0], max_len=_SHOWN_MAX)
        raise HistoryError(
            f'{what} "{shown}" names one device (the part after "/")',
            f"give the bare address: {bare}",
        )
    local, at, domain = text.partition("@")
    if not at:
        local, domain = "", text
    elif not local or "@" in domain:
        raise HistoryError(f'{what} "{shown}" is not a valid address', hint)
    if domain.endswith("."):
        domain = domain[:-1]
    if not domain:
        raise HistoryError(f'{what} "{shown}" has no server name', hint)
    bare = f"{local}@{domain}" if local else domain
    return unicodedata.normalize("NFKC", bare.casefold())


# -- output -----------------------------------------------------------------------------------


def _write(
    out: TextIO,
    messages: Iterable[StoredMessage],
    output_format: str,
    *,
    with_conversation: bool,
) -> int:
    """Write each message as one record, in chunks; returns how many were written."""
    count = 0
    chunk: list[str] = []
    for message in messages:
        if output_format == "jsonl":
            chunk.append(json.dumps(json_record(message), ensure_ascii=True))
        else:
            chunk.append(text_line(message, with_conversation=with_conversation))
        count += 1
        if len(chunk) >= _CHUNK:
            out.write("\n".join(chunk) + "\n")
            chunk.clear()
    if chunk:
        out.write("\n".join(chunk) + "\n")
    out.flush()
    return count


def text_line(message: StoredMessage, *, with_conversation: bool = False) -> str:
    """``YYYY-MM-DD HH:MM:SS [account peer] <sender> body``, local time, sanitised."""
    when = message.timestamp.astimezone().strftime(_TIME_FORMAT)
    bare, _, nick = message.sender.partition("/")
    # In a room the occupant's nick is who spoke (sender = room/nick); elsewhere the bare JID.
    room_line = message.kind is ConversationKind.GROUPCHAT and bare == message.peer and nick
    sender = sanitize_identifier(nick if room_line else bare)
    # Placeholders are longer than what they replace: never cut a body in an export.
    body = sanitize_for_display(message.body, max_len=16 * len(message.body) + 16)
    body = body.replace("\n", "\n" + _CONTINUATION)
    if with_conversation:
        where = f"{sanitize_identifier(message.account)} {sanitize_identifier(message.peer)} "
        return f"{when} {where}<{sender}> {body}"
    return f"{when} <{sender}> {body}"


def json_record(message: StoredMessage) -> dict[str, object]:
    """One message for jsonl: raw strings, the timestamp in ISO-8601 UTC."""
    incoming = message.direction is Direction.INCOMING
    return {
        "timestamp": message.timestamp.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "account": message.account,
        "peer": message.peer,
        "from": message.sender,
        "to": message.account if incoming else message.peer,
        "body": message.body,
        "direction": message.direction.value,
        "delivery": message.delivery.value,
        "stanza_id": message.stanza_id,
        "origin_id": message.origin_id,
        "message_id": message.message_id,
    }


# -- plumbing ---------------------------------------------------------------------------------


def _run(body: _Body, *, log_level: str, config: Path | None, out: TextIO | None) -> int:
    """Set up logging, open the history, run `body`; every error becomes one line.

    `config` (``--config``) must name a file, as for the client, but nothing in it is read:
    the history's place comes from ``XMPP_TUI_HOME`` or the platform data directory, and
    validating the accounts in it would load slixmpp.
    """
    stdout = sys.stdout if out is None else out
    if out is None and hasattr(stdout, "reconfigure"):
        stdout.reconfigure(errors="replace")  # a terminal that cannot show a character
    store: Store | None = None
    try:
        locations = paths.app_paths()
        os.umask(0o077)  # every file we create is private (SECURITY.md T14)
        setup_logging(log_level, locations.log_dir)
        if config is not None and not config.expanduser().is_file():
            raise HistoryError(
                f"{config}: no such file", "create it or point --config at an existing file"
            )
        database = locations.history_db
        if not database.exists():
            raise HistoryError(
                f"no message history yet at {database}",
                "xmpp-tui stores messages there once an account has been used",
            )
        store = Store.open(database)
        return body(store, stdout)
    except HistoryError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except UserFacingError as exc:
        log.warning("history: %s", exc)
        _say(str(exc))
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's exit flush quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        _say(f"cannot read the message history: {exc}")
        return EXIT_USAGE
    except Exception as exc:
        log.exception("unexpected error in history/search")
        _say(f"unexpected error: {exc or type(exc).__name__}")
        return EXIT_UNEXPECTED
    finally:
        if store is not None:
            store.close()


def _require_account(store: Store, account: str) -> None:
    if store.history.has_account(account):
        return
    known = store.history.accounts()
    hint = (
        "accounts with history: " + ", ".join(sanitize_identifier(a) for a in known)
        if known
        else "no account has stored messages yet"
    )
    raise HistoryError(f"no history for account {_shown(account)}", hint)


def _shown(text: str) -> str:
    return sanitize_identifier(text, max_len=_SHOWN_MAX)


def _say(text: str) -> None:
    """One line on stderr, whatever `text` holds."""
    line = " ".join(sanitize_identifier(text, max_len=1000).split())
    sys.stderr.write(f"{PROG}: {line}\n")
    sys.stderr.flush()
