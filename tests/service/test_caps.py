"""XEP-0115 entity capabilities and XEP-0030 features, as another client sees them.

The observer (our own account's other device, which receives our presence) computes the
verification string itself (tests/entity_caps.py, XEP-0115 §5.1) from our disco#info answer.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from tests.entity_caps import CAPS, DISCO_INFO, ver
from tests.peer import AccountFactory, PeerFactory, wait_until
from tests.service.harness import HarnessFactory

#: What xmpp-tui implements and answers for, one line each (and nothing a plugin merely
#: registers). One ``+notify``: the PEP node we consume (native bookmarks).
EXPECTED_FEATURES = {
    "http://jabber.org/protocol/caps",  # XEP-0115
    "http://jabber.org/protocol/chatstates",  # XEP-0085
    "http://jabber.org/protocol/disco#info",  # XEP-0030
    "jabber:iq:version",  # XEP-0092
    "urn:xmpp:bookmarks:1+notify",  # XEP-0402 via XEP-0163: bookmark changes pushed to us
    "urn:xmpp:carbons:2",  # XEP-0280
    "urn:xmpp:chat-markers:0",  # XEP-0333
    "urn:xmpp:message-correct:0",  # XEP-0308
    "urn:xmpp:ping",  # XEP-0199 (we answer pings)
    "urn:xmpp:receipts",  # XEP-0184
    "urn:xmpp:sid:0",  # XEP-0359
}


def _watch_caps(observer: Any, full_jid: str) -> list[Element]:
    """Collects the ``<c/>`` of every available presence from ``full_jid`` from now on."""
    seen: list[Element] = []

    def on_presence(presence: Any) -> None:
        if str(presence["from"]) == full_jid and presence["type"] in {"", "available"}:
            caps = presence.xml.find(f"{{{CAPS}}}c")
            if caps is not None:
                seen.append(caps)

    observer.client.add_event_handler("presence", on_presence)
    return seen


async def _disco_info(observer: Any, jid: str, node: str | None = None) -> Element:
    iq = await observer.client.plugin["xep_0030"].get_info(jid=jid, node=node, timeout=10)
    query: Element | None = iq.xml.find(f"{{{DISCO_INFO}}}query")
    assert query is not None
    return query


async def test_caps_ver_matches_our_disco_info(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    observer = await peer(alice, resource="observer")
    seen = _watch_caps(observer, f"{alice.jid}/tui")
    h = await harness(alice)
    await wait_until(lambda: bool(seen), message="our presence with a <c/> element")
    caps = seen[0]
    assert caps.get("hash") == "sha-1"
    node, announced = caps.get("node"), caps.get("ver")
    assert node and announced

    query = await _disco_info(observer, f"{alice.jid}/tui", f"{node}#{announced}")
    assert query.get("node") == f"{node}#{announced}"
    assert ver(query) == announced  # computed here, per XEP-0115 §5.1
    plain = await _disco_info(observer, f"{alice.jid}/tui")  # same answer without node
    assert ver(plain) == announced
    await h.stop()


async def test_disco_info_lists_exactly_what_we_implement(
    new_account: AccountFactory, peer: PeerFactory, harness: HarnessFactory
) -> None:
    alice = new_account("alice")
    observer = await peer(alice, resource="observer")
    await harness(alice)
    query = await _disco_info(observer, f"{alice.jid}/tui")
    identities = [
        (i.get("category"), i.get("type")) for i in query.findall(f"{{{DISCO_INFO}}}identity")
    ]
    assert identities == [("client", "console")]
    features = {f.get("var") for f in query.findall(f"{{{DISCO_INFO}}}feature")}
    assert features == EXPECTED_FEATURES, " ".join(sorted(f or "" for f in features))
    # PEP (XEP-0163): we ask for exactly the nodes we consume.
    assert [f for f in features if f and f.endswith("+notify")] == ["urn:xmpp:bookmarks:1+notify"]
    assert query.findall("{jabber:x:data}x") == []
