"""The config file and the command line: values, overrides, and every error's one-line text."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from xmpp_tui.core.errors import ConfigError, InvalidJidError
from xmpp_tui.settings import (
    AccountSettings,
    Settings,
    display_path,
    load_config,
    parse_server,
    resolve_settings,
)

#: A self-signed CA certificate (any valid PEM will do: ca_file is loaded, not trusted, here).
CA_PEM = """\
-----BEGIN CERTIFICATE-----
MIIBjTCCATOgAwIBAgIUDIo9CeQEcZm8KJryslZc4zqtaAMwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQeG1wcC10dWkgdGVzdCBDQTAgFw0yNjExMjMyMzUyMjNaGA8y
MTI2MTAzMDIzNTIyM1owGzEZMBcGA1UEAwwQeG1wcC10dWkgdGVzdCBDQTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABJbB8vvXj+3YA50//WOgVZVXNsZ6LkAi58E7
j/CelzQnudSbcMb1HnPJvdxjHvZ7ToCX5kkuZL4QkiD6SFLsYIqjUzBRMB0GA1Ud
DgQWBBRyEk/4qV9vvWDwQYnEyHTTOu3eOzAfBgNVHSMEGDAWgBRyEk/4qV9vvWDw
QYnEyHTTOu3eOzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCt
TYlRDY4biou8xKGu2fIbgQ9xWIWuYWN4WSO2I1yDpgIgZf7RrXMnYgOXmNyojG2r
rbOWgVAPDJhRIBbh4VVH5dA=
-----END CERTIFICATE-----
"""


def write_config(directory: Path, text: str, mode: int = 0o600) -> Path:
    path = directory / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def args(*jids: str, **options: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "jids": list(jids),
        "config": None,
        "server": None,
        "direct_tls": False,
        "ca_file": None,
        "resource": None,
        "log_level": "WARNING",
    }
    values.update(options)
    return argparse.Namespace(**values)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated XMPP_TUI_HOME (its config.toml is the default config file)."""
    root = tmp_path / "home"
    root.mkdir()
    monkeypatch.setenv("XMPP_TUI_HOME", str(root))
    return root


# --------------------------------------------------------------------------- valid files


