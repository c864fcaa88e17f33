"""XEP-0030 service discovery (ours, and another entity's) and XEP-0092 software version."""

from __future__ import annotations

import logging
from typing import Any

from xmpp_tui.core.errors import UserFacingError

log = logging.getLogger(__name__)


def announce_only_what_we_offer(
    client: Any, *, drop: tuple[str, ...], add: tuple[str, ...]
) -> None:
    """Our own disco#info features (XEP-0030): remove what plugins announce on our behalf
    but we do not offer, add what they forget. Run after every bind (plugins re-add theirs
    then), before the XEP-0115 hash is computed."""
    disco = client.plugin["xep_0030"]
    for feature in drop:
        disco.del_feature(feature=feature)
    for feature in add:
        disco.add_feature(feature)


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
