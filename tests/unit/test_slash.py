"""The slash command table and parser."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import Show
from xmpp_tui.core.slash import (
    COMMANDS,
    COMMANDS_BY_NAME,
    STATUS_CHOICES,
    CommandSpec,
    ParsedCommand,
    complete_command,
    find_command,
    help_text,
    parse,
    unescape_literal,
)

REQUIRED = {
    "msg": "JID [text]",
    "add": "JID [name]",
    "remove": "JID",
    "rename": "JID NAME",
    "group": "JID [GROUP ...]",
    "approve": "JID",
    "deny": "JID",
    "subscribe": "JID",
    "unsubscribe": "JID",
    "block": "[JID]",
    "unblock": "[JID]",
    "blocked": "",
    "status": "[SHOW] [text]",
    "account": "[connect|disconnect] [JID]",
    "close": "",
    "help": "[command]",
    "quit": "",
    "trust": "",
}


def parsed(line: str) -> ParsedCommand:
    result = parse(line)
    assert result is not None
    return result


# --- the table ------------------------------------------------------------------------------


def test_required_commands_are_declared() -> None:
    declared = {spec.name: spec.args for spec in COMMANDS}
    for name, args in REQUIRED.items():
        assert declared.get(name) == args, name


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda spec: spec.name)
def test_spec_is_consistent(spec: CommandSpec) -> None:
    words = re.findall(r"\[[^\]]*\]|\S+", spec.args)
    required = [w for w in words if not w.startswith("[")]
    assert spec.min_args == len(required)
    assert spec.max_args is None or spec.min_args <= spec.max_args
    if spec.max_args is None:
        assert "..." in spec.args
    else:
        assert spec.max_args == len(words)
    assert not spec.rest_is_text or spec.max_args is not None
    assert spec.summary and "\n" not in spec.summary and not spec.summary.endswith(".")
    assert spec.usage == f"/{spec.name} {spec.args}".strip()


def test_names_and_aliases_are_unique() -> None:
    keys = [key for spec in COMMANDS for key in (spec.name, *spec.aliases)]
    assert len(keys) == len(set(keys)) == len(COMMANDS_BY_NAME)


def test_status_words_match_presence_values() -> None:
    assert set(STATUS_CHOICES) == {show.value for show in Show} - {"offline"} | {"online"}
    status = find_command("status")
    # Any first word is accepted (it may start the status text): the router decides.
    assert status is not None and status.choices == () and not status.quotes
    for word in STATUS_CHOICES:
        assert word in help_text("status")


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "args"),
    [
        ("/msg bob@example.org", "msg", ("bob@example.org",)),
        ("/msg bob@example.org hello  there", "msg", ("bob@example.org", "hello  there")),
        (
            "/msg bob@example.org line one\nline two ",
            "msg",
            ("bob@example.org", "line one\nline two "),
        ),
        ('/msg bob@example.org "quoted" text', "msg", ("bob@example.org", '"quoted" text')),
        ("/msg   bob@example.org\thi", "msg", ("bob@example.org", "hi")),
        ("/query bob@example.org", "msg", ("bob@example.org",)),
        ("/MSG bob@example.org", "msg", ("bob@example.org",)),
        ("/add bob@example.org", "add", ("bob@example.org",)),
        ("/add bob@example.org Bob Smith", "add", ("bob@example.org", "Bob Smith")),
        ("/remove bob@example.org", "remove", ("bob@example.org",)),
        (
            "/rename bob@example.org Bob the Builder",
            "rename",
            ("bob@example.org", "Bob the Builder"),
        ),
        ("/group bob@example.org", "group", ("bob@example.org",)),
        ("/group bob@example.org Work Family", "group", ("bob@example.org", "Work", "Family")),
        (
            '/group bob@example.org "Old friends" Work',
            "group",
            ("bob@example.org", "Old friends", "Work"),
        ),
        ('/group bob@example.org ""', "group", ("bob@example.org", "")),
        ("/approve bob@example.org", "approve", ("bob@example.org",)),
        ("/deny bob@example.org", "deny", ("bob@example.org",)),
        ("/subscribe bob@example.org", "subscribe", ("bob@example.org",)),
        ("/unsubscribe bob@example.org", "unsubscribe", ("bob@example.org",)),
        ("/block", "block", ()),
        ("/block bob@example.org", "block", ("bob@example.org",)),
        ("/BLOCK bob@example.org", "block", ("bob@example.org",)),
        ("/unblock", "unblock", ()),
        ("/unblock bob@example.org", "unblock", ("bob@example.org",)),
        ("/blocked", "blocked", ()),
        ("/status", "status", ()),
        ("/status dnd", "status", ("dnd",)),
        ("/status Away  back at two", "status", ("Away", "back at two")),
        ("/status lunch", "status", ("lunch",)),
        ('/status "brb', "status", ('"brb',)),
        ("/account", "account", ()),
        ("/account bob@example.org", "account", ("bob@example.org",)),
        ("/close", "close", ()),
        ("/close   ", "close", ()),
        ("/trust", "trust", ()),
        ("/help", "help", ()),
        ("/help msg", "help", ("msg",)),
        ("/quit", "quit", ()),
        ("/exit", "quit", ()),
    ],
)
def test_parse(line: str, name: str, args: tuple[str, ...]) -> None:
    result = parsed(line)
    assert result.spec.name == result.name == name
    assert result.args == args


@pytest.mark.parametrize(
    ("line", "rest"),
    [
        ("/status", ""),
        ("/status  Away  back  at two ", "Away  back  at two "),
        ('/status\n"quoted" text', '"quoted" text'),
        ("/msg bob@example.org hi", "bob@example.org hi"),
    ],
)
def test_rest_is_the_text_after_the_name_as_typed(line: str, rest: str) -> None:
    assert parsed(line).rest == rest


@pytest.mark.parametrize("line", ["hello", "", " /msg bob@example.org", "//msg x", "//"])
def test_not_a_command(line: str) -> None:
    assert parse(line) is None


def test_double_slash_is_a_literal_message() -> None:
    assert unescape_literal("//shrug") == "/shrug"
    assert unescape_literal("///x") == "//x"
    assert unescape_literal("hello") == "hello"
    assert unescape_literal("/msg") == "/msg"


@pytest.mark.parametrize(
    ("line", "message", "hint"),
    [
        (
            "/mgs bob@example.org",
            "Unknown command /mgs. Did you mean /msg?",
            "Usage: /msg JID [text]",
        ),
        ("/stauts away", "Did you mean /status?", "Usage: /status"),
        ("/xyzzy", "Unknown command /xyzzy.", "/help"),
        ("/", "Type a command name after /.", "/help"),
        ("/ msg", "Type a command name after /.", "/help"),
        ("/msg", "/msg needs JID.", "Usage: /msg JID [text]"),
        ("/rename bob@example.org", "/rename needs NAME.", "Usage: /rename JID NAME"),
        ("/rename", "/rename needs JID NAME.", "Usage: /rename JID NAME"),
        ("/remove a@b c@d", "/remove takes at most 1 argument. You gave 2.", "Usage: /remove JID"),
        ("/help a b", "/help takes at most 1 argument. You gave 2.", "Usage: /help [command]"),
        ("/quit now", "/quit takes no arguments. You gave 1.", "Usage: /quit"),
        ("/block a@b c@d", "/block takes at most 1 argument. You gave 2.", "Usage: /block [JID]"),
        ("/blocked a@b", "/blocked takes no arguments. You gave 1.", "Usage: /blocked"),
        ("/blok a@b", "Did you mean /block?", "Usage: /block [JID]"),
        ("/account a@b c@d e@f", "/account takes at most 2 arguments. You gave 3.", "Usage"),
        ('/group bob@example.org "Old friends', "a double quote is not closed", "Usage: /group"),
        ('/group bob@example.org "Old"friends', "a double quote is not closed", "Usage: /group"),
    ],
)
def test_errors_say_what_to_type(line: str, message: str, hint: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        parse(line)
    assert message in caught.value.message
    assert hint in caught.value.hint


@settings(max_examples=2000, deadline=None)
@given(st.text(st.one_of(st.characters(exclude_categories=()), st.sampled_from(' "/\n'))))
def test_any_line_parses_or_gives_a_user_facing_error(text: str) -> None:
    for line in (text, "/" + text):
        try:
            result = parse(line)
        except UserFacingError as error:
            assert error.message and error.hint
            continue
        if result is None:
            assert not line.startswith("/") or line.startswith("//")
            continue
        spec = result.spec
        assert spec.min_args <= len(result.args)
        assert spec.max_args is None or len(result.args) <= spec.max_args


@settings(max_examples=500, deadline=None)
@given(st.text(min_size=1).filter(lambda t: t.strip() == t and t.strip() != ""))
def test_message_text_is_kept_verbatim(text: str) -> None:
    assert parsed(f"/msg bob@example.org {text}").args == ("bob@example.org", text)


# --- completion and help --------------------------------------------------------------------


def test_complete_command() -> None:
    assert complete_command("/st") == ["/status"]
    assert complete_command("/s") == ["/status", "/subscribe"]
    assert complete_command("/REM") == ["/remove"]
    assert complete_command("/re") == [
        "/register",
        "/remove",
        "/rename",
        "/requests",
        "/requestvoice",
    ]
    assert complete_command("/q") == ["/quit", "/query"]  # names first, then aliases
    assert complete_command("/e") == ["/exit"]
    everything = complete_command("/")
    assert everything[: len(COMMANDS)] == sorted("/" + spec.name for spec in COMMANDS)
    assert len(everything) == len(COMMANDS_BY_NAME)


@pytest.mark.parametrize("prefix", ["", "st", "//st", "/status a", "/zz"])
def test_no_completion(prefix: str) -> None:
    assert complete_command(prefix) == []


def test_help_lists_every_command() -> None:
    text = help_text(None)
    for spec in COMMANDS:
        # The usage on its own line, the summary indented on the next one.
        usage = rf"^{re.escape(spec.usage)}\n  {re.escape(spec.summary)}$"
        assert re.search(usage, text, re.MULTILINE), spec.name
    # It fits the console at 80 columns (80 - roster 24 - scrollbar 1) without wrapping.
    assert all(len(line) <= 55 for line in text.splitlines())
    assert help_text("  ") == text


def test_help_for_one_command() -> None:
    assert help_text("quit") == "/quit\n  Disconnect every account and leave\n  Also: /exit"
    assert help_text("/msg").startswith("/msg JID [text]\n")
    assert help_text("EXIT") == help_text("quit")
    with pytest.raises(UserFacingError, match="Did you mean /status"):
        help_text("stats")


def test_find_command() -> None:
    assert find_command("/Query") is find_command("msg")
    assert find_command("nope") is None
