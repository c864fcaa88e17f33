"""Certificate facts for the "bad certificate" prompt and for pinning.

Python's verification error carries no certificate, so the client fetches it
on a separate, credential-free connection and describes it here.
"""

from __future__ import annotations

import hashlib
import logging
import os
import ssl
import tempfile
from typing import Any

from xmpp_tui.core.models import CertificateInfo

log = logging.getLogger(__name__)


def fingerprint_sha256(der: bytes) -> str:
    """``AB:CD:...``: the form users compare against what an admin tells them."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalise_fingerprint(text: str) -> str:
    hex_only = "".join(ch for ch in text if ch.isalnum()).upper()
    return ":".join(hex_only[i : i + 2] for i in range(0, len(hex_only), 2))


def verification_reason(error: BaseException) -> str:
    """One line saying why verification failed."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return error.verify_message or str(error)
    text = str(error)
    for known in ("self-signed", "self signed", "expired", "hostname", "unable to get"):
        if known in text.lower():
            return text
    return text or type(error).__name__


def describe_certificate(der: bytes, reason: str) -> CertificateInfo:
    fields = _decode(der)
    return CertificateInfo(
        sha256=fingerprint_sha256(der),
        subject=_name(fields.get("subject")),
        issuer=_name(fields.get("issuer")),
        not_after=str(fields.get("notAfter", "unknown")),
        reason=reason,
    )


def _decode(der: bytes) -> dict[str, Any]:
    """Decode with the ssl module's own parser (no extra dependency).

    ``_test_decode_cert`` is private but has been stable since Python 3.2;
    if it ever goes away we still show the fingerprint, which is what matters.
    """
    decoder = getattr(ssl._ssl, "_test_decode_cert", None)  # type: ignore[attr-defined]
    if decoder is None:
        return {}
    handle, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(ssl.DER_cert_to_PEM_cert(der))
        decoded: dict[str, Any] = decoder(path)
        return decoded
    except (ssl.SSLError, OSError, ValueError):
        log.debug("could not decode certificate", exc_info=True)
        return {}
    finally:
        os.unlink(path)


def _name(rdns: Any) -> str:
    if not rdns:
        return "unknown"
    parts: list[str] = []
    for rdn in rdns:
        for key, value in rdn:
            parts.append(f"{key}={value}")
    return ", ".join(parts)