def test_full_account(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text(CA_PEM)
    path = write_config(
        tmp_path,
        """
[[accounts]]
jid = "Alice@Example.ORG"
server = "xmpp.example.org:5223"
direct_tls = true
ca_file = "certs/ca.pem"
resource = "laptop"
password_command = "pass show xmpp/alice"
chat_states = false
read_markers = false

[[accounts]]
jid = "bob@example.net"
""",
    )
    alice, bob = load_config(path)
    assert alice == AccountSettings(
        jid="alice@example.org",
        host="xmpp.example.org",
        port=5223,
        direct_tls=True,
        ca_file=tmp_path / "certs" / "ca.pem",
        resource="laptop",
        password_command="pass show xmpp/alice",
        send_chat_states=False,
        send_read_markers=False,
    )
    assert bob == AccountSettings(jid="bob@example.net")
    assert bob.send_chat_states  # on unless switched off
    assert bob.send_read_markers


def test_empty_file_has_no_accounts(tmp_path: Path) -> None:
    assert load_config(write_config(tmp_path, "")) == ()


def test_ca_file_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "ca.pem").write_text(CA_PEM)
    path = write_config(tmp_path, '[[accounts]]\njid = "a@b.example"\nca_file = "~/ca.pem"\n')
    (account,) = load_config(path)
    assert account.ca_file == tmp_path / "ca.pem"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("xmpp.example.org", ("xmpp.example.org", None)),
        ("xmpp.example.org:5222", ("xmpp.example.org", 5222)),
        ("127.0.0.1:15222", ("127.0.0.1", 15222)),
        ("[::1]:5223", ("::1", 5223)),
        ("[2001:db8::1]", ("2001:db8::1", None)),
        ("2001:db8::1", ("2001:db8::1", None)),
    ],
)
def test_parse_server(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_server(text) == expected


# --------------------------------------------------------------------------- invalid files

ACCOUNT = '[[accounts]]\njid = "alice@example.org"\n'


@pytest.mark.parametrize(
    ("text", "key", "fragments"),
    [
        ('[[accounts]]\njid = "a@b.example"\nserver = \n', "", ["invalid TOML", "line 3"]),
        ("acounts = []\n", "acounts", ["did you mean accounts?"]),
        (ACCOUNT + 'servr = "x"\n', "accounts[0].servr", ["did you mean server?"]),
        (
            ACCOUNT + 'direct_tls = "yes"\n',
            "accounts[0].direct_tls",
            ['must be true or false, not "yes"'],
        ),
        (
            ACCOUNT + "chat_states = 1\n",
            "accounts[0].chat_states",
            ["must be true or false, not 1"],
        ),
        (
            ACCOUNT + 'read_markers = "no"\n',
            "accounts[0].read_markers",
            ['must be true or false, not "no"'],
        ),
        ("[[accounts]]\njid = 5\n", "accounts[0].jid", ["must be a string", "not 5"]),
        (ACCOUNT + 'resource = ["a"]\n', "accounts[0].resource", ["must be a string"]),
        (ACCOUNT + 'server = "host:0"\n', "accounts[0].server", ["1 to 65535"]),
        (ACCOUNT + 'server = "host:99999"\n', "accounts[0].server", ["1 to 65535"]),
        (ACCOUNT + 'server = "host:imap"\n', "accounts[0].server", ['"imap"', "1 to 65535"]),
        (ACCOUNT + 'server = "::1:5222:x"\n', "accounts[0].server", ["in brackets"]),
        (ACCOUNT + 'server = "[::1"\n', "accounts[0].server", ["closing ]"]),
        (ACCOUNT + 'server = ""\n', "accounts[0].server", ["is empty"]),
        ('[[accounts]]\njid = "a b@example.org"\n', "accounts[0].jid", ["is invalid", "space"]),
        ('[[accounts]]\njid = "a@@example.org"\n', "accounts[0].jid", ["is invalid"]),
        ('[[accounts]]\njid = "example.org"\n', "accounts[0].jid", ["no user part"]),
        (
            '[[accounts]]\njid = "alice@example.org/laptop"\n',
            "accounts[0].jid",
            ["has a resource", 'resource = "laptop"', 'jid = "alice@example.org"'],
        ),
        ('[[accounts]]\nserver = "x"\n', "accounts[0]", ["has no jid", 'jid = "you@example.org"']),
        (ACCOUNT + ACCOUNT, "accounts[1].jid", ["already accounts[0]"]),
        (
            ACCOUNT + '[[accounts]]\njid = "ALICE@example.org"\n',
            "accounts[1].jid",
            ["already accounts[0]"],
        ),
        (ACCOUNT + 'ca_file = "missing.pem"\n', "accounts[0].ca_file", ["not found"]),
        (ACCOUNT + 'password_command = ""\n', "accounts[0].password_command", ["is empty"]),
        ('accounts = "alice"\n', "accounts", ["[[accounts]]"]),
        ('[accounts]\njid = "a@b.example"\n', "accounts", ["list of [[accounts]] tables"]),
    ],
)
def test_invalid_config_names_file_and_key(
    tmp_path: Path, text: str, key: str, fragments: list[str]
) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{display_path(path)}: ")
    assert key in message
    for fragment in fragments:
        assert fragment in message


def test_password_key_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = write_config(tmp_path, ACCOUNT + 'password = "hunter2"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "accounts[0].password is not allowed" in message
    assert "password_command" in message and "keyring" in message
    assert "hunter2" not in message
    assert "\n" not in message


def test_direct_tls_example_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    directory = tmp_path / ".config" / "xmpp-tui"
    directory.mkdir(parents=True)
    path = write_config(directory, ACCOUNT + 'direct_tls = "yes"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        '~/.config/xmpp-tui/config.toml: accounts[0].direct_tls must be true or false, not "yes"'
    )


def test_world_writable_config_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, ACCOUNT, mode=0o666)
    with pytest.raises(ConfigError, match=r"chmod 600") as caught:
        load_config(path)
    assert "0666" in str(caught.value)


@pytest.mark.parametrize("mode", [0o660, 0o620, 0o664])
def test_group_writable_config_is_refused(tmp_path: Path, mode: int) -> None:
    """SECURITY.md T14: the file can hold a shell password_command."""
    path = write_config(tmp_path, ACCOUNT + 'password_command = "pass show x"\n', mode=mode)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{display_path(path)}: ")
    assert f"{mode:04o}" in message
    assert message.endswith(f"chmod 600 {display_path(path)}")
    assert "\n" not in message


def test_read_only_for_others_config_is_accepted(tmp_path: Path) -> None:
    path = write_config(tmp_path, ACCOUNT, mode=0o644)
    assert load_config(path) == (AccountSettings(jid="alice@example.org"),)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not a certificate\n", "holds no PEM certificate"),
        ("", "holds no PEM certificate"),
        (CA_PEM.replace("MII", "XYZ", 1), "holds no PEM certificate"),
    ],
)
def test_ca_file_that_is_not_pem_is_refused(tmp_path: Path, content: str, fragment: str) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text(content)
    path = write_config(tmp_path, ACCOUNT + 'ca_file = "ca.pem"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{display_path(path)}: accounts[0].ca_file {display_path(ca)} ")
    assert fragment in message
    assert "\n" not in message


def test_ca_file_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    path = write_config(tmp_path, ACCOUNT + 'ca_file = "certs"\n')
    with pytest.raises(ConfigError, match=r"accounts\[0\]\.ca_file .*certs not found"):
        load_config(path)


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[[accounts]]\njid = "al\xffice@example.org"\n')
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(path)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file") as caught:
        load_config(tmp_path / "nope.toml")
    assert str(tmp_path / "nope.toml") in str(caught.value)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="directory"):
        load_config(tmp_path)


