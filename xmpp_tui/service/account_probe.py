"""Try an account's settings once: log in, disconnect, say what happened (the setup screen).

The probe uses its own `XmppClient` (a resource of its own, so it never kicks the user's
other clients off) and the same failure kinds and messages as a real connection
(`xmpp/client.py`): a wrong password, an unreachable server, a certificate with its
fingerprint. Nothing is stored; the password lives only for the attempt.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from xmpp_tui.core.clock import Clock, utc_now
from xmpp_tui.core.models import CertificateInfo
from xmpp_tui.settings import AccountSettings
from xmpp_tui.xmpp.client import Endpoint, XmppClient
from xmpp_tui.xmpp.inbound import Inbound, SessionStarted

log = logging.getLogger(__name__)

#: How long the probe waits for the whole login, in seconds.
PROBE_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    """``ok``: logged in as ``full_jid``. Else ``kind`` is a `ConnectFailed` kind
    ("auth", "certificate", "network", "timeout", "tls", "conflict") and ``message`` its text."""

    ok: bool
    message: str
    kind: str = ""
    full_jid: str = ""
    certificate: CertificateInfo | None = None


async def probe_account(
    settings: AccountSettings,
    password: str,
    *,
    pinned: Callable[[], frozenset[str]] = frozenset,
    timeout: float = PROBE_TIMEOUT,
    clock: Clock = utc_now,
) -> ProbeResult:
    """Log in with ``settings`` and ``password`` once, then disconnect."""

    def ignore(_fact: Inbound) -> None:
        return None

    client = XmppClient(
        Endpoint(
            jid=settings.jid,
            resource=settings.resource or f"xmpp-tui.probe.{secrets.token_hex(3)}",
            host=settings.host,
            port=settings.port,
            direct_tls=settings.direct_tls,
            ca_file=settings.ca_file,
        ),
        report=ignore,
        clock=clock,
        pinned=pinned,
    )
    try:
        outcome = await client.connect(password, timeout=timeout)
    finally:
        await client.disconnect()
    if isinstance(outcome, SessionStarted):
        log.info("probe for %s logged in", settings.jid)
        return ProbeResult(
            ok=True, message=f"Logged in as {outcome.full_jid}", full_jid=outcome.full_jid
        )
    log.info("probe for %s failed: %s", settings.jid, outcome.kind)
    return ProbeResult(
        ok=False, kind=outcome.kind, message=outcome.message, certificate=outcome.certificate
    )
