"""How the main screen reacts to each service event (split out so main.py stays about typing).

Every remote string shown here goes through `ui/render.py` helpers or the console pane, which
sanitise it; notifications are sent with ``markup=False``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.text import Text

from xmpp_tui.core.commands import (
    Disconnect,
    MarkRead,
    ProvidePassword,
    SavePassword,
    TrustCertificate,
)
from xmpp_tui.core.events import (
    AccountFailed,
    BlockListChanged,
    BookmarksChanged,
    CertificateRejected,
    ChatStateChanged,
    ClientStateChanged,
    CommandFailed,
    ConnectionChanged,
    ConnectionSecured,
    ConversationRead,
    DeliveryChanged,
    Event,
    HistoryGapMarked,
    HistoryWriteFailed,
    InfoReceived,
    InvitationReceived,
    MessageAdded,
    MessageCorrected,
    Notice,
    OlderHistoryFetched,
    OwnPresenceChanged,
    PasswordNeeded,
    PasswordSaveOffered,
    PresenceChanged,
    PushStatusReported,
    RegistrationRequested,
    RoomChanged,
    RoomConfigFetched,
    RoomConverted,
    RoomDetailsReceived,
    RoomListsFetched,
    RoomRegistrationForm,
    RoomsListed,
    RosterItemChanged,
    RosterItemRemoved,
    RosterReplaced,
    SubscriptionAnswered,
    SubscriptionRequested,
    SyncProgress,
    VoiceRequested,
)
from xmpp_tui.core.models import (
    AccountId,
    BareJid,
    ChatState,
    ConnectionState,
    ConversationKind,
    Direction,
    StoredMessage,
)
from xmpp_tui.core.sanitize import sanitize_identifier
from xmpp_tui.core.transport_security import security_summary
from xmpp_tui.ui import push_routes
from xmpp_tui.ui.early_start import InitialAccount, capture_initial
from xmpp_tui.ui.mention_alerts import MentionAlerts, mention_text, mentioned
from xmpp_tui.ui.notifier import Notifier, alert_kind
from xmpp_tui.ui.refresh_throttle import IntervalThrottle
from xmpp_tui.ui.render import error_text, jid_plain, one_line
from xmpp_tui.ui.screens import room_directory, room_requests
from xmpp_tui.ui.screens.certificate import CertificateScreen
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.screens.password import NO_KEYRING_NOTE, PasswordScreen
from xmpp_tui.ui.screens.requests import request_notice
from xmpp_tui.ui.view_state import (
    AccountRoster,
    ChatKey,
    ConnectionView,
    add_unread,
    clear_unread,
    forget_room,
    note_peer,
    note_room,
    reduce_roster,
)
from xmpp_tui.ui.widgets.room_pane import RoomPane

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen

_ROSTER_EVENTS = (
    RosterReplaced,
    RosterItemChanged,
    RosterItemRemoved,
    PresenceChanged,
    BlockListChanged,
    RoomChanged,
    BookmarksChanged,
    InvitationReceived,
)
#: A block-list change touching more JIDs than this is one console line with a count.
_BLOCK_LINES = 3


class EventReactions:
    """Applies service events to the main screen's widgets and view state."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._connections: dict[AccountId, ConnectionState] = {}
        self._retry_reasons: dict[AccountId, str] = {}
        #: Accounts whose block list came in an event this run: later changes get a console line
        #: (the first one is the fetch after connecting, not news).
        self._block_lists_seen: set[AccountId] = set()
        #: MessageAdded events waiting for `flush_messages` (a catch-up posts them in bursts).
        self._pending: list[MessageAdded] = []
        self._mentions = MentionAlerts()
        self.notifier = Notifier()  # when to ring the bell and the rest (ui/notifier.py)
        #: Messages change unread counts batch after batch under a flood: the roster is
        #: redrawn for them at most ten times a second (the first at once).
        self.unread_refresh = IntervalThrottle(
            screen.refresh_roster, lambda delay, run: screen.set_timer(delay, run)
        )
        #: Events that came before `load_initial_state` (None once it ran).
        self._before_load: list[Event] | None = []

    def load_initial_state(self, initial: Mapping[AccountId, InitialAccount] | None = None) -> None:
        """What the service and store already know: roster, presence, unread, conversations.

        ``initial``: that knowledge as it was before the service started (`ui/early_start.py`);
        the events published since then were held and are applied after it, in order.
        """
        screen = self.screen
        known = initial if initial is not None else capture_initial(screen.service)
        for account, state in known.items():
            snapshot = state.snapshot
            items = {item.jid: item for item in snapshot.roster}
            room_history = set(state.room_history)
            screen.rosters[account] = AccountRoster(
                items=items,
                presences={p.jid: p for p in snapshot.presences},
                unread=dict(state.unread),
                strangers=frozenset(state.conversations) - items.keys() - room_history,
                blocked=frozenset(snapshot.blocked),
                rooms={room.jid: room for room in state.rooms},
                room_jids=frozenset(room_history),
            )
            self._connections[account] = snapshot.state
            screen.set_connection(account, ConnectionView(snapshot.state, snapshot.detail))
        screen.refresh_roster()
        held, self._before_load = self._before_load, None
        for event in held or ():
            self.apply(event)

    def apply(self, event: Event) -> None:
        if self._before_load is not None:
            # The screen has not loaded what the service knew yet: applied after it.
            self._before_load.append(event)
            return
        if isinstance(event, MessageAdded):
            # A burst (an archive page) is handled at once, after the events queued with it:
            # one layout, one roster refresh and one read mark instead of one per message.
            self._pending.append(event)
            if len(self._pending) == 1:
                self.screen.app.call_later(self.flush_messages)  # after the queued events
            return
        self.flush_messages()  # whatever follows a message sees it in place (order kept)
        screen = self.screen
        account = event.account
        if isinstance(event, (*_ROSTER_EVENTS, SubscriptionRequested)):
            roster = screen.rosters.setdefault(account, AccountRoster())
            if isinstance(event, BlockListChanged):
                self._block_list_news(account, roster.blocked, frozenset(event.blocked))
            screen.rosters[account] = reduce_roster(roster, event)
            if not isinstance(event, RoomChanged) or _room_row_changed(roster, event):
                # Occupants coming and going change a room's header, not its roster row.
                screen.refresh_roster()
                self._refresh_headers(account)
        match event:
            case ConnectionChanged():
                self._connection(event)
            case ConnectionSecured(security=security):
                screen.console_line(f"{account}: {security_summary(security)}", "info")
            case AccountFailed(message=message, hint=hint):
                self._error(account, error_text(message, hint))
            case CommandFailed(message=message, hint=hint):
                self._error(account, error_text(message, hint))
                if event.command == "JoinRoom" and event.target:
                    self._join_refused(account, event.target)
            case InfoReceived():
                self._answer(info_text(event))
            case PushStatusReported(status=status):
                self._answer(push_routes.status_text(account, status))
            case RoomsListed() | RoomDetailsReceived() | InvitationReceived():
                room_directory.react(screen, event)
            case HistoryWriteFailed(message=message, hint=hint):
                self._error(account, error_text(message, hint))
            case Notice(text=text):
                screen.info_line(f"{account}: {text}")
            case OwnPresenceChanged(show=show, status=status):
                suffix = f" ({status})" if status else ""
                screen.status_bar.set_presence(account, show)
                screen.info_line(f"{account}: your status is {show.value}{suffix}")
            case HistoryGapMarked() | OlderHistoryFetched():
                self._history_sync(event)
            case SyncProgress():
                screen.status_bar.set_sync(account, None if event.done else event)
            case ClientStateChanged(active=active):
                screen.status_bar.set_client_state(account, active=active)
            case RoomChanged(room=room):
                pane = screen.deck.chat(ChatKey(account, room.jid))
                if isinstance(pane, RoomPane):
                    pane.update_room(room)
            case RoomConverted():
                screen.run_worker(
                    room_requests.converted(screen, event), group="panes", exit_on_error=False
                )
            case VoiceRequested() | RegistrationRequested() | RoomRegistrationForm():
                room_requests.react(screen, event)
            case RoomConfigFetched() | RoomListsFetched():
                from xmpp_tui.ui.screens import room_admin_flow  # when used (start-up, #8)

                room_admin_flow.show(screen, event)
            case ChatStateChanged(peer=peer, state=state):
                pane = screen.deck.chat(ChatKey(account, peer))
                if pane is not None:  # kept only with an open pane: nothing piles up
                    pane.set_peer_state(state)
            case MessageCorrected(message=message):
                pane = screen.deck.chat(ChatKey(account, message.peer))
                if pane is not None and any(m.id == message.id for m in pane.history.messages):
                    pane.add_message(message)  # the same row, re-rendered with the new text
            case ConversationRead(peer=peer, unread=unread):
                # Read on another device of ours (XEP-0333): the unread count follows.
                roster = screen.rosters.setdefault(account, AccountRoster())
                roster = clear_unread(roster, peer)
                screen.rosters[account] = add_unread(roster, peer, unread) if unread else roster
                screen.refresh_roster()
            case DeliveryChanged(peer=peer, message_id=message_id, delivery=delivery):
                pane = screen.deck.chat(ChatKey(account, peer))
                if pane is not None:
                    pane.set_delivery(message_id, delivery)
            case SubscriptionRequested(jid=jid):
                self._subscription_request(account, jid)
            case SubscriptionAnswered(jid=jid, approved=approved):
                if approved:
                    text = f"{account}: {jid} approved your subscription request"
                else:  # a refusal and a later revocation look the same on the wire
                    text = (
                        f"{account}: {jid} no longer shares their presence with you "
                        "(or denied your request)"
                    )
                screen.info_line(text)
            case PasswordNeeded(reason=reason, no_keyring=no_keyring):
                self._ask_password(account, reason, no_keyring=no_keyring)
            case PasswordSaveOffered():
                self._offer_save(account)
            case CertificateRejected(certificate=certificate):
                screen.certificates[account] = certificate
                screen.console_line(
                    f"{account}: certificate rejected ({certificate.reason}); /trust to accept "
                    f"SHA-256 {certificate.sha256}",
                    "error",
                )
                self._ask_trust(account)

    # -- reactions ----------------------------------------------------------------------

    def _error(self, account: AccountId, text: str) -> None:
        self.screen.console_line(f"{account}: {text}", "error")
        self.screen.notify(one_line(f"{account}: {text}").plain, markup=False, severity="error")

    def _connection(self, event: ConnectionChanged) -> None:
        view = ConnectionView(event.state, event.detail, event.next_attempt_at)
        self.screen.set_connection(event.account, view)
        previous = self._connections.get(event.account)
        self._connections[event.account] = event.state
        # Failures get their own line from AccountFailed / CertificateRejected; a retry
        # gets one line when it starts (or its reason changes), not one per attempt.
        if previous != event.state and event.state is ConnectionState.ONLINE:
            detail = f" as {event.detail}" if event.detail else ""
            self.screen.console_line(f"{event.account}: online{detail}", "info")
        elif (
            event.state is ConnectionState.RECONNECTING
            and event.next_attempt_at is not None
            and self._retry_reasons.get(event.account) != event.detail
        ):
            when = event.next_attempt_at.astimezone(self.screen.tz).strftime("%H:%M:%S")
            self.screen.console_line(
                f"{event.account}: {event.detail}; retrying at {when}", "error"
            )
        if event.state is not ConnectionState.CONNECTING:
            self._retry_reasons[event.account] = (
                event.detail if event.state is ConnectionState.RECONNECTING else ""
            )

    def _refresh_headers(self, account: AccountId) -> None:
        roster = self.screen.rosters[account]
        for pane in self.screen.deck.chats():
            if pane.key.account == account:
                peer = pane.key.peer
                pane.update_contact(
                    roster.display_name(peer),
                    roster.presence_of(peer),
                    shared=roster.presence_shared(peer),
                    blocked=peer in roster.blocked,
                )

    def _block_list_news(
        self, account: AccountId, before: frozenset[BareJid], after: frozenset[BareJid]
    ) -> None:
        """A console line for what changed (by /block or another device), after the first list."""
        seen = account in self._block_lists_seen
        self._block_lists_seen.add(account)
        if not seen:
            return
        for verb, jids in (("blocked", after - before), ("unblocked", before - after)):
            if len(jids) > _BLOCK_LINES:
                self.screen.info_line(f"{account}: {verb} {len(jids)} JIDs (/blocked lists them)")
            elif jids:
                self.screen.info_line(f"{account}: {verb} {', '.join(sorted(jids))}")

    def _answer(self, text: str) -> None:
        """The answer to a command (/info, /push status): in the console, brought to the
        front like /help's, since the command may have been typed in a chat pane."""
        screen = self.screen
        screen.deck.console.add_block(text, when=screen.clock())
        screen.run_worker(screen.panes.select(0), group="panes", exit_on_error=False)

    def flush_messages(self) -> None:
        """Apply the pending MessageAdded events, grouped by conversation, in arrival order."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        screen = self.screen
        by_key: dict[ChatKey, list[StoredMessage]] = {}
        live = {event.message.id for event in pending if not event.archived}
        for event in pending:
            by_key.setdefault(ChatKey(event.account, event.message.peer), []).append(event.message)
        changed = False
        for key, messages in by_key.items():
            before = screen.rosters.setdefault(key.account, AccountRoster())
            if messages[0].kind is ConversationKind.GROUPCHAT:
                roster = note_room(before, key.peer)
            else:
                roster = note_peer(before, key.peer)
            incoming = sum(m.direction is Direction.INCOMING for m in messages)
            pane = screen.deck.chat(key)
            if pane is not None:
                pane.add_messages(messages)
                if incoming:
                    pane.set_peer_state(ChatState.ACTIVE)  # a message: they stopped typing
            if messages[0].kind is ConversationKind.GROUPCHAT:
                self._alert_mentions(key, [m for m in messages if m.id in live], roster)
            self._alert(key, messages, live, roster)
            if incoming:
                if screen.chat_visible(key):
                    screen.execute(MarkRead(account=key.account, peer=key.peer))  # seen at once
                else:
                    roster = add_unread(roster, key.peer, incoming)
                    screen.activity.note(key, messages, roster)
            screen.rosters[key.account] = roster
            changed = changed or roster is not before
        if changed:  # the reducers return the same state when nothing changed;
            self.unread_refresh.request()  # a catch-up of thousands must not rebuild it each time

    def _alert_mentions(
        self, key: ChatKey, messages: list[StoredMessage], roster: AccountRoster
    ) -> None:
        """A bell and a fixed-text notification when a room line names our nick."""
        info = roster.rooms.get(key.peer)
        now = self.screen.clock()
        if info is None or not mentioned(messages, info.nick, now):
            return
        if self._mentions.due(key, now):
            text = one_line(mention_text(info.name or key.peer)).plain
            self.screen.notify(text, markup=False)

    def _alert(
        self, key: ChatKey, messages: list[StoredMessage], live: set[int], roster: AccountRoster
    ) -> None:
        """Bell, terminal notification, notify_command: only fixed text (ui/notifier.py)."""
        screen = self.screen
        info = roster.rooms.get(key.peer)
        wanted = alert_kind(
            messages, live=live, own_nick=info.nick if info else None, now=screen.clock()
        )
        kind = self.notifier.decide(
            key,
            wanted,
            now=time.monotonic(),
            reading=wanted is not None and screen.chat_visible(key),
            blocked=key.peer in roster.blocked,
        )
        if kind is not None:
            screen.alerts.alert(kind)

    def _join_refused(self, account: AccountId, room: BareJid) -> None:
        """A refused /join of an address we know nothing else about (no history, no bookmark):
        it is not a room of ours, so its pane and its row under Rooms go again."""
        screen = self.screen
        before = screen.rosters.setdefault(account, AccountRoster())
        if room in screen.service.room_history(account) or any(
            b.jid == room for b in before.bookmarks
        ):
            return
        screen.rosters[account] = forget_room(before, room)
        if screen.rosters[account] is not before:
            screen.refresh_roster()
            key = ChatKey(account, room)
            if screen.deck.chat(key) is not None:
                screen.app.call_later(screen.panes.close, key)

    def _history_sync(self, event: HistoryGapMarked | OlderHistoryFetched) -> None:
        pane = self.screen.deck.chat(ChatKey(event.account, event.peer))
        if pane is None:  # an unopened pane reads its gaps from the store when it opens
            return
        if isinstance(event, HistoryGapMarked):
            pane.history.add_gap(event.after_id)
        else:
            pane.history.older_fetched(event.count, event.complete, event.error)

    # -- prompts ------------------------------------------------------------------------

    def _subscription_request(self, account: AccountId, jid: BareJid) -> None:
        """A line, a notification and the roster's "?": no prompt steals the user's keys.

        Enter on the contact in the roster asks Approve / Deny / Later (`ui/screens/requests.py`);
        a flood of requests only adds "?" markers (SECURITY.md T18).
        """
        text = f"{account}: {request_notice(jid)}"
        self.screen.console_line(text, "request")
        self.screen.notify(one_line(text).plain, markup=False, severity="warning")

    def _ask_password(self, account: AccountId, reason: str, *, no_keyring: bool) -> None:
        screen = self.screen

        def answered(password: str | None) -> None:
            if password is None:
                screen.console_line(f"{account}: no password given; the account stays offline")
                screen.execute(Disconnect(account=account))
            else:
                screen.execute(ProvidePassword(account=account, password=password))

        note = NO_KEYRING_NOTE if no_keyring else ""
        screen.app.push_screen(PasswordScreen(account, reason, note=note), answered)

    def _offer_save(self, account: AccountId) -> None:
        screen = self.screen
        title = Text.assemble("Save the password for ", one_line(account), "?")
        body = Text("It goes into the system keyring, so the next login needs no typing.")

        def answered(choice: str | None) -> None:
            if choice == "yes":
                screen.execute(SavePassword(account=account))

        choices = [("yes", "Yes"), ("no", "No")]
        screen.app.push_screen(ChoiceScreen(title, body, choices, default="no"), answered)

    def _ask_trust(self, account: AccountId) -> None:
        screen = self.screen
        certificate = screen.certificates[account]

        def answered(trust: bool | None) -> None:
            if trust:
                screen.execute(TrustCertificate(account=account, sha256=certificate.sha256))

        screen.app.push_screen(CertificateScreen(account, certificate), answered)


def _room_row_changed(before: AccountRoster, event: RoomChanged) -> bool:
    old = before.rooms.get(event.room.jid)
    return old is None or (old.joined, old.name) != (event.room.joined, event.room.name)


def info_text(event: InfoReceived) -> str:
    """``/info`` answer, one item a line; every string came from the remote entity."""
    lines = [f"{jid_plain(event.jid)}:"]
    if event.software:
        lines.append(f"  software: {sanitize_identifier(event.software)}")
    for category, kind, name in event.identities:
        label = f"{sanitize_identifier(category)}/{sanitize_identifier(kind)}"
        lines.append(f"  is: {label}" + (f" ({sanitize_identifier(name)})" if name else ""))
    lines.append(f"  speaks {len(event.features)} protocols:")
    lines.extend(f"    {sanitize_identifier(feature)}" for feature in event.features)
    return "\n".join(lines)
