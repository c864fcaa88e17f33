"""The app's own colour roles: what the code styles by meaning, not by colour name.

Textual's theme colours ($primary, $success, ...) style the widgets through CSS. Text the
code builds itself (presence glyphs, delivery marks, connection states, console errors) names a
*role* instead of a colour: ``role("presence-away")`` is the Rich style name
``xmpp.presence-away``, which the app resolves through a Rich theme built from the active
theme file's ``[styles]`` table (`ui/themes.py`). A theme that leaves a role out gets the
default below, so every role always resolves.

Use a role as a *span* (``Text.assemble((text, role(...)))``, ``text.append(..., style=...)``,
`render.one_line`): Textual resolves span styles through the app's console, but silently drops
a named style given as a whole `Text`'s base style (``Text(..., style=role(...))``).

Colour is never the only carrier of a state (monochrome terminals, ``NO_COLOR``): each role's
text also has a glyph or a word of its own.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Protocol, runtime_checkable

PREFIX = "xmpp."

#: Role -> default Rich style (the look before themes existed: the "dark" theme keeps it).
DEFAULT_STYLES = MappingProxyType(
    {
        "presence-chat": "green",
        "presence-available": "green",
        "presence-away": "yellow",
        "presence-xa": "dark_orange",
        "presence-dnd": "red",
        "presence-offline": "grey50",
        "delivery-pending": "grey50",
        "delivery-sent": "grey50",
        "delivery-acked": "green",
        "delivery-delivered": "bold green",
        "delivery-displayed": "bold cyan",
        "delivery-failed": "bold red",
        "state-online": "green",
        "state-connecting": "yellow",
        "state-failed": "bold red",
        "state-offline": "dim",
        "sync": "yellow",
        "error": "bold red",
        "request": "bold yellow",
        "room-joined": "bold green",
        "room-left": "grey50",
        "gap": "bold yellow reverse",
        "gap-rule": "yellow",
        "quote": "green",
        "preformatted": "cyan",
    }
)

ROLES = tuple(DEFAULT_STYLES)


def is_role(style: str) -> bool:
    """Whether ``style`` is a role's style name (see `role`)."""
    return style.startswith(PREFIX)


def role(name: str) -> str:
    """The Rich style name of role ``name`` (a KeyError for a role that does not exist)."""
    if name not in DEFAULT_STYLES:
        raise KeyError(name)
    return PREFIX + name


@runtime_checkable
class Restylable(Protocol):
    """A widget that keeps text drawn with the roles: it redraws it after a theme switch."""

    def restyle(self) -> None: ...
