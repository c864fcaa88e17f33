"""How xmpp-tui reaches a user who is not looking, and how it uses the terminal.

From config.toml: the ``[notifications]`` table (``bell``, ``terminal_notification``,
``notify_command``) and the top-level ``terminal_title`` and ``mouse``. Nothing here needs
D-Bus or a GUI: the bell and the terminal's own notification escape travel over SSH and
through tmux. See docs/configuration.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from xmpp_tui.core.errors import ConfigError

TerminalNotification = Literal["off", "osc777", "osc9"]
TERMINAL_NOTIFICATIONS: tuple[TerminalNotification, ...] = ("off", "osc777", "osc9")
NOTIFICATION_KEYS = ("bell", "terminal_notification", "notify_command")
#: Top-level keys this module reads (besides the ``[notifications]`` table).
TERMINAL_KEYS = ("terminal_title", "mouse")


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    #: Ring the terminal bell (BEL) on an alert.
    bell: bool = True
    #: The terminal's own desktop notification escape: OSC 777 (urxvt, foot, wezterm, ghostty,
    #: VTE) or OSC 9 (iTerm2, kitty, wezterm, Windows Terminal); off by default.
    terminal_notification: TerminalNotification = "off"
    #: A program and its first arguments; xmpp-tui appends its own fixed text (no shell).
    notify_command: tuple[str, ...] = ()
    #: Show "xmpp-tui (N unread)" as the terminal window's title.
    terminal_title: bool = True
    #: Let Textual take the mouse (False: the terminal keeps it, for selecting text).
    mouse: bool = True


def parse_notifications(data: dict[str, Any], where: str) -> NotificationSettings:
    """The notification and terminal settings of a parsed config document.

    ``where`` names the file in messages; every problem is one ConfigError naming the key."""

    def fail(key: str, problem: str, example: str) -> ConfigError:
        return ConfigError(f"{where}: {key} {problem}; write {example}")

    table = data.get("notifications", {})
    if not isinstance(table, dict):
        raise fail("notifications", "must be a table", "[notifications] then bell = true")
    for key in table:
        if key not in NOTIFICATION_KEYS:
            from xmpp_tui.settings import _suggest

            raise ConfigError(
                f"{where}: unknown key notifications.{key}; {_suggest(key, NOTIFICATION_KEYS)}"
            )
    bell = _flag(table, "bell", where, "notifications.bell")
    style = table.get("terminal_notification", "off")
    if style not in TERMINAL_NOTIFICATIONS:
        raise fail(
            "notifications.terminal_notification",
            f"must be one of {', '.join(TERMINAL_NOTIFICATIONS)}, not {_shown(style)}",
            'terminal_notification = "osc777"',
        )
    command = table.get("notify_command", [])
    if (
        not isinstance(command, list)
        or not all(isinstance(arg, str) and arg and "\x00" not in arg for arg in command)
        or (command and not command[0].strip())
    ):
        raise fail(
            "notifications.notify_command",
            "must be a list of non-empty strings (the program, then its arguments)",
            'notify_command = ["notify-send", "xmpp-tui"]',
        )
    title = _flag(data, "terminal_title", where, "terminal_title")
    mouse = _flag(data, "mouse", where, "mouse")
    return NotificationSettings(
        bell=bell,
        terminal_notification=style,
        notify_command=tuple(command),
        terminal_title=title,
        mouse=mouse,
    )


def _flag(table: dict[str, Any], key: str, where: str, name: str) -> bool:
    """A true/false key, true when absent."""
    value = table.get(key, True)
    if not isinstance(value, bool):
        raise ConfigError(
            f"{where}: {name} must be true or false, not {_shown(value)}; write {key} = false"
        )
    return value


def _shown(value: object) -> str:
    from xmpp_tui.settings import _toml_value

    return _toml_value(value)
