"""One account: obtain the password, connect, stay connected, route inbound facts.

The supervisor loop is the only place that decides when to (re)connect:
non-fatal failures back off with jitter, fatal ones (wrong password, rejected
certificate, resource conflict, the account open in another xmpp-tui) wait for
the user. Session start order on a fresh session: push -> carbons -> block list ->
archive catch-up -> roster -> initial presence ->
catch-up again -> bookmarks -> room rejoin and bookmark autojoin -> outbox flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from xmpp_tui.core.clock import Clock
from xmpp_tui.core.commands import Command, Connect, Disconnect
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import (
    AccountFailed,
    BlockListChanged,
    CertificateRejected,
    ConnectionChanged,
    ConnectionSecured,
    Event,
    HistoryWriteFailed,
    PasswordNeeded,
    PasswordSaveOffered,
    PresenceChanged,
    RosterReplaced,
)
from xmpp_tui.core.models import (
    AccountSnapshot,
    CertificateInfo,
    ChatState,
    ConnectionState,
    Delivery,
    Show,
)
from xmpp_tui.secrets import PasswordSource
from xmpp_tui.service import client_state, delivery, dispatch, extras, inbound_router, sync
from xmpp_tui.service.backoff import Backoff
from xmpp_tui.service.bookmarks import Bookmarks
from xmpp_tui.service.inbound_batch import InboundBatch
from xmpp_tui.service.liveness import Liveness
from xmpp_tui.service.push import Push
from xmpp_tui.service.rooms import Rooms
from xmpp_tui.service.roster_state import RosterState
from xmpp_tui.service.timing import Timing
from xmpp_tui.settings import AccountSettings
from xmpp_tui.store import Store
from xmpp_tui.store.account_lock import AccountLock
from xmpp_tui.xmpp.client import Endpoint, XmppClient
from xmpp_tui.xmpp.inbound import ChatReceived, ConnectFailed, Inbound, SessionStarted

log = logging.getLogger(__name__)

Publish = Callable[[Event], None]


class AccountSession:
    """Connection supervisor and live state for one account."""

    def __init__(
        self,
        *,
        settings: AccountSettings,
        store: Store,
        passwords: PasswordSource,
        publish: Publish,
        clock: Clock,
        timing: Timing,
    ) -> None:
        self.settings = settings
        self.account = settings.jid
        self.store = store
        self.passwords = passwords
        self.publish = publish
        #: Received messages of one loop turn share one commit (`service/inbound_batch.py`).
        self.inbound_batch = InboundBatch(store.database, self._history_write_failed)
        self.clock = clock
        self.timing = timing
        self.roster = RosterState()
        # XEP-0085: peers whose clients sent us a chat state (so they understand them),
        # and the last state we told each peer.
        self.chat_state_peers: set[str] = set()
        self.blocked: set[str] = set()  # XEP-0191, as the server last told us
        #: The catch-up fell back to a time query this session (at most once: SECURITY R-EXPIRED).
        self.archive_fell_back = False
        #: Conversations with a backwards archive page in flight (`service/older_history.py`).
        self.older_fetches: set[str] = set()
        #: Ids of messages and corrections written to the current stream (a rejoin, or the
        #: outbox flush at the end of a fresh session's setup, must not send them twice; a
        #: fresh session forgets them).
        self.stream_sent: set[str] = set()
        #: Per domain: whether it said it is a group chat service (`service/room_address.py`).
        self.group_chat_services: dict[str, bool] = {}
        #: Per conversation, where scroll-back continues in the archive (RSM <first/>).
        self.older_cursors: dict[str, str] = {}
        self.sent_chat_states: dict[str, ChatState] = {}
        #: XEP-0352: whether the user is looking, as the UI last said (`client_state.py`).
        self.client_active = True
        #: What the server was last told on the current stream (a fresh stream: active).
        self.server_client_active = True
        # XEP-0333: per peer, the local id of the newest message we sent "displayed" for.
        self.displayed_sent: dict[str, int] = {}
        #: Per peer, the newest message id already searched for one to mark (extras.py).
        self.displayed_checked: dict[str, int] = {}
        self.bookmarks = Bookmarks(self)  # XEP-0402 / XEP-0048
        self.push = Push(self)  # XEP-0357
        self.rooms = Rooms(self)  # XEP-0045
        #: Voice and registration requests offered to the user, unanswered (room_requests.py).
        self.room_requests: set[tuple[str, str, str]] = set()
        self.state = ConnectionState.DISCONNECTED
        self.detail = ""
        self.show = Show.AVAILABLE
        self.status = ""
        self.client = XmppClient(
            Endpoint(
                jid=settings.jid,
                resource=settings.resource or default_resource(settings.jid, store),
                host=settings.host,
                port=settings.port,
                direct_tls=settings.direct_tls,
                ca_file=settings.ca_file,
            ),
            report=self._on_inbound,
            clock=clock,
            pinned=lambda: frozenset(store.trust.fingerprints(settings.jid)),
        )
        self.online = False
        self.rejected_certificate: CertificateInfo | None = None
        self._password: str | None = None
        self._password_typed = False
        self._password_wanted: asyncio.Future[str] | None = None
        self._wake = asyncio.Event()
        self._lost = asyncio.Event()
        self._lost_detail = ""
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._setup_task: asyncio.Task[None] | None = None
        self._liveness = Liveness(
            self.client, timing, self.account, on_ack_timeout=self._ack_timed_out
        )
        # The server's ack count when an acknowledgement last timed out (see _ack_timed_out).
        self._stalled_at: int | None = None
        self._epoch = 0  # counts sessions, so a late check never acts on a newer one
        # A fresh session's setup (carbons, archive catch-up, initial presence) that the
        # link interrupted: the next session, even a resumed one, runs it again.
        self._setup_owed = False
        self._fatal: ConnectFailed | None = None
        self._backoff = Backoff(
            first_min=timing.backoff_first_min,
            first_max=timing.backoff_first_max,
            cap=timing.backoff_cap,
            growth_min=timing.backoff_growth_min,
            growth_max=timing.backoff_growth_max,
            attempts=timing.reconnect_attempts,
            window=timing.reconnect_window,
        )
        #: One process per account and data directory (store/account_lock.py).
        self._lock: AccountLock | None = None
        #: Why this process may not use the account (its lock is held elsewhere), or None.
        self.held_elsewhere: UserFacingError | None = None
        cached_version, cached_items = store.roster.load(self.account)
        self.roster_version = cached_version
        self.roster.replace(cached_items)

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._supervise(), name=f"account {self.account}")

    async def stop(self, *, keep_lock: bool = False) -> None:
        """Go offline. ``keep_lock``: the account stays this process's (``/disconnect``: what
        is typed meanwhile waits in the outbox, which no other process may send)."""
        self._stopping = True
        self._wake.set()
        self._lost.set()
        if self._password_wanted is not None and not self._password_wanted.done():
            self._password_wanted.cancel()
        self._liveness.stop()
        if self._setup_task is not None:
            self._setup_task.cancel()
        self.rooms.stopped()
        await self.client.disconnect()
        self.online = False
        self._forget_presence()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._lock is not None and not keep_lock:
            self._lock.release()
            self._lock = None
        self._set_state(ConnectionState.DISCONNECTED, "")

    def wake(self) -> None:
        """Skip the current back-off wait (the user asked to connect now)."""
        self._wake.set()

    async def execute(self, command: Command) -> None:
        if self.held_elsewhere is not None and not isinstance(command, Connect | Disconnect):
            # Another xmpp-tui runs this account: what we would store (an outbox row, read
            # state) is in its history too, and it would send or show it as its own.
            raise self.held_elsewhere
        await dispatch.execute(self, command)

    def snapshot(self) -> AccountSnapshot:
        return AccountSnapshot(
            account=self.account,
            state=self.state,
            show=self.show if self.online else Show.OFFLINE,
            status=self.status,
            detail=self.detail,
            roster=self.roster.items,
            presences=self.roster.presences(),
            blocked=tuple(sorted(self.blocked)),
        )

    # -- password --------------------------------------------------------------

    def provide_password(self, password: str, *, offer_save: bool = True) -> None:
        """Use ``password``; ``offer_save``: offer the keyring once it proved right."""
        self._password = password
        self._password_typed = offer_save
        if self._password_wanted is not None and not self._password_wanted.done():
            self._password_wanted.set_result(password)
        self._wake.set()

    async def save_password(self) -> None:
        if self._password is None:
            raise UserFacingError("No password to save", "Log in first")
        if not await self.passwords.save(self.account, self._password):
            raise UserFacingError(
                "The password could not be saved in the system keyring",
                "No secure keyring is available; you will be asked again next time",
            )

    async def _obtain_password(self, reason: str = "") -> str:
        if not reason and self._password is not None:
            return self._password
        if not reason:
            try:
                found = await self.passwords.lookup(self.settings)
            except UserFacingError as error:
                self.publish(
                    AccountFailed(account=self.account, message=error.message, hint=error.hint)
                )
                found = None
            if found:
                self._password = found
                self._password_typed = False
                return found
        self._password_wanted = asyncio.get_running_loop().create_future()
        self._set_state(
            ConnectionState.FAILED if reason else ConnectionState.DISCONNECTED,
            reason or "waiting for password",
        )
        no_keyring = (
            not reason
            and self.settings.password_command is None
            and not await self.passwords.keyring_usable()
        )
        self.publish(PasswordNeeded(account=self.account, reason=reason, no_keyring=no_keyring))
        return await self._password_wanted

    # -- the supervisor ------------------------------------------------------

    async def _supervise(self) -> None:
        try:
            if not await self._hold_lock():
                return
            password = await self._obtain_password()
            while not self._stopping:
                self._set_state(ConnectionState.CONNECTING, "connecting")
                self._backoff.attempted()
                outcome = await self.client.connect(password, timeout=self.timing.connect_timeout)
                if self._stopping:
                    return
                if isinstance(outcome, SessionStarted):
                    up_since = self._backoff.now()
                    await self._session_started(outcome)
                    await self._lost.wait()
                    self._went_offline()
                    if self._stopping:
                        return
                    # Only a session that lasted earns short delays and a fresh budget: a
                    # server that accepts and drops at once must not make us storm it.
                    if self._backoff.now() - up_since >= self.timing.stable_after:
                        self._backoff.reset()
                    if self._fatal is not None:
                        password = await self._handle_fatal(self._fatal)
                        continue
                    await self._wait_before_retry(self._lost_detail or "connection lost")
                    continue
                if outcome.fatal:
                    password = await self._handle_fatal(outcome)
                    continue
                await self._wait_before_retry(outcome.message)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("account %s supervisor crashed", self.account)
            self._set_state(ConnectionState.FAILED, "internal error (see the log file)")

    async def _hold_lock(self) -> bool:
        """Take the account's lock, waiting for /connect while another process holds it.

        False when the account was stopped meanwhile.
        """
        directory = self._data_dir()
        if directory is None:
            # An in-memory history is this process's alone (tests, benchmarks): no store
            # to share, and default_resource() gives it a resource of its own.
            return True
        while self._lock is None:
            if self._stopping:
                return False
            try:
                self._lock = AccountLock.acquire(directory, self.account)
            except UserFacingError as error:  # AccountBusy, or an unusable lock file
                self.held_elsewhere = error
                self._set_state(ConnectionState.FAILED, error.message)
                self.publish(
                    AccountFailed(account=self.account, message=error.message, hint=error.hint)
                )
                self._wake.clear()
                await self._wake.wait()
            else:
                self.held_elsewhere = None
        return True

    def _data_dir(self) -> Path | None:
        path = self.store.database.path
        return None if path is None else path.parent

    async def _handle_fatal(self, failure: ConnectFailed) -> str:
        """Tell the user and wait for what only they can give; returns the password to use."""
        self._fatal = None
        if failure.kind == "auth":
            self.publish(
                AccountFailed(
                    account=self.account,
                    message=failure.message,
                    hint="Type the right password, or fix password_command / the keyring entry",
                )
            )
            return await self._obtain_password(reason="wrong password")
        self._set_state(ConnectionState.FAILED, failure.message)
        if failure.kind == "certificate":
            self.rejected_certificate = failure.certificate
            if failure.certificate is not None:
                # The UI shows the fingerprint and offers /trust; one report, not two.
                self.publish(
                    CertificateRejected(account=self.account, certificate=failure.certificate)
                )
            else:
                self.publish(
                    AccountFailed(
                        account=self.account,
                        message=failure.message,
                        hint="Check the server's certificate or pass --ca-file",
                    )
                )
        else:
            hint = {
                "conflict": "Use /connect to log in here again (that client is then logged "
                "out), or give one of them another resource",
                "tls": "Something between you and the server may be removing TLS; check the "
                "host and port, or use direct TLS",
            }.get(failure.kind, "")
            self.publish(AccountFailed(account=self.account, message=failure.message, hint=hint))
        self._wake.clear()
        await self._wake.wait()
        return self._password or await self._obtain_password()

    async def _wait_before_retry(self, why: str) -> None:
        delay = self._backoff.next_delay()
        when = self.clock() + timedelta(seconds=delay)
        self.detail = why
        self.state = ConnectionState.RECONNECTING
        self.publish(
            ConnectionChanged(
                account=self.account,
                state=ConnectionState.RECONNECTING,
                detail=why,
                next_attempt_at=when,
            )
        )
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
        # The user's /connect (the wake) may skip the wait; an automatic attempt never
        # overruns the budget, not even by a timer firing a hair early.
        while not self._wake.is_set() and (rest := self._backoff.budget_wait()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=rest)

    async def _session_started(self, started: SessionStarted) -> None:
        self.online = True
        self._lost.clear()
        self.rejected_certificate = None
        self._epoch += 1
        # Pings from the start: a link that dies during the setup is noticed as fast.
        self._liveness.start()
        try:
            if not started.resumed:
                self.archive_fell_back = False
                self.stream_sent.clear()
                self._forget_presence()
                self._setup_owed = True
                self._stalled_at = None
            if self._setup_owed:
                if not await self._setup_unless_lost():
                    # Its IQs would only time out one by one; the supervisor reconnects.
                    log.info("link lost during session setup for %s", self.account)
                    return
                self._setup_owed = False
            # After a resumption slixmpp re-sends what the server had not acked; on a
            # fresh session that queue is gone, so the outbox re-sends it (same ids).
            delivery.flush_outbox(self, resumed=started.resumed)
            extras.flush_corrections(self, resend_unacked=not started.resumed)
            client_state.session_started(self, resumed=started.resumed)
        except Exception:  # a broken setup must not leave a half session
            log.exception("session setup failed for %s", self.account)
            self.client.abort("session setup failed")
            return
        if started.security is not None:
            self.publish(ConnectionSecured(account=self.account, security=started.security))
        self._set_state(ConnectionState.ONLINE, started.full_jid)
        if self._password_typed and await self.passwords.keyring_usable():
            self._password_typed = False
            self.publish(PasswordSaveOffered(account=self.account))

    async def _setup_unless_lost(self) -> bool:
        """Run the fresh-session setup; abandon it if the link drops meanwhile (False)."""
        setup = asyncio.ensure_future(self._fresh_session_setup())
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({setup, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not setup.done():
                setup.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await setup
        if setup.cancelled():
            return False
        setup.result()  # its exception, if any
        return not self._lost.is_set()

    async def _fresh_session_setup(self) -> None:
        # Order (XSF carbons remarks): carbons, then the archive, then initial presence,
        # so nothing falls between live delivery and the archive. The block list comes
        # first so archived messages from blocked JIDs are filtered too.
        self.rooms.session_reset()
        # Push first: until this stream enables it, the server pushes what we receive live.
        await self.push.session_started()
        await self.client.enable_carbons(self.timing.iq_timeout)
        blocked = await self.client.fetch_block_list(self.timing.iq_timeout)
        if blocked is not None:
            self.set_blocked(set(blocked))
        await self._catch_up()
        fetched = False
        try:
            loaded = await self.client.fetch_roster(self.roster_version, self.timing.iq_timeout)
        except UserFacingError as error:
            log.warning("roster fetch failed: %s", error)
        else:
            fetched = True
            if loaded.items is not None:  # None: our cached copy is current (versioning)
                self.roster.replace(loaded.items)
                self.roster_version = loaded.version
        await self.client.announce_capabilities()  # XEP-0115 <c/> in our presence
        self.client.send_presence(self.show, self.status)
        # After the presence, not before: drawing and caching 2,000 contacts must not hold
        # it. Nothing the server answers is read before this (same task, no await since),
        # so the roster still comes before any contact's presence.
        self.publish(RosterReplaced(account=self.account, items=self.roster.items))
        if fetched:
            self.keep(
                lambda: self.store.roster.save(self.account, self.roster_version, self.roster.items)
            )
        # A message that reached the server after the first catch-up but before our
        # presence went to offline storage, which Prosody does not deliver to a session
        # that queried the archive: read the archive once more. The query is processed
        # after the presence (same stream), so from here on everything arrives live.
        await self._catch_up()
        # Last: bookmarks, then back into our rooms and the autojoin ones (in the background:
        # each join waits for its room, and one silent room must not hold the session).
        await self.bookmarks.load()
        self.rooms.session_started()

    async def _catch_up(self) -> None:
        try:
            await sync.catch_up(self)
        except UserFacingError as error:  # the store could not take it (disk full)
            self.publish(
                HistoryWriteFailed(account=self.account, message=error.message, hint=error.hint)
            )

    def set_blocked(self, blocked: set[str]) -> None:
        self.blocked = blocked
        self.publish(BlockListChanged(account=self.account, blocked=tuple(sorted(blocked))))

    def require_online(self) -> None:
        """Raise the one "not connected" error of every command that needs the server."""
        if not self.online:
            raise UserFacingError(
                f"{self.account} is not connected", "Wait until the status bar says online"
            )

    def keep(self, write: Callable[[], object]) -> None:
        """A store write that may fail (full disk): tell the user, keep the session."""
        try:
            write()
        except UserFacingError as error:
            self.publish(
                HistoryWriteFailed(account=self.account, message=error.message, hint=error.hint)
            )

    def expect_ack(self, local_id: int) -> None:
        epoch = self._epoch

        def still_unacked() -> bool:
            if epoch != self._epoch or not self.online:
                return False
            current = self.store.history.get(self.account, local_id)
            return current is not None and current.delivery is Delivery.SENT

        self._liveness.expect_ack(still_unacked)

    def _ack_timed_out(self) -> None:
        """A sent message was not acknowledged in time: the link is dropped and resumed.

        If it happens again with the server's count unchanged, the resumed session is dead
        on the server's side (Prosody 0.12 can resume a session whose parser is stuck inside
        a stanza cut off with the old connection: it then processes nothing we send). Start
        a fresh session instead; its archive catch-up and outbox flush lose nothing.
        """
        acked = self.client.server_ack_count
        if self._stalled_at == acked:
            log.warning("%s: the resumed stream makes no progress; starting afresh", self.account)
            self.client.forget_stream()
            self._stalled_at = None
        else:
            self._stalled_at = acked

    def _went_offline(self) -> None:
        # Contacts' presence is kept: a resumed stream (XEP-0198) does not resend it.
        # It is cleared when a fresh session starts (the server then sends it anew)
        # or when the user goes offline on purpose.
        self.online = False
        self._liveness.stop()

    def _forget_presence(self) -> None:
        for jid in self.roster.clear_presence():
            self.publish(
                PresenceChanged(account=self.account, presence=self.roster.presence_of(jid))
            )

    # -- inbound ---------------------------------------------------------------

    def _on_inbound(self, fact: Inbound) -> None:
        if not isinstance(fact, ChatReceived):
            self.inbound_batch.flush()  # what came before it is published before it
        if isinstance(fact, ConnectFailed):
            self._fatal = fact if fact.fatal else None
            self.connection_lost()
            return
        if isinstance(fact, SessionStarted):
            # A new session bound after a failed resumption: set it up again.
            self._setup_task = asyncio.get_running_loop().create_task(
                self._session_started(fact), name=f"session setup {self.account}"
            )
            return
        try:
            inbound_router.route(self, fact)
        except UserFacingError as error:
            log.error("could not record %s: %s", type(fact).__name__, error.message)
            self._history_write_failed(error)

    def _history_write_failed(self, error: UserFacingError) -> None:
        failed = HistoryWriteFailed(account=self.account, message=error.message, hint=error.hint)
        self.publish(failed)

    def connection_lost(self, detail: str = "") -> None:
        # Offline at once, not when the supervisor gets to it: a message handed to slixmpp
        # now would wait in its pre-session queue and go out after a resumption ahead of
        # the stanzas slixmpp re-sends, so the server's ack count would settle the wrong
        # ones. It waits in the outbox instead, flushed after slixmpp's own re-sends.
        self.online = False
        self._lost_detail = detail
        self._lost.set()

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        self.state = state
        self.detail = detail
        self.publish(ConnectionChanged(account=self.account, state=state, detail=detail))


def default_resource(account: str, store: Store) -> str:
    """``xmpp-tui.`` and a suffix stable for this account, machine and history file.

    Stable, so a correction (XEP-0308, which must come from the original's full JID) and
    the archive's copies still match after a restart; different per history file, so two
    homes on one machine (or the tests) do not take each other's resource.
    """
    path = store.database.path
    if path is None:  # an in-memory history lives once: any suffix is as good
        return f"xmpp-tui.{secrets.token_hex(3)}"
    seed = f"{socket.gethostname()}\0{path.resolve()}\0{account}"
    return f"xmpp-tui.{hashlib.sha256(seed.encode()).hexdigest()[:6]}"
