"""One account's XMPP connection (the only owner of a slixmpp ClientXMPP).

What slixmpp leaves to us, done here: a bound on each connection attempt
(it waits forever on a frozen server), one outcome per attempt instead of a
scatter of events, certificate failures with the certificate's fingerprint,
pinning a certificate the user chose to trust, and handlers that never let
an exception reach slixmpp (it would answer the remote sender with an error).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from xmpp_tui import __version__
from xmpp_tui.core.clock import Clock
from xmpp_tui.core.forms import DataForm
from xmpp_tui.core.models import (
    Bookmark,
    ChatState,
    RoomDetails,
    RoomListEntry,
    RoomListing,
    Show,
)
from xmpp_tui.core.transport_security import TransportSecurity
from xmpp_tui.xmpp.certificates import (
    describe_certificate,
    fetch_certificate,
    fingerprint_sha256,
    unverified_context,
    verification_reason,
    verified_context,
)
from xmpp_tui.xmpp.features import (
    blocking,
    bookmarks,
    csi,
    discovery,
    invitations,
    mam,
    messages,
    muc,
    muc_admin,
    muc_conversion,
    muc_requests,
    presence,
    push,
    room_archive,
    room_directory,
    roster,
)
from xmpp_tui.xmpp.inbound import (
    ConnectFailed,
    ConnectionLost,
    Inbound,
    RosterLoaded,
    SessionStarted,
)
from xmpp_tui.xmpp.stanza_handlers import guarded, stanza_handlers
from xmpp_tui.xmpp.xml_guard import Violation, expat_warning
from xmpp_tui.xmpp.xml_guard import install as install_xml_guard

log = logging.getLogger(__name__)

Report = Callable[[Inbound], None]

#: Plugins we speak. Receipts are answered by the service after the message is stored.
PLUGINS = (
    "xep_0030",  # service discovery
    "xep_0060",  # publish-subscribe (XEP-0402 bookmarks, retract)
    "xep_0085",  # chat states
    "xep_0115",  # entity capabilities
    "xep_0163",  # PEP (+notify for bookmarks)
    "xep_0092",  # software version (our name, not the library's)
    "xep_0184",  # delivery receipts
    "xep_0191",  # blocking command
    "xep_0198",  # stream management
    "xep_0199",  # ping (keepalive)
    "xep_0203",  # delayed delivery stamps
    "xep_0223",  # PEP private data (XEP-0402 publish and fetch)
    "xep_0280",  # message carbons
    "xep_0308",  # last message correction
    "xep_0313",  # message archive management
    "xep_0333",  # chat markers (displayed)
    "xep_0352",  # client state indication
    "xep_0359",  # origin-id / stanza-id
    "xep_0402",  # PEP native bookmarks (stanza only)
)

#: XEP-0030 features our plugins' dependencies announce (at each bind) but xmpp-tui does
#: not offer: ad-hoc commands (xep_0050, pulled in by MAM), result set management and data
#: forms (only used inside our own MAM queries), forwarded messages (only read inside
#: carbons and archive results), stanza headers (xep_0131, pulled in by pubsub for PEP) and
#: the bare bookmarks namespace (we consume bookmarks through `+notify`, we serve none).
#: Announcing them would invite requests we cannot answer.
NOT_OFFERED = (
    "http://jabber.org/protocol/commands",
    "http://jabber.org/protocol/rsm",
    "http://jabber.org/protocol/shim",
    "http://jabber.org/protocol/shim#SubID",
    "jabber:x:data",
    "urn:xmpp:bookmarks:1",
    "urn:xmpp:forward:0",
)
#: XEP-0359 §6: we send origin-ids and read stanza-ids; slixmpp's plugin does not say so.
EXTRA_FEATURES = ("urn:xmpp:sid:0",)


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """Where and how to connect; no secrets."""

    jid: str  # bare
    resource: str
    host: str | None = None  # None: DNS SRV (_xmpps-client, _xmpp-client)
    port: int | None = None
    direct_tls: bool = False
    ca_file: Path | None = None

    @property
    def port_or_default(self) -> int:
        # XEP-0368 names no port; 5223 is the custom one for direct TLS.
        return self.port or (5223 if self.direct_tls else 5222)


class XmppClient:
    """Connects one account and reports inbound facts through ``report``."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        report: Report,
        clock: Clock,
        pinned: Callable[[], frozenset[str]],
    ) -> None:
        self.endpoint = endpoint
        self._report = report
        self._clock = clock
        self._pinned = pinned
        self._client: Any = None
        self._outcome: asyncio.Future[SessionStarted | ConnectFailed] | None = None
        self._pin_required: str | None = None
        self._started: SessionStarted | None = None
        self._last_network_error: BaseException | None = None
        self._closing = False
        self._refused: str | None = None  # why we closed the current stream ourselves

    # -- connection --------------------------------------------------------

    @property
    def bound_jid(self) -> str:
        return str(self._client.boundjid.full) if self._client is not None else ""

    async def connect(self, password: str, *, timeout: float) -> SessionStarted | ConnectFailed:
        """One bounded attempt; returns when online or when it has failed."""
        client = self._ensure_client()
        client.password = password
        self._closing = False
        outcome = await self._attempt(verified_context(self.endpoint.ca_file), None, timeout)
        if not (isinstance(outcome, ConnectFailed) and outcome.kind == "certificate"):
            return outcome
        der = await self._probe_certificate(timeout)
        if der is None:
            return outcome
        info = describe_certificate(der, outcome.message)
        if info.sha256 not in self._pinned():
            return ConnectFailed(
                kind="certificate",
                message=f"Untrusted certificate: {info.reason}",
                fatal=True,
                certificate=info,
            )
        log.info("connecting with the certificate the user trusted (%s)", info.sha256)
        return await self._attempt(unverified_context(), info.sha256, timeout)

    async def disconnect(self) -> None:
        client = self._client
        if client is None:
            return
        self._closing = True
        try:
            if client.is_connected():
                await asyncio.wait_for(client.disconnect(wait=1.0), timeout=3.0)
        except (TimeoutError, OSError):
            client.abort()
        finally:
            client.cancel_connection_attempt()
            # slixmpp never cancels its output-filter task (slixmpp-notes §2.11).
            task = getattr(client, "_run_out_filters", None)
            if task is not None and not task.done():
                task.cancel()

    def abort(self, reason: str) -> None:
        """Drop the connection now (dead peer); a `ConnectionLost` follows."""
        if self._client is not None:
            log.info("aborting connection: %s", reason)
            self._client.abort()

    async def ping(self, timeout: float) -> float:
        """XEP-0199 round trip to our server, in seconds; raises on timeout."""
        rtt: float = await self._client.plugin["xep_0199"].ping(
            jid=self._client.boundjid.domain, timeout=timeout
        )
        return rtt

    async def _attempt(
        self, context: ssl.SSLContext, pin: str | None, timeout: float
    ) -> SessionStarted | ConnectFailed:
        client = self._client
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[SessionStarted | ConnectFailed] = loop.create_future()
        self._outcome = outcome
        self._pin_required = pin
        self._last_network_error = None
        self._refused = None
        client.ssl_context = context
        endpoint = self.endpoint
        if endpoint.host is not None:
            # A known port speaks one protocol: don't try both on it.
            client.enable_direct_tls = endpoint.direct_tls
            client.enable_starttls = not endpoint.direct_tls
        else:
            client.enable_direct_tls = True
            client.enable_starttls = not endpoint.direct_tls
        try:
            async with asyncio.timeout(timeout):
                if endpoint.host is None:
                    attempt = client.connect(None, None)  # DNS SRV, XEP-0368 first
                else:
                    attempt = client.connect(endpoint.host, endpoint.port_or_default)
                await asyncio.wait({attempt})
                if attempt.cancelled():
                    if not outcome.done():
                        outcome.set_result(self._network_failure())
                elif attempt.result() is not None:
                    # Every address failed and slixmpp scheduled its own retry:
                    # cancel it, the account session owns the back-off.
                    client.cancel_connection_attempt()
                    if not outcome.done():
                        outcome.set_result(self._network_failure())
                return await outcome
        except TimeoutError:
            client.cancel_connection_attempt()
            client.abort()
            return ConnectFailed(
                kind="timeout",
                message=f"No answer from {self._where()} within {timeout:.0f} s",
                fatal=False,
            )
        finally:
            self._outcome = None

    def _network_failure(self) -> ConnectFailed:
        error = self._last_network_error
        if isinstance(error, ssl.SSLCertVerificationError):
            return ConnectFailed(kind="certificate", message=verification_reason(error), fatal=True)
        if isinstance(error, ssl.SSLError):
            return ConnectFailed(kind="tls", message=f"TLS failed: {error}", fatal=False)
        detail = _describe_os_error(error) if error is not None else "no answer"
        return ConnectFailed(
            kind="network", message=f"Cannot reach {self._where()}: {detail}", fatal=False
        )

    def _where(self) -> str:
        endpoint = self.endpoint
        if endpoint.host is None:
            return endpoint.jid.split("@", 1)[-1]
        return f"{endpoint.host}:{endpoint.port_or_default}"

    def _resolve(self, result: SessionStarted | ConnectFailed) -> bool:
        """Settle the pending attempt; False when no attempt is pending."""
        if self._outcome is None or self._outcome.done():
            return False
        self._outcome.set_result(result)
        return True

    async def _probe_certificate(self, timeout: float) -> bytes | None:
        endpoint = self.endpoint
        return await fetch_certificate(
            endpoint.jid,
            endpoint.host,
            endpoint.port_or_default,
            direct_tls=endpoint.direct_tls,
            timeout=timeout,
        )

    # -- building the slixmpp client ----------------------------------------

    def _ensure_client(self) -> Any:
        if self._client is not None:
            return self._client
        import slixmpp  # lazy: keeps `xmpp-tui --version` fast

        # Any: slixmpp's stanza interfaces are dict-like and untyped; this
        # module and translate.py are where that stops.
        # The TLS context is ours, set at each attempt (`_attempt`). slixmpp would build its
        # own and load the system trust store twice for it (~35 ms at start-up, issue #8);
        # this placeholder trusts nothing, so it could never verify a server by mistake.
        client: Any = slixmpp.ClientXMPP(
            f"{self.endpoint.jid}/{self.endpoint.resource}",
            "",
            ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
        )
        client.enable_plaintext = False  # never authenticate without TLS
        # RFC 6120 section 11.1, size and depth caps.
        install_xml_guard(client, on_violation=self._on_refused)
        if (warning := expat_warning()) is not None:
            log.warning("%s", warning)
        # RFC 6121 subscriptions are the user's decision, never automatic.
        client.roster.auto_authorize = None  # None = ask the app (typed bool upstream)
        client.roster.auto_subscribe = False
        for name in PLUGINS:
            client.register_plugin(name)
        # XEP-0030: a text-mode client (slixmpp would answer "client/bot").
        client.plugin["xep_0030"].add_identity(category="client", itype="console", name="xmpp-tui")
        client.plugin["xep_0092"].software_name = "xmpp-tui"
        client.plugin["xep_0092"].version = __version__
        client.plugin["xep_0092"].os = ""
        client.plugin["xep_0184"].auto_ack = False
        client.plugin["xep_0184"].auto_request = False
        bookmarks.register(client)  # before any presence: +notify goes into our caps
        muc.register(client)
        muc_admin.register(client)  # XEP-0425 moderation announcements
        invitations.register(client)
        muc_requests.register(client)  # voice and registration requests (forms in messages)
        csi.register(client)  # XEP-0352: offered or not is per fresh session
        self._client = client
        self._wire(client)
        return client

    def _wire(self, client: Any) -> None:
        lifecycle: dict[str, Callable[[Any], None]] = {
            "session_start": lambda _: self._on_session(resumed=False),
            "session_resumed": lambda _: self._on_session(resumed=True),
            "failed_all_auth": self._on_auth_failed,
            "connection_failed": self._on_connection_failed,
            "ssl_invalid_chain": self._on_invalid_chain,
            "ssl_cert": self._on_ssl_cert,
            "stream_error": self._on_stream_error,
            "disconnected": self._on_disconnected,
            "stream_negotiated": self._on_negotiated,
            "session_bind": lambda _: discovery.announce_only_what_we_offer(
                client, drop=NOT_OFFERED, add=EXTRA_FEATURES
            ),
        }
        stanzas = stanza_handlers(own=self.endpoint.jid, clock=self._clock, report=self._report)
        for event, handler in (lifecycle | stanzas).items():
            client.add_event_handler(event, guarded(event, handler))

    def _on_session(self, *, resumed: bool) -> None:
        started = SessionStarted(
            full_jid=self.bound_jid, resumed=resumed, security=self._security()
        )
        if resumed:
            # Resumption ends the negotiation; acks are already running.
            self._started = None
            self._announce(started)
        else:
            # Bound, but XEP-0198 is enabled after this event: report the session once
            # the negotiation is over, so the outbox knows whether acks work.
            self._started = started

    def _on_negotiated(self, _: Any) -> None:
        started, self._started = self._started, None
        if started is not None:
            self._announce(started)

    def _announce(self, started: SessionStarted) -> None:
        if not self._resolve(started):
            self._report(started)  # e.g. a new session after a failed resumption

    def _security(self) -> TransportSecurity:
        """TLS version and SASL mechanism of the current stream (channel binding or not)."""
        socket = self._client.socket
        version = socket.version() if isinstance(socket, ssl.SSLObject | ssl.SSLSocket) else None
        mech = getattr(self._client.plugin["feature_mechanisms"], "mech", None)
        return TransportSecurity(
            tls_version=version or "",
            mechanism=str(getattr(mech, "name", "") or ""),
            pinned=self._pin_required is not None,
        )

    def _encrypted(self) -> bool:
        return isinstance(self._client.socket, ssl.SSLObject | ssl.SSLSocket)

    def _on_auth_failed(self, _: Any) -> None:
        if not self._encrypted():
            # slixmpp found no mechanism it may use in the clear: the server (or someone
            # in between) offered no STARTTLS. Not one credential byte was sent.
            self._resolve(
                ConnectFailed(
                    kind="tls",
                    message=(
                        f"{self._where()} offered no TLS (STARTTLS missing or stripped): "
                        "not logging in without encryption"
                    ),
                    fatal=True,
                )
            )
            self._client.abort()
            return
        self._resolve(
            ConnectFailed(
                kind="auth",
                message=f"The server rejected the password for {self.endpoint.jid}",
                fatal=True,
            )
        )
        self._client.abort()

    def _on_connection_failed(self, error: Any) -> None:
        if isinstance(error, BaseException):
            self._last_network_error = error
        elif isinstance(error, str):
            self._last_network_error = OSError(error)

    def _on_invalid_chain(self, error: Any) -> None:
        # Handling this event disables slixmpp's own disconnect: close it ourselves.
        reason = verification_reason(error) if isinstance(error, BaseException) else str(error)
        self._resolve(ConnectFailed(kind="certificate", message=reason, fatal=True))
        self._client.abort()

    def _on_ssl_cert(self, pem: str) -> None:
        if self._pin_required is None:
            return
        actual = fingerprint_sha256(ssl.PEM_cert_to_DER_cert(pem))
        if actual != self._pin_required:
            log.warning("certificate changed: %s, trusted %s", actual, self._pin_required)
            self._client.cancel_connection_attempt()  # no stream header, no SASL
            self._resolve(
                ConnectFailed(kind="certificate", message="Certificate changed", fatal=True)
            )
            self._client.abort()

    def _on_stream_error(self, error: Any) -> None:
        condition = str(error["condition"])
        if condition == "conflict":
            failure = ConnectFailed(
                kind="conflict",
                message=(
                    "Another client logged in with the same resource "
                    f"({self.bound_jid or self.endpoint.jid}); this one was logged out"
                ),
                fatal=True,
            )
            if not self._resolve(failure):
                self._report(failure)
            return
        log.warning("stream error from server: %s", condition)

    def _on_refused(self, violation: Violation) -> None:
        self._refused = f"Connection closed: the server sent {violation.reason}"

    def _on_disconnected(self, reason: Any) -> None:
        dropped = messages.drop_unsent(self._client)  # never onto the next connection
        if dropped:
            log.info("dropped %d stanzas still queued when the link went down", dropped)
        text = str(reason) if reason else "connection closed"
        if isinstance(reason, ssl.SSLCertVerificationError):
            # A failed STARTTLS handshake closes the stream before ssl_invalid_chain fires.
            failure = ConnectFailed(
                kind="certificate", message=verification_reason(reason), fatal=True
            )
        else:
            failure = ConnectFailed(
                kind="network", message=f"Connection closed: {text}", fatal=False
            )
        if self._resolve(failure):
            return
        if not self._closing:
            refused, self._refused = self._refused, None
            self._report(ConnectionLost(reason=text, detail=refused or ""))

    # -- outgoing: thin delegations to xmpp/features ---------------------------------

    def send_chat(
        self, peer: str, body: str, message_id: str, *, replace_id: str | None = None
    ) -> None:
        messages.send_chat(self._client, peer, body, message_id, replace_id=replace_id)

    def send_displayed(self, peer: str, message_id: str) -> None:
        messages.send_displayed(self._client, peer, message_id)

    def send_chat_state(self, peer: str, state: ChatState) -> None:
        messages.send_chat_state(self._client, peer, state.value)

    def send_client_state(self, *, active: bool) -> bool:
        """XEP-0352; False when the server does not offer it on this stream."""
        return self._client is not None and csi.send(self._client, active=active)

    def send_receipt(self, to: str, message_id: str) -> None:
        messages.send_receipt(self._client, to, message_id)

    @property
    def acks_enabled(self) -> bool:
        return self._client is not None and messages.acks_enabled(self._client)

    def unacked_message_ids(self) -> frozenset[str]:
        """Messages slixmpp will re-send itself after a resumption (XEP-0198)."""
        if self._client is None:
            return frozenset()
        return messages.unacked_message_ids(self._client)

    @property
    def server_ack_count(self) -> int:
        """Our stanzas the server has acknowledged on the current XEP-0198 session."""
        return messages.server_ack_count(self._client) if self._client is not None else 0

    def forget_stream(self) -> None:
        """The next connection starts a fresh session instead of resuming this one."""
        if self._client is not None:
            messages.forget_stream(self._client)

    async def announce_capabilities(self) -> None:
        """Compute our XEP-0115 ``ver`` from what we answer to disco#info; from now on every
        available presence carries it (slixmpp adds nothing until this ran once)."""
        await presence.update_caps(self._client)

    def send_presence(self, show: Show, status: str) -> None:
        presence.send_presence(self._client, show, status)

    def send_subscription(self, jid: str, kind: str) -> None:
        """``subscribe``, ``subscribed``, ``unsubscribe`` or ``unsubscribed``."""
        presence.send_subscription(self._client, jid, kind)

    @property
    def supports_preapproval(self) -> bool:
        return presence.supports_preapproval(self._client)

    async def enable_carbons(self, timeout: float) -> bool:
        """XEP-0280, on every fresh session; False when the server does not offer it."""
        return await messages.enable_carbons(self._client, timeout)

    async def push_offered(self, timeout: float) -> bool | None:
        """XEP-0357: our account advertises push; None when it did not say."""
        return await push.offered(self._client, self.endpoint.jid, timeout)

    async def enable_push(self, service: str, node: str, timeout: float) -> None:
        await push.enable(self._client, service, node, timeout)

    async def disable_push(self, service: str, node: str, timeout: float) -> None:
        await push.disable(self._client, service, node, timeout)

    async def discover(
        self, jid: str, timeout: float, *, software: bool = True
    ) -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...], str]:
        """XEP-0030 identities and features of ``jid``, plus its XEP-0092 software (when
        ``software``; else "")."""
        identities, features = await discovery.info(self._client, jid, timeout)
        name = await discovery.software(self._client, jid, timeout) if software else ""
        return identities, features, name

    async def sends_flushed(self, steps: int = 8) -> None:
        """Yield to the loop until slixmpp's send queue is empty (at most ``steps`` times).

        slixmpp writes stanzas from a queue, in later steps of the loop: a request that
        should be on the wire before we turn to blocking work (storing an archive page while
        the server reads the next one) needs those steps first."""
        queue = self._client.waiting_queue
        for _ in range(steps):
            await asyncio.sleep(0)
            if queue.empty():
                return

    async def archive_page(
        self,
        *,
        after: str | None,
        start: datetime | None,
        size: int,
        timeout: float,
        before: str | None = None,
        end: datetime | None = None,
        with_jid: str | None = None,
        newest: bool = False,
    ) -> mam.ArchivePage:
        """One page of our own XEP-0313 archive (raises mam.CursorUnknown)."""
        return await mam.page(
            self._client,
            own_bare=self.endpoint.jid,
            now=self._clock,
            after=after,
            start=start,
            size=size,
            timeout=timeout,
            before=before,
            end=end,
            with_jid=with_jid,
            newest=newest,
        )

    # -- rooms and bookmarks (XEP-0045, XEP-0402 / XEP-0048) ---------------------------

    def join_room(
        self,
        room: str,
        nick: str,
        *,
        password: str,
        history: int,
        archived: bool = False,
        show: Show = Show.AVAILABLE,
        status: str = "",
    ) -> None:
        muc.join(
            self._client,
            room,
            nick,
            password=password,
            history=history,
            archived=archived,
            show=_pshow(show),
            status=status,
        )

    async def reserved_nick(self, room: str, timeout: float) -> str:
        """Our reserved nickname in ``room`` (XEP-0045 §7.12), "" when none."""
        return await muc.reserved_nick(self._client, room, timeout)

    def send_room_history(self, room: str, body: str, author: str, stamp: datetime) -> None:
        """XEP-0045 §7.9: one earlier message of a chat carried into a room."""
        muc_conversion.send_history(self._client, room, body, author, stamp)

    def invite_continuing(self, room: str, jid: str, reason: str) -> None:
        muc_conversion.invite_continuing(self._client, room, jid, reason)

    def request_voice(self, room: str) -> None:
        muc_requests.request_voice(self._client, room)

    def answer_voice_request(self, room: str, jid: str, nick: str, allow: bool) -> None:
        muc_requests.answer_voice(self._client, room, jid, nick, allow)

    async def room_registration_form(self, room: str, timeout: float) -> tuple[DataForm, str]:
        return await muc_requests.registration_form(self._client, room, timeout)

    async def register_with_room(self, room: str, form: DataForm, timeout: float) -> None:
        await muc_requests.submit_registration(self._client, room, form, timeout)

    def answer_registration_request(self, room: str, form: DataForm, allow: bool) -> None:
        muc_requests.answer_registration(self._client, room, form, allow)

    async def muc_services(self, timeout: float) -> tuple[str, ...]:
        """The MUC services of our server (XEP-0045 §6.1)."""
        server = str(self._client.boundjid.domain)
        return await room_directory.services(self._client, server, timeout)

    async def list_rooms(self, service: str, timeout: float) -> tuple[RoomListing, ...]:
        return await room_directory.rooms(self._client, service, timeout)

    async def room_details(self, room: str, timeout: float) -> RoomDetails:
        return await room_directory.details(self._client, room, timeout)

    def invite(self, room: str, jid: str, *, reason: str, password: str, mediated: bool) -> None:
        """XEP-0045 mediated invitation through the room, else XEP-0249 direct."""
        if mediated:
            invitations.invite_mediated(self._client, room, jid, reason)
        else:
            invitations.invite_direct(self._client, room, jid, reason, password)

    def decline_invitation(self, room: str, inviter: str, reason: str) -> None:
        invitations.decline(self._client, room, inviter, reason)

    async def room_archive_page(
        self,
        room: str,
        *,
        size: int,
        timeout: float,
        after: str | None = None,
        before: str | None = None,
        newest: bool = False,
    ) -> room_archive.RoomArchivePage:
        """One page of ``room``'s XEP-0313 archive (raises mam.CursorUnknown)."""
        return await room_archive.page(
            self._client,
            room=room,
            now=self._clock,
            size=size,
            timeout=timeout,
            after=after,
            before=before,
            newest=newest,
        )

    def leave_room(self, room: str, nick: str) -> None:
        muc.leave(self._client, room, nick)

    def change_room_nick(self, room: str, nick: str, show: Show, status: str) -> None:
        muc.change_nick(self._client, room, nick, _pshow(show), status)

    def send_room_presence(self, room: str, nick: str, show: Show, status: str) -> None:
        muc.send_presence(self._client, room, nick, _pshow(show), status)

    def set_room_subject(self, room: str, subject: str, message_id: str) -> None:
        muc.set_subject(self._client, room, subject, message_id)

    async def room_self_ping(self, room: str, nick: str, timeout: float) -> bool | None:
        return await muc.self_ping(self._client, room, nick, timeout)

    def send_groupchat(
        self, room: str, body: str, message_id: str, *, replace_id: str | None = None
    ) -> None:
        muc.send(self._client, room, body, message_id, replace_id=replace_id)

    async def configure_instant_room(self, room: str, timeout: float) -> None:
        await muc.accept_default_configuration(self._client, room, timeout)

    async def set_room_role(
        self, room: str, nick: str, role: str, reason: str, timeout: float
    ) -> None:
        await muc_admin.set_role(self._client, room, nick, role, reason, timeout)

    async def set_room_affiliation(
        self, room: str, jid: str, affiliation: str, reason: str, timeout: float
    ) -> None:
        await muc_admin.set_affiliation(self._client, room, jid, affiliation, reason, timeout)

    async def fetch_room_list(
        self, room: str, name: str, timeout: float
    ) -> tuple[RoomListEntry, ...]:
        return await muc_admin.fetch_list(self._client, room, name, timeout)

    async def fetch_room_config(self, room: str, timeout: float) -> DataForm:
        return await muc_admin.fetch_config(self._client, room, timeout)

    async def submit_room_config(self, room: str, form: DataForm, timeout: float) -> None:
        await muc_admin.submit_config(self._client, room, form, timeout)

    async def destroy_room(self, room: str, reason: str, timeout: float) -> None:
        await muc_admin.destroy(self._client, room, reason, timeout)

    async def moderate_room_message(
        self, room: str, stanza_id: str, reason: str, version: int, timeout: float
    ) -> None:
        await muc_admin.moderate(self._client, room, stanza_id, reason, version, timeout)

    async def bookmarks_method(self, timeout: float) -> str | None:
        return await bookmarks.method(self._client, self.endpoint.jid, timeout)

    async def fetch_bookmarks(self, method: str, timeout: float) -> tuple[Bookmark, ...] | None:
        return await bookmarks.fetch(self._client, method, timeout)

    async def edit_bookmark(self, room: str, edit: bookmarks.Edit, timeout: float) -> Bookmark:
        return await bookmarks.edit_native(self._client, room, edit, timeout)

    async def retract_bookmark(self, room: str, timeout: float) -> None:
        await bookmarks.retract(self._client, room, timeout)

    async def edit_private_bookmarks(
        self, room: str, edit: bookmarks.PrivateEdit, timeout: float
    ) -> tuple[Bookmark, ...]:
        return await bookmarks.edit_private(self._client, room, edit, timeout)

    async def fetch_block_list(self, timeout: float) -> tuple[str, ...] | None:
        return await blocking.fetch(self._client, timeout)

    async def block(self, jid: str, *, timeout: float) -> None:
        await blocking.block(self._client, jid, timeout=timeout)

    async def unblock(self, jid: str, *, timeout: float) -> None:
        await blocking.unblock(self._client, jid, timeout=timeout)

    async def fetch_roster(self, cached_version: str | None, timeout: float) -> RosterLoaded:
        return await roster.fetch(self._client, cached_version, timeout)

    async def set_roster_item(
        self, jid: str, *, name: str, groups: tuple[str, ...], timeout: float
    ) -> None:
        await roster.set_item(self._client, jid, name=name, groups=groups, timeout=timeout)

    async def remove_roster_item(self, jid: str, *, timeout: float) -> None:
        await roster.remove_item(self._client, jid, timeout=timeout)


def _describe_os_error(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__


def _pshow(show: Show) -> str | None:
    """The presence ``<show/>`` for ``show`` (none for plain available)."""
    return None if show in (Show.AVAILABLE, Show.OFFLINE) else show.value
