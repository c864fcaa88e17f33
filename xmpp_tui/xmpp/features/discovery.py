"""XEP-0030 service discovery and XEP-0092 software version of another entity."""

from __future__ import annotations

import logging
from typing import Any

from xmpp_tui.core.errors import UserFacingError

log = logging.getLogger(__name__)


async def info(
    client: Any, jid: str, timeout: float
) -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]]:
    """(identities, features) of ``jid``; a refusal or silence is a UserFacingError."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        result = await client.plugin["xep_0030"].get_info(jid=jid, timeout=timeout)
    except IqTimeout as error:
        raise UserFacingError(f"{jid} did not answer", "Is it online? Try a full JID") from error
    except IqError as error:
        condition = str(error.iq["error"]["condition"]) or "error"
        raise UserFacingError(
            f"{jid} refused to say what it supports ({condition})",
            "Contacts only answer when they share their presence with you",
        ) from error
    query = result["disco_info"]
    identities = tuple(
        (str(category), str(kind), str(name or ""))
        for category, kind, _lang, name in query["identities"]
    )
    features = tuple(sorted({str(feature) for feature in query["features"]}))
    return identities, features


async def software(client: Any, jid: str, timeout: float) -> str:
    """``name version (os)`` when the entity answers XEP-0092, else ""."""
    from slixmpp.exceptions import IqError, IqTimeout

    try:
        result = await client.plugin["xep_0092"].get_version(jid, timeout=timeout)
    except (IqError, IqTimeout):
        return ""
    version = result["software_version"]
    parts = [str(version["name"] or ""), str(version["version"] or "")]
    text = " ".join(part for part in parts if part)
    system = str(version["os"] or "")
    return f"{text} ({system})" if text and system else text
