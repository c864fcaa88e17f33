"""SessionService: the one object the UI talks to.

It owns one `AccountSession` per account, turns commands into protocol work
and publishes what happened as `core.events` on its bus. It never imports
Textual; the UI subscribes and posts the events to its widgets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from xmpp_tui.core.bus import EventBus, Subscriber
from xmpp_tui.core.clock import Clock, utc_now
from xmpp_tui.core.commands import Command
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import CommandFailed
from xmpp_tui.core.models import AccountId, AccountSnapshot, RoomInfo, StoredMessage
from xmpp_tui.secrets import PasswordSource, run_password_command
from xmpp_tui.service.account_probe import PROBE_TIMEOUT, ProbeResult, probe_account
from xmpp_tui.service.account_session import AccountSession
from xmpp_tui.service.timing import Timing
from xmpp_tui.settings import AccountSettings
from xmpp_tui.store import Store

log = logging.getLogger(__name__)


class SessionService:
    """Every account's session, one process, no daemon."""

    def __init__(
        self,
        *,
        accounts: Sequence[AccountSettings],
        store: Store,
        passwords: PasswordSource,
        clock: Clock = utc_now,
        timing: Timing | None = None,
        offline: bool = False,
    ) -> None:
        # offline: never connect (history browsing, snapshot tests).
        self._offline = offline
        self._stopped = False
        self._bus = EventBus()
        self._store = store
        self._sessions: dict[AccountId, AccountSession] = {}
        self._passwords = passwords
        self._clock = clock
        self._timing = timing or Timing()
        for settings in accounts:
            self._sessions[settings.jid] = AccountSession(
                settings=settings,
                store=store,
                passwords=passwords,
                publish=self._bus.publish,
                clock=clock,
                timing=self._timing,
            )

    # -- lifecycle ---------------------------------------------------------

    @property
    def accounts(self) -> tuple[AccountId, ...]:
        return tuple(self._sessions)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        return self._bus.subscribe(subscriber)

    async def start(self) -> None:
        """Connect every account. Call inside the running event loop."""
        if self._offline:
            return
        for session in self._sessions.values():
            session.start()

    async def stop(self) -> None:
        """Disconnect every account and close the store; a second call does nothing."""
        if self._stopped:
            return
        self._stopped = True
        await asyncio.gather(
            *(session.stop() for session in self._sessions.values()),
            return_exceptions=True,
        )
        self._store.close()

    def add_account(self, settings: AccountSettings, *, password: str | None = None) -> None:
        """Open one more account now (the setup screen); ``password`` spares the lookup.

        Raises UserFacingError if the account is already open.
        """
        if settings.jid in self._sessions:
            raise UserFacingError(f"{settings.jid} is already open", "Pick another address")
        session = AccountSession(
            settings=settings,
            store=self._store,
            passwords=self._passwords,
            publish=self._bus.publish,
            clock=self._clock,
            timing=self._timing,
        )
        if password:
            session.provide_password(password, offer_save=False)
        self._sessions[settings.jid] = session
        if not self._offline:
            session.start()

    async def remove_account(self, account: AccountId) -> bool:
        """Disconnect ``account`` and forget it for this run (history stays); False if not open."""
        session = self._sessions.pop(account, None)
        if session is None:
            return False
        await session.stop()
        return True

    async def forget_password(self, account: AccountId) -> bool:
        """Delete ``account``'s keyring entry; False if there was none."""
        return await self._passwords.forget(account)

    async def probe_account(
        self, settings: AccountSettings, password: str, *, timeout: float = PROBE_TIMEOUT
    ) -> ProbeResult:
        """Log in once with these settings and disconnect (certificates trusted count)."""
        return await probe_account(
            settings,
            password,
            pinned=lambda: frozenset(self._store.trust.fingerprints(settings.jid)),
            timeout=timeout,
            clock=self._clock,
        )

    async def keyring_usable(self) -> bool:
        """Whether passwords can go to a secure system keyring."""
        return await self._passwords.keyring_usable()

    async def remember_password(self, jid: str, password: str) -> bool:
        """Store ``password`` in the secure keyring; False if there is none or it refused."""
        return await self._passwords.save(jid, password)

    async def password_from_command(self, jid: str, command: str) -> str:
        """Run a password command as the account would; UserFacingError if it fails."""
        return await run_password_command(jid, command)

    # -- commands ----------------------------------------------------------

    async def execute(self, command: Command) -> None:
        """Carry out a command; the outcome arrives as events, never raises."""
        session = self._sessions.get(command.account)
        name = type(command).__name__
        if session is None:
            self._bus.publish(
                CommandFailed(
                    account=command.account,
                    command=name,
                    message=f"No account {command.account} is open",
                    hint="Start xmpp-tui with that JID or add it to the config file",
                )
            )
            return
        try:
            await session.execute(command)
        except UserFacingError as error:
            target = getattr(command, "room", None) or getattr(command, "peer", None) or ""
            self._bus.publish(
                CommandFailed(
                    account=command.account,
                    command=name,
                    message=error.message,
                    hint=error.hint,
                    target=str(target),
                )
            )
        except Exception as error:
            log.exception("command %s failed", name)
            self._bus.publish(
                CommandFailed(
                    account=command.account,
                    command=name,
                    message=f"{name} failed: {error}",
                    hint="Details are in the log file",
                )
            )

    # -- queries (read-only views of state the service and store own) -------

    def snapshot(self, account: AccountId) -> AccountSnapshot:
        return self._sessions[account].snapshot()

    def history_page(
        self, account: AccountId, peer: str, *, before_id: int | None = None, limit: int = 100
    ) -> list[StoredMessage]:
        return self._store.history.page(account, peer, before_id=before_id, limit=limit)

    def message_edits(self, account: AccountId, local_id: int) -> list[tuple[datetime, str]]:
        """The texts message ``local_id`` had before its corrections, oldest first (XEP-0308)."""
        return self._store.history.edits(account, local_id)

    def history_gaps(self, account: AccountId, peer: str) -> frozenset[int]:
        """Ids of ``peer``'s messages after which the archive may have lost messages."""
        return self._store.gaps.of(account, peer)

    def rooms(self, account: AccountId) -> tuple[RoomInfo, ...]:
        """The rooms the account is in (or rejoins when it is back online)."""
        return self._sessions[account].rooms.snapshot()

    def room_history(self, account: AccountId) -> list[str]:
        """Rooms with stored history (group chats, not contacts)."""
        return self._store.history.rooms(account)

    def unread_counts(self, account: AccountId) -> dict[str, int]:
        return self._store.history.unread_counts(account)

    def conversations(self, account: AccountId) -> list[str]:
        return [peer for peer, _ in self._store.history.conversations(account)]

    def conversation_times(self, account: AccountId) -> dict[str, datetime]:
        """Each conversation's newest stored message time (the activity view's order)."""
        return dict(self._store.history.conversations(account))
