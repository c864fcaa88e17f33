"""The top-level ``idle_inactive_after`` setting (XEP-0352 after idle time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_settings import ACCOUNT, args, write_config
from xmpp_tui.core.errors import ConfigError
from xmpp_tui.settings import load_config_file, resolve_settings


def test_idle_inactive_after_is_read_and_off_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    write_config(tmp_path, ACCOUNT)
    assert resolve_settings(args()).idle_inactive_after == 0.0
    write_config(tmp_path, "idle_inactive_after = 300\n" + ACCOUNT)
    assert resolve_settings(args()).idle_inactive_after == 300.0
    path = write_config(tmp_path, "idle_inactive_after = 90.5\n" + ACCOUNT)
    accounts, idle = load_config_file(path)
    assert (len(accounts), idle) == (1, 90.5)


@pytest.mark.parametrize("value", ["-1", "true", '"300"', "nan", "inf", "86401"])
def test_a_bad_idle_inactive_after_is_one_clear_line(tmp_path: Path, value: str) -> None:
    path = write_config(tmp_path, f"idle_inactive_after = {value}\n" + ACCOUNT)
    with pytest.raises(ConfigError) as caught:
        load_config_file(path)
    message = str(caught.value)
    assert "idle_inactive_after must be a number of seconds" in message
    assert "\n" not in message
