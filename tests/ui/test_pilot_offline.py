"""Pilot tests of the app at 80x24 over an offline service and a seeded store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from textual.strip import Strip
from textual.widgets import Button, Input

from tests.peer import wait_until
from tests.ui.pilot_helpers import active_pane, console_lines, inject, record_commands, submit
from tests.ui.support import ALICE, BOB, CAROL, NOW, offline_app, offline_service
from xmpp_tui.core import commands as cmd
from xmpp_tui.core.events import (
    CertificateRejected,
    CommandFailed,
    ConnectionChanged,
    DeliveryChanged,
    MessageAdded,
    PasswordNeeded,
    PasswordSaveOffered,
    RosterItemChanged,
    SubscriptionRequested,
)
from xmpp_tui.core.models import (
    CertificateInfo,
    ConnectionState,
    Delivery,
    Direction,
    RosterItem,
    Show,
    StoredMessage,
    Subscription,
)
from xmpp_tui.core.slash import COMMANDS
from xmpp_tui.ui.app import XmppTuiApp, make_app
from xmpp_tui.ui.screens.certificate import CertificateScreen
from xmpp_tui.ui.screens.choice import ChoiceScreen
from xmpp_tui.ui.screens.password import PasswordScreen
from xmpp_tui.ui.view_state import ChatKey
from xmpp_tui.ui.widgets.composer import Composer

SIZE = (80, 24)
FORBIDDEN = ("\x1b", "\u202e", "\u202c", "\u200b", "\x9b")


def _screen_text(app: XmppTuiApp) -> str:
    """The whole terminal as plain text, as the compositor draws it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _request_pending(app: XmppTuiApp, account: str, jid: str) -> bool:
    rows = app.main.roster_view.contacts
    return any(r.account == account and r.jid == jid and r.request_pending for r in rows)


async def test_composer_has_focus_at_start(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Composer)
        assert app.main.deck.active_chat is None


async def test_msg_opens_conversation_with_history_and_keeps_focus(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"/msg bob@localhost", "enter")
        await pilot.pause()
        assert app.main.deck.active_chat == ChatKey(ALICE, BOB)
        assert isinstance(app.focused, Composer)
        assert app.focused.text == ""
        rows = active_pane(app).history.rendered_rows()
        assert rows[0] == "── Wed 01 May 2024 ──"
        assert rows[1] == "12:00 <bob@localhost> Hi Alice! Lunch today?"
        assert any("See you there" in row for row in rows)


