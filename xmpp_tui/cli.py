"""The command line: argv -> Settings -> app, or one of the offline subcommands.

``--version`` and ``--help`` import neither Textual nor slixmpp: everything heavy is
imported inside ``main`` once the arguments are known to need it.

``history`` and ``search`` are subcommands when they are the first positional argument
(``xmpp-tui --config FILE history ACCOUNT PEER``); they are run by
:mod:`xmpp_tui.history_cli` and load neither Textual nor slixmpp either. The price: a
server literally named ``history`` or ``search`` (a JID without "@") cannot be opened ad
hoc as the first JID; name it in the config file, or put another JID before it.
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
#: Offline subcommands, recognised as the first positional argument.
SUBCOMMANDS = ("history", "search")
DEFAULT_SEARCH_LIMIT = 100


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
        _say(f"{message} (see {self.prog} --help)")
        raise SystemExit(EXIT_USAGE)


class _ProbeFailed(Exception):
    """The probe could not parse argv; the real parser will say why."""


class _QuietParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _ProbeFailed(message)


def _log_level(text: str) -> str:
    return text.upper()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return value


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options every form of the command takes."""
    parser.add_argument("--config", metavar="PATH", type=Path, help="config file to read")
    parser.add_argument(
        "--log-level",
        type=_log_level,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default="WARNING",
        metavar="LEVEL",
        help="DEBUG, INFO, WARNING (default) or ERROR; the log file never holds passwords",
    )


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Options of the interactive client only."""
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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="A terminal instant-messaging client for XMPP.",
        epilog=(
            "With no JID, every account in the config file is used. Options such as "
            "--server apply to every account used in this run. There is no password "
            "option: passwords come from password_command, the system keyring, or a prompt. "
            "Config file: see docs/configuration.md; XMPP_TUI_HOME moves every file. "
            "Offline: 'xmpp-tui history ACCOUNT PEER' prints a stored conversation and "
            "'xmpp-tui search WORDS' searches all stored messages "
            "(see 'xmpp-tui history --help', 'xmpp-tui search --help')."
        ),
    )
    parser.add_argument(
        "jids",
        nargs="*",
        metavar="JID",
        help="account(s) to use, e.g. alice@example.org (default: all in the config)",
    )
    _add_common_options(parser)
    _add_connection_options(parser)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="try xmpp-tui on a private demo server with a bot (needs Prosody; "
        "nothing of yours is read or written)",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def build_history_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=f"{PROG} history",
        usage=(
            f"{PROG} [--config PATH] [--log-level LEVEL] history ACCOUNT PEER "
            "[--limit N] [--format text|jsonl]"
        ),
        description=(
            "Print the conversation of ACCOUNT with PEER from the local history, oldest "
            "first. Needs no connection and works while xmpp-tui runs."
        ),
        epilog=(
            "Text lines are 'YYYY-MM-DD HH:MM:SS <sender> body' in local time, with remote "
            "text made safe for the terminal; jsonl has one JSON object per message (UTC, "
            "raw text). Exit status 0 (also when there is no message, said on stderr), "
            "2 for an unknown account, a missing history or a malformed address."
        ),
    )
    parser.add_argument("command", choices=("history",), metavar="history", help=argparse.SUPPRESS)
    parser.add_argument("account", metavar="ACCOUNT", help="your account, e.g. alice@example.org")
    parser.add_argument("peer", metavar="PEER", help="a contact or a room, e.g. bob@example.net")
    parser.add_argument(
        "--limit", metavar="N", type=_positive_int, help="only the newest N messages"
    )
    parser.add_argument(
        "--format", choices=("text", "jsonl"), default="text", help="text (default) or jsonl"
    )
    _add_common_options(parser)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def build_search_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=f"{PROG} search",
        usage=(
            f"{PROG} [--config PATH] [--log-level LEVEL] search WORD [WORD ...] "
            "[--account JID] [--limit N] [--format text|jsonl]"
        ),
        description=(
            "Search every stored message (full-text) and print the hits, newest first: "
            "time, account, peer, sender and text. Messages holding all the words match; "
            "case and accents are ignored; punctuation and words such as AND are plain text."
        ),
        epilog="Put -- before a word that starts with '-'. Exit status as for history.",
    )
    parser.add_argument("command", choices=("search",), metavar="search", help=argparse.SUPPRESS)
    parser.add_argument("query", nargs="+", metavar="WORD", help="what to look for")
    parser.add_argument("--account", metavar="JID", help="only this account's messages")
    parser.add_argument(
        "--limit",
        metavar="N",
        type=_positive_int,
        default=DEFAULT_SEARCH_LIMIT,
        help=f"at most N hits (default {DEFAULT_SEARCH_LIMIT})",
    )
    parser.add_argument(
        "--format", choices=("text", "jsonl"), default="text", help="text (default) or jsonl"
    )
    _add_common_options(parser)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


def subcommand_of(argv: list[str]) -> str | None:
    """'history' or 'search' when that is the first positional argument, else None."""
    probe = _QuietParser(prog=PROG, add_help=False)
    probe.add_argument("words", nargs="*")
    _add_common_options(probe)
    _add_connection_options(probe)
    try:
        known, _ = probe.parse_known_args(argv)
    except _ProbeFailed:
        return None
    words: list[str] = known.words
    if words and words[0] in SUBCOMMANDS:
        return words[0]
    return None


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit status of --help, --version or a usage error."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already reported
        code = exc.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)


def main(argv: list[str] | None = None) -> int:
    """Run the program; returns the exit status (0 ok, 1 unexpected error, 2 usage/config)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = subcommand_of(argv)
    if command is not None:
        return _offline(command, argv)
    args = _parse(build_parser(), argv)
    if isinstance(args, int):
        return args
    if args.demo:
        return _demo(args)

    import os

    from xmpp_tui.core.errors import UserFacingError

    try:
        from xmpp_tui import paths
        from xmpp_tui.logs import setup_logging
        from xmpp_tui.settings import resolve_settings

        # At a terminal, no account anywhere is a first start: the app asks for one.
        first_run_ok = sys.stdin.isatty() and sys.stdout.isatty()
        settings = resolve_settings(args, allow_no_account=first_run_ok)
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


def _demo(args: argparse.Namespace) -> int:
    """``--demo``: the app on a private throwaway server (xmpp_tui/demo/run.py)."""
    if args.jids or args.config or args.server or args.ca_file or args.direct_tls:
        _say("--demo takes no JID, --config, --server, --ca-file or --direct-tls")
        return EXIT_USAGE
    from xmpp_tui.core.errors import UserFacingError

    try:
        from xmpp_tui.demo.run import run_demo

        return run_demo(args.log_level)
    except UserFacingError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        import logging

        logging.getLogger("xmpp_tui").exception("unexpected error in the demo")
        _say(f"unexpected error in the demo: {exc or type(exc).__name__}")
        return EXIT_UNEXPECTED


def _offline(command: str, argv: list[str]) -> int:
    """Run `history` or `search`: no Textual, no slixmpp, no connection."""
    builder = build_history_parser if command == "history" else build_search_parser
    args = _parse(builder(), argv)
    if isinstance(args, int):
        return args
    from xmpp_tui import history_cli

    if command == "history":
        return history_cli.run_history(
            config=args.config,
            account=args.account,
            peer=args.peer,
            limit=args.limit,
            output_format=args.format,
            log_level=args.log_level,
        )
    return history_cli.run_search(
        config=args.config,
        query=" ".join(args.query),
        account=args.account,
        limit=args.limit,
        output_format=args.format,
        log_level=args.log_level,
    )
