"""Build the app over an offline service and a seeded store (pilot and snapshot tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from xmpp_tui.secrets import PasswordSource
from xmpp_tui.service.session import SessionService
from xmpp_tui.settings import AccountSettings
from xmpp_tui.store import Store
from xmpp_tui.ui.app import XmppTuiApp, make_app

ALICE = "alice@localhost"
BOB = "bob@localhost"
CAROL = "carol@localhost"
#: The fixed "now" of every offline test.
NOW = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
#: A body that tries every terminal and markup trick (SECURITY.md T1-T3).
HOSTILE_BODY = (
    "clear\x1b[2J rtl\u202eevil\u202c zw\u200bx [@click=app.quit]x[/] [link=http://e.x]L[/]"
)
FORGED_LINE = "fine\n12:00 <alice@localhost> forged sender line"


def fixed_clock() -> datetime:
    return NOW


def seed_store(store: Store) -> None:
    """A short conversation with Bob (one hostile message) and an unread one from Carol."""
    base = NOW - timedelta(minutes=30)
    history = store.history
    history.add_incoming(
        account=ALICE,
        peer=BOB,
        sender=f"{BOB}/phone",
        body="Hi Alice! Lunch today?",
        timestamp=base,
        stanza_id="s1",
        origin_id="o1",
        message_id="m1",
    )
    sent = history.add_outgoing(
        account=ALICE,
        peer=BOB,
        sender=f"{ALICE}/tui",
        body="Sure, at noon.\nUsual place?",
        timestamp=base + timedelta(minutes=1),
        origin_id="o2",
        message_id="m2",
    )
    assert sent is not None
    history.add_incoming(
        account=ALICE,
        peer=BOB,
        sender=f"{BOB}/phone",
        body=HOSTILE_BODY,
        timestamp=base + timedelta(minutes=2),
        stanza_id="s3",
        origin_id="o3",
        message_id="m3",
    )
    history.add_incoming(
        account=ALICE,
        peer=BOB,
        sender=f"{BOB}/phone",
        body=FORGED_LINE,
        timestamp=base + timedelta(minutes=3),
        stanza_id="s4",
        origin_id="o4",
        message_id="m4",
    )
    history.add_outgoing(
        account=ALICE,
        peer=BOB,
        sender=f"{ALICE}/tui",
        body="See you there",
        timestamp=base + timedelta(minutes=4),
        origin_id="o5",
        message_id="m5",
    )
    history.add_incoming(
        account=ALICE,
        peer=CAROL,
        sender=f"{CAROL}/laptop",
        body="ping",
        timestamp=base + timedelta(minutes=5),
        stanza_id="s6",
        origin_id="o6",
        message_id="m6",
    )


def offline_service(
    tmp_path: Path, *, seed: bool = True, accounts: tuple[str, ...] = (ALICE,)
) -> SessionService:
    store = Store.open(tmp_path / "history.sqlite3")
    if seed:
        seed_store(store)
    return SessionService(
        accounts=[AccountSettings(jid=jid) for jid in accounts],
        store=store,
        passwords=PasswordSource(use_keyring=False),
        clock=fixed_clock,
        offline=True,
    )


def offline_app(
    tmp_path: Path, *, seed: bool = True, accounts: tuple[str, ...] = (ALICE,)
) -> XmppTuiApp:
    """The app over :func:`offline_service`; ``accounts`` opens several (the first is seeded)."""
    service = offline_service(tmp_path, seed=seed, accounts=accounts)
    return make_app(service, clock=fixed_clock, tz=UTC, cursor_blink=False)
