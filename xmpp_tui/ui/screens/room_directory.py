"""Rooms before joining and invitations, in the app (XEP-0045 §6, §7.8; XEP-0249).

- `/rooms [SERVICE]` answers with `RoomsListed`: a list screen (`RoomListScreen`) of the
  service's rooms; Enter joins the highlighted room (its pane opens), ``i`` asks the room's
  disco#info (`QueryRoomInfo`) and shows its description, occupant count and features under
  the list; Escape closes. `/roominfo` answers in the console.
- An invitation (`InvitationReceived`) never opens a prompt by itself (it would take the keys
  being typed, as for subscription requests, `requests.py`): a console line, a notification
  and a "?" on the room's row in the roster; Enter on that row asks Accept / Decline / Later
  with "Later" focused. Accepting joins (with the password the invitation carried);
  declining a mediated invitation tells the inviter through the room.

Every room name, description, inviter and reason is remote text: shown through `one_line` or
the sanitisers, never as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from xmpp_tui.core.commands import DeclineInvitation, JoinRoom, QueryRoomInfo
from xmpp_tui.core.events import InvitationReceived, RoomDetailsReceived, RoomsListed
from xmpp_tui.core.models import AccountId, RoomDetails, RoomListing
from xmpp_tui.core.sanitize import sanitize_for_display, sanitize_identifier
from xmpp_tui.ui.command_router import OpenRoom
from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.view_state import AccountRoster, answer_invitation

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen

INVITATION_CHOICES = (("accept", "Accept"), ("decline", "Decline"), ("later", "Later"))
#: Features worth a word in the room's details (the rest are counted).
_FEATURE_WORDS = {
    "muc_public": "public",
    "muc_hidden": "hidden",
    "muc_membersonly": "members only",
    "muc_open": "open",
    "muc_passwordprotected": "password",
    "muc_moderated": "moderated",
    "muc_nonanonymous": "real JIDs shown",
    "muc_semianonymous": "real JIDs hidden",
    "muc_persistent": "persistent",
    "muc_temporary": "temporary",
    "urn:xmpp:mam:2": "archived",
}


def listing_prompt(room: RoomListing) -> Text:
    """``name  room@service`` on one line (remote text, sanitised)."""
    if room.name and room.name != room.jid:
        return Text.assemble(one_line(room.name, "bold"), "  ", one_line(room.jid, "dim"))
    return one_line(room.jid, "bold")


def details_lines(details: RoomDetails) -> list[str]:
    """The room's disco#info as plain, sanitised lines."""
    lines = [
        sanitize_identifier(details.jid)
        + (f": {sanitize_identifier(details.name)}" if details.name else "")
    ]
    if details.description:
        description = sanitize_for_display(details.description, max_len=1024)
        lines.extend(f"  {line}" for line in description.splitlines())
    if details.subject:
        lines.append(f"  subject: {sanitize_identifier(details.subject)}")
    if details.occupants is not None:
        noun = "occupant" if details.occupants == 1 else "occupants"
        lines.append(f"  {details.occupants} {noun}")
    words = [word for feature, word in _FEATURE_WORDS.items() if feature in details.features]
    if words:
        lines.append(f"  {', '.join(words)}")
    return lines


