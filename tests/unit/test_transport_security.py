"""How a login is protected, in words (core/transport_security.py), and the names of the
certificate problems (xmpp/certificates.py verification_reason) on real verification errors."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from tests.tls_certs import ALL, CertMatrix, make_matrix
from xmpp_tui.core.transport_security import TransportSecurity, security_summary
from xmpp_tui.xmpp.certificates import verification_reason


def test_tls13_without_plus_is_certificate_only() -> None:
    security = TransportSecurity(tls_version="TLSv1.3", mechanism="SCRAM-SHA-1")
    assert not security.channel_binding
    assert security_summary(security) == (
        "TLSv1.3, SCRAM-SHA-1: verified by certificate only (no channel binding)"
    )


def test_plus_mechanism_is_channel_binding() -> None:
    security = TransportSecurity(tls_version="TLSv1.2", mechanism="SCRAM-SHA-1-PLUS")
    assert security.channel_binding
    assert security_summary(security) == (
        "TLSv1.2, SCRAM-SHA-1-PLUS: channel binding (the login is bound to this TLS connection)"
    )


def test_pinned_certificate_is_named_and_unknowns_stay_readable() -> None:
    pinned = TransportSecurity(tls_version="TLSv1.3", mechanism="PLAIN", pinned=True)
    assert security_summary(pinned) == (
        "TLSv1.3, PLAIN: verified by the certificate you trusted only (no channel binding)"
    )
    unknown = TransportSecurity(tls_version="", mechanism="")
    assert security_summary(unknown) == "TLS: verified by certificate only (no channel binding)"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> CertMatrix:
    return make_matrix(tmp_path_factory.mktemp("certs"))


async def _handshake_error(matrix: CertMatrix, name: str) -> ssl.SSLError | None:
    """A real handshake on loopback: the verification error the client gets, if any."""
    cert = matrix.certs[name]
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert.certfile, cert.keyfile)

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    client_ctx = ssl.create_default_context(cafile=matrix.ca_file)
    try:
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
        )
    except ssl.SSLError as error:
        return error
    finally:
        server.close()
    writer.close()
    return None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("self_signed", "self-signed"),
        ("expired", "certificate has expired"),
        ("wrong_host", "wrong host: hostname mismatch"),
        ("unknown_ca", "unknown certificate authority: unable to get local issuer"),
        ("other_domain", "wrong host: hostname mismatch"),
    ],
)
async def test_each_trap_is_named(matrix: CertMatrix, name: str, words: str) -> None:
    error = await _handshake_error(matrix, name)
    assert isinstance(error, ssl.SSLCertVerificationError)
    assert words in verification_reason(error).lower()


async def test_the_valid_certificate_verifies(matrix: CertMatrix) -> None:
    assert set(matrix.certs) == set(ALL)
    assert await _handshake_error(matrix, "valid") is None


def test_reason_from_another_error_keeps_its_text() -> None:
    assert verification_reason(OSError("boom")) == "boom"
    assert verification_reason(OSError("IP address mismatch")) == "wrong host: IP address mismatch"
