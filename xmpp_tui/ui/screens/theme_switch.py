"""``/theme``: list the colour themes, or switch to one for this run (`ui/themes.py`)."""

from __future__ import annotations

from typing import Any

from textual.app import App

from xmpp_tui.core.errors import UserFacingError


def theme_list(app: App[Any]) -> str:
    """``Themes: ansi16, dark (current), light``, with how to switch."""
    names = [
        f"{name} (current)" if name == app.theme else name for name in sorted(app.available_themes)
    ]
    return f"Themes: {', '.join(names)}. Type /theme NAME to switch"


def switch_theme(app: App[Any], name: str) -> str:
    """Switch to ``name`` now; the answer says how to keep it. UserFacingError if unknown."""
    wanted = name.strip().lower()
    if wanted not in app.available_themes:
        raise UserFacingError(
            f"There is no theme {name}",
            f"themes: {', '.join(sorted(app.available_themes))}",
        )
    app.theme = wanted
    return f'Theme {wanted} (add theme = "{wanted}" to config.toml to keep it)'
