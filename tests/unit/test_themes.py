"""Theme files (ui/themes.py): the shipped ones parse, broken ones are named and skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.style import Style

from tests.unit.test_settings import ACCOUNT, args, write_config
from xmpp_tui.core.errors import ConfigError
from xmpp_tui.settings import resolve_settings
from xmpp_tui.ui.theme_roles import DEFAULT_STYLES, ROLES, role
from xmpp_tui.ui.themes import (
    DEFAULT_THEME,
    ThemeFileError,
    load_catalog,
    load_theme_file,
    resolve_style,
    rich_theme,
    shipped_themes_dir,
    theme_colours,
)

SHIPPED = shipped_themes_dir()
SHIPPED_NAMES = ("ansi16", "dark", "light")
GOOD = 'primary = "#005f87"\n'


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problem(tmp_path: Path, text: str, name: str = "mine") -> str:
    path = _write(tmp_path, name, text)
    with pytest.raises(ThemeFileError) as caught:
        load_theme_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert f"{name}.toml" in message  # the file is named
    return message


def test_the_shipped_themes_all_parse_with_no_problem() -> None:
    assert SHIPPED is not None
    catalog = load_catalog([SHIPPED])
    assert catalog.problems == ()
    assert catalog.names == SHIPPED_NAMES
    assert DEFAULT_THEME in catalog.themes


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_every_shipped_theme_sets_every_role(name: str) -> None:
    assert SHIPPED is not None
    spec = load_theme_file(SHIPPED / f"{name}.toml")
    assert set(spec.styles) == set(ROLES)  # a full template for a user's own theme
    styles = rich_theme(spec).styles
    for each in ROLES:
        assert isinstance(styles[role(each)], Style)


def test_themes_really_differ_in_their_roles() -> None:
    assert SHIPPED is not None
    catalog = load_catalog([SHIPPED])
    away = {
        name: rich_theme(spec).styles[role("presence-away")]
        for name, spec in catalog.themes.items()
    }
    assert away["dark"] != away["light"]
    # the dark theme keeps the look the app had before themes (its snapshots did not move)
    assert catalog.themes["dark"].styles == DEFAULT_STYLES


def test_the_ansi16_theme_uses_only_the_terminals_16_colours() -> None:
    assert SHIPPED is not None
    spec = load_theme_file(SHIPPED / "ansi16.toml")
    assert spec.theme.ansi
    styles = rich_theme(spec).styles
    for each in ROLES:
        style = styles[role(each)]
        for colour in (style.color, style.bgcolor):
            if colour is not None and not colour.is_default:
                assert colour.number is not None and colour.number < 16, (each, style)
    for name, value in theme_colours(spec.theme).items():
        assert value.startswith("color(") or value == "default", (name, value)


def test_a_style_may_name_the_themes_own_colours(tmp_path: Path) -> None:
    text = GOOD + 'success = "#00ff00"\n[styles]\npresence-away = "bold $success"\n'
    spec = load_theme_file(_write(tmp_path, "mine", text))
    assert spec.name == "mine"
    away = rich_theme(spec).styles[role("presence-away")]
    assert away.bold and away.color is not None and away.color.name == "#00ff00"
    # a role the file leaves out keeps its default
    assert rich_theme(spec).styles[role("error")] == Style.parse(DEFAULT_STYLES["error"])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (GOOD + "primery = 1\n", "primery"),
        (GOOD + 'secondary = "#12345"\n', "secondary"),
        (GOOD + 'error = "not a colour"\n', "error"),
        (GOOD + "success = 7\n", "success"),
        (GOOD + 'dark = "yes"\n', "dark"),
        (GOOD + "text_alpha = 3\n", "text_alpha"),
        (GOOD + 'variables = "x"\n', "variables"),
        (GOOD + '[variables]\nblock-cursor-text-style = "#ffffff"\n', "block-cursor-text-style"),
        (GOOD + '[variables]\nborder = "bold"\n', "variables.border"),
        (GOOD + '[styles]\npresense-away = "red"\n', "styles.presense-away"),
        (GOOD + '[styles]\nerror = "bold fuchsia-ish"\n', "styles.error"),
        (GOOD + '[styles]\nerror = "bold $nosuch"\n', "styles.error"),
        (GOOD + "[styles]\nerror = 1\n", "styles.error"),
        ('secondary = "#123456"\n', "primary"),
    ],
)
def test_a_broken_theme_names_the_file_and_the_key(tmp_path: Path, text: str, key: str) -> None:
    assert key in _problem(tmp_path, text)


def test_bad_toml_names_the_file_and_the_place(tmp_path: Path) -> None:
    message = _problem(tmp_path, 'primary = "#005f87\n')
    assert "invalid TOML" in message and "line 1" in message


def test_a_bad_file_name_is_refused(tmp_path: Path) -> None:
    assert "file name" in _problem(tmp_path, GOOD, name="My Theme")


def test_a_hostile_key_is_shown_as_text_on_one_line(tmp_path: Path) -> None:
    message = _problem(tmp_path, GOOD + '"[@click=app.quit]\\u001b[2J\\n" = 1\n')
    assert "\x1b" not in message and "\n" not in message
    assert "[@click=app.quit]" in message  # shown, as plain text (the console never parses it)


def test_a_broken_user_theme_is_skipped_with_one_line_and_the_rest_load(tmp_path: Path) -> None:
    _write(tmp_path, "broken", GOOD + 'accent = "nope"\n')
    _write(tmp_path, "fine", GOOD)
    catalog = load_catalog([SHIPPED, tmp_path])
    assert "broken" not in catalog.themes and "fine" in catalog.themes
    (problem,) = catalog.problems
    assert "broken.toml" in problem and "accent" in problem


def test_a_user_theme_with_a_shipped_name_replaces_it(tmp_path: Path) -> None:
    _write(tmp_path, "dark", GOOD + "dark = true\n")
    catalog = load_catalog([SHIPPED, tmp_path])
    assert catalog.themes["dark"].source == tmp_path / "dark.toml"
    assert catalog.themes["dark"].theme.primary == "#005f87"


def test_missing_directories_are_no_problem(tmp_path: Path) -> None:
    catalog = load_catalog([None, tmp_path / "nothing-here"])
    assert catalog.themes == {} and catalog.problems == ()


def test_resolve_style_refuses_what_rich_cannot_draw() -> None:
    assert resolve_style("bold $x", {"x": "#010203"}) == Style.parse("bold #010203")
    with pytest.raises(ValueError, match="not a style"):
        resolve_style("bold blurple", {})


# -- config.toml: theme = "NAME" -----------------------------------------------------------


def test_the_config_names_the_theme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    write_config(tmp_path, ACCOUNT)
    assert resolve_settings(args()).theme is None
    write_config(tmp_path, 'theme = "light"\n' + ACCOUNT)
    assert resolve_settings(args()).theme == "light"


@pytest.mark.parametrize("value", ["1", '""', '"Light Theme"', "true", '"../x"'])
def test_a_bad_theme_setting_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    write_config(tmp_path, f"theme = {value}\n" + ACCOUNT)
    with pytest.raises(ConfigError) as caught:
        resolve_settings(args())
    message = str(caught.value)
    assert "config.toml: theme must be" in message and "\n" not in message
