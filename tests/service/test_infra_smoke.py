"""The test infrastructure itself: real Prosody, fresh accounts, real peers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.prosody_server import Account, ProsodyError, ProsodyServer

pytestmark = pytest.mark.prosody


async def test_peer_message_reaches_other_peer(
    new_account: AccountFactory, peer: PeerFactory
) -> None:
    alice = await peer(new_account("alice"))
    bob = await peer(new_account("bob"))

    alice.send_chat(bob.jid, "hello bob <&>")

    msg = await bob.wait_message(lambda m: m["type"] == "chat")
    assert msg["body"] == "hello bob <&>"
    assert msg["from"].bare == alice.jid


async def test_receipt_round_trip_and_direct_tls(peer: PeerFactory) -> None:
    alice = await peer(direct_tls=True)
    bob = await peer()
    receipt = alice.expect("receipt_received")

    sent_id = alice.send_chat(bob.jid, "ack me", request_receipt=True)

    assert (await bob.wait_body("ack me"))["request_receipt"]
    assert (await alice.wait_future(receipt, what="receipt"))["receipt"] == sent_id


async def test_wrong_password_fails_fast(prosody: ProsodyServer, peer: PeerFactory) -> None:
    account = prosody.unique_user()
    with pytest.raises(AssertionError, match="authentication failed"):
        await peer(Account(account.jid, "wrong"), timeout=5)


async def test_wait_until_reports_timeout() -> None:
    with pytest.raises(AssertionError, match="never true"):
        await wait_until(lambda: False, timeout=0.05, message="never true")


def test_admin_socket_lists_new_user(prosody: ProsodyServer, new_account: AccountFactory) -> None:
    account = new_account("carol")
    assert account.jid in prosody.admin(f"user:list('{prosody.host}')")


def test_port_clash_is_detected(prosody: ProsodyServer, tmp_path: Path) -> None:
    clash = ProsodyServer()
    clash.setup(tmp_path / "clash", ports={"c2s": prosody.c2s_port})
    started = time.monotonic()
    with pytest.raises(ProsodyError, match="Failed to open server port"):
        clash.start()
    # Detected from the log, not by running into the 15 s start-up bound.
    assert time.monotonic() - started < 10
    assert not clash.running
    assert prosody.running
