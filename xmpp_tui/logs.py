"""Logging to a private file in the platform log dir, never the terminal.

Every record goes through RedactingFilter: SASL payloads (``<auth>``, ``<response>``,
``<challenge>``, ``<success>``) and XEP-0077 ``<password>`` contents become ``[redacted]``
(slixmpp logs every byte it sends and receives at DEBUG), and control characters are
escaped so remote text cannot forge log lines.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import unicodedata
from io import TextIOWrapper
from pathlib import Path

from xmpp_tui.paths import LOG_FILE_NAME, ensure_private_dir

REDACTED = "[redacted]"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 3

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Elements whose text is a secret or a SASL transcript. SASL (RFC 6120 section 6.4),
#: SASL2 (XEP-0388), in-band registration and legacy auth (XEP-0077, XEP-0078),
#: component handshake (XEP-0114).
_SECRET_ELEMENTS = (
    "auth",
    "response",
    "challenge",
    "success",
    "initial-response",
    "password",
    "digest",
    "handshake",
)
_SECRET_RE = re.compile(
    r"(?P<open><(?:[\w.-]+:)?(?P<name>"
    + "|".join(re.escape(name) for name in _SECRET_ELEMENTS)
    + r")(?=[\s/>])[^>]*(?<!/)>)"
    r"(?P<body>.*?)"
    r"(?P<close></(?:[\w.-]+:)?(?P=name)\s*>|\Z)",
    re.DOTALL | re.IGNORECASE,
)

#: Runs of characters that may need escaping: anything but tab and printable ASCII.
_SUSPECT_RE = re.compile("[^\t\x20-\x7e]+")
_SUSPECT_MULTILINE_RE = re.compile("[^\t\n\x20-\x7e]+")
#: Controls (C0, DEL, C1), format characters (bidi, zero-width, tags), surrogates, and
#: line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED = {"\r": "\\r", "\n": "\\n"}

#: Loggers too chatty below these levels unless the user asks for DEBUG.
_QUIET = {"asyncio": logging.WARNING, "keyring": logging.WARNING, "markdown_it": logging.WARNING}


def redact(text: str) -> str:
    """Replace the contents of secret-bearing XML elements with ``[redacted]``."""

    def _sub(match: re.Match[str]) -> str:
        body = match.group("body")
        return match.group("open") + (REDACTED if body else "") + match.group("close")

    return _SECRET_RE.sub(_sub, text)


def _is_unsafe(ch: str) -> bool:
    if unicodedata.category(ch) in _UNSAFE_CATEGORIES:
        return True
    cp = ord(ch)
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE or 0xE0000 <= cp <= 0xE007F


def _escape_char(ch: str) -> str:
    named = _NAMED.get(ch)
    if named:
        return named
    cp = ord(ch)
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _escape_run(match: re.Match[str]) -> str:
    return "".join(_escape_char(ch) if _is_unsafe(ch) else ch for ch in match.group())


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """Return ``text`` with every character that could forge or hide a log line escaped.

    CR and LF become ``\\r`` and ``\\n`` (LF is kept when ``keep_newlines``); other
    controls (C0 but tab, DEL, C1), format characters (bidi controls, zero-width
    characters, tags), surrogates, line and paragraph separators and noncharacters become
    ``\\x1b``, ``\\u202e``, ``\\U000e0041``. The result encodes as UTF-8. This is the one
    log escaper (SECURITY.md T21); remote text in a log line passes through it.
    """
    pattern = _SUSPECT_MULTILINE_RE if keep_newlines else _SUSPECT_RE
    return pattern.sub(_escape_run, text)


class RedactingFilter(logging.Filter):
    """Formats the record's message, redacts it, escapes controls, and stores the result.

    Works on any record: ``msg`` may be a format string with ``args`` (formatted first,
    then redacted, so an argument cannot smuggle a secret past the pattern).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            message = f"{record.msg!s} {record.args!r}"
        record.msg = escape_controls(redact(message))
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, tracebacks included.

    The traceback text may have been cached on the record by another handler, so the
    final string is redacted rather than ``formatException``. Newlines are kept there
    (the message's own were escaped by RedactingFilter); other controls are escaped.
    """

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(redact(super().format(record)), keep_newlines=True)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files are created 0600 and never followed through symlinks."""

    def _open(self) -> TextIOWrapper:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(self.baseFilename, flags, 0o600)
        try:
            os.fchmod(fd, 0o600)
            return open(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)
        except BaseException:
            os.close(fd)
            raise


def setup_logging(level: str, log_dir: Path) -> Path:
    """Send all logging to ``log_dir/xmpp-tui.log`` (rotated, 0600, dir 0700).

    Replaces a handler installed by an earlier call; leaves other handlers alone except
    that no handler of ours writes to the terminal. Returns the log file's path.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    ensure_private_dir(log_dir)
    path = log_dir / LOG_FILE_NAME
    handler = PrivateRotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.set_name("xmpp-tui")
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter(_FORMAT))

    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == "xmpp-tui":
            root.removeHandler(old)
            old.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    for name, quiet_level in _QUIET.items():
        quiet = logging.NOTSET if numeric <= logging.DEBUG else quiet_level
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)
    return path
