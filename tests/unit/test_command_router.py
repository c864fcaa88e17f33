"""The slash-command table mapped to core commands and UI actions."""

from __future__ import annotations

import pytest

from xmpp_tui.core import commands as cmd
from xmpp_tui.core import slash
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.models import CertificateInfo, Show
from xmpp_tui.ui.command_router import (
    ROUTED_COMMANDS,
    STATUS_WORDS,
    Action,
    ClosePane,
    OpenChat,
    Quit,
    RouteContext,
    ShowHelp,
    ShowLines,
    UseAccount,
    route,
    route_text,
)

A = "alice@example.org"
CONSOLE = RouteContext(A)
CHAT = RouteContext(A, "bob@example.org")


def _route(line: str, ctx: RouteContext = CONSOLE) -> list[Action]:
    parsed = slash.parse(line)
    assert parsed is not None
    return route(parsed, ctx)


def test_every_command_in_the_table_is_routed() -> None:
    assert {spec.name for spec in slash.COMMANDS} == ROUTED_COMMANDS


def test_msg_opens_and_optionally_sends() -> None:
    assert _route("/msg Bob@Example.org") == [OpenChat(A, "bob@example.org")]
    assert _route("/msg bob@example.org hi  there") == [
        OpenChat(A, "bob@example.org"),
        cmd.SendMessage(account=A, peer="bob@example.org", body="hi  there"),
    ]


def test_bad_jid_is_a_user_facing_error() -> None:
    with pytest.raises(UserFacingError, match="not a valid address"):
        _route("/msg bob@@example.org")


@pytest.mark.parametrize(
    "line",
    [
        "/add c",
        "/add bob Bob",
        "/remove c",
        "/rename c Carol",
        "/group bob Work",
        "/approve c",
        "/deny bob",
        "/subscribe c",
        "/unsubscribe c",
        "/block c",
        "/unblock bob",
        "/msg c hello",
    ],
)
def test_a_single_label_address_is_refused(line: str) -> None:
    """``c`` would send presence to a server called "c": say what a full address looks like."""
    word = line.split()[1]
    with pytest.raises(UserFacingError) as caught:
        _route(line, CHAT)
    assert caught.value.message == f"{word} is not a full address; use name@example.org"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/add bob@localhost", cmd.AddContact(account=A, jid="bob@localhost")),
        ("/approve irc.example.org", cmd.ApproveSubscription(account=A, jid="irc.example.org")),
        ("/subscribe irc.example.org", cmd.RequestSubscription(account=A, jid="irc.example.org")),
    ],
)
def test_localhost_with_a_name_and_dotted_gateways_stay_valid(
    line: str, expected: cmd.Command
) -> None:
    assert _route(line) == [expected]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "/add bob@example.org Bob B",
            cmd.AddContact(account=A, jid="bob@example.org", name="Bob B"),
        ),
        ("/remove bob@example.org", cmd.RemoveContact(account=A, jid="bob@example.org")),
        (
            "/rename bob@example.org Bobby T",
            cmd.RenameContact(account=A, jid="bob@example.org", name="Bobby T"),
        ),
        (
            '/group bob@example.org "Old friends" Work',
            cmd.SetGroups(account=A, jid="bob@example.org", groups=("Old friends", "Work")),
        ),
        ("/group bob@example.org", cmd.SetGroups(account=A, jid="bob@example.org", groups=())),
        ("/approve bob@example.org", cmd.ApproveSubscription(account=A, jid="bob@example.org")),
        ("/deny bob@example.org", cmd.DenySubscription(account=A, jid="bob@example.org")),
        ("/subscribe bob@example.org", cmd.RequestSubscription(account=A, jid="bob@example.org")),
        ("/unsubscribe bob@example.org", cmd.Unsubscribe(account=A, jid="bob@example.org")),
        ("/block Bob@Example.org", cmd.Block(account=A, jid="bob@example.org")),
        ("/block irc.example.org", cmd.Block(account=A, jid="irc.example.org")),
        ("/unblock bob@example.org", cmd.Unblock(account=A, jid="bob@example.org")),
        ("/status away", cmd.SetPresence(account=A, show=Show.AWAY)),
        ("/connect", cmd.Connect(account=A)),
        ("/connect Carol@Example.org", cmd.Connect(account="carol@example.org")),
        ("/disconnect", cmd.Disconnect(account=A)),
    ],
)
def test_roster_and_presence_commands(line: str, expected: cmd.Command) -> None:
    assert _route(line) == [expected]