async def test_typed_text_goes_to_the_pane_peer(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        await pilot.press(*"on my way", "enter")
        await wait_until(lambda: "on my way" in active_pane(app).history.rendered_rows()[-1])
        last = active_pane(app).history.messages[-1]
        assert (last.body, last.direction) == ("on my way", Direction.OUTGOING)


async def test_bad_jid_gives_one_console_error_line(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"/msg bob@@localhost", "enter")
        await pilot.pause()
        assert app.main.deck.active_chat is None
        assert "is not a valid address" in console_lines(app)[-1]
        assert "Traceback" not in "\n".join(console_lines(app))


async def test_pane_switching_keys(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        await submit(pilot, app, "/msg carol@localhost")
        deck = app.main.deck
        assert deck.panes.active == 2
        await pilot.press("alt+2")
        assert deck.active_chat == ChatKey(ALICE, BOB)
        await pilot.press("ctrl+p")
        assert deck.active_chat is None
        await pilot.press("ctrl+p")
        assert deck.active_chat == ChatKey(ALICE, CAROL)
        await pilot.press("ctrl+n")
        assert deck.active_chat is None
        await pilot.press("alt+9")  # no ninth pane: stays
        assert deck.active_chat is None
        await pilot.press("alt+3")
        assert deck.active_chat == ChatKey(ALICE, CAROL)
        assert "3/3 carol@localhost" in app.main.status_bar.plain
        await submit(pilot, app, "/close")
        assert deck.active_chat == ChatKey(ALICE, BOB)
        assert deck.panes.count == 2


async def test_help_lists_every_command(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        await submit(pilot, app, "/help")
        assert app.main.deck.active_chat is None  # help shows in the console
        text = "\n".join(console_lines(app))
        for spec in COMMANDS:
            assert f"/{spec.name}" in text


async def test_hostile_history_is_rendered_inert(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        view = active_pane(app).history
        rows = view.rendered_rows()
        screen_rows = [view.render_line(y).text for y in range(view.size.height)]
        for row in rows + screen_rows:
            assert not any(ch in row for ch in FORBIDDEN), repr(row)
        joined = "\n".join(rows)
        assert "␛[2J" in joined and "<U+202E>" in joined
        assert "[@click=app.quit]x[/]" in joined  # literal text, not an action
        # A body line that imitates a sender line is marked as a continuation.
        forged = next(r for r in rows if "forged sender line" in r)
        assert forged.startswith("      │ 12:00 <alice@localhost>")
        # Nothing on screen became a link or a click action.
        for y in range(view.size.height):
            for segment in view.render_line(y):
                style = segment.style
                assert style is None or (not style.link and not style.meta.get("@click"))


async def test_enter_on_roster_contact_opens_conversation(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        roster = app.main.roster_view
        assert [row.jid for row in roster.contacts] == [BOB, CAROL]
        carol = next(row for row in roster.contacts if row.jid == CAROL)
        assert carol.unread == 1
        roster.focus()
        assert roster.highlight_contact(ALICE, CAROL)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.deck.active_chat == ChatKey(ALICE, CAROL)
        assert isinstance(app.focused, Composer)
        carol = next(row for row in roster.contacts if row.jid == CAROL)
        assert carol.unread == 0  # opening clears it
        await wait_until(lambda: CAROL not in app.service.unread_counts(ALICE))


async def test_tab_to_roster_then_enter_opens_first_contact(tmp_path: Path) -> None:
    """The roster starts on a contact, not on a group header, so Enter works at once."""
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.main.roster_view.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.deck.active_chat == ChatKey(ALICE, BOB)


async def test_incoming_message_counts_unread_unless_visible(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")

        def incoming(local_id: int, peer: str) -> MessageAdded:
            message = StoredMessage(
                id=local_id,
                account=ALICE,
                peer=peer,
                direction=Direction.INCOMING,
                sender=f"{peer}/x",
                body=f"new {local_id}",
                timestamp=NOW,
                delivery=Delivery.RECEIVED,
            )
            return MessageAdded(account=ALICE, message=message)

        inject(app, incoming(1000, BOB))
        inject(app, incoming(1001, CAROL))
        await pilot.pause()
        unread = {row.jid: row.unread for row in app.main.roster_view.contacts}
        assert unread == {BOB: 0, CAROL: 2}
        assert active_pane(app).history.rendered_rows()[-1] == "12:30 <bob@localhost> new 1000"


async def test_tab_completes_commands_and_jids(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        composer = app.main.composer
        await pilot.press(*"/he", "tab")
        assert composer.text == "/help "
        await pilot.press("ctrl+a", "ctrl+k")
        composer.set_draft("/msg ca")
        await pilot.press("tab")
        assert composer.text == "/msg carol@localhost "
        composer.set_draft("/msg ")
        await pilot.press("tab")  # several: cycles
        first = composer.text
        await pilot.press("tab")
        assert {first, composer.text} == {"/msg bob@localhost", "/msg carol@localhost"}
        assert isinstance(app.focused, Composer)


async def test_newline_keys_and_sent_line_recall(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        composer = app.main.composer
        await pilot.press(*"/status", "enter")
        await pilot.press("a", "ctrl+j", "b")
        assert composer.text == "a\nb"
        await pilot.press("shift+enter")
        assert composer.text == "a\nb\n"
        composer.clear()
        await pilot.press("up")
        assert composer.text == "/status"
        await pilot.press("down")
        assert composer.text == ""


async def test_page_keys_scroll_history_and_older_pages_load(tmp_path: Path) -> None:
    service = offline_service(tmp_path, seed=False)
    history = service._store.history  # seeding only
    for n in range(250):
        history.add_incoming(
            account=ALICE,
            peer=BOB,
            sender=f"{BOB}/x",
            body=f"message {n}",
            timestamp=NOW + timedelta(seconds=n),
            stanza_id=f"s{n}",
            origin_id=None,
            message_id=None,
        )
    app = make_app(service, clock=lambda: NOW, tz=UTC, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        view = active_pane(app).history
        assert len(view.messages) == 100
        assert view.scroll_y == view.max_scroll_y > 0
        bottom = view.scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert view.scroll_y < bottom
        view.scroll_home(animate=False)
        await wait_until(lambda: len(view.messages) == 200)
        view.scroll_home(animate=False)
        await wait_until(lambda: len(view.messages) == 250)
        assert view.messages[0].body == "message 0"
        assert [m.id for m in view.messages] == sorted(m.id for m in view.messages)


async def test_palette_lists_slash_commands_and_prefills(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        await pilot.press(*"rename")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.composer.text == "/rename "


async def test_password_prompt_and_cancel(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        inject(app, PasswordNeeded(account=ALICE, reason="Wrong password, try again"))
        await pilot.pause()
        assert isinstance(app.screen, PasswordScreen)
        field = app.screen.query_one(Input)
        assert field.password and app.focused is field
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen_stack[-1] is app.main
        assert "stays offline" in console_lines(app)[-1]


async def test_certificate_and_subscription_prompts(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    info = CertificateInfo(
        sha256="AB:CD",
        subject="CN=evil\u202e",
        issuer="CN=x",
        not_after="2030",
        reason="self-signed",
    )
    async with app.run_test(size=SIZE) as pilot:
        inject(app, CertificateRejected(account=ALICE, certificate=info))
        await pilot.pause()
        assert isinstance(app.screen, CertificateScreen)
        shown = _screen_text(app)
        assert "CN=evil<U+202E>" in shown  # the placeholder, visibly
        assert not any(ch in shown for ch in FORBIDDEN), repr(shown)
        await pilot.press("escape")
        inject(app, SubscriptionRequested(account=ALICE, jid="dave@localhost"))
        inject(app, SubscriptionRequested(account=ALICE, jid="eve@localhost"))
        await pilot.pause()
        assert app.screen_stack[-1] is app.main  # requests never open a prompt by themselves
        assert _request_pending(app, ALICE, "dave@localhost")
        assert _request_pending(app, ALICE, "eve@localhost")
        line = "dave@localhost wants to see your presence: /approve dave@localhost or /deny"
        assert line in "\n".join(console_lines(app))
        # Enter on the contact in the roster asks; Escape is "Later".
        app.main.roster_view.focus()
        assert app.main.roster_view.highlight_contact(ALICE, "dave@localhost")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen_stack[-1] is app.main
        assert _request_pending(app, ALICE, "dave@localhost")
        assert app.main.deck.active_chat is None  # the question, not the chat


async def test_errors_and_connection_state(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        inject(
            app,
            CommandFailed(
                account=ALICE, command="AddContact", message="boom\x1b[31m", hint="retry"
            ),
        )
        inject(
            app,
            ConnectionChanged(
                account=ALICE,
                state=ConnectionState.RECONNECTING,
                detail="Cannot reach example.org: no answer",
                next_attempt_at=NOW + timedelta(seconds=12),
            ),
        )
        await pilot.pause()
        assert console_lines(app)[-2].endswith("alice@localhost: boom␛[31m (retry)")
        retry_line = "alice@localhost: Cannot reach example.org: no answer; retrying at 12:30:12"
        assert console_lines(app)[-1].endswith(retry_line)
        assert "alice@localhost: reconnecting in 12s" in app.main.status_bar.plain
        # the next attempt with the same reason adds no console line
        inject(
            app,
            ConnectionChanged(
                account=ALICE,
                state=ConnectionState.RECONNECTING,
                detail="Cannot reach example.org: no answer",
                next_attempt_at=NOW + timedelta(seconds=30),
            ),
        )
        await pilot.pause()
        assert sum(line.endswith(retry_line) for line in console_lines(app)) == 1
        inject(
            app,
            ConnectionChanged(account=ALICE, state=ConnectionState.FAILED, detail="wrong password"),
        )
        await pilot.pause()
        assert "failed: wrong password" in app.main.status_bar.plain


async def test_enter_meant_for_the_composer_does_not_approve_a_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request arrives while the user types: no prompt takes their keys."""
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        await pilot.press(*"see you at")
        assert isinstance(app.focused, Composer)
        inject(app, SubscriptionRequested(account=ALICE, jid="mallory@localhost"))
        await pilot.pause()
        await pilot.press(*" noon")
        assert app.screen_stack[-1] is app.main
        assert isinstance(app.focused, Composer)
        assert app.focused.text == "see you at noon"  # not a key lost
        notes = [n.message for n in app._notifications]
        assert any("mallory@localhost wants to see your presence" in n for n in notes), notes
        await pilot.press("enter")
        await pilot.pause()
        assert not any(isinstance(c, cmd.ApproveSubscription) for c in executed), executed
        assert cmd.SendMessage(account=ALICE, peer=BOB, body="see you at noon") in executed
        assert _request_pending(app, ALICE, "mallory@localhost")


async def test_prompts_focus_the_harmless_choice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        inject(app, SubscriptionRequested(account=ALICE, jid="mallory@localhost"))
        await pilot.pause()
        app.main.roster_view.focus()
        assert app.main.roster_view.highlight_contact(ALICE, "mallory@localhost")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert isinstance(app.focused, Button) and app.focused.id == "later"
        await pilot.press("left")  # Left and Right move between the buttons
        assert app.focused.id == "deny"
        await pilot.press("right")
        assert app.focused.id == "later"
        await pilot.press("enter")
        await pilot.pause()
        inject(app, PasswordSaveOffered(account=ALICE))
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        assert isinstance(app.focused, Button) and app.focused.id == "no"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen_stack[-1] is app.main
        assert executed == []  # neither approved nor saved


async def test_answering_by_command_or_roster_push_clears_the_request_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        for jid in ("dave@localhost", "eve@localhost", "frank@localhost"):
            inject(app, SubscriptionRequested(account=ALICE, jid=jid))
        await pilot.pause()
        assert all(
            _request_pending(app, ALICE, j)
            for j in ("dave@localhost", "eve@localhost", "frank@localhost")
        )
        await submit(pilot, app, "/approve dave@localhost")
        await submit(pilot, app, "/deny Eve@localhost")
        assert not _request_pending(app, ALICE, "dave@localhost")
        assert not _request_pending(app, ALICE, "eve@localhost")
        assert executed == [
            cmd.ApproveSubscription(account=ALICE, jid="dave@localhost"),
            cmd.DenySubscription(account=ALICE, jid="eve@localhost"),
        ]
        # Approved from another client: the roster push says frank now sees our presence.
        item = RosterItem(jid="frank@localhost", subscription=Subscription.FROM)
        inject(app, RosterItemChanged(account=ALICE, item=item))
        await pilot.pause()
        assert not _request_pending(app, ALICE, "frank@localhost")


async def test_status_with_text_only_and_with_online(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path)
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/status on the train")
        await submit(pilot, app, "/status Online")
        assert executed == [
            cmd.SetPresence(account=ALICE, show=Show.AVAILABLE, status="on the train"),
            cmd.SetPresence(account=ALICE, show=Show.AVAILABLE),
        ]


ZOE = "zoe@elsewhere"


async def test_account_chooses_what_the_console_acts_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = offline_app(tmp_path, accounts=(ALICE, ZOE))
    executed = record_commands(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        composer = app.main.composer
        assert str(composer.placeholder) == f"Type a message, or /help (console: {ALICE})"
        await submit(pilot, app, "/account")
        assert console_lines(app)[-3:-1] == [f"* {ALICE}: disconnected", f"  {ZOE}: disconnected"]
        await submit(pilot, app, "/account mallory@localhost")
        assert "mallory@localhost is not an open account" in console_lines(app)[-1]
        assert app.main.console_account == ALICE
        await submit(pilot, app, f"/account {ZOE}")
        assert app.main.console_account == ZOE
        assert str(composer.placeholder) == f"Type a message, or /help (console: {ZOE})"
        await submit(pilot, app, "/status away")
        await submit(pilot, app, "/msg bob@localhost")  # opens the pane as zoe
        assert app.main.deck.active_chat == ChatKey(ZOE, BOB)
        assert str(composer.placeholder) == f"Type a message, or /help (as {ZOE})"
        # A chat pane keeps acting on its own account, whatever the console's is.
        await submit(pilot, app, f"/account {ALICE}")
        await submit(pilot, app, "/status dnd")
        # --account moves one command to another open account, from any pane.
        await submit(pilot, app, f"/status --account {ALICE} xa gone")
        assert app.main.deck.active_chat == ChatKey(ZOE, BOB)
        assert executed == [
            cmd.SetPresence(account=ZOE, show=Show.AWAY),
            cmd.SetPresence(account=ZOE, show=Show.DND),
            cmd.SetPresence(account=ALICE, show=Show.XA, status="gone"),
        ]
        await pilot.press("alt+1")
        assert str(composer.placeholder) == f"Type a message, or /help (console: {ALICE})"


async def test_one_account_placeholder_names_no_account(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert str(app.main.composer.placeholder) == "Type a message, or /help"


async def test_new_messages_and_delivery_updates_lay_out_incrementally(tmp_path: Path) -> None:
    app = offline_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, app, "/msg bob@localhost")
        view = active_pane(app).history
        rendered: list[int] = []
        rows_of = view._rows_of

        def counting(message: StoredMessage) -> list[Strip]:
            rendered.append(message.id)
            return rows_of(message)

        view._rows_of = counting  # type: ignore[method-assign]
        sent = StoredMessage(
            id=1000,
            account=ALICE,
            peer=BOB,
            direction=Direction.OUTGOING,
            sender=f"{ALICE}/tui",
            body="a reply long enough to wrap " * 4,
            timestamp=NOW,
            delivery=Delivery.PENDING,
        )
        view.add_message(sent)
        assert rendered == []  # stuck to the bottom: laid out with the rest of its burst
        view.settle()  # that pass (a timer's, SETTLE_DELAY after the first append)
        assert rendered == [1000]  # only the new message, not the whole history
        rendered.clear()
        middle = view.messages[1]
        view.set_delivery(middle.id, Delivery.RECEIVED)
        assert rendered and set(rendered) <= {middle.id}  # later rows were known already
        assert view.messages[1].delivery is Delivery.RECEIVED
        rendered.clear()
        inject(
            app, DeliveryChanged(account=ALICE, peer=BOB, message_id=1000, delivery=Delivery.SENT)
        )
        await pilot.pause()
        assert view.messages[-1] == replace(sent, delivery=Delivery.SENT)
        incremental = (list(view._starts), view._total, view.rendered_rows())
        view._relayout(stick_to_bottom=True)
        assert (list(view._starts), view._total, view.rendered_rows()) == incremental
        assert view.scroll_y == view.max_scroll_y
        # A message older than the newest loaded still lands in order.
        view.add_message(replace(sent, id=999, body="late"))
        assert [m.id for m in view.messages][-2:] == [999, 1000]
