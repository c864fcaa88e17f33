"""The escape sequences xmpp-tui writes to the terminal itself (pure; no Textual).

Only our own fixed texts ever go in here; `_clean` still drops control characters so that no
text can end a sequence early or start another one.

- BEL rings the bell; tmux and screen pass it on (tmux ``bell-action``, ``monitor-bell``).
- OSC 777 ``notify;title;body`` (urxvt, foot, wezterm, ghostty, VTE) and OSC 9 ``body`` (iTerm2,
  kitty, wezterm, Windows Terminal) ask the terminal for a desktop notification, over SSH too.
  Both end with ST (``ESC \\``). A terminal that does not know them ignores them.
- Inside tmux ($TMUX set) tmux itself would swallow an OSC 777/9: it is wrapped in tmux's DCS
  passthrough (``ESC P tmux; ... ESC \\``, every ESC inside doubled), which tmux 3.3+ forwards
  when ``set -g allow-passthrough on``.
- OSC 2 sets the window title (tmux takes it as the pane title and shows it with
  ``set -g set-titles on``). ``CSI 22;2t`` / ``CSI 23;2t`` save and restore the title (xterm's
  title stack; ignored where unknown) so the shell's title comes back at exit.
"""

from __future__ import annotations

from collections.abc import Mapping

from xmpp_tui.notification_settings import TerminalNotification

BEL = "\a"
ESC = "\x1b"
ST = ESC + "\\"
SAVE_TITLE = ESC + "[22;2t"
RESTORE_TITLE = ESC + "[23;2t"


def _clean(text: str) -> str:
    """No control characters, no ``;`` (OSC 777's field separator)."""
    return "".join(ch for ch in text if ch.isprintable() and ch != ";")


def in_tmux(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("TMUX"))


def tmux_passthrough(sequence: str) -> str:
    """``sequence`` wrapped for tmux's DCS passthrough."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def notification(style: TerminalNotification, title: str, body: str, *, tmux: bool) -> str:
    """The terminal's notification escape for ``style`` ("" when off)."""
    if style == "osc777":
        sequence = f"{ESC}]777;notify;{_clean(title)};{_clean(body)}{ST}"
    elif style == "osc9":
        sequence = f"{ESC}]9;{_clean(body)}{ST}"
    else:
        return ""
    return tmux_passthrough(sequence) if tmux else sequence


def window_title(title: str) -> str:
    return f"{ESC}]2;{_clean(title)}{ST}"
