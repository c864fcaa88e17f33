"""XEP-0357 push notifications for one account: what is wanted, what the server was told.

A daemonless client is closed most of the time; push makes our server tell an app server
(a phone's push service, a notifier) about messages that arrive meanwhile: while our XEP-0198
session hibernates after the link died, and while we are offline.

Where the wish lives: config.toml's ``push_service``/``push_node`` win; otherwise what the
last ``/push enable`` stored (`store/push.py`, kept until ``/push disable``). The node names
this device at the app server: the one given, else one generated once per account and kept.

It is enabled again at every **fresh** session, first thing (a resumed stream keeps it):
Prosody's mod_cloud_notify pushes every archived message for which no live session holds the
registration, so until this stream has enabled it, messages we receive live would be pushed
to the phone as well. Only a server whose account advertises ``urn:xmpp:push:0`` is asked; a
failure is one notice, never a broken session.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from xmpp_tui.core.errors import StanzaRefused, UserFacingError
from xmpp_tui.core.events import Notice, PushStatusReported
from xmpp_tui.core.push import PushStatus, new_node, parse_app_server, parse_node

if TYPE_CHECKING:
    from xmpp_tui.service.account_session import AccountSession

log = logging.getLogger(__name__)

_NOT_OFFERED = UserFacingError(
    "Your server does not offer push notifications (XEP-0357)",
    "Its admin can turn them on (Prosody: mod_cloud_notify; ejabberd: mod_push)",
)
_NOT_KNOWN = UserFacingError(
    "Your server did not say whether it offers push notifications", "Try again in a moment"
)


class Push:
    """The push state of one account (`AccountSession.push`)."""

    def __init__(self, session: AccountSession) -> None:
        self._session = session
        #: The account advertises urn:xmpp:push:0 (None: not asked on this stream / no answer).
        self.supported: bool | None = None
        #: (service, node) the server accepted on the current stream; None: not enabled.
        self.active: tuple[str, str] | None = None
        self.attempted = False  # an enable was sent (or found impossible) on this stream
        self.error = ""  # why the last enable or disable failed; "" when it worked
        #: ``/push disable`` ran: config.toml's push_service is not enabled again this run.
        self._off = False
        self._told = ""  # the last "not on" reason noticed (said once, not at every session)

    # -- what is wanted --------------------------------------------------------------

    def _target(self, *, make_node: bool) -> tuple[str, str] | None:
        """The app server and node wanted (config.toml first, then the stored
        ``/push enable``), or None. ``make_node``: create this device's node if needed."""
        session = self._session
        settings = session.settings
        stored = session.store.push.get(session.account)
        service = settings.push_service or (stored.service if stored is not None else "")
        if not service:
            return None
        return service, self._node(make=make_node)

    def _node(self, *, make: bool) -> str:
        session = self._session
        if session.settings.push_node:
            return session.settings.push_node
        if make:
            return session.store.push.node(session.account, new_node)
        stored = session.store.push.get(session.account)
        return stored.node if stored is not None else ""

    # -- session -----------------------------------------------------------------------

    async def session_started(self) -> None:
        """A fresh stream: the server forgot what the last one enabled; enable it again."""
        self.supported = None
        self.active = None
        self.attempted = False
        self.error = ""
        target = None if self._off else self._target(make_node=True)
        left = self._session.store.push.registered(self._session.account)
        if left is not None and left != target:
            # The server keeps registrations beyond the stream (Prosody's mod_cloud_notify
            # stores them): one from an earlier config.toml or app server must go.
            await self._drop_old(*left)
        if target is None:
            return
        try:
            await self._enable(*target)
        except UserFacingError as error:
            log.info("push not enabled again for %s: %s", self._session.account, error)
            if error.message != self._told:  # once per reason, not at every reconnect
                self._told = error.message
                self._notice(f"Push notifications are not on: {error.message}")
        else:
            self._told = ""

    # -- commands ----------------------------------------------------------------------

    async def enable(self, service: str, node: str) -> None:
        """``/push enable [APP_SERVER_JID] [NODE]``; remembered for the next start."""
        session = self._session
        settings = session.settings
        account = session.account
        service = parse_app_server(service, account) if service else ""
        node = parse_node(node) if node else ""
        if settings.push_service and service and service != settings.push_service:
            raise UserFacingError(
                f"config.toml sets push_service = {settings.push_service} for {account}",
                "Change it there (config.toml wins at every start), or leave the JID out",
            )
        if settings.push_node and node and node != settings.push_node:
            raise UserFacingError(
                f"config.toml sets push_node for {account}",
                "Change it there (config.toml wins at every start), or leave the node out",
            )
        session.require_online()
        before = self.active
        if not service:
            wanted = self._target(make_node=True)
            if wanted is None:
                raise UserFacingError(
                    "No app server is set up for push notifications",
                    "Type /push enable APP_SERVER_JID [NODE]",
                )
            service = wanted[0]
        node = node or self._node(make=True)
        await self._enable(service, node)
        self._off = False
        session.keep(lambda: session.store.push.enabled(account, service, node))
        if before is not None and before != (service, node):
            await self._drop_old(*before)
        self._notice(
            f"Push notifications on: {service} is told about messages that arrive "
            f"while you are away (node {node})"
        )

    async def disable(self) -> None:
        """``/push disable``: off on the server, forgotten here (no re-enable at the next start)."""
        session = self._session
        target = (
            self.active
            or self._target(make_node=False)
            or session.store.push.registered(session.account)
        )
        if target is None:
            raise UserFacingError("Push notifications are not on", "/push status shows the state")
        session.require_online()
        service, node = target
        try:
            await session.client.disable_push(service, node, session.timing.iq_timeout)
        except StanzaRefused as error:
            self.error = error.condition or "error"
            raise UserFacingError(
                f"The server refused to turn push notifications off: {self.error}",
                "Try again later",
            ) from error
        self.active = None
        self.error = ""
        self._off = True
        session.keep(lambda: session.store.push.disabled(session.account))
        session.keep(lambda: session.store.push.set_registered(session.account, "", ""))
        text = f"Push notifications off: {service} is no longer told about your messages"
        configured = session.settings.push_service
        if configured:
            text += (
                f". config.toml still sets push_service = {configured}: remove it, or push "
                "comes back at the next start"
            )
        self._notice(text)

    async def report(self) -> None:
        """``/push status``: publish `PushStatusReported` (asks about support when unknown)."""
        session = self._session
        if session.online and self.supported is None:
            self.supported = await session.client.push_offered(session.timing.iq_timeout)
        target = None if self._off else self._target(make_node=False)
        service, node = target if target is not None else ("", "")
        if target is None and self.active is not None:
            service, node = self.active
        session.publish(
            PushStatusReported(
                account=session.account,
                status=PushStatus(
                    supported=self.supported,
                    service=service,
                    node=node,
                    from_config=bool(session.settings.push_service) and not self._off,
                    enabled=self.active is not None,
                    attempted=self.attempted,
                    error=self.error,
                ),
            )
        )

    # -- the protocol ------------------------------------------------------------------

    async def _enable(self, service: str, node: str) -> None:
        """Enable on the current stream, if the account offers push; the reason in
        ``error`` and a UserFacingError when not."""
        session = self._session
        timeout = session.timing.iq_timeout
        self.attempted = True
        if self.supported is not True:
            self.supported = await session.client.push_offered(timeout)
        if self.supported is not True:
            self.active = None
            self.error = "not offered" if self.supported is False else "no answer"
            raise _NOT_OFFERED if self.supported is False else _NOT_KNOWN
        try:
            await session.client.enable_push(service, node, timeout)
        except StanzaRefused as error:
            self.active = None
            self.error = error.condition or "error"
            raise UserFacingError(
                f"The server refused to turn push notifications on: {self.error}",
                _hint(self.error),
            ) from error
        except UserFacingError:
            self.active = None
            self.error = "no answer"
            raise
        self.active = (service, node)
        self.error = ""
        account = session.account
        session.keep(lambda: session.store.push.set_registered(account, service, node))

    async def _drop_old(self, service: str, node: str) -> None:
        """Another app server or node replaced this one: tell the server (best effort)."""
        session = self._session
        try:
            await session.client.disable_push(service, node, session.timing.iq_timeout)
        except StanzaRefused as error:  # answered: asking again at every start cannot help
            log.info("old push registration %s (%s) refused: %s", service, node, error)
        except UserFacingError as error:  # no answer: try again at the next fresh session
            log.info("old push registration %s (%s) not removed: %s", service, node, error)
            return
        if session.store.push.registered(session.account) == (service, node):
            session.keep(lambda: session.store.push.set_registered(session.account, "", ""))

    def _notice(self, text: str) -> None:
        self._session.publish(Notice(account=self._session.account, text=text))


def _hint(condition: str) -> str:
    if condition in ("service-unavailable", "feature-not-implemented"):
        return "Your server does not take push registrations from this account"
    if condition in ("bad-request", "not-acceptable", "jid-malformed"):
        return "Check the app server's address and the node"
    return "Try again later"
