"""config_writer: edits keep every other byte, write atomically and privately, refuse bad files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from xmpp_tui.config_writer import (
    NEW_FILE_HEADER,
    add_account,
    remove_account,
    render_account,
    write_private,
)
from xmpp_tui.core.errors import ConfigError
from xmpp_tui.settings import AccountSettings, load_config, load_config_file

COMMENTED = """\
# My xmpp-tui config — hand written, keep these comments!
idle_inactive_after = 300   # five minutes
theme = "light"

# ---- personal ----
[[accounts]]
jid = "alice@example.org"  # the main one
# a private CA
server = 'xmpp.example.org:5222'
direct_tls = false

# ---- work ----
# (behind the VPN)
[[accounts]]
jid   =   "alice@work.example"
password_command = "pass show xmpp/work"   # from pass
# trailing thoughts about work
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_adding_keeps_every_byte_of_the_file_and_appends_the_table(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", COMMENTED)
    new = AccountSettings(
        jid="bob@example.net", host="127.0.0.1", port=15222, direct_tls=True,
        password_command='printf %s "x"',
    )  # fmt: skip
    add_account(path, new)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(COMMENTED)  # byte for byte, comments and odd spacing included
    assert text[len(COMMENTED) :] == (
        "\n[[accounts]]\n"
        'jid = "bob@example.net"\n'
        'server = "127.0.0.1:15222"\n'
        "direct_tls = true\n"
        'password_command = "printf %s \\"x\\""\n'
    )
    accounts, idle = load_config_file(path)
    assert [a.jid for a in accounts] == ["alice@example.org", "alice@work.example", new.jid]
    assert accounts[2] == new
    assert idle == 300


def test_adding_to_a_file_without_a_final_newline(tmp_path: Path) -> None:
    original = COMMENTED.rstrip("\n")
    path = _write(tmp_path / "config.toml", original)
    add_account(path, AccountSettings(jid="bob@example.net"))
    text = path.read_text(encoding="utf-8")
    assert text == original + '\n\n[[accounts]]\njid = "bob@example.net"\n'
    assert [a.jid for a in load_config(path)][-1] == "bob@example.net"


def test_a_new_file_is_private_in_a_private_directory_and_loads(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "config.toml"
    add_account(path, AccountSettings(jid="carol@example.org", host="::1", port=5223))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text(encoding="utf-8")
    assert text.startswith(NEW_FILE_HEADER)
    assert 'server = "[::1]:5223"' in text
    (account,) = load_config(path)
    assert (account.jid, account.host, account.port) == ("carol@example.org", "::1", 5223)


def test_an_existing_file_ends_up_0600(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", COMMENTED)
    path.chmod(0o640)
    add_account(path, AccountSettings(jid="bob@example.net"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_password_key_can_be_written() -> None:
    account = AccountSettings(jid="bob@example.net", password_command="pass show bob")
    rendered = render_account(account)
    assert "password =" not in rendered and "password_command" in rendered
    assert "password" not in AccountSettings.__slots__  # no password field to leak from


def test_a_duplicate_account_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", COMMENTED)
    with pytest.raises(ConfigError, match=r"already has an account alice@example\.org"):
        add_account(path, AccountSettings(jid="alice@example.org"))
    assert path.read_text(encoding="utf-8") == COMMENTED


@pytest.mark.parametrize(
    "broken",
    [
        'theme = "light"\n[[accounts]\njid = "a@example.org"\n',  # bad TOML
        '[[accounts]]\njid = "a@example.org"\npassword = "hunter2"\n',  # refused key
        b"\xff\xfe not utf-8".decode("latin-1"),
    ],
    ids=["invalid-toml", "password-key", "not-utf8"],
)
def test_a_file_it_cannot_parse_is_never_overwritten(tmp_path: Path, broken: str) -> None:
    path = tmp_path / "config.toml"
    raw = broken.encode("latin-1") if broken.startswith("\xff") else broken.encode()
    path.write_bytes(raw)
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="nothing was changed"):
        add_account(path, AccountSettings(jid="bob@example.net"))
    assert path.read_bytes() == raw
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # no temp file left behind


def test_an_inline_accounts_array_is_refused(tmp_path: Path) -> None:
    original = 'accounts = [{ jid = "a@example.org" }]\n'
    path = _write(tmp_path / "config.toml", original)
    with pytest.raises(ConfigError, match="nothing was changed"):
        add_account(path, AccountSettings(jid="bob@example.net"))
    assert path.read_text(encoding="utf-8") == original
    with pytest.raises(ConfigError, match="nothing was changed"):
        remove_account(path, "a@example.org")
    assert path.read_text(encoding="utf-8") == original


def test_removing_cuts_the_table_and_its_own_comments_only(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", COMMENTED)
    assert remove_account(path, "alice@work.example")
    text = path.read_text(encoding="utf-8")
    cut = COMMENTED.index("# ---- work ----")
    assert text == COMMENTED[:cut]
    assert [a.jid for a in load_config(path)] == ["alice@example.org"]


def test_removing_the_first_keeps_the_next_tables_comments(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", COMMENTED)
    assert remove_account(path, "alice@example.org")
    text = path.read_text(encoding="utf-8")
    start = COMMENTED.index("# ---- personal ----")
    work = COMMENTED.index("# ---- work ----")
    assert text == COMMENTED[:start] + COMMENTED[work:]
    assert [a.jid for a in load_config(path)] == ["alice@work.example"]


def test_removing_an_unknown_account_changes_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", COMMENTED)
    before = path.stat().st_mtime_ns
    assert not remove_account(path, "nobody@example.org")
    assert not remove_account(tmp_path / "missing.toml", "nobody@example.org")
    assert path.read_text(encoding="utf-8") == COMMENTED
    assert path.stat().st_mtime_ns == before


def test_add_then_remove_gives_back_the_same_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", COMMENTED)
    add_account(path, AccountSettings(jid="bob@example.net", resource="laptop"))
    assert remove_account(path, "bob@example.net")
    assert path.read_text(encoding="utf-8") == COMMENTED + "\n"


def test_a_symlinked_config_is_written_through_the_link(tmp_path: Path) -> None:
    real = _write(tmp_path / "dotfiles-config.toml", COMMENTED)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    add_account(link, AccountSettings(jid="bob@example.net"))
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith(COMMENTED)
    assert "bob@example.net" in real.read_text(encoding="utf-8")


def test_write_private_leaves_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "config.toml", COMMENTED)

    def fail(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_private(path, "theme = 'dark'\n")
    assert path.read_text(encoding="utf-8") == COMMENTED
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
