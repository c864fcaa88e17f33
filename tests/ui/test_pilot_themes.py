"""Themes in the running app at 80x24: /theme, the configured theme, broken files, NO_COLOR."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest
from textual.strip import Strip
from textual.widgets import Static

from tests.peer import wait_until
from tests.ui.pilot_helpers import active_pane, console_lines, submit
from tests.ui.support import fixed_clock, offline_service
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.theme_roles import role

SIZE = (80, 24)
#: SGR parameters that set a colour: 30-38 and 40-48 (with 38/48 extended), 90-97, 100-107.
_COLOUR_PARAMS = re.compile(r"^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$")
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def themed_app(
    tmp_path: Path, theme: str | None = None, user_themes: Path | None = None
) -> XmppTuiApp:
    return make_app(
        offline_service(tmp_path),
        clock=fixed_clock,
        tz=UTC,
        cursor_blink=False,
        theme=theme,
        user_themes_dir=user_themes,
    )


def colour_codes(terminal_output: str) -> list[str]:
    """Every SGR parameter list in ``terminal_output`` that sets a colour."""
    found = []
    for params in _SGR.findall(terminal_output):
        words = re.split("[;:]", params)
        # skip the arguments of 38;5;N / 38;2;R;G;B: the 38/48 itself is what counts
        if any(_COLOUR_PARAMS.match(word) for word in words):
            found.append(params)
    return found


def screen_output(app: XmppTuiApp) -> str:
    """What the app would write to the terminal for the whole screen, filters applied."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)


def highlighted_roster_row_is_underlined(app: XmppTuiApp) -> bool:
    roster = app.main.roster_view
    assert roster.highlighted is not None
    region = roster.content_region
    update = app.screen._compositor.render_full_update()
    chops = update.strips[region.y + roster.highlighted - round(roster.scroll_y)]
    row = Strip.join(list(chops)).crop(region.x, region.right)  # the line's chops, in order
    return any(seg.style is not None and seg.style.underline for seg in row if seg.text.strip())


def test_role_names_resolve_in_the_apps_console(tmp_path: Path) -> None:
    app = themed_app(tmp_path)
    assert app.theme == "dark"
    assert app.console.get_style(role("error")) == app.console.get_style("bold red")


async def test_the_default_theme_and_only_the_theme_files_are_offered(tmp_path: Path) -> None:
    app = themed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "dark"
        assert sorted(app.available_themes) == ["ansi16", "dark", "light"]
        await submit(pilot, app, "/theme")
        assert console_lines(app)[-1] == "12:30 " + (
            "Themes: ansi16, dark (current), light. Type /theme NAME to switch"
        )


async def test_slash_theme_switches_live_and_redraws(tmp_path: Path) -> None:
    app = themed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await submit(pilot, app, "/msg bob@localhost")
        view = active_pane(app).history
        row = len(view.rendered_rows()) - 1  # "See you there" (ours): the own-name colour
        dark_own = view.get_component_rich_style("history-view--own").color
        dark_strip = view.row_strip(row)
        dark_away = app.console.get_style(role("presence-away"))
        await submit(pilot, app, "/theme light")
        await wait_until(lambda: app.theme == "light", message="theme not switched")
        await wait_until(lambda: view.row_strip(row) != dark_strip, message="history not redrawn")
        assert view.get_component_rich_style("history-view--own").color != dark_own
        assert app.console.get_style(role("presence-away")) != dark_away
        assert app.screen.has_class("-light-mode") or app.has_class("-light-mode")
        assert console_lines(app)[-1] == "12:30 " + (
            'Theme light (add theme = "light" to config.toml to keep it)'
        )
        assert app.main.deck.console.rendered_rows()  # the console was laid out again


async def test_an_unknown_theme_is_one_clear_error(tmp_path: Path) -> None:
    app = themed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await submit(pilot, app, "/theme nosuch")
        assert app.theme == "dark"
        assert console_lines(app)[-1] == "12:30 " + (
            "There is no theme nosuch (themes: ansi16, dark, light)"
        )


async def test_the_configured_theme_is_used_from_the_start(tmp_path: Path) -> None:
    app = themed_app(tmp_path, theme="ansi16")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "ansi16"
        assert app.native_ansi_color  # the terminal's own 16 colours, not RGB
        assert not any("error" in line for line in console_lines(app))


async def test_an_unknown_configured_theme_falls_back_with_a_notice(tmp_path: Path) -> None:
    app = themed_app(tmp_path, theme="solarised")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: any("solarised" in line for line in console_lines(app)))
        assert app.theme == "dark"
        (line,) = [line for line in console_lines(app) if "solarised" in line]
        assert line == '12:30 theme "solarised" not found (themes: ansi16, dark, light); using dark'
        await pilot.pause()


async def test_a_broken_user_theme_is_named_and_the_default_is_used(tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "mine.toml").write_text(
        'primary = "#005f87"\n[styles]\nerror = "bold $nosuch"\n', encoding="utf-8"
    )
    (themes / "ok.toml").write_text('primary = "#005f87"\ndark = false\n', encoding="utf-8")
    app = themed_app(tmp_path, theme="mine", user_themes=themes)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: any("mine.toml" in line for line in console_lines(app)))
        assert app.theme == "dark"
        problem = next(line for line in console_lines(app) if "mine.toml" in line)
        assert "styles.error" in problem and "$nosuch" in problem
        assert "ok" in app.available_themes  # the good user theme is there
        await submit(pilot, app, "/theme ok")
        assert app.theme == "ok"


async def test_no_color_means_no_colour_codes_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = themed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await submit(pilot, app, "/msg bob@localhost")
        await pilot.pause()
        output = screen_output(app)
        assert "See you there" in output  # the chat is on screen, with its marks and names
        assert colour_codes(output) == []
        # what a background colour said is still there: the highlighted roster row is underlined
        assert highlighted_roster_row_is_underlined(app)


async def test_without_no_color_the_same_screen_has_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The positive control for the test above: the check does find colour codes."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = themed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await submit(pilot, app, "/msg bob@localhost")
        await pilot.pause()
        assert colour_codes(screen_output(app))


def test_segments_helper_sees_colour() -> None:
    """colour_codes itself: 38;2;r;g;b and 31 are colours, 1 and 7 are not."""
    assert colour_codes("\x1b[1;38;2;1;2;3mx\x1b[0m\x1b[31my") == ["1;38;2;1;2;3", "31"]
    assert colour_codes("\x1b[1mx\x1b[7my\x1b[0m\x1b[39;49m") == []


async def test_a_role_on_one_line_is_drawn_in_a_plain_widget(tmp_path: Path) -> None:
    """Textual drops a named base style; one_line makes a role a span so it is drawn."""
    app = themed_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        static = Static(one_line("boom", role("error")))
        await app.main.mount(static)
        await pilot.pause()
        (segment,) = [seg for seg in static.render_line(0) if seg.text.strip()]
        assert segment.style is not None and segment.style.bold
        assert segment.style.color is not None and segment.style.color.number == 1  # red