# --------------------------------------------------------------------------- resolve_settings


def test_no_config_and_no_jid_says_how_to_add_one(home: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(args())
    message = str(caught.value)
    assert "xmpp-tui you@example.org" in message
    assert str(home / "config.toml") in message
    assert "\n" not in message


def test_ad_hoc_account_without_config(home: Path) -> None:
    settings = resolve_settings(args("Carol@Example.COM"))
    assert settings == Settings(
        accounts=(AccountSettings(jid="carol@example.com"),),
        config_path=None,
        log_level="WARNING",
    )


def test_every_configured_account_when_no_jid(home: Path) -> None:
    write_config(home, ACCOUNT + '[[accounts]]\njid = "bob@example.net"\n')
    settings = resolve_settings(args(log_level="debug"))
    assert [a.jid for a in settings.accounts] == ["alice@example.org", "bob@example.net"]
    assert settings.config_path == home / "config.toml"
    assert settings.log_level == "DEBUG"


def test_jid_selects_configured_account(home: Path) -> None:
    write_config(
        home,
        ACCOUNT + 'resource = "desk"\n[[accounts]]\njid = "bob@example.net"\n',
    )
    settings = resolve_settings(args("ALICE@example.org", "alice@example.org"))
    assert settings.accounts == (AccountSettings(jid="alice@example.org", resource="desk"),)


def test_cli_options_override_selected_accounts(home: Path, tmp_path: Path) -> None:
    write_config(home, ACCOUNT + 'server = "old.example.org"\nresource = "desk"\n')
    ca = tmp_path / "ca.pem"
    ca.write_text(CA_PEM)
    settings = resolve_settings(
        args(
            "alice@example.org",
            "dave@example.net",
            server="[::1]:15222",
            direct_tls=True,
            ca_file=str(ca),
            resource="phone",
        )
    )
    expected = {
        "host": "::1",
        "port": 15222,
        "direct_tls": True,
        "ca_file": ca,
        "resource": "phone",
    }
    for account in settings.accounts:
        for name, value in expected.items():
            assert getattr(account, name) == value
    assert [a.jid for a in settings.accounts] == ["alice@example.org", "dave@example.net"]


def test_explicit_config_must_exist(home: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        resolve_settings(args("a@b.example", config=tmp_path / "missing.toml"))


def test_explicit_config_is_used(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    path = write_config(other, '[[accounts]]\njid = "eve@example.org"\n')
    settings = resolve_settings(args(config=path))
    assert settings.config_path == path
    assert [a.jid for a in settings.accounts] == ["eve@example.org"]


def test_cli_jid_with_resource(home: Path) -> None:
    with pytest.raises(InvalidJidError) as caught:
        resolve_settings(args("alice@example.org/laptop"))
    assert "--resource laptop" in str(caught.value)


def test_cli_invalid_jid(home: Path) -> None:
    with pytest.raises(InvalidJidError):
        resolve_settings(args("not a jid"))


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"server": "host:70000"}, "--server"),
        ({"ca_file": "/nonexistent/ca.pem"}, "--ca-file /nonexistent/ca.pem: not found"),
        ({"log_level": "LOUD"}, "--log-level"),
    ],
)
def test_bad_cli_options(home: Path, options: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_settings(args("a@b.example", **options))
    assert str(caught.value).startswith(fragment)
    assert "\n" not in str(caught.value)


def test_bad_config_file_fails_even_with_jid(home: Path) -> None:
    write_config(home, ACCOUNT + "direct_tls = 1\n")
    with pytest.raises(ConfigError, match=r"accounts\[0\]\.direct_tls"):
        resolve_settings(args("bob@example.net"))


def test_cli_ca_file_that_is_not_pem_is_refused(home: Path, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
    with pytest.raises(ConfigError) as caught:
        resolve_settings(args("a@b.example", ca_file=str(ca)))
    message = str(caught.value)
    assert message.startswith(f"--ca-file {display_path(ca)}: holds no PEM certificate (")
    assert message.endswith("; give a PEM file")
    assert "\n" not in message