class RoomListScreen(ModalScreen[str | None]):
    """A service's rooms; dismisses with the room to join, or None."""

    DEFAULT_CSS = """
    RoomListScreen { align: center middle; }
    RoomListScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    RoomListScreen .room-list-title { text-style: bold; }
    RoomListScreen OptionList { height: 1fr; }
    RoomListScreen .room-details { height: auto; max-height: 7; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("i", "info", "Room info"),
    ]

    def __init__(
        self, main: MainScreen, account: AccountId, service: str, rooms: tuple[RoomListing, ...]
    ) -> None:
        super().__init__()
        self.main = main
        self.account = account
        self.service = service
        self.rooms = rooms

    def compose(self) -> ComposeResult:
        count = len(self.rooms)
        with Vertical():
            yield Static(
                Text.assemble("Rooms of ", one_line(self.service), f" ({count})", end=""),
                classes="room-list-title",
            )
            yield OptionList(
                *(Option(listing_prompt(room), id=f"room-{i}") for i, room in enumerate(self.rooms))
            )
            yield Static(
                Text("Enter: join   i: info   Esc: close", style="dim"), classes="room-details"
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        if self.rooms:
            options.highlighted = 0

    @property
    def highlighted(self) -> RoomListing | None:
        index = self.query_one(OptionList).highlighted
        return self.rooms[index] if index is not None and 0 <= index < len(self.rooms) else None

    @property
    def details_text(self) -> str:
        return str(self.query_one(".room-details", Static).render())

    def show_details(self, details: RoomDetails) -> None:
        self.query_one(".room-details", Static).update(Text("\n".join(details_lines(details))))

    @on(OptionList.OptionSelected)
    def on_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        room = self.highlighted
        self.dismiss(room.jid if room is not None else None)

    def action_info(self) -> None:
        room = self.highlighted
        if room is not None:
            self.query_one(".room-details", Static).update(Text("asking the room…", style="dim"))
            self.main.execute(QueryRoomInfo(account=self.account, room=room.jid))

    def action_close(self) -> None:
        self.dismiss(None)


def react(
    screen: MainScreen, event: RoomsListed | RoomDetailsReceived | InvitationReceived
) -> None:
    match event:
        case RoomsListed(account=account, service=service, rooms=rooms):
            _show_rooms(screen, account, service, rooms)
        case RoomDetailsReceived(details=details):
            top = screen.app.screen
            if isinstance(top, RoomListScreen) and top.account == event.account:
                top.show_details(details)
            else:
                screen.deck.console.add_block(
                    "\n".join(details_lines(details)), when=screen.clock()
                )
        case InvitationReceived():
            text = f"{event.account}: {invitation_notice(event)}"
            screen.console_line(text, "request")
            screen.notify(one_line(text).plain, markup=False, severity="warning")


def invitation_notice(invitation: InvitationReceived) -> str:
    """One plain line (shown with ``markup=False``, sanitised by the console)."""
    why = f" ({sanitize_identifier(invitation.reason)})" if invitation.reason else ""
    inviter = sanitize_identifier(invitation.inviter)
    room = sanitize_identifier(invitation.room)
    return f"{inviter} invites you to {room}{why}: Enter on it in the roster to answer"


def _show_rooms(
    screen: MainScreen, account: AccountId, service: str, rooms: tuple[RoomListing, ...]
) -> None:
    if not rooms:
        screen.info_line(f"{account}: {sanitize_identifier(service)} lists no rooms")
        return

    async def chosen(room: str | None) -> None:
        if room is not None:
            await _join(screen, account, room, "")

    screen.app.push_screen(RoomListScreen(screen, account, service, rooms), chosen)


def ask_invitation(screen: MainScreen, account: AccountId, invitation: InvitationReceived) -> None:
    """Accept / Decline / Later for an invitation; Later (or Escape) keeps the "?"."""
    title = Text.assemble(
        one_line(invitation.inviter), " invites you to ", one_line(invitation.room)
    )
    body = Text.assemble(
        "Reason: " if invitation.reason else "",
        one_line(invitation.reason) if invitation.reason else "",
        "\n" if invitation.reason else "",
        "Account: ",
        one_line(account),
        end="",
    )

    async def answered(choice: str | None) -> None:
        if choice not in ("accept", "decline"):
            return
        roster = screen.rosters.get(account, AccountRoster())
        screen.rosters[account] = answer_invitation(roster, invitation.room)
        screen.refresh_roster()
        if choice == "accept":
            await _join(screen, account, invitation.room, invitation.password)
        elif not invitation.direct:  # XEP-0249 has no decline; a mediated one goes back
            screen.execute(
                DeclineInvitation(account=account, room=invitation.room, inviter=invitation.inviter)
            )

    screen.app.push_screen(ChoiceScreen(title, body, INVITATION_CHOICES, default="later"), answered)


async def _join(screen: MainScreen, account: AccountId, room: str, password: str) -> None:
    """As ``/join ROOM``: the room's pane opens, the join goes to the service."""
    await screen.perform(OpenRoom(account, room))
    screen.execute(JoinRoom(account=account, room=room, password=password))
