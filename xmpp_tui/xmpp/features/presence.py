"""Own presence and subscription management (RFC 6121 sections 3 and 4)."""

from __future__ import annotations

from typing import Any

from xmpp_tui.core.models import Show

SUBSCRIPTION_KINDS = frozenset({"subscribe", "subscribed", "unsubscribe", "unsubscribed"})


async def update_caps(client: Any) -> None:
    """XEP-0115: hash our own disco#info into the verification string our presence carries."""
    await client.plugin["xep_0115"].update_caps(broadcast=False)


def send_presence(client: Any, show: Show, status: str) -> None:
    pshow = None if show in (Show.AVAILABLE, Show.OFFLINE) else show.value
    client.send_presence(pshow=pshow, pstatus=status or None)


def send_subscription(client: Any, jid: str, kind: str) -> None:
    if kind not in SUBSCRIPTION_KINDS:
        raise ValueError(f"not a subscription presence type: {kind}")
    client.send_presence(pto=jid, ptype=kind)


def supports_preapproval(client: Any) -> bool:
    """RFC 6121 §3.4: the server advertised ``<sub xmlns='urn:xmpp:features:pre-approval'/>``."""
    return "preapproval" in client.features
