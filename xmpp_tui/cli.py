"""The command line: argv -> Settings -> app.

``--version`` and ``--help`` import neither Textual nor slixmpp: everything heavy is
imported inside ``main`` once the arguments are known to need it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from xmpp_tui import __version__

PROG = "xmpp-tui"
EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2


def _one_line(text: str) -> str:
    """Collapse whitespace and drop control characters: the terminal gets one clean line."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(cleaned.split())


def _say(text: str) -> None:
    sys.stderr.write(f"{PROG}: {_one_line(text)}\n")
    sys.stderr.flush()


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors."""

    def error(self, message: str) -> NoReturn:
        _say(f"{message} (see {PROG} --help)")
        raise SystemExit(EXIT_USAGE)


def _log_level(text: str) -> str:
    return text.upper()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="A terminal instant-messaging client for XMPP.",
        epilog=(
            "With no JID, every account in the config file is used. Options such as "
            "--server apply to every account used in this run. There is no password "
            "option: passwords come from password_command, the system keyring, or a prompt. "
            "Config file: see docs/configuration.md; XMPP_TUI_HOME moves every file."
        ),
    )
    parser.add_argument(
        "jids",
        nargs="*",
        metavar="JID",
        help="account(s) to use, e.g. alice@example.org (default: all in the config)",
    )
    parser.add_argument("--config", metavar="PATH", type=Path, help="config file to read")
    parser.add_argument(
        "--server",
        metavar="HOST[:PORT]",
        help="connect to this server instead of looking up DNS SRV records",
    )
    parser.add_argument(
        "--direct-tls",
        action="store_true",
        help="use direct TLS (XEP-0368) to the server instead of STARTTLS",
    )
    parser.add_argument(
        "--ca-file", metavar="PATH", help="trust the CA certificate(s) in this PEM file"
    )
    parser.add_argument("--resource", metavar="NAME", help="resource name for this device")
    parser.add_argument(
        "--log-level",
        type=_log_level,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default="WARNING",
        metavar="LEVEL",
        help="DEBUG, INFO, WARNING (default) or ERROR; the log file never holds passwords",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the program; returns the exit status (0 ok, 1 unexpected error, 2 usage/config)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already reported
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)

    import os

    from xmpp_tui.core.errors import UserFacingError

    try:
        from xmpp_tui import paths
        from xmpp_tui.logs import setup_logging
        from xmpp_tui.settings import resolve_settings

        settings = resolve_settings(args)
        os.umask(0o077)  # every file we create is private (SECURITY.md T14)
        log_file = setup_logging(settings.log_level, paths.log_dir())
    except UserFacingError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except OSError as exc:
        _say(f"cannot set up the log file: {exc}")
        return EXIT_USAGE

    import logging

    log = logging.getLogger("xmpp_tui")
    log.info(
        "xmpp-tui %s starting with %d account(s): %s",
        __version__,
        len(settings.accounts),
        ", ".join(account.jid for account in settings.accounts),
    )
    try:
        from xmpp_tui.ui.launch import run_app

        status: int = run_app(settings)
        return status
    except UserFacingError as exc:
        log.warning("stopped: %s", exc)
        _say(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        log.info("interrupted")
        return 130
    except Exception as exc:
        log.exception("unexpected error")
        _say(f"unexpected error: {exc or type(exc).__name__} (details in {log_file})")
        return EXIT_UNEXPECTED
