"""Does a XEP-0191 block list cover this sender? (pure)"""

from __future__ import annotations

from collections.abc import Collection


def is_blocked(blocked: Collection[str], sender: str) -> bool:
    """An item blocks its exact JID: a full JID one device, a bare JID every device of that
    account, a domain the whole server (XEP-0191 §3 uses RFC 6121 §8.5 matching)."""
    if not blocked or not sender:
        return False
    bare = sender.split("/", 1)[0]
    domain = bare.split("@", 1)[-1]
    return sender in blocked or bare in blocked or domain in blocked
