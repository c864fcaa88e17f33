"""Remote text -> `rich.text.Text`, never markup (SECURITY.md T1-T3).

Every string that came from the network passes through `core.sanitize` here, and is wrapped in a
`Text` built from the plain string, so `[@click=...]` or `[link=...]` in a body stays literal text.
Widgets render only what these helpers return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.console import Console
from rich.style import Style
from rich.text import Text

from xmpp_tui.core.confusables import CONFUSABLE_MARK, is_confusable_jid
from xmpp_tui.core.models import ConversationKind, Delivery, Direction, Show, StoredMessage
from xmpp_tui.core.sanitize import sanitize_for_display, sanitize_identifier
from xmpp_tui.core.styling import Line, Styling, style_body
from xmpp_tui.ui.theme_roles import is_role, role

#: Marks a continuation line of a message, so a body line can never look like a sender line.
CONTINUATION = "│ "
TIME_WIDTH = 6  # "HH:MM "
OWN_LABEL = "me"
#: Sender names longer than this many cells are cut with "…".
SENDER_CELLS = 20

#: Glyph and word per presence: the shape and the word carry it, not only the colour.
PRESENCE_GLYPHS: dict[Show, tuple[str, str, str]] = {
    Show.CHAT: ("◉", "free for chat", role("presence-chat")),
    Show.AVAILABLE: ("●", "available", role("presence-available")),
    Show.AWAY: ("◑", "away", role("presence-away")),
    Show.XA: ("◔", "extended away", role("presence-xa")),
    Show.DND: ("⊖", "do not disturb", role("presence-dnd")),
    Show.OFFLINE: ("○", "offline", role("presence-offline")),
}

#: Delivery marks of outgoing messages: glyph and theme role. Each state has its own glyph, so
#: a monochrome terminal tells them apart too.
DELIVERY_MARKS: dict[Delivery, tuple[str, str]] = {
    Delivery.PENDING: ("…", role("delivery-pending")),
    Delivery.SENT: ("→", role("delivery-sent")),
    Delivery.ACKED: ("✓", role("delivery-acked")),
    Delivery.DELIVERED: ("✓✓", role("delivery-delivered")),
    Delivery.DISPLAYED: ("✓✓ read", role("delivery-displayed")),
    Delivery.FAILED: ("✗ failed", role("delivery-failed")),
    Delivery.RECEIVED: ("", ""),
}


def safe_name(text: str) -> Text:
    """A JID, nick, resource, status or error text as one safe line."""
    return Text(sanitize_identifier(text), no_wrap=False, end="")


def one_line(text: str, style: str = "") -> Text:
    line = Text(sanitize_identifier(text, max_len=2048), style=style, end="")
    if is_role(style):  # Textual ignores a named style as a Text's base style: make it a span
        line.style = ""
        line.stylize(style)
    return line


def jid_text(jid: str, style: str = "") -> Text:
    """A JID as one safe line, followed by "⚠ mixed scripts" when a label mixes scripts (T3)."""
    line = one_line(jid, style)
    if is_confusable_jid(jid):
        line.append_text(Text.assemble(" ", (CONFUSABLE_MARK, "bold reverse"), end=""))
    return line


def jid_plain(jid: str) -> str:
    """:func:`jid_text` as a plain string (for console lines and notifications)."""
    return jid_text(jid).plain


def presence_text(show: Show) -> Text:
    glyph, word, colour = PRESENCE_GLYPHS[show]
    return Text.assemble((glyph, colour), " ", (word, colour), end="")


def presence_glyph(show: Show) -> Text:
    glyph, _word, colour = PRESENCE_GLYPHS[show]
    return Text(glyph, style=colour, end="")


_DIM = Style(dim=True)
_OWN = Style(bold=True, color="cyan")
_PEER = Style(bold=True, color="magenta")
_PLAIN = Style()
#: Added to the sender of a room message that names our nick.
MENTION = Style(reverse=True)


@dataclass(frozen=True, slots=True)
class MessageStyles:
    """Styles for history lines; the widget fills them from its component classes."""

    time: Style = _DIM
    own: Style = _OWN
    peer: Style = _PEER
    continuation: Style = _DIM
    body: Style = _PLAIN
    edited: Style = _DIM


#: XEP-0245: a body starting with this is an action ("/me waves" -> "* bob waves").
ME_PREFIX = "/me "
EDITED_MARK = "(edited)"

#: XEP-0393 styles, combined per span; the directives themselves are dimmed.
_STYLING: dict[Styling, Style] = {
    Styling.STRONG: Style(bold=True),
    Styling.EMPHASIS: Style(italic=True),
    Styling.STRIKE: Style(strike=True),
    Styling.DIRECTIVE: Style(dim=True),
}
#: XEP-0393 styles drawn in a theme colour (a role), laid over the span.
_STYLING_ROLES: dict[Styling, str] = {
    Styling.PRE: role("preformatted"),
    Styling.QUOTE: role("quote"),
}


def styled_line(line: Line, base: Style) -> Text:
    """One line of XEP-0393 spans as `Text`: plain strings with styles, never markup."""
    text = Text(end="")
    for span in line:
        style = base
        roles: list[str] = []
        for kind in sorted(span.styles):
            if kind in _STYLING_ROLES:
                roles.append(_STYLING_ROLES[kind])
            else:
                style += _STYLING[kind]
        start = len(text)
        text.append(span.text, style=style)
        for name in roles:
            text.stylize(name, start, len(text))
    return text


def is_action(body: str) -> bool:
    """XEP-0245: ``/me`` then a space, at the very start of the body."""
    return body.startswith(ME_PREFIX)


def sender_label(message: StoredMessage, peer_name: str) -> str:
    """``me``, the contact's name, or in a room the occupant's nick (never a contact's name:
    SECURITY.md T9). In a room our own lines carry our nick too: an occupant may call
    himself "me", but the room lets no one else hold our nick while we are in it."""
    if message.kind is ConversationKind.GROUPCHAT:
        peer_name = room_nick(message.sender)
    elif message.direction is Direction.OUTGOING:
        return OWN_LABEL
    return truncate_cells(sanitize_identifier(peer_name, max_len=2048), SENDER_CELLS)


def room_nick(sender: str) -> str:
    """The nick in ``room@service/nick`` (the room's own JID when it has none)."""
    _room, slash, nick = sender.partition("/")
    return nick if slash else sender


def mentions(body: str, nick: str) -> bool:
    """Whether a room message names ``nick`` as a word of its own (case-insensitive):
    "al: hi" and "hi @al!" name al, "all of you" and "Sal" do not."""
    if not nick.strip():
        return False
    pattern = rf"(?<!\w){re.escape(nick.casefold())}(?!\w)"
    return re.search(pattern, body.casefold()) is not None


def truncate_cells(text: str, cells: int) -> str:
    """``text`` cut to at most ``cells`` terminal cells, ending with "…" when it was cut."""
    line = Text(text)
    if line.cell_len <= cells:
        return text
    line.truncate(cells, overflow="ellipsis")
    return line.plain


def fit(text: Text, cells: int) -> Text:
    """A copy of the one-line ``text`` cut to ``cells`` cells with "…" (never wrapped)."""
    fitted = text.copy()
    fitted.no_wrap, fitted.overflow = True, "ellipsis"
    if cells > 0 and fitted.cell_len > cells:
        fitted.truncate(cells, overflow="ellipsis")
    return fitted


def day_separator(when: datetime, tz: tzinfo | None, styles: MessageStyles) -> Text:
    """``── Wed 01 May 2024 ──``: goes above the first message of each local day."""
    day = when.astimezone(tz).strftime("%a %d %b %Y")
    return Text(f"── {day} ──", style=styles.time, end="")


#: The line drawn where the archive may have lost messages (never looks like a message line).
GAP_TEXT = "⚠ messages may be missing here (archive gap)"


def gap_line(width: int) -> Text:
    """``⚠ messages may be missing here (archive gap) ─────``, reverse-video, full width."""
    # Reversed in every theme (a theme only colours it): it must never pass for a message.
    text = Text.assemble((GAP_TEXT, "bold reverse"), end="")
    text.stylize(role("gap"), 0, len(GAP_TEXT))
    if width > text.cell_len + 1:
        text.append(" " + "─" * (width - text.cell_len - 1), style=role("gap-rule"))
    return fit(text, width)


def history_banner(text: str) -> Text:
    """The top row of a history: ``┄ loading older messages… ┄`` or ``┄ beginning … ┄``."""
    return Text.assemble("┄ ", one_line(text), " ┄", style="dim italic", end="")


def message_lines(
    message: StoredMessage,
    *,
    peer_name: str,
    width: int,
    console: Console,
    tz: tzinfo | None,
    styles: MessageStyles,
    own_nick: str = "",
) -> list[Text]:
    """``HH:MM <sender> body`` wrapped to ``width``; every further row starts with ``│``.

    A ``/me`` body (XEP-0245) reads ``HH:MM * sender rest``; the body is styled per
    XEP-0393; a corrected message (XEP-0308) ends with "(edited)". In a room, a message
    naming ``own_nick`` has its sender shown reversed (a mention).
    """
    width = max(width, TIME_WIDTH + 12)
    when = message.timestamp.astimezone(tz).strftime("%H:%M")
    own = message.direction is Direction.OUTGOING
    sender_style = styles.own if own else styles.peer
    if not own and message.kind is ConversationKind.GROUPCHAT and mentions(message.body, own_nick):
        sender_style = sender_style + MENTION
    label = sender_label(message, peer_name)
    body = message.body
    action = is_action(body)
    if action:
        body = body[len(ME_PREFIX) :]
    head = Text.assemble(
        (f"{when} ", styles.time),
        (f"* {label} " if action else f"<{label}> ", sender_style),
    )
    mark, mark_style = DELIVERY_MARKS[message.delivery]
    pieces = [styled_line(line, styles.body) for line in style_body(sanitize_for_display(body))]
    if message.edited:
        pieces[-1].append(f" {EDITED_MARK}", style=styles.edited)
    if own and mark:
        pieces[-1].append(f" {mark}", style=mark_style)
    indent = Text.assemble(" " * TIME_WIDTH, (CONTINUATION, styles.continuation))
    inner = width - indent.cell_len
    first = head + pieces[0]
    wrapped = first.wrap(console, width, overflow="fold")
    rows: list[Text] = [wrapped[0]]
    rest = _remainder(first, wrapped[0])
    continued = ([rest] if rest.plain else []) + pieces[1:]
    for piece in continued:
        for row in piece.wrap(console, inner, overflow="fold") if piece.plain else [Text()]:
            rows.append(indent + row)
    return rows


def _remainder(full: Text, first_row: Text) -> Text:
    """What follows the first wrapped row, without the whitespace the wrap broke on."""
    start = len(first_row.plain)
    while start < len(full.plain) and full.plain[start] == " ":
        start += 1
    return full[start:]


def console_line(text: str, *, when: datetime, tz: tzinfo | None, style: str = "") -> Text:
    """One console entry: local time, then the (sanitised, single-line) text."""
    stamp = when.astimezone(tz).strftime("%H:%M")
    return Text.assemble((f"{stamp} ", "dim"), one_line(text, style))


def error_text(message: str, hint: str = "") -> str:
    """``message (hint)`` as plain text; callers sanitise when rendering."""
    return f"{message} ({hint})" if hint else message
