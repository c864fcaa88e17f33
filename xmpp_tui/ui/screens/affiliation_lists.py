"""A room's owner, admin, member, ban (outcast) and moderator lists, each with add and remove
and the voice list (XEP-0045 §8.5, §9.3, §9.5, §9.8, §10.5, §10.8).

The screen only shows and asks: Add and Remove hand a command to ``on_command`` (the main
screen executes it and fetches the lists again; :meth:`show_lists` redraws them). Every JID,
nick and reason is the room's text: sanitised, given as `Text`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.errors import UserFacingError
from xmpp_tui.core.jid import parse_bare_jid
from xmpp_tui.core.models import AccountId, BareJid, RoomListEntry
from xmpp_tui.core.sanitize import sanitize_identifier
from xmpp_tui.ui.render import one_line

#: (list name, tab title, what Remove sets); the moderator and voice lists are role lists,
#: by nick (Remove from the voice list makes a visitor).
LISTS: tuple[tuple[str, str, str], ...] = (
    ("owner", "Owners", "none"),
    ("admin", "Admins", "none"),
    ("member", "Members", "none"),
    ("outcast", "Banned", "none"),
    ("moderator", "Moderators", "participant"),
    ("participant", "Voice", "visitor"),
)
ROLE_LISTS = frozenset({"moderator", "participant"})


def entry_text(entry: RoomListEntry) -> Text:
    words = [sanitize_identifier(entry.jid or entry.nick)]
    if entry.jid and entry.nick:
        words.append(f"({sanitize_identifier(entry.nick)})")
    if entry.reason:
        words.append(f"- {sanitize_identifier(entry.reason)}")
    return one_line(" ".join(words))


class AffiliationListsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    AffiliationListsScreen { align: center middle; }
    AffiliationListsScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    AffiliationListsScreen .lists-title { text-style: bold; }
    AffiliationListsScreen TabbedContent { height: 1fr; }
    AffiliationListsScreen TabPane { height: 1fr; padding: 0; }
    AffiliationListsScreen OptionList { height: 1fr; }
    AffiliationListsScreen Horizontal { height: auto; }
    AffiliationListsScreen Input { width: 1fr; }
    AffiliationListsScreen Button { margin-left: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(
        self,
        account: AccountId,
        room: BareJid,
        lists: tuple[tuple[str, tuple[RoomListEntry, ...]], ...],
        on_command: Callable[[cmd.Command], None],
    ) -> None:
        super().__init__()
        self.account = account
        self.room = room
        self.lists = dict(lists)
        self._on_command = on_command

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text.assemble("Lists of ", one_line(self.room)), classes="lists-title")
            with TabbedContent(id="lists"):
                for name, title, _ in LISTS:
                    with TabPane(title, id=f"tab-{name}"):
                        yield OptionList(id=f"list-{name}")
            yield Static(Text(""), id="lists-status")
            with Horizontal():
                yield Input(placeholder="name@example.org (a nick for roles)", id="entry")
                yield Button(Text("Add"), id="add", variant="primary")
                yield Button(Text("Remove"), id="remove")
                yield Button(Text("Close"), id="close")

    def on_mount(self) -> None:
        self.show_lists(tuple(self.lists.items()))

    @property
    def current(self) -> str:
        active = self.query_one("#lists", TabbedContent).active
        return active.removeprefix("tab-") if active else LISTS[0][0]

    def show_lists(self, lists: tuple[tuple[str, tuple[RoomListEntry, ...]], ...]) -> None:
        """Redraw with the room's lists now (a list the room would not show says so)."""
        self.lists = dict(lists)
        self.query_one("#lists-status", Static).update(Text(""))
        for name, _, _ in LISTS:
            widget = self.query_one(f"#list-{name}", OptionList)
            widget.clear_options()
            entries = self.lists.get(name)
            if entries is None:
                widget.add_option(
                    Option(Text("(the room would not show this list)"), disabled=True)
                )
                continue
            seen: set[str] = set()
            for entry in entries:
                # A role list is kept by nick (the room may add the real JID: not the key).
                key = entry.nick if name in ROLE_LISTS else entry.jid or entry.nick
                if key and key not in seen:  # option ids must be unique; a room may repeat
                    seen.add(key)
                    widget.add_option(Option(entry_text(entry), id=key))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        try:
            match event.button.id:
                case "add":
                    self._add()
                case "remove":
                    self._remove()
                case _:
                    self.dismiss(None)
        except UserFacingError as error:
            self.query_one("#lists-status", Static).update(one_line(error.message))

    def _add(self) -> None:
        entry = self.query_one("#entry", Input)
        text = entry.value.strip()
        if not text:
            raise UserFacingError("Type an address (or a nick for moderators, voice) first")
        name = self.current
        if name in ROLE_LISTS:
            command: cmd.Command = cmd.SetRole(
                account=self.account, room=self.room, nick=text, role=name
            )
        else:
            jid = parse_bare_jid(text).bare
            command = cmd.SetAffiliation(
                account=self.account, room=self.room, jid=jid, affiliation=name
            )
        entry.value = ""
        self._send(command)

    def _remove(self) -> None:
        name = self.current
        widget = self.query_one(f"#list-{name}", OptionList)
        index = widget.highlighted
        if index is None:
            raise UserFacingError("Choose an entry in the list first")
        target = widget.get_option_at_index(index).id
        if not target:
            raise UserFacingError("Choose an entry in the list first")
        removal = next(r for n, _, r in LISTS if n == name)
        if name in ROLE_LISTS:
            command: cmd.Command = cmd.SetRole(
                account=self.account, room=self.room, nick=target, role=removal
            )
        else:
            command = cmd.SetAffiliation(
                account=self.account, room=self.room, jid=target, affiliation=removal
            )
        self._send(command)

    def _send(self, command: cmd.Command) -> None:
        self.query_one("#lists-status", Static).update(Text("Asking the room…"))
        self._on_command(command)
        self._on_command(cmd.FetchRoomLists(account=self.account, room=self.room))

    def action_close(self) -> None:
        self.dismiss(None)
