"""When an alert is due (ui/notifier.py), what it writes to the terminal (ui/terminal_codes.py),
its settings (notification_settings.py) and the notify_command runner."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.test_settings import ACCOUNT, args, write_config
from xmpp_tui.core.errors import ConfigError
from xmpp_tui.core.models import ConversationKind, Delivery, Direction, StoredMessage
from xmpp_tui.notification_settings import NotificationSettings
from xmpp_tui.settings import resolve_settings
from xmpp_tui.ui import terminal_codes
from xmpp_tui.ui.notifier import (
    ALERT_TEXT,
    PER_CONVERSATION,
    PER_MINUTE,
    AlertKind,
    Notifier,
    alert_kind,
    unread_title,
)
from xmpp_tui.ui.screens.alerts import run_command
from xmpp_tui.ui.view_state import ChatKey

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BOB = ChatKey("me@x", "bob@x")
ROOM = ChatKey("me@x", "room@muc.x")


def _message(
    row: int,
    *,
    out: bool = False,
    room: bool = False,
    body: str = "hello",
    age: timedelta = timedelta(0),
) -> StoredMessage:
    return StoredMessage(
        id=row,
        account="me@x",
        peer=ROOM.peer if room else BOB.peer,
        direction=Direction.OUTGOING if out else Direction.INCOMING,
        sender="room@muc.x/bob" if room else "bob@x/phone",
        body=body,
        timestamp=NOW - age,
        delivery=Delivery.SENT if out else Delivery.RECEIVED,
        kind=ConversationKind.GROUPCHAT if room else ConversationKind.CHAT,
    )


# --------------------------------------------------------------------------- what calls for one


def test_a_live_incoming_chat_message_calls_for_an_alert() -> None:
    assert alert_kind([_message(1)], live={1}, own_nick=None, now=NOW) is AlertKind.MESSAGE


def test_own_messages_and_carbons_of_them_never_alert() -> None:
    # A carbon of what another device of ours sent is stored as OUTGOING (recorder.py).
    assert alert_kind([_message(1, out=True)], live={1}, own_nick=None, now=NOW) is None


def test_archive_catch_up_and_history_never_alert() -> None:
    messages = [_message(1), _message(2)]
    assert alert_kind(messages, live=set(), own_nick=None, now=NOW) is None
    # One live line among archived ones is enough.
    assert alert_kind(messages, live={2}, own_nick=None, now=NOW) is AlertKind.MESSAGE


def test_a_room_alerts_only_for_a_fresh_live_mention_by_someone_else() -> None:
    said = _message(1, room=True, body="nothing for you")
    named = _message(2, room=True, body="al: look")
    assert alert_kind([said], live={1}, own_nick="al", now=NOW) is None
    assert alert_kind([said, named], live={1, 2}, own_nick="al", now=NOW) is AlertKind.MENTION
    assert alert_kind([named], live=set(), own_nick="al", now=NOW) is None  # join replay
    assert alert_kind([named], live={2}, own_nick=None, now=NOW) is None  # not in the room
    old = _message(3, room=True, body="al: look", age=timedelta(hours=2))
    assert alert_kind([old], live={3}, own_nick="al", now=NOW) is None
    ours = replace_sender(_message(4, room=True, body="al: me"), "room@muc.x/al")
    assert alert_kind([ours], live={4}, own_nick="al", now=NOW) is None


def replace_sender(message: StoredMessage, sender: str) -> StoredMessage:
    from dataclasses import replace

    return replace(message, sender=sender)


# --------------------------------------------------------------------------- focus and limits


def test_no_alert_for_what_the_user_is_reading_or_has_blocked() -> None:
    notifier = Notifier()
    assert notifier.decide(BOB, AlertKind.MESSAGE, now=0, reading=True, blocked=False) is None
    assert notifier.decide(BOB, AlertKind.MESSAGE, now=0, reading=False, blocked=True) is None
    assert notifier.decide(BOB, None, now=0, reading=False, blocked=False) is None
    # None of those counted against the limits.
    kind = notifier.decide(BOB, AlertKind.MESSAGE, now=0, reading=False, blocked=False)
    assert kind is AlertKind.MESSAGE


def test_one_alert_per_conversation_per_interval() -> None:
    notifier = Notifier()

    def due(key: ChatKey, now: float) -> bool:
        return (
            notifier.decide(key, AlertKind.MESSAGE, now=now, reading=False, blocked=False)
            is not None
        )

    assert due(BOB, 0)
    assert not due(BOB, 1)
    assert not due(BOB, PER_CONVERSATION - 0.1)
    assert due(ROOM, 1)  # another conversation has its own limit
    assert due(BOB, PER_CONVERSATION)


def test_a_global_cap_per_minute_over_all_conversations() -> None:
    notifier = Notifier()
    keys = [ChatKey("me@x", f"spam{n}@x") for n in range(PER_MINUTE + 3)]
    given = [
        notifier.decide(key, AlertKind.MESSAGE, now=n, reading=False, blocked=False)
        for n, key in enumerate(keys)
    ]
    assert sum(kind is not None for kind in given) == PER_MINUTE
    # A minute after the first ones, there is room again.
    fresh = ChatKey("me@x", "later@x")
    assert notifier.decide(fresh, AlertKind.MESSAGE, now=61, reading=False, blocked=False)


def test_a_flood_of_ten_thousand_messages_gives_a_handful_of_alerts() -> None:
    notifier = Notifier()
    alerts = 0
    for n in range(10_000):  # 100 senders, 100 messages a second for 100 seconds
        key = ChatKey("me@x", f"flood{n % 100}@x")
        now = n / 100
        if notifier.decide(key, AlertKind.MESSAGE, now=now, reading=False, blocked=False):
            alerts += 1
    assert 0 < alerts <= PER_MINUTE * 2  # 100 seconds: at most two windows' worth


def test_the_title_is_fixed_text_and_a_number() -> None:
    assert unread_title(0) == "xmpp-tui"
    assert unread_title(3) == "xmpp-tui (3)"


# --------------------------------------------------------------------------- the sequences


def test_terminal_notification_sequences_are_exact() -> None:
    text = ALERT_TEXT[AlertKind.MESSAGE]
    assert (
        terminal_codes.notification("osc777", "xmpp-tui", text, tmux=False)
        == "\x1b]777;notify;xmpp-tui;New message\x1b\\"
    )
    assert terminal_codes.notification("osc9", "xmpp-tui", text, tmux=False) == (
        "\x1b]9;New message\x1b\\"
    )
    assert terminal_codes.notification("off", "xmpp-tui", text, tmux=False) == ""
    assert terminal_codes.window_title("xmpp-tui (2)") == "\x1b]2;xmpp-tui (2)\x1b\\"


def test_inside_tmux_the_sequence_goes_through_dcs_passthrough() -> None:
    wrapped = terminal_codes.notification("osc9", "xmpp-tui", "New message", tmux=True)
    assert wrapped == "\x1bPtmux;\x1b\x1b]9;New message\x1b\x1b\\\x1b\\"
    assert terminal_codes.in_tmux({"TMUX": "/tmp/tmux-1000/default,123,0"})
    assert not terminal_codes.in_tmux({"TERM": "xterm"})


def test_no_text_can_end_a_sequence_early() -> None:
    hostile = "a\x1b\\b\x07c;d\x9c"
    # ESC, BEL, the C1 ST and OSC 777's separator go; a lone backslash is harmless.
    assert terminal_codes.window_title(hostile) == "\x1b]2;a\\bcd\x1b\\"
    sequence = terminal_codes.notification("osc777", hostile, hostile, tmux=False)
    assert sequence == "\x1b]777;notify;a\\bcd;a\\bcd\x1b\\"


# --------------------------------------------------------------------------- settings


def test_defaults_without_a_notifications_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    write_config(tmp_path, ACCOUNT)
    assert resolve_settings(args()).notifications == NotificationSettings()
    assert NotificationSettings().bell and NotificationSettings().terminal_title
    assert NotificationSettings().terminal_notification == "off"


def test_notification_settings_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    text = (
        "terminal_title = false\nmouse = false\n"
        '[notifications]\nbell = false\nterminal_notification = "osc777"\n'
        'notify_command = ["notify-send", "-a", "xmpp-tui"]\n' + ACCOUNT
    )
    write_config(tmp_path, text)
    assert resolve_settings(args()).notifications == NotificationSettings(
        bell=False,
        terminal_notification="osc777",
        notify_command=("notify-send", "-a", "xmpp-tui"),
        terminal_title=False,
        mouse=False,
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[notifications]\nterminal_notification = "osc99"\n', "terminal_notification must be"),
        ("[notifications]\nterminal_notification = true\n", "terminal_notification must be"),
        ('[notifications]\nnotify_command = "notify-send hi"\n', "notify_command must be a list"),
        ('[notifications]\nnotify_command = ["", "x"]\n', "notify_command must be a list"),
        ("[notifications]\nnotify_command = [1]\n", "notify_command must be a list"),
        ('[notifications]\nbell = "yes"\n', "notifications.bell must be true or false"),
        ("[notifications]\nbel = true\n", "unknown key notifications.bel; did you mean bell?"),
        ('notifications = "on"\n', "notifications must be a table"),
        ("mouse = 0\n", "mouse must be true or false"),
        ('terminal_title = "yes"\n', "terminal_title must be true or false"),
    ],
)
def test_a_bad_notification_setting_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, fragment: str
) -> None:
    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    write_config(tmp_path, text + ACCOUNT if not text.startswith("[") else ACCOUNT + text)
    with pytest.raises(ConfigError) as caught:
        resolve_settings(args())
    message = str(caught.value)
    assert fragment in message, message
    assert "config.toml" in message and "\n" not in message


# --------------------------------------------------------------------------- notify_command


async def test_run_command_success_failure_and_timeout(tmp_path: Path) -> None:
    out = tmp_path / "argv"
    script = f"import sys; open({str(out)!r}, 'a').write(repr(sys.argv[1:]))"
    assert await run_command((sys.executable, "-c", script, "New message")) is None
    assert out.read_text() == "['New message']"
    assert await run_command((sys.executable, "-c", "raise SystemExit(3)")) == "exit status 3"
    missing = await run_command((str(tmp_path / "no-such-program"),))
    assert missing is not None and missing.startswith("cannot run")
    slow = await run_command((sys.executable, "-c", "import time; time.sleep(30)"), timeout=0.5)
    assert slow == "still running after 0.5 s, stopped"


@pytest.mark.parametrize("mouse", [True, False])
def test_mouse_false_starts_textual_without_the_mouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mouse: bool
) -> None:
    from xmpp_tui.settings import AccountSettings, Settings
    from xmpp_tui.ui.app import XmppTuiApp
    from xmpp_tui.ui.launch import run_app

    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    asked: list[object] = []

    def run(self: XmppTuiApp, **options: object) -> int:
        asked.append(options.get("mouse"))
        assert self.notifications.mouse is mouse
        return 0

    monkeypatch.setattr(XmppTuiApp, "run", run)
    settings = Settings(
        accounts=(AccountSettings(jid="alice@example.org"),),
        notifications=NotificationSettings(mouse=mouse),
    )
    assert run_app(settings) == 0
    assert asked == [mouse]