@pytest.mark.parametrize(
    ("line", "show", "text"),
    [
        ("/status", Show.AVAILABLE, ""),
        ("/status   ", Show.AVAILABLE, ""),
        ("/status dnd in a meeting", Show.DND, "in a meeting"),
        ("/status DND  in  a meeting ", Show.DND, "in  a meeting"),
        ("/status away", Show.AWAY, ""),
        ("/status Xa", Show.XA, ""),
        ("/status chat about anything", Show.CHAT, "about anything"),
        ("/status online", Show.AVAILABLE, ""),
        ("/status Online back again", Show.AVAILABLE, "back again"),
        ("/status available at last", Show.AVAILABLE, "at last"),
        ("/status on the train", Show.AVAILABLE, "on the train"),
        ("/status lunch", Show.AVAILABLE, "lunch"),
        ("/status awayyy", Show.AVAILABLE, "awayyy"),
        ('/status "brb" in 5', Show.AVAILABLE, '"brb" in 5'),
        ('/status away "brb', Show.AWAY, '"brb'),
        ("/status away\nback at two", Show.AWAY, "back at two"),
    ],
)
def test_status_show_word_then_text(line: str, show: Show, text: str) -> None:
    assert _route(line) == [cmd.SetPresence(account=A, show=show, status=text)]
    assert _route(line, CHAT) == [cmd.SetPresence(account=A, show=show, status=text)]


def test_status_words_are_the_documented_ones() -> None:
    assert set(STATUS_WORDS) == set(slash.STATUS_CHOICES)


TWO = ("alice@example.org", "zoe@other.org")


def test_account_lists_every_account_with_its_state_and_marks_the_console_one() -> None:
    states = {A: "online", "zoe@other.org": "failed: wrong password"}
    ctx = RouteContext(A, None, accounts=TWO, console_account=A, connections=states)
    (info,) = _route("/account", ctx)
    assert isinstance(info, ShowLines)
    assert info.text.splitlines()[1:3] == [
        "* alice@example.org: online",
        "  zoe@other.org: failed: wrong password",
    ]
    # From a chat pane of another account, it still marks the console's account.
    in_chat = RouteContext(
        "zoe@other.org", "bob@example.org", accounts=TWO, console_account=A, connections=states
    )
    assert _route("/account", in_chat) == [info]


def test_account_switches_to_an_open_account_only() -> None:
    ctx = RouteContext(A, None, accounts=TWO, console_account=A)
    assert _route("/account Zoe@Other.org", ctx) == [UseAccount("zoe@other.org")]
    with pytest.raises(UserFacingError, match="not an open account") as caught:
        _route("/account mallory@example.org", ctx)
    assert "alice@example.org, zoe@other.org" in caught.value.hint
    with pytest.raises(UserFacingError, match="not a valid address"):
        _route("/account @@", ctx)
    with pytest.raises(UserFacingError, match="No account"):
        _route("/account", RouteContext(None))


def test_ui_actions() -> None:
    assert _route("/close", CHAT) == [ClosePane()]
    assert _route("/quit") == [Quit()]
    (help_all,) = _route("/help")
    assert isinstance(help_all, ShowHelp) and "/msg" in help_all.text
    (help_one,) = _route("/help /add")
    assert isinstance(help_one, ShowHelp) and help_one.text.startswith("/add")


def test_trust_uses_the_last_rejected_certificate_of_the_account() -> None:
    with pytest.raises(UserFacingError, match="No rejected certificate"):
        _route("/trust")
    info = CertificateInfo(sha256="AB:CD", subject="s", issuer="i", not_after="n", reason="r")
    ctx = RouteContext(A, None, {A: info})
    assert _route("/trust", ctx) == [cmd.TrustCertificate(account=A, sha256="AB:CD")]


def test_plain_text_goes_to_the_pane_peer_only() -> None:
    assert route_text("hello", CHAT) == [
        cmd.SendMessage(account=A, peer="bob@example.org", body="hello")
    ]
    with pytest.raises(UserFacingError, match="console"):
        route_text("hello", CONSOLE)


def test_no_account() -> None:
    with pytest.raises(UserFacingError, match="No account"):
        _route("/add bob@example.org", RouteContext(None))


