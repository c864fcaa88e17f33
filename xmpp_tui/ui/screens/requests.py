"""Answering a subscription request, when the user asks to (Enter on the contact in the roster).

A request never opens a prompt by itself: a prompt that pops up while the user types takes their
keys (a space pressed "Later", the next keys were lost). It shows as a console line, a
notification and the roster's "?" marker; Enter on that contact asks Approve / Deny / Later,
with "Later" focused so a stray Enter changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from xmpp_tui.core.commands import ApproveSubscription, DenySubscription
from xmpp_tui.core.models import AccountId, BareJid
from xmpp_tui.ui.render import jid_plain, jid_text, one_line
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.view_state import answer_request

if TYPE_CHECKING:
    from xmpp_tui.ui.screens.main import MainScreen

CHOICES = (("approve", "Approve"), ("deny", "Deny"), ("later", "Later"))


def request_notice(jid: BareJid) -> str:
    """What the console and the notification say (plain text; shown with ``markup=False``)."""
    return f"{jid_plain(jid)} wants to see your presence: /approve {jid} or /deny {jid}"


def ask_subscription(screen: MainScreen, account: AccountId, jid: BareJid) -> None:
    """Approve / Deny / Later for ``jid``'s request; Later (or Escape) keeps the "?" marker."""
    title = Text.assemble(jid_text(jid), " wants to see your presence")
    body = Text.assemble(
        "Account: ", one_line(account), "\nOr later: /approve JID or /deny JID", end=""
    )

    def answered(choice: str | None) -> None:
        if choice not in ("approve", "deny"):
            return
        if account in screen.rosters:
            screen.rosters[account] = answer_request(screen.rosters[account], jid)
            screen.refresh_roster()
        if choice == "approve":
            screen.execute(ApproveSubscription(account=account, jid=jid))
        else:
            screen.execute(DenySubscription(account=account, jid=jid))

    screen.app.push_screen(ChoiceScreen(title, body, CHOICES, default="later"), answered)
