"""XEP-0357 push, the pure parts: the app server and node as typed or configured, /push
routing, the status text, config.toml keys and the stored registration."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_settings import write_config
from xmpp_tui.core import commands as cmd
from xmpp_tui.core import slash
from xmpp_tui.core.errors import ConfigError, InvalidJidError, UserFacingError
from xmpp_tui.core.push import MAX_NODE_CHARS, PushStatus, new_node, parse_app_server, parse_node
from xmpp_tui.settings import load_config
from xmpp_tui.store import Store
from xmpp_tui.ui.command_router import RouteContext, route
from xmpp_tui.ui.push_routes import status_text

A = "alice@example.org"


def _route(line: str) -> list[object]:
    parsed = slash.parse(line)
    assert parsed is not None
    return list(route(parsed, RouteContext(A)))


def test_app_server_is_normalised_and_never_our_own_account() -> None:
    assert parse_app_server(" Push.Example.ORG ", A) == "push.example.org"
    assert parse_app_server("p2@push.example.org/x", A) == "p2@push.example.org/x"
    with pytest.raises(UserFacingError, match="is your own account"):
        parse_app_server("Alice@example.org/laptop", A)
    with pytest.raises(InvalidJidError):
        parse_app_server("push example.org", A)
    with pytest.raises(UserFacingError, match="is not an app server's address"):
        parse_app_server("on", A)


def test_node_is_one_printable_word_of_bounded_length() -> None:
    assert parse_node(" abc-DEF_1= ") == "abc-DEF_1="
    for bad in ("", "two words", "tab\there", "bell\x07", "x" * (MAX_NODE_CHARS + 1)):
        with pytest.raises(UserFacingError):
            parse_node(bad)


def test_generated_nodes_are_opaque_url_safe_and_distinct() -> None:
    nodes = {new_node() for _ in range(50)}
    assert len(nodes) == 50
    assert all(len(node) >= 20 and parse_node(node) == node for node in nodes)
    assert all(
        set(node) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for node in nodes
    )


def test_push_routes_to_commands() -> None:
    assert _route("/push") == [cmd.QueryPushStatus(account=A)]
    assert _route("/push STATUS") == [cmd.QueryPushStatus(account=A)]
    assert _route("/push disable") == [cmd.DisablePush(account=A)]
    assert _route("/push enable") == [cmd.EnablePush(account=A)]
    assert _route("/push enable Push.Example.org") == [
        cmd.EnablePush(account=A, service="push.example.org")
    ]
    assert _route("/push enable push.example.org n0de") == [
        cmd.EnablePush(account=A, service="push.example.org", node="n0de")
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/push on", '/push: "on" is not one of status, enable, disable.'),
        ("/push enable alice@example.org", "alice@example.org is your own account"),
        ("/push disable push.example.org", "/push disable takes no arguments"),
        ("/push status now", "/push status takes no arguments"),
        ("/push enable a b c", "/push takes at most 3 arguments. You gave 4."),
    ],
)
def test_push_refuses_what_it_cannot_do(line: str, message: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        _route(line)
    assert caught.value.message.startswith(message)


def test_status_text_says_support_state_server_node_and_the_last_result() -> None:
    on = PushStatus(
        supported=True, service="push.example.org", node="n1", enabled=True, attempted=True
    )
    assert status_text(A, on).splitlines() == [
        f"{A}: push notifications (XEP-0357)",
        "  server support: yes",
        "  app server: push.example.org (from /push enable)",
        "  node: n1",
        "  state: on",
        "  last enable: succeeded",
    ]
    refused = PushStatus(
        supported=True,
        service="push.example.org",
        node="n\x1b[2J1",  # a node is shown sanitised
        from_config=True,
        attempted=True,
        error="service-unavailable",
    )
    lines = status_text(A, refused).splitlines()
    assert "  app server: push.example.org (from config.toml)" in lines
    assert "  state: off" in lines
    assert "  last enable: failed (service-unavailable)" in lines
    assert all("\x1b" not in line for line in lines)
    nothing = status_text(A, PushStatus(supported=None)).splitlines()
    assert nothing[1:] == [
        "  server support: unknown",
        "  app server: none (/push enable APP_SERVER_JID)",
        "  state: off",
    ]
    waiting = PushStatus(supported=False, service="push.example.org", node="n1")
    assert status_text(A, waiting).splitlines()[-1] == "  last enable: not tried on this connection"


def test_config_reads_push_service_and_node(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        f'[[accounts]]\njid = "{A}"\npush_service = "Push.Example.org"\npush_node = "dev-1"\n',
    )
    (account,) = load_config(path)
    assert (account.push_service, account.push_node) == ("push.example.org", "dev-1")
    plain = write_config(tmp_path, f'[[accounts]]\njid = "{A}"\n')
    assert load_config(plain)[0].push_service is None


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('push_service = "a b"', "accounts[0].push_service is invalid"),
        (f'push_service = "{A}"', "accounts[0].push_service is invalid: alice@example.org is"),
        ("push_service = 5", "accounts[0].push_service must be a string in quotes, not 5"),
        ('push_service = "p.org"\npush_node = "two words"', "accounts[0].push_node is invalid"),
        ('push_node = "n"', "accounts[0].push_node needs push_service too"),
        ('push_servce = "p.org"', "did you mean push_service?"),
    ],
)
def test_config_push_errors_name_the_key(tmp_path: Path, lines: str, message: str) -> None:
    path = write_config(tmp_path, f'[[accounts]]\njid = "{A}"\n{lines}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in caught.value.message


def test_store_keeps_one_node_per_account_across_enable_and_disable(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "history.sqlite3")
    try:
        push = store.push
        assert push.get(A) is None
        made = iter(["first", "second"])
        assert push.node(A, lambda: next(made)) == "first"
        assert push.node(A, lambda: next(made)) == "first"  # made once, then kept
        push.enabled(A, "push.example.org", "first")
        push.disabled(A)
        stored = push.get(A)
        assert stored is not None and (stored.service, stored.node) == ("", "first")
        push.enabled(A, "p2.example.org", "given")
        stored = push.get(A)
        assert stored is not None and (stored.service, stored.node) == ("p2.example.org", "given")
        assert push.get("bob@example.org") is None
    finally:
        store.close()
    reopened = Store.open(tmp_path / "history.sqlite3")
    try:
        stored = reopened.push.get(A)
        assert stored is not None and stored.node == "given"
    finally:
        reopened.close()
