"""The certificate matrix for the TLS tests: one test CA and a server certificate per trap.

Built with ``cryptography`` (already installed: keyring -> SecretStorage needs it; the tests
use it, the client never does), because the openssl CLI of this OpenSSL (3.0) cannot back-date
a certificate. Every key is P-256: fast to make, one run makes them all in well under a second.

- ``valid``: CN/SAN ``localhost``, signed by the test CA (the client trusts it via ``ca_file``);
- ``self_signed``: CN/SAN ``localhost``, its own issuer;
- ``expired``: CN/SAN ``localhost``, signed by the test CA, expired yesterday;
- ``wrong_host``: signed by the test CA, CN ``localhost`` but SAN ``other.example`` only
  (the SAN wins: a CN that looks right must not fool the check);
- ``unknown_ca``: CN/SAN ``localhost``, signed by a CA the client does not know;
- ``other_domain``: a perfectly valid certificate from the test CA, for ``other.localhost``
  (what an attacker with their own domain's certificate holds).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NEGATIVE = ("self_signed", "expired", "wrong_host", "unknown_ca", "other_domain")
ALL = ("valid", *NEGATIVE)


@dataclass(frozen=True, slots=True)
class ServerCert:
    name: str
    certfile: Path
    keyfile: Path
    der: bytes


@dataclass(frozen=True, slots=True)
class CertMatrix:
    ca_file: Path  # the CA the client is told to trust
    certs: dict[str, ServerCert]


@dataclass(frozen=True, slots=True)
class _Issuer:
    name: x509.Name
    key: ec.EllipticCurvePrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _ca(common_name: str, now: datetime.datetime) -> tuple[_Issuer, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _Issuer(name, key), cert


def _leaf(
    issuer: _Issuer | None,
    common_name: str,
    san: str,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    signer = issuer or _Issuer(_name(common_name), key)  # None: self-signed
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(signer.name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return key, builder.sign(signer.key, hashes.SHA256())


def make_matrix(directory: Path) -> CertMatrix:
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    day = datetime.timedelta(days=1)
    trusted, trusted_cert = _ca("xmpp-tui test CA", now)
    unknown, _ = _ca("Nobody's CA", now)
    plans: dict[str, tuple[_Issuer | None, str, str, datetime.datetime, datetime.datetime]] = {
        "valid": (trusted, "localhost", "localhost", now - day, now + 30 * day),
        "self_signed": (None, "localhost", "localhost", now - day, now + 30 * day),
        "expired": (trusted, "localhost", "localhost", now - 30 * day, now - day),
        "wrong_host": (trusted, "localhost", "other.example", now - day, now + 30 * day),
        "unknown_ca": (unknown, "localhost", "localhost", now - day, now + 30 * day),
        "other_domain": (trusted, "other.localhost", "other.localhost", now - day, now + 30 * day),
    }
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(trusted_cert.public_bytes(serialization.Encoding.PEM))
    certs: dict[str, ServerCert] = {}
    for name, (issuer, common_name, san, not_before, not_after) in plans.items():
        key, cert = _leaf(issuer, common_name, san, not_before, not_after)
        certfile, keyfile = directory / f"{name}.pem", directory / f"{name}.key"
        certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        keyfile.chmod(0o600)
        certs[name] = ServerCert(
            name, certfile, keyfile, cert.public_bytes(serialization.Encoding.DER)
        )
    return CertMatrix(ca_file, certs)
