"""``--account JID`` on any command (core/slash.py) and ``/account`` connect/disconnect."""

from __future__ import annotations

import pytest

from xmpp_tui.core import commands as cmd
from xmpp_tui.core import slash
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.ui.command_router import (
    OpenChat,
    RouteContext,
    UseAccount,
    account_lines,
    chosen_account,
    route,
)

A = "alice@example.org"
C = "carol@example.org"
THREE = (A, "zoe@other.org", C)


@pytest.mark.parametrize(
    ("line", "account", "args"),
    [
        ("/msg --account carol@example.org bob@example.org hi", C, ("bob@example.org", "hi")),
        ("/msg --account=carol@example.org bob@example.org hi", C, ("bob@example.org", "hi")),
        ("/connect   --account   Carol@Example.org", "Carol@Example.org", ()),
        ("/blocked --account carol@example.org", C, ()),
        ("/msg bob@example.org hi", None, ("bob@example.org", "hi")),
        # After the first positional argument it is text, not the option.
        (
            "/msg bob@example.org --account carol@example.org",
            None,
            ("bob@example.org", "--account carol@example.org"),
        ),
    ],
)
def test_account_option_is_taken_before_the_arguments(
    line: str, account: str | None, args: tuple[str, ...]
) -> None:
    parsed = slash.parse(line)
    assert parsed is not None
    assert parsed.account == account
    assert parsed.args == args


def test_account_option_leaves_free_text_as_typed() -> None:
    parsed = slash.parse('/status --account carol@example.org away  "back" soon')
    assert parsed is not None
    assert parsed.account == C
    assert parsed.rest == 'away  "back" soon'


@pytest.mark.parametrize("line", ["/msg --account", "/msg --account ", "/quit --account="])
def test_account_option_without_a_jid_is_refused(line: str) -> None:
    with pytest.raises(UserFacingError, match="--account needs the account's JID"):
        slash.parse(line)


def test_account_option_counts_no_argument() -> None:
    with pytest.raises(UserFacingError, match="takes no arguments"):
        slash.parse("/quit --account carol@example.org now")
    parsed = slash.parse("/quit --account carol@example.org")
    assert parsed is not None and parsed.args == ()


def test_chosen_account_must_be_open() -> None:
    assert chosen_account("Carol@Example.org", THREE) == C
    with pytest.raises(UserFacingError, match="not an open account") as caught:
        chosen_account("mallory@example.org", THREE)
    assert caught.value.hint == "Open accounts: alice@example.org, zoe@other.org, carol@example.org"
    with pytest.raises(UserFacingError, match="--account @@"):
        chosen_account("@@", THREE)


def _route(line: str, ctx: RouteContext) -> list[object]:
    parsed = slash.parse(line)
    assert parsed is not None
    return list(route(parsed, ctx))


def test_account_connect_and_disconnect() -> None:
    ctx = RouteContext(A, None, accounts=THREE, console_account=A)
    assert _route("/account connect carol@example.org", ctx) == [cmd.Connect(account=C)]
    assert _route("/account DISCONNECT carol@example.org", ctx) == [cmd.Disconnect(account=C)]
    assert _route("/account disconnect", ctx) == [cmd.Disconnect(account=A)]
    assert _route("/account carol@example.org", ctx) == [UseAccount(C)]
    with pytest.raises(UserFacingError, match="not an open account"):
        _route("/account connect mallory@example.org", ctx)
    with pytest.raises(UserFacingError, match="is not connect or disconnect"):
        _route("/account join carol@example.org", ctx)


def test_account_lines_sanitise_the_state_and_default_to_offline() -> None:
    ctx = RouteContext(
        A, None, accounts=THREE, console_account=C, connections={A: "failed: bad\nforged line"}
    )
    lines = account_lines(ctx).splitlines()
    assert lines[1] == "  alice@example.org: failed: bad⏎forged line"
    assert lines[2] == "  zoe@other.org: offline"
    assert lines[3] == "* carol@example.org: offline"


def test_msg_with_account_option_opens_the_other_accounts_conversation() -> None:
    # The screen resolves the option into the route context (MainScreen.context).
    ctx = RouteContext(C, None, accounts=THREE, console_account=A)
    assert _route("/msg --account carol@example.org bob@example.org hi", ctx) == [
        OpenChat(C, "bob@example.org"),
        cmd.SendMessage(account=C, peer="bob@example.org", body="hi"),
    ]
