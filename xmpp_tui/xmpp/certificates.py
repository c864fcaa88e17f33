"""Certificate facts for the "bad certificate" prompt and for pinning.

Python's verification error carries no certificate, so the client fetches it
on a separate, credential-free connection and describes it here.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import ssl
import tempfile
from pathlib import Path
from typing import Any

from xmpp_tui.core.models import CertificateInfo

log = logging.getLogger(__name__)


def fingerprint_sha256(der: bytes) -> str:
    """``AB:CD:...``: the form users compare against what an admin tells them."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


#: OpenSSL's words for the common traps, and the name a user knows them by.
_PROBLEMS = (
    ("hostname mismatch", "wrong host"),
    ("ip address mismatch", "wrong host"),
    ("unable to get local issuer", "unknown certificate authority"),
    ("unable to get issuer", "unknown certificate authority"),
)


def verification_reason(error: BaseException) -> str:
    """One line saying why verification failed, naming the problem in plain words."""
    if isinstance(error, ssl.SSLCertVerificationError):
        text = error.verify_message or str(error)
    else:
        text = str(error) or type(error).__name__
    lowered = text.lower()
    for words, problem in _PROBLEMS:
        if words in lowered:
            return f"{problem}: {text}"
    return text


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


def verified_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system trust store (plus ``ca_file``), hostname checked: the default."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def unverified_context() -> ssl.SSLContext:
    """Only for a pinned certificate (checked on ``ssl_cert``) and for the probe."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def fetch_certificate(
    jid: str, host: str | None, port: int, *, direct_tls: bool, timeout: float
) -> bytes | None:
    """The server's certificate, from a throwaway connection that never authenticates.

    The ``ssl_cert`` handler runs inside the TLS handshake's completion, before the
    stream header goes out over TLS: cancelling there means no SASL, no password.
    """
    import slixmpp

    loop = asyncio.get_running_loop()
    captured: asyncio.Future[bytes] = loop.create_future()
    probe: Any = slixmpp.ClientXMPP(f"{jid}/probe", "")
    probe.ssl_context = unverified_context()
    probe.enable_plaintext = False
    probe.enable_direct_tls = direct_tls or host is None
    probe.enable_starttls = not direct_tls

    def on_cert(pem: str) -> None:
        probe.cancel_connection_attempt()
        if not captured.done():
            captured.set_result(ssl.PEM_cert_to_DER_cert(pem))

    probe.add_event_handler("ssl_cert", on_cert)
    try:
        if host is None:
            probe.connect(None, None)
        else:
            probe.connect(host, port)
        return await asyncio.wait_for(captured, timeout)
    except (TimeoutError, OSError, ValueError):
        log.warning("could not fetch the certificate of %s", host or jid)
        return None
    finally:
        probe.cancel_connection_attempt()
        probe.abort()
        task = getattr(probe, "_run_out_filters", None)
        if task is not None and not task.done():
            task.cancel()
