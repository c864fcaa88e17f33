"""slixmpp's send queue across a disconnection (found by tests/service/test_fault_soak.py)."""

from __future__ import annotations

from xmpp_tui.core.clock import utc_now
from xmpp_tui.xmpp.client import Endpoint, XmppClient
from xmpp_tui.xmpp.inbound import Inbound


async def test_stanzas_still_queued_when_the_link_drops_are_not_kept_for_the_next_one() -> None:
    """With XEP-0198 on, slixmpp keeps its send queue across a disconnection and writes what
    is left to the next connection as soon as it opens: before STARTTLS and authentication
    (seen in the long soak: message bodies in clear text, refused by the server, lost).
    Whatever is still queued when the connection is lost must be gone."""
    reports: list[Inbound] = []
    client = XmppClient(
        Endpoint(jid="alice@localhost", resource="test"),
        report=reports.append,
        clock=utc_now,
        pinned=frozenset,
    )
    raw = client._ensure_client()
    raw.end_session_on_disconnect = False  # what the XEP-0198 plugin sets once enabled
    message = raw.make_message(mto="bob@localhost", mbody="secret", mtype="chat")
    raw.waiting_queue.put_nowait((message, True))
    raw.waiting_queue.put_nowait(("<r xmlns='urn:xmpp:sm:3'/>", False))

    raw.connection_lost(None)  # slixmpp's own path: fires "disconnected"

    assert raw.waiting_queue.empty()
    assert raw.waiting_queue._unfinished_tasks == 0  # a later disconnect(wait) does not hang
