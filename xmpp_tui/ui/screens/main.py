"""The main screen: roster on the left, panes on the right, composer and status bar.

It owns the view state (roster model, panes) and turns what the user types into commands for the
service; service events arrive through `apply_event` (see `ui/screens/main_events.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen

from xmpp_tui.core import slash
from xmpp_tui.core.clock import Clock
from xmpp_tui.core.commands import (
    ApproveSubscription,
    Command,
    CorrectMessage,
    DenySubscription,
    FetchOlderHistory,
    LeaveRoom,
    RoomAdminCommand,
)
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.events import Event
from xmpp_tui.core.models import AccountId, BareJid, CertificateInfo, Direction, StoredMessage
from xmpp_tui.notification_settings import NotificationSettings
from xmpp_tui.service.session import SessionService
from xmpp_tui.ui.command_router import (
    Action,
    AnswerRoomRequests,
    ClosePane,
    ForgetAccount,
    OpenAccountSetup,
    OpenChat,
    OpenRoom,
    Quit,
    RouteContext,
    SetTheme,
    ShowActivity,
    ShowHelp,
    ShowInfo,
    ShowLines,
    UseAccount,
    chosen_account,
    route,
    route_text,
)
from xmpp_tui.ui.early_start import InitialAccount
from xmpp_tui.ui.refresh_throttle import CostThrottle
from xmpp_tui.ui.render import error_text, one_line
from xmpp_tui.ui.screens import room_requests
from xmpp_tui.ui.screens.activity_view import ActivityTracker
from xmpp_tui.ui.screens.alerts import TerminalAlerts
from xmpp_tui.ui.screens.chat_states import OwnChatStates
from xmpp_tui.ui.screens.client_state import ClientStateReporter
from xmpp_tui.ui.screens.main_events import EventReactions
from xmpp_tui.ui.screens.pane_control import PaneControl
from xmpp_tui.ui.screens.requests import ask_subscription
from xmpp_tui.ui.screens.room_directory import ask_invitation
from xmpp_tui.ui.screens.theme_switch import switch_theme, theme_list
from xmpp_tui.ui.typing_state import is_message_draft
from xmpp_tui.ui.view_state import (
    AccountRoster,
    ChatKey,
    ConnectionView,
    answer_request,
    note_room,
    roster_rows,
)
from xmpp_tui.ui.widgets.chat_pane import ChatPane
from xmpp_tui.ui.widgets.composer import Composer
from xmpp_tui.ui.widgets.history_view import HistoryView
from xmpp_tui.ui.widgets.occupant_list import OccupantList
from xmpp_tui.ui.widgets.pane_deck import PaneDeck
from xmpp_tui.ui.widgets.room_pane import RoomPane
from xmpp_tui.ui.widgets.roster import RosterView
from xmpp_tui.ui.widgets.status_bar import StatusBar


def _pane_bindings() -> list[Binding]:
    return [
        Binding(f"alt+{n}", f"select_pane({n - 1})", f"Pane {n}", show=False, priority=True)
        for n in range(1, 10)
    ]


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        *_pane_bindings(),
        Binding("ctrl+n", "cycle_pane(1)", "Next pane", priority=True),
        Binding("ctrl+p", "cycle_pane(-1)", "Previous pane", priority=True),
        Binding("alt+a", "next_unread", "Next unread", priority=True),
        Binding("f2", "activity", "Activity", priority=True),
        Binding("pageup", "scroll_history(-1)", "Older", show=False, priority=True),
        Binding("pagedown", "scroll_history(1)", "Newer", show=False, priority=True),
        Binding("escape", "focus_composer", "Composer", show=False),
    ]

    def __init__(
        self,
        service: SessionService,
        *,
        clock: Clock,
        tz: tzinfo | None,
        idle_inactive_after: float = 0.0,
        notifications: NotificationSettings | None = None,
        initial: Mapping[AccountId, InitialAccount] | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        #: What the service knew before it started, when it started before the UI.
        self._initial = initial
        self.clock = clock
        self.tz = tz
        self.rosters = {account: AccountRoster() for account in service.accounts}
        self.certificates: dict[AccountId, CertificateInfo] = {}
        #: The account commands typed in the console act on (chat panes use their own); /account.
        self.console_account: AccountId | None = service.accounts[0] if service.accounts else None
        self.roster_view = RosterView(id="roster")
        self.deck = PaneDeck(tz=tz, make_chat=self._make_chat, id="panes")
        self.composer = Composer(
            commands=self._command_words,
            jids=self._jid_words,
            nicks=self._nick_words,
            id="composer",
        )
        self.status_bar = StatusBar(clock=clock, accounts=service.accounts, id="status")
        self.reactions = EventReactions(self)
        self.panes = PaneControl(self)
        self.activity = ActivityTracker(self)  # F2, /activity, Alt+A
        self.chat_states = OwnChatStates(self)
        self.client_state = ClientStateReporter(self, idle_after=idle_inactive_after)  # XEP-0352
        self.alerts = TerminalAlerts(self, notifications or NotificationSettings())
        self._roster_refresh = CostThrottle(
            self._refresh_roster_now, lambda delay, run: self.set_timer(delay, run)
        )
        self.room_requests = room_requests.PendingRoomRequests()  # XEP-0045 §8.6, §9.9

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield self.roster_view
            with Vertical():
                yield self.deck
                yield self.composer
        yield self.status_bar

    def on_mount(self) -> None:
        initial, self._initial = self._initial, None
        self.reactions.load_initial_state(initial)
        accounts = ", ".join(self.service.accounts) or "none"
        self.console_line(
            f"Accounts: {accounts}. Type /help for commands, F1 for the palette, Ctrl+Q to quit."
        )
        self.panes.after_switch()
        self.composer.focus()
        self.watch(self.app, "app_focus", self._app_focus_changed, init=False)
        self.client_state.start()
        self.alerts.unread_changed()  # the terminal title

    # -- service ------------------------------------------------------------------------

    def apply_event(self, event: Event) -> None:
        self.reactions.apply(event)

    def execute(self, command: Command) -> None:
        """Hand a command to the service in a worker; the outcome comes back as events."""
        self.run_worker(self.service.execute(command), group="commands", exit_on_error=False)

    def console_line(self, text: str, kind: str = "info") -> None:
        self.deck.console.add_line(text, when=self.clock(), kind=kind)

    def refresh_roster(self) -> None:
        """Redraw the roster pane: at once, or coalesced when redraws turn slow (floods)."""
        self._roster_refresh.request()

    def _refresh_roster_now(self) -> None:
        self.roster_view.show_rows(roster_rows(self.rosters))
        self.activity.refresh()  # unread counts change with the roster's
        self.alerts.unread_changed()

    def set_connection(self, account: AccountId, view: ConnectionView) -> None:
        self.status_bar.set_connection(account, view)

    # -- typing -------------------------------------------------------------------------

    def context(self, account_option: str | None = None) -> RouteContext:
        """Where the user typed; ``--account JID`` (checked against the open accounts) moves
        the command to that account, out of the pane's conversation when it is another's."""
        key = self.deck.active_chat
        account, peer = (key.account, key.peer) if key is not None else (self.console_account, None)
        if account_option is not None:
            chosen = chosen_account(account_option, self.service.accounts)
            account, peer = chosen, (peer if chosen == account else None)
        roster = self.rosters.get(account) if account is not None else None
        info = roster.room_info(peer) if roster is not None and peer is not None else None
        return RouteContext(
            account,
            peer,
            self.certificates,
            accounts=self.service.accounts,
            console_account=self.console_account,
            blocked=roster.blocked if roster is not None else frozenset(),
            rooms=_rooms_of(roster) if roster is not None else frozenset(),
            bookmarks=roster.bookmarks if roster is not None else (),
            occupants=info.occupants if info is not None and info.joined else (),
            connections=self.status_bar.connection_labels(),
        )

    def is_blocked(self, key: ChatKey) -> bool:
        """Whether ``key``'s peer is on its account's block list (XEP-0191)."""
        roster = self.rosters.get(key.account)
        return roster is not None and key.peer in roster.blocked

    @on(Composer.Edited)
    def on_composer_edited(self, event: Composer.Edited) -> None:
        event.stop()
        self.chat_states.edited(self.deck.active_chat, event.text)

    @on(Composer.Submitted)
    async def on_composer_submitted(self, event: Composer.Submitted) -> None:
        event.stop()
        if is_message_draft(event.text):
            self.chat_states.sent(self.deck.active_chat)
        key = self.deck.active_chat
        if event.correction and key is not None:
            self.execute(
                CorrectMessage(
                    account=key.account, peer=key.peer, body=event.text, message=event.target
                )
            )
            return
        await self.handle_input(event.text)

    @on(Composer.EditLastRequested)
    def on_composer_edit_last_requested(self, event: Composer.EditLastRequested) -> None:
        """Up in an empty composer: edit our last message in this pane (XEP-0308), else
        recall the last line sent (the console, or nothing of ours here yet)."""
        event.stop()
        key = self.deck.active_chat
        pane = self.deck.chat(key) if key is not None else None
        mine = (
            [m for m in pane.history.messages if m.direction is Direction.OUTGOING]
            if pane is not None
            else []
        )
        if mine:
            self.composer.start_editing(mine[-1].body, mine[-1].id)
        else:
            self.composer.recall(-1)

    async def handle_input(self, text: str) -> None:
        try:
            parsed = slash.parse(text)
            ctx = self.context(parsed.account if parsed is not None else None)
            if parsed is None:
                self._refuse_left_room()
                actions = route_text(slash.unescape_literal(text), ctx)
            else:
                actions = route(parsed, ctx)
        except UserFacingError as error:
            if not self.composer.text:  # nothing typed since: give the line back to mend
                self.composer.set_draft(text)
            line = error_text(error.message, error.hint)
            self.console_line(line, "error")
            if self.deck.active_chat is not None:  # the console is not in view: say it here too
                self.notify(one_line(line).plain, markup=False, severity="error")
            return
        for action in actions:
            await self.perform(action)

    def _refuse_left_room(self) -> None:
        """Text typed in the pane of a room we left would go nowhere: say so first."""
        key = self.deck.active_chat
        if key is None:
            return
        info = self.rosters.get(key.account, AccountRoster()).room_info(key.peer)
        if info is not None and not info.joined and isinstance(self.deck.chat(key), RoomPane):
            raise UserFacingError(
                f"You are not in {key.peer}", f"Type /join {key.peer} to enter it"
            )

    async def perform(self, action: Action) -> None:
        match action:
            case OpenChat(account=account, peer=peer):
                await self.panes.open_chat(ChatKey(account, peer))
            case OpenRoom(account=account, room=room):
                self.rosters[account] = note_room(self.rosters.get(account, AccountRoster()), room)
                await self.panes.open_chat(ChatKey(account, room))
            case ClosePane():
                key = self.deck.active_chat
                if key is None:
                    self.console_line("/close closes a conversation; this is the console", "error")
                else:
                    await self.panes.close(key)
                    info = self.rosters.get(key.account, AccountRoster()).room_info(key.peer)
                    if info is not None and info.joined:  # closing a room's pane leaves it
                        self.execute(LeaveRoom(account=key.account, room=key.peer))
            case ShowHelp(text=text) | ShowLines(text=text):
                await self.panes.select(0)
                self.deck.console.add_block(text, when=self.clock())
            case ShowInfo(text=text):
                self.info_line(text)
            case ShowActivity():
                self.activity.show()
            case UseAccount(account=account):
                self.console_account = account
                self.update_placeholder()
                self.info_line(f"Console commands now act on {account}")
            case OpenAccountSetup():
                from xmpp_tui.ui.screens import account_setup  # when used (start-up, #8)

                account_setup.open_setup(self)
            case ForgetAccount(account=account):
                from xmpp_tui.ui.screens import account_setup

                account_setup.ask_remove(self, account)
            case SetTheme(name=None):
                self.info_line(theme_list(self.app))
            case SetTheme(name=str(name)):
                try:
                    self.info_line(switch_theme(self.app, name))
                except UserFacingError as error:
                    line = error_text(error.message, error.hint)
                    self.console_line(line, "error")
                    if self.deck.active_chat is not None:
                        self.notify(one_line(line).plain, markup=False, severity="error")
            case Quit():
                self.app.exit(0)
            case (
                ApproveSubscription(account=account, jid=jid)
                | DenySubscription(account=account, jid=jid)
            ):
                # Answered by command: the roster's "?" marker goes, as with the prompt.
                if account in self.rosters:
                    self.rosters[account] = answer_request(self.rosters[account], jid)
                    self.refresh_roster()
                self.execute(action)
            case AnswerRoomRequests(account=account, room=room):
                room_requests.ask(self, account, room)
            case RoomAdminCommand():
                from xmpp_tui.ui.screens import room_admin_flow  # when used (start-up, #8)

                room_admin_flow.perform(self, action)
            case Command():
                self.execute(action)

    def info_line(self, text: str) -> None:
        """A console line; also a notification when a conversation hides the console."""
        self.console_line(text)
        if self.deck.active_chat is not None:
            self.notify(one_line(text).plain, markup=False)

    # -- panes --------------------------------------------------------------------------

    def _make_chat(self, key: ChatKey, widget_id: str) -> ChatPane:
        roster = self.rosters.setdefault(key.account, AccountRoster())

        def load_page(before_id: int | None, limit: int) -> list[StoredMessage]:
            return self.service.history_page(
                key.account, key.peer, before_id=before_id, limit=limit
            )

        if roster.is_room(key.peer):
            return RoomPane(
                key,
                load_page=load_page,
                info=roster.room_info(key.peer),
                via=key.account if len(self.service.accounts) > 1 else None,
                tz=self.tz,
                id=widget_id,
            )

        return ChatPane(
            key,
            load_page=load_page,
            name=roster.display_name(key.peer),
            presence=roster.presence_of(key.peer),
            shared=roster.presence_shared(key.peer),
            blocked=key.peer in roster.blocked,
            via=key.account if len(self.service.accounts) > 1 else None,
            tz=self.tz,
            gaps=self.service.history_gaps(key.account, key.peer),
            id=widget_id,
        )

    async def open_chat(self, key: ChatKey) -> None:
        await self.panes.open_chat(key)

    def update_placeholder(self) -> None:
        """With several accounts, say which one the composer acts for (no hidden account)."""
        text = "Type a message, or /help"
        if len(self.service.accounts) > 1:
            key = self.deck.active_chat
            if key is None:
                text += f" (console: {self.console_account})"
            else:
                text += f" (as {key.account})"
        self.composer.placeholder = Content(text)  # Content: never parsed as markup

    def chat_visible(self, key: ChatKey) -> bool:
        """A message arriving in ``key`` is read at once (see `PaneControl.is_read`)."""
        return self.panes.is_read(key)

    def _app_focus_changed(self, focused: bool) -> None:
        self.chat_states.focus_changed(self.deck.active_chat, focused)
        self.client_state.focus_changed(focused)
        if focused:
            self.panes.refresh_read()

    @on(HistoryView.ReachedBottom)
    def on_history_reached_bottom(self, event: HistoryView.ReachedBottom) -> None:
        event.stop()
        self.panes.refresh_read()

    @on(ChatPane.OlderWanted)
    def on_chat_pane_older_wanted(self, event: ChatPane.OlderWanted) -> None:
        event.stop()
        self.execute(FetchOlderHistory(account=event.key.account, peer=event.key.peer))

    @on(RosterView.ContactChosen)
    async def on_contact_chosen(self, event: RosterView.ContactChosen) -> None:
        event.stop()
        roster = self.rosters.get(event.account)
        if roster is not None and event.jid in roster.requests:
            ask_subscription(self, event.account, event.jid)  # answer first; Later: no change
            return
        if roster is not None and event.jid in roster.invitations:
            ask_invitation(self, event.account, roster.invitations[event.jid])
            return
        await self.panes.open_chat(ChatKey(event.account, event.jid))

    @on(OccupantList.Chosen)
    async def on_occupant_chosen(self, event: OccupantList.Chosen) -> None:
        """Enter on an occupant: a private conversation with them, "nick in room"."""
        event.stop()
        pane = self.deck.active_pane()
        if isinstance(pane, RoomPane):
            peer = f"{pane.key.peer}/{event.nick}"
            await self.panes.open_chat(ChatKey(pane.key.account, peer))

    async def action_select_pane(self, index: int) -> None:
        await self.panes.select(index)

    async def action_cycle_pane(self, step: int) -> None:
        await self.panes.cycle(step)

    async def action_next_unread(self) -> None:
        await self.activity.jump()

    def action_activity(self) -> None:
        self.activity.show()

    def action_scroll_history(self, direction: int) -> None:
        focused = self.focused
        if isinstance(focused, OccupantList):  # its own pages, not the history's
            focused.action_move(-10 if direction < 0 else 10)
            return
        pane = self.deck.active_pane()
        target = pane.history if pane is not None else self.deck.console
        if direction < 0:
            target.scroll_page_up(animate=False)
        else:
            target.scroll_page_down(animate=False)

    def action_focus_composer(self) -> None:
        self.composer.focus()

    # -- completion sources -------------------------------------------------------------

    def _command_words(self) -> Iterable[str]:
        return slash.complete_command("/")

    def _nick_words(self) -> Iterable[str]:
        """In a room's pane: the other occupants' nicks (Tab completes them first)."""
        pane = self.deck.active_pane()
        if not isinstance(pane, RoomPane) or pane.info is None:
            return ()
        return [nick for nick in pane.nicks if nick != pane.info.nick]

    def _jid_words(self) -> Iterable[str]:
        words: set[BareJid] = set()
        for roster in self.rosters.values():
            words.update(roster.items)
            words.update(roster.strangers)
            words.update(roster.requests)
        words.update(key.peer for key in self.deck.panes.chats)
        return words


def _rooms_of(roster: AccountRoster) -> frozenset[BareJid]:
    return frozenset(roster.rooms) | roster.room_jids | {b.jid for b in roster.bookmarks}
