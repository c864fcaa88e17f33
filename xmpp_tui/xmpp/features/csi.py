"""XEP-0352 Client State Indication: tell the server whether the user is looking.

slixmpp's ``xep_0352`` sets ``enabled`` when the stream features offer ``urn:xmpp:csi:0`` and
never clears it. `register` clears it at each resource bind, which only a fresh session does
(bind comes before CSI in slixmpp's feature order), so a server that stopped offering CSI is
not sent it. A resumed stream skips the features after ``<resumed/>`` and keeps the flag, as
the server keeps the state. ``<active/>`` and ``<inactive/>`` are nonzas: XEP-0198 does not
count them.
"""

from __future__ import annotations

from typing import Any

NS = "urn:xmpp:csi:0"


def register(client: Any) -> None:
    def forget(_: Any) -> None:
        client.plugin["xep_0352"].enabled = False

    client.add_event_handler("session_bind", forget)


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
