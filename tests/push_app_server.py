"""A fake XEP-0357 app server: an XEP-0114 component (``push.localhost``) on the test Prosody.

Prosody's mod_cloud_notify (prosody-modules, loaded by tests/prosody_server.py) publishes a
notification to the app server a client enabled, as a pubsub IQ set to the component. This
one records each publish (node, summary form, publish-options) and acknowledges it with a
result: mod_cloud_notify counts errors and drops a registration after too many.

Usage::

    async with PushAppServer(prosody) as app_server:
        ...
        note = await app_server.wait_for(node, body="hello")

One at a time: Prosody accepts one connection per component JID.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.component import ComponentPeer
from tests.peer import wait_until
from tests.prosody_server import ProsodyServer

JID = "push.localhost"
PUBSUB = "http://jabber.org/protocol/pubsub"
DATA = "jabber:x:data"
_PUBLISH = f"{{jabber:component:accept}}iq/{{{PUBSUB}}}pubsub"


@dataclass(frozen=True, slots=True)
class Notification:
    """One publish from the server: ``fields`` of the XEP-0357 summary form
    (``message-count``, ``last-message-sender``, ``last-message-body``)."""

    sender: str  # the server that pushed (the user's domain)
    node: str
    fields: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # publish-options (e.g. secret)

    @property
    def body(self) -> str:
        return self.fields.get("last-message-body", "")


class PushAppServer(ComponentPeer):
    def __init__(self, prosody: ProsodyServer, jid: str = JID) -> None:
        super().__init__(prosody, jid)
        self.received: list[Notification] = []
        self._client.register_handler(Callback("push publish", MatchXPath(_PUBLISH), self._on))

    def for_node(self, node: str) -> list[Notification]:
        return [n for n in self.received if n.node == node]

    async def wait_for(
        self,
        node: str,
        predicate: Callable[[Notification], bool] = lambda _: True,
        timeout: float = 15.0,
    ) -> Notification:
        """The first notification for ``node`` that ``predicate`` accepts."""

        def found() -> bool:
            return any(predicate(n) for n in self.for_node(node))

        await wait_until(
            found, timeout, message=f"no push for node {node!r}; received: {self.received}"
        )
        return next(n for n in self.for_node(node) if predicate(n))

    def _on(self, iq: Any) -> None:
        if iq["type"] != "set":
            return
        publish = iq.xml.find(f"{{{PUBSUB}}}pubsub/{{{PUBSUB}}}publish")
        if publish is None:
            return
        summary = publish.find(f".//{{urn:xmpp:push:0}}notification/{{{DATA}}}x")
        options = iq.xml.find(f"{{{PUBSUB}}}pubsub/{{{PUBSUB}}}publish-options/{{{DATA}}}x")
        self.received.append(
            Notification(
                sender=str(iq["from"]),
                node=publish.get("node", ""),
                fields=_fields(summary),
                options=_fields(options),
            )
        )
        iq.reply(clear=True).send()


def _fields(form: Any) -> dict[str, str]:
    if form is None:
        return {}
    return {
        str(f.get("var")): "".join(v.text or "" for v in f.findall(f"{{{DATA}}}value"))
        for f in form.findall(f"{{{DATA}}}field")
    }