def test_block_and_unblock_default_to_the_pane_peer() -> None:
    assert _route("/block", CHAT) == [cmd.Block(account=A, jid="bob@example.org")]
    assert _route("/unblock", CHAT) == [cmd.Unblock(account=A, jid="bob@example.org")]
    assert _route("/block carol@example.org", CHAT) == [
        cmd.Block(account=A, jid="carol@example.org")
    ]
    for line in ("/block", "/unblock"):
        with pytest.raises(UserFacingError, match=f"{line} needs a JID"):
            _route(line)  # the console has no peer


def test_blocked_lists_the_block_list_one_jid_a_line() -> None:
    assert _route("/blocked") == [ShowLines("Nobody is blocked")]
    several = RouteContext(A, accounts=(A, "me@other.org"))
    assert _route("/blocked", several) == [ShowLines(f"Nobody is blocked by {A}")]
    blocked = frozenset({"mallory@example.org", "eve@example.org"})
    (shown,) = _route("/blocked", RouteContext(A, "bob@example.org", blocked=blocked))
    assert shown == ShowLines("Blocked (2):\n  eve@example.org\n  mallory@example.org")


def test_blocked_jids_are_shown_one_safe_line_each() -> None:
    hostile = "ev\u202eil\nforged@example.org"
    (shown,) = _route("/blocked", RouteContext(A, blocked=frozenset({hostile})))
    assert isinstance(shown, ShowLines)
    lines = shown.text.splitlines()
    assert len(lines) == 2
    assert "\u202e" not in shown.text


def test_text_to_a_blocked_peer_is_refused_with_the_way_back() -> None:
    ctx = RouteContext(A, "bob@example.org", blocked=frozenset({"bob@example.org"}))
    with pytest.raises(UserFacingError) as caught:
        route_text("hello", ctx)
    assert caught.value.message == (
        "You blocked bob@example.org: /unblock bob@example.org to write to them"
    )
    with pytest.raises(UserFacingError) as caught_msg:
        _route("/msg bob@example.org hello", RouteContext(A, blocked=ctx.blocked))
    assert caught_msg.value.message == caught.value.message
    # Opening the conversation, and everyone else, still work.
    assert _route("/msg bob@example.org", ctx) == [OpenChat(A, "bob@example.org")]
    other = RouteContext(A, "carol@example.org", blocked=ctx.blocked)
    assert route_text("hi", other) == [
        cmd.SendMessage(account=A, peer="carol@example.org", body="hi")
    ]


def test_info_defaults_to_the_contact_or_our_server() -> None:
    assert _route("/info") == [cmd.QueryInfo(account=A, jid="example.org")]
    assert _route("/info", CHAT) == [cmd.QueryInfo(account=A, jid="bob@example.org")]
    assert _route("/info Bob@Example.org/Phone") == [
        cmd.QueryInfo(account=A, jid="bob@example.org/Phone")
    ]
    with pytest.raises(UserFacingError):
        _route("/info bob@@x")


def test_me_and_correct_act_on_the_conversation_as_typed() -> None:
    assert _route('/me  waves "hi"', CHAT) == [
        cmd.SendMessage(account=A, peer="bob@example.org", body='/me waves "hi"')
    ]
    assert _route("/correct the  plan", CHAT) == [
        cmd.CorrectMessage(account=A, peer="bob@example.org", body="the  plan")
    ]
    for line in ("/me waves", "/correct x"):
        with pytest.raises(UserFacingError, match="conversation"):
            _route(line)
    blocked = RouteContext(A, "bob@example.org", blocked=frozenset({"bob@example.org"}))
    with pytest.raises(UserFacingError, match="blocked"):
        _route("/correct x", blocked)


def test_msg_in_a_room_names_occupants_exactly_whatever_their_nick() -> None:
    room = "room@conference.example.org"
    ctx = RouteContext(
        A, room, rooms=frozenset({room}), occupants=("bob@example.org", "[b]evil[/b]", "Mr Big")
    )
    # an occupant called like a contact is the occupant, not the contact
    assert _route("/msg bob@example.org psst", ctx) == [
        OpenChat(A, f"{room}/bob@example.org"),
        cmd.SendMessage(account=A, peer=f"{room}/bob@example.org", body="psst"),
    ]
    assert _route("/msg [b]evil[/b] hi", ctx)[0] == OpenChat(A, f"{room}/[b]evil[/b]")
    assert _route("/msg Mr Big hello there", ctx) == [
        OpenChat(A, f"{room}/Mr Big"),
        cmd.SendMessage(account=A, peer=f"{room}/Mr Big", body="hello there"),
    ]
    # outside the room's occupants, an address is a contact as before
    assert _route("/msg carol@example.org", ctx) == [OpenChat(A, "carol@example.org")]
