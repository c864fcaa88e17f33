"""`xmpp-tui history` and `xmpp-tui search` as real subprocesses over a real seeded store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xmpp_tui.cli import subcommand_of
from xmpp_tui.core.models import ConversationKind
from xmpp_tui.history_cli import normalise_bare_jid, text_line
from xmpp_tui.store import Store

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ME = "alice@example.org"
WORK = "alice@work.example"
BOB = "bob@example.org"
CAROL = "carol@example.org"
HOSTILE = "pay now\x1b[31m\u202eevil\x07\nfake 2024-01-01 00:00:00 <alice@example.org> hi"


def run(home: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`python -m xmpp_tui --config CONFIG ARGS`, local time UTC, files under `home`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["XMPP_TUI_HOME"] = str(home)
    env["TZ"] = "UTC"
    config = home / "config.toml"
    command = [sys.executable, "-m", "xmpp_tui", "--config", str(config), *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=home, timeout=timeout, check=False
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("xmpp-tui: ")
    return lines[0]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[[accounts]]\njid = "{ME}"\n')
    config.chmod(0o600)
    return tmp_path


@pytest.fixture
def seeded(home: Path) -> Path:
    """Bob: 5 messages (one hostile, one ours); Carol on another account; arrival != time."""
    store = Store.open(home / "history.sqlite3")
    history = store.history
    try:
        for i in (2, 0, 1):  # arrival order differs from time order
            history.add_incoming(
                account=ME,
                peer=BOB,
                sender=BOB + "/phone",
                body=f"hello number {i}",
                timestamp=T0 + timedelta(minutes=i),
                stanza_id=f"s{i}",
                origin_id=f"o{i}",
                message_id=f"m{i}",
            )
        history.add_outgoing(
            account=ME,
            peer=BOB,
            sender=ME + "/laptop",
            body="my reply, with AND * and (parens)",
            timestamp=T0 + timedelta(minutes=3),
            origin_id="out-1",
            message_id="out-1",
        )
        history.add_incoming(
            account=ME,
            peer=BOB,
            sender=BOB + "/phone",
            body=HOSTILE,
            timestamp=T0 + timedelta(minutes=4),
            stanza_id=None,
            origin_id=None,
            message_id="evil",
        )
        history.add_incoming(
            account=WORK,
            peer=CAROL,
            sender=CAROL + "/desk",
            body="hello from work",
            timestamp=T0 + timedelta(minutes=5),
            stanza_id=None,
            origin_id=None,
            message_id="w1",
        )
    finally:
        store.close()
    return home


# -- history ----------------------------------------------------------------------------------


def test_history_text_is_oldest_first_and_sanitised(seeded: Path) -> None:
    result = run(seeded, "history", ME, BOB)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "2024-05-01 12:00:00 <bob@example.org> hello number 0",
        "2024-05-01 12:01:00 <bob@example.org> hello number 1",
        "2024-05-01 12:02:00 <bob@example.org> hello number 2",
        "2024-05-01 12:03:00 <alice@example.org> my reply, with AND * and (parens)",
    ]
    # The hostile body: controls made visible, and its second line cannot pass for a message.
    assert lines[4] == "2024-05-01 12:04:00 <bob@example.org> pay now␛[31m<U+202E>evil␇"
    assert lines[5] == "    fake 2024-01-01 00:00:00 <alice@example.org> hi"
    assert len(lines) == 6
    assert "\x1b" not in result.stdout
    assert "\u202e" not in result.stdout
    assert "\x07" not in result.stdout


def test_history_of_a_room_names_each_occupant_by_nick(home: Path) -> None:
    """`xmpp-tui history ACCOUNT ROOM`: the room's lines, each occupant by nick (sanitised,
    so a nick cannot pass for another line), ours by our address."""
    room = "team@conference.example.org"
    store = Store.open(home / "history.sqlite3")
    try:
        for i, nick in enumerate(("bob", "eve\x1b[2J\nfake")):
            store.history.add_incoming(
                account=ME,
                peer=room,
                sender=f"{room}/{nick}",
                body=f"room line {i}",
                timestamp=T0 + timedelta(minutes=i),
                stanza_id=f"r{i}",
                origin_id=None,
                message_id=None,
                kind=ConversationKind.GROUPCHAT,
            )
        store.history.add_outgoing(
            account=ME,
            peer=room,
            sender=ME,
            body="mine",
            timestamp=T0 + timedelta(minutes=2),
            origin_id="o1",
            message_id="o1",
            kind=ConversationKind.GROUPCHAT,
        )
    finally:
        store.close()
    result = run(home, "history", ME, room)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2024-05-01 12:00:00 <bob> room line 0",
        "2024-05-01 12:01:00 <eve␛[2J⏎fake> room line 1",
        "2024-05-01 12:02:00 <alice@example.org> mine",
    ]


def test_history_jsonl_has_every_field_and_raw_text(seeded: Path) -> None:
    result = run(seeded, "history", ME, BOB, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 5
    for record in records:
        assert {
            "timestamp",
            "from",
            "to",
            "body",
            "direction",
            "stanza_id",
            "origin_id",
            "delivery",
        } <= set(record)
        when = datetime.fromisoformat(record["timestamp"])
        assert when.utcoffset() == timedelta(0)
    times = [datetime.fromisoformat(r["timestamp"]) for r in records]
    assert times == sorted(times)
    first, _, _, ours, hostile = records
    assert first == {
        "timestamp": "2024-05-01T12:00:00Z",
        "account": ME,
        "peer": BOB,
        "from": BOB + "/phone",
        "to": ME,
        "body": "hello number 0",
        "direction": "in",
        "delivery": "received",
        "stanza_id": "s0",
        "origin_id": "o0",
        "message_id": "m0",
    }
    assert (ours["from"], ours["to"], ours["direction"]) == (ME + "/laptop", BOB, "out")
    assert (ours["delivery"], ours["origin_id"], ours["stanza_id"]) == ("pending", "out-1", None)
    assert hostile["body"] == HOSTILE  # raw: JSON escaping keeps the terminal safe


def test_history_limit_is_the_newest_still_oldest_first(seeded: Path) -> None:
    result = run(seeded, "history", ME, BOB, "--limit", "2", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    bodies = [json.loads(line)["body"] for line in result.stdout.splitlines()]
    assert bodies == ["my reply, with AND * and (parens)", HOSTILE]


def test_history_normalises_the_addresses(seeded: Path) -> None:
    result = run(seeded, "history", "Alice@Example.ORG", "BOB@example.org.", "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert len([line for line in result.stdout.splitlines() if line[:1].isdigit()]) == 1


def test_global_options_may_come_first_or_last(seeded: Path) -> None:
    result = run(seeded, "--log-level", "debug", "history", ME, BOB, "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2024-05-01 12:04:00 ")
    result = run(seeded, "history", ME, BOB, "--log-level", "INFO", "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert (seeded / "log" / "xmpp-tui.log").exists()


def test_no_messages_with_that_peer_is_exit_0_with_a_note(seeded: Path) -> None:
    result = run(seeded, "history", ME, CAROL)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "no messages with carol@example.org" in one_error_line(result)


# -- search -----------------------------------------------------------------------------------


def test_search_prints_account_peer_time_and_text_newest_first(seeded: Path) -> None:
    result = run(seeded, "search", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2024-05-01 12:05:00 alice@work.example carol@example.org <carol@example.org>"
        " hello from work",
        "2024-05-01 12:02:00 alice@example.org bob@example.org <bob@example.org> hello number 2",
        "2024-05-01 12:01:00 alice@example.org bob@example.org <bob@example.org> hello number 1",
        "2024-05-01 12:00:00 alice@example.org bob@example.org <bob@example.org> hello number 0",
    ]


def test_search_account_filter_limit_and_jsonl(seeded: Path) -> None:
    result = run(seeded, "search", "hello", "--account", ME, "--limit", "2", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["account"], r["peer"], r["body"]) for r in records] == [
        (ME, BOB, "hello number 2"),
        (ME, BOB, "hello number 1"),
    ]
    assert "--limit" in one_error_line(result)  # more hits exist


def test_search_several_words_and_hostile_hits(seeded: Path) -> None:
    result = run(seeded, "search", "pay", "evil")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "pay now␛[31m<U+202E>evil␇" in result.stdout


@pytest.mark.parametrize("query", ['"', "*", "AND", "-", ":", "(", 'x" OR "y', "NEAR(a b)"])
def test_search_query_syntax_never_errors(seeded: Path, query: str) -> None:
    result = run(seeded, "search", "--", query)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_search_operator_words_are_searched_literally(seeded: Path) -> None:
    result = run(seeded, "search", "AND", "(parens)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert "my reply, with AND * and (parens)" in result.stdout


def test_search_without_hits_is_exit_0_with_a_note(seeded: Path) -> None:
    result = run(seeded, "search", "zebra")
    assert result.returncode == 0
    assert result.stdout == ""
    assert "no stored message matches zebra" in one_error_line(result)


# -- errors: one line, exit 2 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("history", "nobody@example.org", BOB), "no history for account nobody@example.org"),
        (("search", "hello", "--account", "nobody@example.org"), "no history for account"),
        (("history", "alice@example.org/laptop", BOB), "names one device"),
        (("history", ME, "bob example"), "contains a space"),
        (("history", ME, "@example.org"), "not a valid address"),
        (("history", ME, "bob@"), "has no server name"),
        (("search", ""), "the search query is empty"),
        (("search", "  "), "the search query is empty"),
        (("history", ME, BOB, "--limit", "0"), "--limit"),
        (("history", ME, BOB, "--format", "xml"), "--format"),
        (("history", ME), "required"),
        (("search",), "required"),
        (("history", ME, BOB, "--server", "x"), "unrecognized arguments"),
    ],
)
def test_errors_are_one_line_exit_2(seeded: Path, args: tuple[str, ...], expected: str) -> None:
    result = run(seeded, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert expected in one_error_line(result)


def test_unknown_account_names_the_known_ones(seeded: Path) -> None:
    line = one_error_line(run(seeded, "history", "nobody@example.org", BOB))
    assert f"{ME}, {WORK}" in line


def test_no_history_yet_is_exit_2_and_creates_nothing(home: Path) -> None:
    for args in (("history", ME, BOB), ("search", "hello")):
        result = run(home, *args)
        assert result.returncode == 2
        assert "no message history yet" in one_error_line(result)
    assert not (home / "history.sqlite3").exists()
    assert not (home / "history.sqlite3-wal").exists()


def test_missing_config_file_is_exit_2(seeded: Path) -> None:
    (seeded / "config.toml").unlink()
    result = run(seeded, "history", ME, BOB)
    assert result.returncode == 2
    assert "no such file" in one_error_line(result)


def test_hostile_arguments_are_echoed_sanitised(seeded: Path) -> None:
    result = run(seeded, "search", "zebra\x1b[2J\u202e")
    assert result.returncode == 0
    line = one_error_line(result)
    assert "\x1b" not in line and "\u202e" not in line


def test_help_names_the_subcommand(seeded: Path) -> None:
    result = run(seeded, "history", "--help")
    assert result.returncode == 0
    assert "history ACCOUNT PEER" in result.stdout
    result = run(seeded, "search", "--help")
    assert result.returncode == 0
    assert "--account" in result.stdout


# -- alongside a running client ---------------------------------------------------------------


def test_works_while_another_connection_holds_a_write_transaction(seeded: Path) -> None:
    writer = sqlite3.connect(seeded / "history.sqlite3", isolation_level=None, timeout=1)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE messages SET body = 'uncommitted' WHERE message_id = 'm0'")
        started = time.monotonic()
        history = run(seeded, "history", ME, BOB, "--limit", "5", timeout=20)
        search = run(seeded, "search", "hello", timeout=20)
        elapsed = time.monotonic() - started
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert history.returncode == 0, history.stderr
    assert search.returncode == 0, search.stderr
    assert "hello number 0" in history.stdout  # the committed state, not the pending one
    assert "uncommitted" not in history.stdout
    assert elapsed < 15  # did not wait out busy_timeout three times over


def test_a_reader_that_goes_away_is_not_an_error(home: Path) -> None:
    store = Store.open(home / "history.sqlite3")
    try:
        with store.database.transaction():
            for i in range(3000):
                store.history.add_outgoing(
                    account=ME,
                    peer=BOB,
                    sender=ME,
                    body=f"line {i} " + "x" * 80,
                    timestamp=T0 + timedelta(seconds=i),
                    origin_id=f"o{i}",
                    message_id=f"m{i}",
                )
    finally:
        store.close()
    env = dict(os.environ, PYTHONPATH=str(REPO), XMPP_TUI_HOME=str(home), TZ="UTC")
    proc = subprocess.Popen(
        [sys.executable, "-m", "xmpp_tui", "history", ME, BOB],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=home,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"2024-05-01 12:00:00 ")
    proc.stdout.close()  # like `| head -1`
    try:
        err = proc.stderr.read()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        proc.stderr.close()
    assert b"Traceback" not in err
    assert b"Broken pipe" not in err


# -- pieces -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["history", "a@x", "b@x"], "history"),
        (["--config", "c.toml", "history", "a@x", "b@x"], "history"),
        (["--log-level", "debug", "search", "x"], "search"),
        (["--config=c.toml", "search", "--account", "a@x", "x"], "search"),
        (["search"], "search"),
        (["history", "--help"], "history"),
        (["--resource", "history", "a@x"], None),
        (["--server", "search", "a@x"], None),
        (["a@x", "history"], None),
        (["a@x"], None),
        ([], None),
        (["--version"], None),
        (["--log-level"], None),
    ],
)
def test_subcommand_is_the_first_positional(argv: list[str], expected: str | None) -> None:
    assert subcommand_of(argv) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alice@Example.ORG", "alice@example.org"),
        ("alice@example.org.", "alice@example.org"),
        ("example.org", "example.org"),
        ("ＡＬＩＣＥ@example.org", "alice@example.org"),
    ],
)
def test_normalise_bare_jid(text: str, expected: str) -> None:
    assert normalise_bare_jid(text, "PEER") == expected


def test_text_line_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from xmpp_tui.core.models import Delivery, Direction, StoredMessage

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        message = StoredMessage(
            id=1,
            account=ME,
            peer=BOB,
            direction=Direction.INCOMING,
            sender=BOB + "/phone",
            body="hi\ttab",
            timestamp=T0,
            delivery=Delivery.RECEIVED,
        )
        assert text_line(message) == "2024-05-01 17:30:00 <bob@example.org> hi    tab"
    finally:
        monkeypatch.undo()
        time.tzset()
