"""XEP-0352 Client State Indication: tell the server whether the user is looking.

slixmpp's ``xep_0352`` sets ``enabled`` when the stream features offer ``urn:xmpp:csi:0``
(it is never cleared, and a resumed stream skips the features after ``<resumed/>``, which is
what we want: the server keeps the state of a resumed session). ``<active/>`` and
``<inactive/>`` are nonzas: XEP-0198 does not count them.
"""

from __future__ import annotations

from typing import Any

NS = "urn:xmpp:csi:0"


def offered(client: Any) -> bool:
    """The server offered CSI on this stream."""
    return bool(client.plugin["xep_0352"].enabled)


def send(client: Any, *, active: bool) -> bool:
    """Send ``<active/>`` or ``<inactive/>``; False (nothing sent) if the server lacks CSI."""
    if not offered(client):
        return False
    plugin = client.plugin["xep_0352"]
    if active:
        plugin.send_active()
    else:
        plugin.send_inactive()
    return True
