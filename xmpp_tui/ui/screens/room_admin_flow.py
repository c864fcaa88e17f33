"""The main screen's side of room administration: a confirmation before a room is destroyed,
the configuration form and the lists screen when the room's answers arrive."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import RoomConfigFetched, RoomListsFetched
from xmpp_tui.core.forms import DataForm
from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.screens.affiliation_lists import AffiliationListsScreen
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.screens.room_config import RoomConfigScreen

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen


def perform(screen: MainScreen, command: cmd.RoomAdminCommand) -> None:
    """Execute ``command``; destroying a room asks first, with "Cancel" focused."""
    if not isinstance(command, cmd.DestroyRoom):
        screen.execute(command)
        return
    title = Text.assemble("Destroy ", one_line(command.room), "?")
    body = Text("Everyone is sent out of it and its configuration is gone for good.")
    if command.reason:  # what everyone will read (the user's own text)
        body.append("\nReason given: ")
        body.append(one_line(command.reason))

    def answered(choice: str | None) -> None:
        if choice == "destroy":
            screen.execute(command)
        else:
            screen.console_line(f"{command.room} was not destroyed")

    choices = [("destroy", "Destroy"), ("cancel", "Cancel")]
    screen.app.push_screen(ChoiceScreen(title, body, choices, default="cancel"), answered)


def show(screen: MainScreen, event: RoomConfigFetched | RoomListsFetched) -> None:
    account, room = event.account, event.room
    if isinstance(event, RoomListsFetched):
        for open_screen in screen.app.screen_stack:
            if isinstance(open_screen, AffiliationListsScreen) and open_screen.room == room:
                open_screen.show_lists(event.lists)
                return
        screen.app.push_screen(AffiliationListsScreen(account, room, event.lists, screen.execute))
        return

    def saved(form: DataForm | None) -> None:
        if form is None and event.new_room:
            # Not left locked for ever: an empty submission makes it an instant room.
            screen.console_line(f"{room} keeps the default settings")
            screen.execute(cmd.SubmitRoomConfig(account=account, room=room, form=DataForm()))
        elif form is None:
            screen.console_line(f"The configuration of {room} was left as it was")
        else:
            screen.execute(cmd.SubmitRoomConfig(account=account, room=room, form=form))

    screen.app.push_screen(RoomConfigScreen(room, event.form), saved)
