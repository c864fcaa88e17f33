"""The "Add account" form's rules (ui/account_form.py) and the first start without an account."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from xmpp_tui.core.errors import ConfigError, UserFacingError
from xmpp_tui.core.models import CertificateInfo
from xmpp_tui.service.account_probe import ProbeResult
from xmpp_tui.settings import AccountSettings, resolve_settings
from xmpp_tui.ui.account_form import AccountForm, PasswordFrom, account_settings, probe_text


def test_a_full_form_becomes_settings(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x", encoding="utf-8")
    form = AccountForm(
        jid=" Alice@Example.ORG ",
        password="pw",
        server="[2001:db8::1]:5223",
        ca_file=str(ca),
        direct_tls=True,
        password_from=PasswordFrom.KEYRING,
    )
    assert account_settings(form) == AccountSettings(
        jid="alice@example.org", host="2001:db8::1", port=5223, direct_tls=True, ca_file=ca
    )


def test_a_password_command_is_kept_only_when_chosen() -> None:
    typed = AccountForm(jid="a@example.org", command="pass show a")
    assert account_settings(typed).password_command is None
    chosen = AccountForm(
        jid="a@example.org", command=" pass show a ", password_from=PasswordFrom.COMMAND
    )
    assert account_settings(chosen).password_command == "pass show a"


@pytest.mark.parametrize(
    ("form", "says"),
    [
        (AccountForm(jid=""), "Address is empty"),
        (AccountForm(jid="a@b@c"), "Address: "),
        (AccountForm(jid="example.org"), "has no user part"),
        (AccountForm(jid="a@example.org/phone"), "Address: "),
        (AccountForm(jid="old@example.org"), "already set up"),
        (AccountForm(jid="a@example.org", server="host:99999"), "Server "),
        (AccountForm(jid="a@example.org", ca_file="/nonexistent/ca.pem"), "CA file"),
        (
            AccountForm(jid="a@example.org", password_from=PasswordFrom.COMMAND),
            "Password command is empty",
        ),
        (AccountForm(jid="a@example.org", password_from=PasswordFrom.KEYRING), "Password is"),
    ],
)
def test_each_wrong_field_is_named(form: AccountForm, says: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        account_settings(form, existing=("old@example.org",))
    assert caught.value.message.startswith(says) or says in caught.value.message


def test_probe_lines_say_what_to_do() -> None:
    assert probe_text(ProbeResult(ok=True, message="Logged in as a@b/c")).startswith(
        "Connection works"
    )
    auth = probe_text(ProbeResult(ok=False, kind="auth", message="not-authorized"))
    assert auth.startswith("Login refused") and "password" in auth
    certificate = CertificateInfo(
        sha256="AB:CD", subject="s", issuer="i", not_after="n", reason="self-signed"
    )
    line = probe_text(
        ProbeResult(ok=False, kind="certificate", message="Untrusted", certificate=certificate)
    )
    assert "SHA-256 AB:CD" in line and "/trust" in line
    assert "check the server" in probe_text(
        ProbeResult(ok=False, kind="network", message="Cannot reach x")
    )


def test_no_account_anywhere_is_a_first_start_only_when_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    args = argparse.Namespace(jids=[], config=None)
    with pytest.raises(ConfigError, match="no account to use"):
        resolve_settings(args)
    settings = resolve_settings(args, allow_no_account=True)
    assert settings.accounts == () and settings.config_path is None


async def test_forgetting_a_password_deletes_only_that_entry() -> None:
    from tests.keyrings import MemoryKeyring
    from xmpp_tui.secrets import KEYRING_SERVICE, PasswordSource

    keyring = MemoryKeyring()
    keyring.set_password(KEYRING_SERVICE, "a@example.org", "pw-a")
    keyring.set_password(KEYRING_SERVICE, "b@example.org", "pw-b")
    source = PasswordSource(backend=keyring)
    assert await source.forget("a@example.org")
    assert not await source.forget("a@example.org")  # already gone
    assert keyring.store == {(KEYRING_SERVICE, "b@example.org"): "pw-b"}
    assert not await PasswordSource(use_keyring=False).forget("b@example.org")


def test_at_a_terminal_no_account_starts_the_app_for_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from xmpp_tui import cli, logs
    from xmpp_tui.settings import Settings
    from xmpp_tui.ui import launch

    monkeypatch.setenv("XMPP_TUI_HOME", str(tmp_path))
    started: list[Settings] = []

    def fake_run_app(settings: Settings) -> int:
        started.append(settings)
        return 0

    monkeypatch.setattr(launch, "run_app", fake_run_app)
    monkeypatch.setattr(logs, "setup_logging", lambda _level, folder: folder / "x.log")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    umask = os.umask(0o022)  # main() sets the process umask: give this process its own back
    try:
        assert cli.main([]) == 0
    finally:
        os.umask(umask)
    assert len(started) == 1 and started[0].accounts == ()
