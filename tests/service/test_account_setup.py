"""The setup screen's service calls against the real Prosody: probe, add an account at runtime."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.peer import AccountFactory
from tests.prosody_server import ProsodyServer, free_ports
from tests.service.harness import HarnessFactory, account_settings
from xmpp_tui.core.events import ConnectionChanged, PasswordNeeded, PasswordSaveOffered
from xmpp_tui.core.models import ConnectionState

pytestmark = pytest.mark.prosody


async def test_probe_logs_in_and_names_each_failure(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    h = await harness(alice)
    bob_settings = replace(account_settings(prosody, bob), password_command=None, resource=None)

    good = await h.service.probe_account(bob_settings, bob.password, timeout=10)
    assert good.ok, good
    assert good.full_jid.startswith(f"{bob.jid}/xmpp-tui.probe.")

    wrong = await h.service.probe_account(bob_settings, "not-the-password", timeout=10)
    assert (wrong.ok, wrong.kind) == (False, "auth")
    assert wrong.message

    (closed_port,) = free_ports(1)
    unreachable = await h.service.probe_account(
        replace(bob_settings, port=closed_port), bob.password, timeout=10
    )
    assert (unreachable.ok, unreachable.kind) == (False, "network")
    assert f"127.0.0.1:{closed_port}" in unreachable.message

    untrusted = await h.service.probe_account(
        replace(bob_settings, ca_file=None), bob.password, timeout=10
    )
    assert (untrusted.ok, untrusted.kind) == (False, "certificate")
    assert untrusted.certificate is not None and ":" in untrusted.certificate.sha256


async def test_an_account_added_at_runtime_connects_without_asking(
    prosody: ProsodyServer, new_account: AccountFactory, harness: HarnessFactory, tmp_path: Path
) -> None:
    alice, bob = new_account("alice"), new_account("bob")
    h = await harness(alice)
    bob_settings = replace(account_settings(prosody, bob), password_command=None)
    h.service.add_account(bob_settings, password=bob.password)
    assert h.service.accounts == (alice.jid, bob.jid)
    await h.wait_event(
        ConnectionChanged,
        lambda e: e.account == bob.jid and e.state is ConnectionState.ONLINE,
        timeout=15,
    )
    assert not [e for e in h.of_type(PasswordNeeded) if e.account == bob.jid]
    assert not [e for e in h.of_type(PasswordSaveOffered) if e.account == bob.jid]
    with pytest.raises(Exception, match="already open"):
        h.service.add_account(bob_settings)
