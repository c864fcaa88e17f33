"""The log file: private, never the terminal, no SASL secrets, no forged lines."""

from __future__ import annotations

import base64
import logging
import os
import stat
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xmpp_tui.logs import REDACTED, RedactingFilter, escape_controls, redact, setup_logging

PLAIN = base64.b64encode(b"\0alice\0pw").decode()
SCRAM_FINAL = base64.b64encode(b"c=biws,r=abc123xyz,p=dGhlcHJvb2Y=").decode()
SERVER_FINAL = base64.b64encode(b"v=c2VydmVyc2ln").decode()


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    """A log directory; the root logger is restored afterwards."""
    root = logging.getLogger()
    level = root.level
    before = list(root.handlers)
    old_umask = os.umask(0o022)  # the permissive default the files must not inherit
    try:
        yield tmp_path / "state" / "log"
    finally:
        os.umask(old_umask)
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
        logging.captureWarnings(False)


def read_log(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_file_and_dir_are_private(log_dir: Path) -> None:
    path = setup_logging("DEBUG", log_dir)
    logging.getLogger("xmpp_tui.test").warning("hello")
    assert path == log_dir / "xmpp-tui.log"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert "hello" in read_log(path)


def test_existing_loose_file_is_tightened(log_dir: Path) -> None:
    log_dir.mkdir(parents=True, mode=0o755)
    (log_dir / "xmpp-tui.log").write_text("old\n")
    (log_dir / "xmpp-tui.log").chmod(0o644)
    path = setup_logging("INFO", log_dir)
    logging.getLogger("x").info("new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700


def test_slixmpp_sasl_traffic_is_redacted(log_dir: Path) -> None:
    path = setup_logging("DEBUG", log_dir)
    xmlstream = logging.getLogger("slixmpp.xmlstream.xmlstream")
    xmlstream.debug(
        "SEND: %s",
        f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{PLAIN}</auth>",
    )
    xmlstream.debug(
        "SEND: %s", f'<response xmlns="urn:ietf:params:xml:ns:xmpp-sasl">{SCRAM_FINAL}</response>'
    )
    xmlstream.debug(
        "RECV: %s", '<challenge xmlns="urn:ietf:params:xml:ns:xmpp-sasl">cj1hYmM=</challenge>'
    )
    xmlstream.debug(
        "RECV: %s", f'<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl">{SERVER_FINAL}</success>'
    )
    xmlstream.debug(
        "SEND: %s",
        "<iq type='set' id='reg1'><query xmlns='jabber:iq:register'>"
        "<username>alice</username><password>s3cret-pw</password></query></iq>",
    )
    text = read_log(path)
    for secret in (PLAIN, SCRAM_FINAL, SERVER_FINAL, "cj1hYmM=", "s3cret-pw"):
        assert secret not in text
    assert text.count(REDACTED) == 5
    assert "mechanism='PLAIN'" in text  # the element itself stays, for debugging
    assert "<username>alice</username>" in text


def test_secret_in_traceback_is_redacted(log_dir: Path) -> None:
    path = setup_logging("DEBUG", log_dir)
    try:
        raise RuntimeError(f"could not send <auth mechanism='PLAIN'>{PLAIN}</auth>")
    except RuntimeError:
        logging.getLogger("slixmpp").exception("failed")
    text = read_log(path)
    assert PLAIN not in text
    assert "Traceback" in text


def test_log_forging_is_escaped(log_dir: Path) -> None:
    path = setup_logging("INFO", log_dir)
    logging.getLogger("xmpp_tui.x").info(
        "body from %s: %s", "mallory", "hi\r\n2025-01-01 00:00:00 ERROR forged\x1b[2J\x9b1m\u202e"
    )
    lines = read_log(path).splitlines()
    assert len(lines) == 1
    assert "\\r\\n2025-01-01" in lines[0]
    assert "\\x1b[2J" in lines[0] and "\\x9b" in lines[0] and "\\u202e" in lines[0]
    assert "\x1b" not in lines[0] and "\x9b" not in lines[0]


def test_nothing_goes_to_the_terminal(log_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG", log_dir)
    logging.getLogger("xmpp_tui.x").error("to the file only")
    captured = capfd.readouterr()
    assert "to the file only" not in captured.err + captured.out


def test_setup_twice_does_not_duplicate(log_dir: Path) -> None:
    setup_logging("INFO", log_dir)
    path = setup_logging("INFO", log_dir)
    logging.getLogger("xmpp_tui.x").info("once")
    assert read_log(path).count("once") == 1


def test_level_is_applied(log_dir: Path) -> None:
    path = setup_logging("WARNING", log_dir)
    logging.getLogger("xmpp_tui.x").info("quiet")
    logging.getLogger("xmpp_tui.x").warning("loud")
    text = read_log(path)
    assert "quiet" not in text and "loud" in text


def test_filter_formats_args_before_redacting() -> None:
    record = logging.LogRecord(
        "slixmpp", logging.DEBUG, __file__, 1, "SEND: %s%s", ("<auth>", f"{PLAIN}</auth>"), None
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"SEND: <auth>{REDACTED}</auth>"


def test_filter_survives_bad_format_args() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", ("one",), None)
    assert RedactingFilter().filter(record)
    assert "one" in record.getMessage()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<auth mechanism='X'/>", "<auth mechanism='X'/>"),
        ("<auth mechanism='PLAIN'>abc", f"<auth mechanism='PLAIN'>{REDACTED}"),
        ("<authenticated>x</authenticated>", "<authenticated>x</authenticated>"),
        ("<sasl:auth>abc</sasl:auth>", f"<sasl:auth>{REDACTED}</sasl:auth>"),
        ("<success xmlns='x'></success>", "<success xmlns='x'></success>"),
        ("<body>no secret</body>", "<body>no secret</body>"),
        (
            "<response>a</response><body>b</body><response>c</response>",
            f"<response>{REDACTED}</response><body>b</body><response>{REDACTED}</response>",
        ),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_escape_controls_keeps_ordinary_text() -> None:
    assert escape_controls("héllo\tworld ✓") == "héllo\tworld ✓"
    assert escape_controls("a\nb", keep_newlines=True) == "a\nb"
    assert escape_controls("a\nb") == "a\\nb"


# --- escape_controls: the one log escaper (SECURITY.md T21) --------------------------------


@pytest.mark.parametrize(
    ("raw", "logged"),
    [
        ("plain text", "plain text"),
        ("a\nb\r\n", "a\\nb\\r\\n"),
        ("tab\there", "tab\there"),
        ("\x00\x1b[31m\x7f", "\\x00\\x1b[31m\\x7f"),
        ("\x9b", "\\x9b"),
        ("\u202e\u2066\u200e\u061c", "\\u202e\\u2066\\u200e\\u061c"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("\U000e0041", "\\U000e0041"),
        ("\ud800", "\\ud800"),
        ("\ufffe\U0001ffff", "\\ufffe\\U0001ffff"),
        ("日本 ok é ✓ 👍", "日本 ok é ✓ 👍"),
    ],
)
def test_escape_controls_examples(raw: str, logged: str) -> None:
    assert escape_controls(raw) == logged


def test_escape_controls_keep_newlines_escapes_cr() -> None:
    assert escape_controls("a\r\nb\x1b", keep_newlines=True) == "a\\r\nb\\x1b"


ANY_TEXT = st.text(
    st.one_of(
        st.characters(exclude_categories=()),  # all of Unicode, surrogates included
        st.sampled_from("\n\r\t\x1b\x7f\x85\x9b\u2028\u202e\u2066\u200b\ufeff\U000e0041"),
    ),
    max_size=300,
)
UNSAFE_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


@settings(max_examples=1000, deadline=None)
@given(ANY_TEXT)
def test_escaped_text_is_one_printable_line(text: str) -> None:
    logged = escape_controls(text)
    assert "\n" not in logged and "\r" not in logged
    assert all(ch == "\t" or unicodedata.category(ch) not in UNSAFE_CATEGORIES for ch in logged)
    logged.encode("utf-8")
    assert escape_controls(logged) == logged  # nothing left to escape


@settings(max_examples=1000, deadline=None)
@given(ANY_TEXT)
def test_keep_newlines_keeps_exactly_the_line_feeds(text: str) -> None:
    logged = escape_controls(text, keep_newlines=True)
    assert logged.count("\n") == text.count("\n")
    assert "\r" not in logged
    assert all(ch in "\t\n" or unicodedata.category(ch) not in UNSAFE_CATEGORIES for ch in logged)
    logged.encode("utf-8")


def test_lone_surrogate_reaches_the_file(log_dir: Path) -> None:
    path = setup_logging("INFO", log_dir)
    logging.getLogger("xmpp_tui.x").info("nick %s", "bad\udc80nick\u2028")
    text = read_log(path)
    assert "bad\\udc80nick\\u2028" in text
