"""Theme files: TOML in ``themes/`` (shipped) and ``<config dir>/themes/`` (the user's).

A theme file maps onto Textual's own theme system (`textual.theme.Theme`: the $primary,
$background, ... the CSS uses) plus a ``[styles]`` table for xmpp-tui's colour roles
(`ui/theme_roles.py`: presence, delivery marks, connection states...). The file's name is the
theme's name (``light.toml`` -> ``light``)::

    dark = false
    primary = "#005f87"
    background = "#f5f5f5"
    [variables]          # Textual CSS variables, e.g. block-cursor-text-style = "reverse"
    [styles]             # roles: a Rich style; "$name" is one of the theme's colours
    presence-away = "bold $warning"

Every problem (bad TOML, an unknown key, a bad colour, a wrong type) skips that one file with
one line naming the file and the key; nothing here raises to the caller. A user theme with a
shipped theme's name replaces it (the way to adjust "dark" without renaming it in the config).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from rich.errors import StyleSyntaxError
from rich.style import Style
from rich.theme import Theme as RichTheme
from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

from xmpp_tui.ui.theme_roles import DEFAULT_STYLES, PREFIX, ROLES

#: The theme used when the config names none, or names one that cannot be used.
DEFAULT_THEME = "dark"
SUFFIX = ".toml"
#: Theme files larger than this are refused (a theme is a few dozen lines).
MAX_FILE_BYTES = 64 * 1024

_COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
_BOOL_KEYS = ("dark", "ansi")
_NUMBER_KEYS = {"luminosity_spread": (0.0, 1.0), "text_alpha": (0.0, 1.0)}
_TABLE_KEYS = ("variables", "styles")
_KEYS = (*_COLOUR_KEYS, *_BOOL_KEYS, *_NUMBER_KEYS, *_TABLE_KEYS, "description")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9-]{0,63}")
_TEXT_STYLE_WORDS = frozenset(
    {"none", "not", "bold", "b", "italic", "i", "underline", "u", "reverse", "r"}
    | {"strike", "s", "dim", "d", "blink", "overline"}
)
_PERCENT = re.compile(r"\d{1,3}(\.\d+)?%")


class ThemeFileError(Exception):
    """One line for the user: the file, the key, what is wrong and how to fix it."""


_Fail = Callable[[str, str], ThemeFileError]


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    """One loaded theme: Textual's part, our roles, and where it came from."""

    theme: Theme
    styles: Mapping[str, str]  # role -> Rich style as written ("$name" colours unresolved)
    source: Path | None = None
    description: str = ""

    @property
    def name(self) -> str:
        return self.theme.name


@dataclass(frozen=True, slots=True)
class ThemeCatalog:
    """Every usable theme by name, and one line per file that could not be used."""

    themes: Mapping[str, ThemeSpec] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.themes))


