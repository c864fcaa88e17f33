"""The main screen's side of XEP-0045 requests: voice requests (§8.6) and registration
requests (§9.9) passed on by a room, and a room's registration form (§7.10).

A request never opens a prompt by itself: a prompt that pops up while the user types takes
their keys. It shows as a console line and a notification; ``/requests`` in the room's pane
asks Approve / Deny / Later for each one waiting, with "Later" focused so a stray Enter
changes nothing (as subscription requests and invitations do). Every nick, JID and form string
is the room's text: sanitised, given as `Text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text

from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import (
    RegistrationRequested,
    RoomConverted,
    RoomRegistrationForm,
    VoiceRequested,
)
from xmpp_tui.core.forms import DataForm
from xmpp_tui.core.models import AccountId, BareJid
from xmpp_tui.core.sanitize import sanitize_identifier
from xmpp_tui.ui.command_router import OpenRoom
from xmpp_tui.ui.render import one_line
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.screens.room_config import RoomConfigScreen

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen

CHOICES = (("approve", "Approve"), ("deny", "Deny"), ("later", "Later"))

Request = VoiceRequested | RegistrationRequested


def _key(request: Request) -> tuple[str, str]:
    kind = "voice" if isinstance(request, VoiceRequested) else "register"
    return kind, request.nick or request.jid


@dataclass
class PendingRoomRequests:
    """Requests not answered yet, by (account, room), in arrival order, one per requester."""

    waiting: dict[tuple[AccountId, BareJid], list[Request]] = field(default_factory=dict)

    def add(self, request: Request) -> None:
        queue = self.waiting.setdefault((request.account, request.room), [])
        queue[:] = [r for r in queue if _key(r) != _key(request)]
        queue.append(request)

    def take(self, account: AccountId, room: BareJid) -> list[Request]:
        return self.waiting.pop((account, room), [])


def request_notice(request: Request) -> str:
    """What the console and the notification say (plain text; shown with ``markup=False``)."""
    who = sanitize_identifier(request.nick or request.jid or "someone")
    room = sanitize_identifier(request.room)
    what = "asks for voice in" if isinstance(request, VoiceRequested) else "asks to register with"
    return f"{who} {what} {room}: /requests in its pane to answer"


async def converted(screen: MainScreen, event: RoomConverted) -> None:
    """The chat went on in a new room (XEP-0045 §7.9): its pane opens."""
    await screen.perform(OpenRoom(event.account, event.room))
    plural = "s" if event.history != 1 else ""
    carried = f", with the last {event.history} message{plural}" if event.history else ""
    screen.info_line(
        f"{event.account}: the chat with {event.peer} goes on in {event.room}{carried};"
        f" {event.peer} is invited"
    )


def react(
    screen: MainScreen, event: VoiceRequested | RegistrationRequested | RoomRegistrationForm
) -> None:
    if isinstance(event, RoomRegistrationForm):
        _show_form(screen, event)
        return
    screen.room_requests.add(event)
    text = f"{event.account}: {request_notice(event)}"
    screen.console_line(text, "request")
    screen.notify(one_line(text).plain, markup=False, severity="warning")


def ask(screen: MainScreen, account: AccountId, room: BareJid) -> None:
    """Approve / Deny / Later for each request waiting in ``room``, one after another."""
    queue = screen.room_requests.take(account, room)
    if not queue:
        screen.console_line(f"No requests are waiting in {room}")
        return
    _ask_next(screen, queue)


def _ask_next(screen: MainScreen, queue: list[Request]) -> None:
    if not queue:
        return
    request, rest = queue[0], queue[1:]
    who = one_line(sanitize_identifier(request.nick or request.jid or "someone"))
    if isinstance(request, VoiceRequested):
        title = Text.assemble(who, " asks for voice in ", one_line(request.room))
    else:
        title = Text.assemble(who, " asks to register with ", one_line(request.room))
    body = Text.assemble(
        "Address: " if request.jid else "",
        one_line(sanitize_identifier(request.jid)) if request.jid else "",
        "\n" if request.jid else "",
        *_form_lines(request),
        "Later keeps it for /requests",
        end="",
    )

    def answered(choice: str | None) -> None:
        if choice in ("approve", "deny"):
            allow = choice == "approve"
            if isinstance(request, VoiceRequested):
                screen.execute(
                    cmd.AnswerVoiceRequest(
                        account=request.account,
                        room=request.room,
                        nick=request.nick,
                        jid=request.jid,
                        allow=allow,
                    )
                )
            else:
                screen.execute(
                    cmd.AnswerRegistrationRequest(
                        account=request.account, room=request.room, form=request.form, allow=allow
                    )
                )
        else:
            screen.room_requests.add(request)  # Later (or Escape): still waiting
        _ask_next(screen, rest)

    screen.app.push_screen(ChoiceScreen(title, body, CHOICES, default="later"), answered)


def _form_lines(request: Request) -> list[Text | str]:
    """A registration request's other answers (name, URL, ...), one a line."""
    if not isinstance(request, RegistrationRequested):
        return []
    lines: list[Text | str] = []
    for item in request.form.fields:
        if not item.editable or not item.value or item.var in ("muc#register_allow",):
            continue
        label = item.label or item.var
        lines += [one_line(sanitize_identifier(f"{label}: {item.value}")), "\n"]
    return lines[:20]


def _show_form(screen: MainScreen, event: RoomRegistrationForm) -> None:
    account, room = event.account, event.room
    if event.registered:
        nick = sanitize_identifier(event.registered)
        screen.info_line(f"{account}: you are registered with {room} as {nick}")
        return

    def submitted(form: DataForm | None) -> None:
        if form is None:
            screen.console_line(f"Not registered with {room}")
        else:
            screen.execute(cmd.RegisterWithRoom(account=account, room=room, form=form))

    screen.app.push_screen(RoomConfigScreen(room, event.form, "Registration"), submitted)
