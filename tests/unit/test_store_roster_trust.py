"""RosterCache and TrustStore on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from xmpp_tui.core.models import RosterItem, Subscription
from xmpp_tui.store import Store
from xmpp_tui.store.trust import TrustStore, normalise_fingerprint

ME = "alice@example.org"
FP = "ab:cd:" + "01" * 30


ITEMS = (
    RosterItem(
        jid="bob@example.org",
        name="Bob \"'; DROP TABLE x;--",
        groups=("Friends", "Work"),
        subscription=Subscription.BOTH,
    ),
    RosterItem(jid="carol@example.org", subscription=Subscription.TO, pending_out=True),
    RosterItem(jid="dave@example.org", name="Dåve ☃", approved=True),
)


def test_roster_cache_is_empty_at_first(store: Store) -> None:
    assert store.roster.load(ME) == (None, ())


def test_roster_round_trips_and_persists(tmp_path: Path, store: Store) -> None:
    store.roster.save(ME, "ver-7", ITEMS)
    store.roster.save("carol@example.org", None, ITEMS[:1])
    assert store.roster.load(ME) == ("ver-7", ITEMS)
    store.close()
    reopened = Store.open(tmp_path / "history.sqlite3")
    try:
        assert reopened.roster.load(ME) == ("ver-7", ITEMS)
        assert reopened.roster.load("carol@example.org") == (None, ITEMS[:1])
    finally:
        reopened.close()


def test_roster_save_replaces_the_previous_snapshot(store: Store) -> None:
    store.roster.save(ME, "v1", ITEMS)
    store.roster.save(ME, "v2", iter(ITEMS[1:]))
    assert store.roster.load(ME) == ("v2", ITEMS[1:])
    store.roster.clear(ME)
    assert store.roster.load(ME) == (None, ())


@pytest.mark.parametrize(
    "document",
    ["not json", "{}", '[{"name": "no jid"}]', '[{"jid": "a@b", "subscription": "bogus"}]'],
)
def test_unreadable_roster_cache_reads_as_empty(store: Store, document: str) -> None:
    with store.database.transaction() as conn:
        conn.execute(
            "INSERT INTO roster_cache (account, version, items_json) VALUES (?, ?, ?)",
            (ME, "v1", document),
        )
    assert store.roster.load(ME) == (None, ())


def test_fingerprints_are_normalised() -> None:
    canonical = "AB:CD:" + ":".join(["01"] * 30)
    assert normalise_fingerprint(FP) == canonical
    assert normalise_fingerprint(FP.replace(":", "").upper()) == canonical
    assert normalise_fingerprint(" " + FP + "\n") == canonical
    for bad in ("", "zz" * 32, "ab" * 31, "ab" * 33):
        with pytest.raises(ValueError, match="SHA-256"):
            normalise_fingerprint(bad)


def test_trust_is_per_account_and_idempotent(store: Store) -> None:
    trust = store.trust
    assert not trust.is_trusted(ME, FP)
    trust.trust(ME, FP)
    trust.trust(ME, FP.upper().replace(":", ""))
    assert trust.is_trusted(ME, FP.upper())
    assert not trust.is_trusted("carol@example.org", FP)
    assert trust.fingerprints(ME) == [normalise_fingerprint(FP)]
    assert not trust.is_trusted(ME, "garbage")
    with pytest.raises(ValueError):
        trust.trust(ME, "garbage")
    trust.forget(ME, FP)
    assert trust.fingerprints(ME) == []


def test_trust_records_when_it_was_added(store: Store) -> None:
    fixed = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    trust = TrustStore(store.database, clock=lambda: fixed)
    trust.trust(ME, FP)
    row = store.database.connection.execute(
        "SELECT added FROM trusted_certificates WHERE account = ?", (ME,)
    ).fetchone()
    assert row[0] == "2024-05-01T12:00:00+00:00"
