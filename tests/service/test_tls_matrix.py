"""S-TLS-1/2: the certificate matrix on STARTTLS and direct TLS, and STARTTLS stripping,
with every byte the client sends captured by a man in the middle (`tests/tls_mitm.py`).

In every negative case: no ``<auth``, no ``<response`` (the SCRAM proof), no password bytes,
no base64 of PLAIN's ``\\0user\\0password`` or of SCRAM's client-first message; the user
gets one event naming the problem, with the certificate's fingerprint. The MITM relays to
the real Prosody once TLS is up, so a client that accepted a bad certificate would log in
and be caught; the valid certificate logs in end to end through the same MITM."""

from __future__ import annotations

import base64

import pytest

from tests.peer import AccountFactory
from tests.prosody_server import Account, ProsodyServer
from tests.service.harness import HarnessFactory
from tests.tls_certs import NEGATIVE, CertMatrix, make_matrix
from tests.tls_mitm import Mode, TlsMitm
from xmpp_tui.core.events import (
    AccountFailed,
    CertificateRejected,
    ConnectionChanged,
    ConnectionSecured,
)
from xmpp_tui.core.models import ConnectionState
from xmpp_tui.xmpp.certificates import fingerprint_sha256

#: What the user must be told for each trap (lower case, in the rejection's reason).
PROBLEM = {
    "self_signed": "self-signed",
    "expired": "expired",
    "wrong_host": "wrong host",
    "unknown_ca": "unknown certificate authority",
    "other_domain": "wrong host",
}

SETTLED = (ConnectionState.FAILED, ConnectionState.ONLINE)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> CertMatrix:
    return make_matrix(tmp_path_factory.mktemp("tls-matrix"))


def mitm(prosody: ProsodyServer, matrix: CertMatrix, mode: Mode, cert: str) -> TlsMitm:
    chosen = matrix.certs[cert]
    return TlsMitm(
        mode=mode,
        certfile=chosen.certfile,
        keyfile=chosen.keyfile,
        upstream_port=prosody.tls_port,
        upstream_ca=prosody.cafile,
    )


def credential_leaks(wire: bytes, account: Account) -> list[str]:
    """Every way a credential could show in the capture; empty when none does."""
    user = account.jid.split("@", 1)[0].encode()
    password = account.password.encode()
    needles = {
        "<auth": b"<auth",
        "<response": b"<response",
        "password": password,
        "PLAIN": base64.b64encode(b"\0" + user + b"\0" + password),
        "PLAIN with authzid": base64.b64encode(account.jid.encode() + b"\0" + user + b"\0"),
    }
    # SCRAM client-first, whichever GS2 channel-binding flag slixmpp picked.
    for flag in (b"n", b"y", b"p=tls-unique", b"p=tls-exporter"):
        first = flag + b",,n=" + user + b",r="
        whole = 3 * (len(first) // 3)  # base64 of a prefix is stable in 3-byte groups
        needles[f"SCRAM client-first ({flag.decode()})"] = base64.b64encode(first[:whole])
    return [name for name, needle in needles.items() if needle in wire]


def test_the_leak_check_can_fail() -> None:
    """The detector itself: each needle is found when it is there."""
    alice = Account(jid="alice@localhost", password="s3cret-pw")
    plain = base64.b64encode(b"\0alice\0s3cret-pw")
    first = base64.b64encode(b"y,,n=alice,r=abcdef")
    wire = b"<auth mechanism='PLAIN'>" + plain + b"</auth>" + first + b"<response/>"
    assert set(credential_leaks(wire, alice)) == {
        "<auth",
        "<response",
        "PLAIN",
        "SCRAM client-first (y)",
    }
    assert credential_leaks(b"s3cret-pw", alice) == ["password"]
    assert credential_leaks(b"<stream:stream to='localhost'>", alice) == []


@pytest.fixture
def alice(new_account: AccountFactory) -> Account:
    return new_account("tls")


@pytest.mark.parametrize("cert", NEGATIVE)
@pytest.mark.parametrize("mode", ["starttls", "direct"])
async def test_bad_certificate_no_credentials_leave(
    prosody: ProsodyServer,
    harness: HarnessFactory,
    matrix: CertMatrix,
    alice: Account,
    mode: Mode,
    cert: str,
) -> None:
    async with mitm(prosody, matrix, mode, cert) as server:
        h = await harness(
            alice,
            port=server.port,
            direct_tls=mode == "direct",
            ca_file=matrix.ca_file,
            online=False,
        )
        # Settled either way: a client that wrongly logs in must fail on the capture below.
        await h.wait_event(ConnectionChanged, lambda e: e.state in SETTLED)
        await h.stop()
        await server.all_closed()
    assert server.links, "the client never came"
    assert credential_leaks(server.wire, alice) == []
    # Stronger still: inside TLS with a bad certificate not one byte, not even a stream
    # header. (Only the fingerprint probe, which skips verification, gets that far.)
    assert [link.after_tls for link in server.links] == [b""] * len(server.links)
    [rejected] = h.of_type(CertificateRejected)
    info = rejected.certificate
    assert info.sha256 == fingerprint_sha256(matrix.certs[cert].der)
    assert PROBLEM[cert] in info.reason.lower(), info.reason
    assert h.of_type(AccountFailed) == []  # one report: the rejection with the fingerprint
    assert h.count(ConnectionState.ONLINE) == 0


@pytest.mark.parametrize("mode", ["starttls", "direct"])
async def test_valid_certificate_logs_in_through_the_capture(
    prosody: ProsodyServer,
    harness: HarnessFactory,
    matrix: CertMatrix,
    alice: Account,
    mode: Mode,
) -> None:
    """The positive control: same MITM, a valid certificate; the capture sees the login."""
    async with mitm(prosody, matrix, mode, "valid") as server:
        h = await harness(
            alice, port=server.port, direct_tls=mode == "direct", ca_file=matrix.ca_file
        )
        secured = await h.wait_event(ConnectionSecured)
        assert secured.security.tls_version.startswith("TLSv1.")
        assert secured.security.mechanism.startswith("SCRAM-")
        # Python has no tls-exporter: TLS 1.3 never gets -PLUS (SECURITY.md 2.2).
        if secured.security.tls_version == "TLSv1.3":
            assert not secured.security.channel_binding
        await h.stop()
    # It is the capture that proves the negatives: here it does see the login.
    assert b"<auth" in server.wire
    assert all(link.tls_up for link in server.links)


async def test_starttls_stripped_no_auth_and_a_clear_error(
    prosody: ProsodyServer,
    harness: HarnessFactory,
    matrix: CertMatrix,
    alice: Account,
) -> None:
    async with mitm(prosody, matrix, "stripped", "valid") as server:
        h = await harness(alice, port=server.port, ca_file=matrix.ca_file, online=False)
        failed = await h.wait_event(AccountFailed)
        await h.stop()
        await server.all_closed()
    assert "offered no TLS" in failed.message
    assert f"127.0.0.1:{server.port}" in failed.message
    assert "password" not in failed.message  # not a "wrong password" report
    assert "TLS" in failed.hint
    assert h.of_type(CertificateRejected) == []
    assert h.count(ConnectionState.ONLINE) == 0
    changed = h.of_type(ConnectionChanged)
    assert changed[-1].state in (ConnectionState.FAILED, ConnectionState.DISCONNECTED)
    assert not any(link.tls_up for link in server.links)
    assert server.links and all(b"<stream:stream" in link.wire for link in server.links)
    assert credential_leaks(server.wire, alice) == []
