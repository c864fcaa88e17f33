"""What protects a logged-in connection, in one line for the user.

Python's ``ssl`` offers ``tls-unique`` only (no ``tls-exporter``), and ``tls-unique`` does not
exist in TLS 1.3: on TLS 1.3 SCRAM-*-PLUS is never used, so the login is not bound to the TLS
channel and the certificate check is the only defence against a man in the middle. The user
is told which of the two it is (SECURITY.md T12, S-TLS).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportSecurity:
    tls_version: str  # "TLSv1.3"; "" when unknown
    mechanism: str  # the SASL mechanism that logged in, e.g. "SCRAM-SHA-1"; "" when unknown
    #: The certificate the user trusted by fingerprint, not one a known authority vouched for.
    pinned: bool = False

    @property
    def channel_binding(self) -> bool:
        return self.mechanism.upper().endswith("-PLUS")


def security_summary(security: TransportSecurity) -> str:
    """E.g. "TLSv1.3, SCRAM-SHA-1: verified by certificate only (no channel binding)"."""
    parts = [part for part in (security.tls_version, security.mechanism) if part]
    head = ", ".join(parts) or "TLS"
    if security.channel_binding:
        return f"{head}: channel binding (the login is bound to this TLS connection)"
    how = "by the certificate you trusted" if security.pinned else "by certificate"
    return f"{head}: verified {how} only (no channel binding)"