def shipped_themes_dir() -> Path | None:
    """``themes/`` from a source checkout, or its copy inside the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "_themes", here.parents[1] / "themes"):
        if (candidate / f"{DEFAULT_THEME}{SUFFIX}").is_file():
            return candidate
    return None


def load_catalog(directories: Iterable[Path | None]) -> ThemeCatalog:
    """Every ``*.toml`` in ``directories``, in order (a later file of the same name wins)."""
    themes: dict[str, ThemeSpec] = {}
    problems: list[str] = []
    for directory in directories:
        if directory is None or not directory.is_dir():
            continue
        try:
            paths = sorted(directory.glob(f"*{SUFFIX}"))
        except OSError as exc:
            problems.append(f"{_where(directory)}: cannot list it: {exc.strerror or exc}")
            continue
        for path in paths:
            try:
                spec = load_theme_file(path)
            except ThemeFileError as exc:
                problems.append(str(exc))
            else:
                themes[spec.name] = spec
    return ThemeCatalog(themes=MappingProxyType(themes), problems=tuple(problems))


def load_theme_file(path: Path) -> ThemeSpec:
    """One theme file; raises ThemeFileError (one line naming the file and the key)."""
    where = _where(path)
    name = path.name.removesuffix(SUFFIX)
    if not _NAME.fullmatch(name):
        raise ThemeFileError(
            f"{where}: the file name is the theme's name: use lower-case letters, digits, "
            "- and _ (e.g. my-theme.toml)"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ThemeFileError(f"{where}: cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ThemeFileError(f"{where}: larger than {MAX_FILE_BYTES // 1024} KiB; not a theme")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ThemeFileError(f"{where}: not valid UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{where}: invalid TOML: {' '.join(str(exc).split())}") from None
    return _parse(data, name, path)


def _parse(data: dict[str, Any], name: str, path: Path) -> ThemeSpec:
    where = _where(path)

    def fail(key: str, problem: str) -> ThemeFileError:
        return ThemeFileError(f"{where}: {_shown(key)} {problem}")

    for key in data:
        if key not in _KEYS:
            raise fail(key, "is not a theme key; known keys: " + ", ".join(_KEYS))
    if "primary" not in data:
        raise ThemeFileError(f'{where}: primary is missing; add primary = "#0178d4"')
    colours: dict[str, str] = {}
    for key in _COLOUR_KEYS:
        if key in data:
            colours[key] = _colour(data[key], fail, key)
    flags: dict[str, bool] = {}
    for key in _BOOL_KEYS:
        value = data.get(key, key == "dark")
        if not isinstance(value, bool):
            raise fail(key, f"must be true or false, not {_shown_value(value)}")
        flags[key] = value
    numbers: dict[str, float] = {}
    for key, (low, high) in _NUMBER_KEYS.items():
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise fail(key, f"must be a number, not {_shown_value(value)}")
            if not low <= value <= high:
                raise fail(key, f"must be from {low} to {high}, not {value}")
            numbers[key] = float(value)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise fail("description", f"must be a string, not {_shown_value(description)}")
    variables = _variables(_table(data, "variables", fail), fail)
    theme = Theme(
        name=name,
        primary=colours["primary"],
        secondary=colours.get("secondary"),
        warning=colours.get("warning"),
        error=colours.get("error"),
        success=colours.get("success"),
        accent=colours.get("accent"),
        foreground=colours.get("foreground"),
        background=colours.get("background"),
        surface=colours.get("surface"),
        panel=colours.get("panel"),
        boost=colours.get("boost"),
        dark=flags["dark"],
        ansi=flags["ansi"],
        variables=variables,
        **numbers,
    )
    palette = theme_colours(theme)
    styles = _styles(_table(data, "styles", fail), palette, fail)
    return ThemeSpec(
        theme=theme,
        styles=MappingProxyType(styles),
        source=path,
        description=" ".join(description.split())[:200],
    )


def _table(data: dict[str, Any], key: str, fail: _Fail) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise fail(key, f"must be a table ([{key}]), not {_shown_value(value)}")
    return value


def _colour(value: object, fail: _Fail, key: str) -> str:
    if not isinstance(value, str):
        raise fail(key, f'must be a colour in quotes, not {_shown_value(value)}; e.g. "#0178d4"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise fail(
            key,
            f"is not a colour: {_shown_value(value)}; write #rrggbb, rgb(r,g,b), a colour name "
            "or ansi_red (ansi_bright_red, ...)",
        ) from None
    return value


def _variables(table: dict[str, Any], fail: _Fail) -> dict[str, str]:
    """Textual CSS variables: colours, or text styles for names ending in ``-style``."""
    variables: dict[str, str] = {}
    for name, value in table.items():
        key = f"variables.{name}"
        if not _VARIABLE_NAME.fullmatch(name):
            raise fail(key, "is not a variable name (lower-case letters, digits and -)")
        if not isinstance(value, str):
            raise fail(key, f"must be a string in quotes, not {_shown_value(value)}")
        if name.endswith("-style"):
            words = value.split()
            if not words or not set(words) <= _TEXT_STYLE_WORDS:
                raise fail(key, f"is not a text style: {_shown_value(value)}; e.g. bold reverse")
        elif not _is_css_colour(value):
            raise fail(
                key, f'is not a colour: {_shown_value(value)}; e.g. "#88c0d0" or "#88c0d0 35%"'
            )
        variables[name] = value
    return variables


def _is_css_colour(value: str) -> bool:
    words = value.split()
    if len(words) == 2 and _PERCENT.fullmatch(words[1]):
        words = words[:1]
    if len(words) != 1:
        return False
    if words[0] in ("auto", "initial", "transparent"):
        return True
    try:
        Color.parse(words[0])
    except ColorParseError:
        return False
    return True


def theme_colours(theme: Theme) -> dict[str, str]:
    """The theme's colours by CSS variable name ("success", "primary-darken-1", ...), as Rich
    colour names (``#rrggbb``, or ``color(N)`` for an ANSI colour); variables that are not one
    colour ("auto 87%") are left out."""
    generated = {**theme.to_color_system().generate(), **theme.variables}
    colours: dict[str, str] = {}
    for name, value in generated.items():
        colour = _parsed_colour(value)
        if colour is None or colour.a == 0:
            continue
        colours[name] = colour.rich_color.name
    return colours


@lru_cache(maxsize=512)
def _parsed_colour(value: str) -> Color | None:
    """``Color.parse`` that remembers failures too: each failure runs a difflib search for a
    suggestion (~1 ms), and a theme has dozens of non-colour variables ("bold", "auto 87%"),
    so start-up paid ~0.08 s for them."""
    if " " in value and not value.startswith(("rgb", "hsl")):
        return None  # "auto 87%", "bold underline": never one colour
    try:
        return Color.parse(value)
    except ColorParseError:
        return None


def _styles(table: dict[str, Any], palette: Mapping[str, str], fail: _Fail) -> dict[str, str]:
    styles: dict[str, str] = {}
    for name, value in table.items():
        key = f"styles.{name}"
        if name not in DEFAULT_STYLES:
            raise fail(key, "is not a style role; known roles: " + ", ".join(ROLES))
        if not isinstance(value, str):
            raise fail(
                key, f'must be a style in quotes, not {_shown_value(value)}; e.g. "bold red"'
            )
        try:
            resolve_style(value, palette)
        except ValueError as exc:
            raise fail(key, f'{exc}; e.g. "bold red" or "bold $success"') from None
        styles[name] = value
    return styles


def resolve_style(text: str, palette: Mapping[str, str]) -> Style:
    """A Rich style whose ``$name`` words are the theme's colours; ValueError when it is not."""
    words: list[str] = []
    for word in text.split():
        if word.startswith("$"):
            colour = palette.get(word[1:])
            if colour is None:
                raise ValueError(f"names {_shown_value(word)}, not a colour of this theme")
            words.append(colour)
        else:
            words.append(word)
    try:
        return Style.parse(" ".join(words))
    except StyleSyntaxError:
        raise ValueError(f"is not a style: {_shown_value(text)}") from None


def rich_theme(spec: ThemeSpec) -> RichTheme:
    """Every role as a Rich style: the theme's own, or the default (roles always resolve)."""
    palette = theme_colours(spec.theme)
    styles: dict[str, Style] = {}
    for name in ROLES:
        try:
            styles[PREFIX + name] = resolve_style(
                spec.styles.get(name, DEFAULT_STYLES[name]), palette
            )
        except ValueError:  # checked when the file was loaded; the defaults use no "$name"
            styles[PREFIX + name] = resolve_style(DEFAULT_STYLES[name], {})
    return RichTheme(styles, inherit=True)


#: Under NO_COLOR every colour goes (Textual's NoColor filter), backgrounds included: the
#: highlighted row is then underlined (a list's highlight cannot be reversed: Textual keeps
#: only bold, dim, italic, underline and strike there) and the text cursor reversed.
NO_COLOR_VARIABLES = MappingProxyType(
    {
        "block-cursor-text-style": "bold underline",
        "block-cursor-blurred-text-style": "underline",
        "input-cursor-text-style": "reverse",
        "button-focus-text-style": "reverse bold",
    }
)


def for_no_color(theme: Theme) -> Theme:
    """``theme`` with the cursor and highlights drawn by text style (colours otherwise)."""
    return replace(theme, variables={**theme.variables, **NO_COLOR_VARIABLES})


def install_themes(
    app: App[Any], catalog: ThemeCatalog, wanted: str | None, *, no_color: bool
) -> list[str]:
    """Register the catalog's themes (and only them: /theme, ``theme =`` and F1's theme list
    then offer the same names) and switch to ``wanted`` or the default. Returns what the user
    should be told (an unknown theme's name)."""
    if DEFAULT_THEME not in catalog.themes:  # a broken install: keep Textual's own themes
        return [f"the {DEFAULT_THEME} theme is missing; using Textual's own"]
    builtin = list(app.available_themes)
    for spec in catalog.themes.values():
        app.register_theme(for_no_color(spec.theme) if no_color else spec.theme)
    notes: list[str] = []
    name = wanted or DEFAULT_THEME
    if name not in catalog.themes:
        notes.append(
            f'theme "{name}" not found (themes: {", ".join(catalog.names)}); using {DEFAULT_THEME}'
        )
        name = DEFAULT_THEME
    app.theme = name
    for other in builtin:
        if other not in catalog.themes:
            app.unregister_theme(other)
    return notes


def _where(path: Path) -> str:
    from xmpp_tui.settings import display_path

    return display_path(path)


def _shown(key: str) -> str:
    """A key from a user's file, fit for one line of text."""
    text = "".join(ch if ch.isprintable() else "?" for ch in key)
    return text if len(text) <= 40 else text[:39] + "…"


def _shown_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + _shown(value) + '"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return _shown(str(value))
