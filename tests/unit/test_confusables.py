"""Mixed-script JIDs are flagged where a JID is shown for a trust decision (T3, S-UI-4)."""

from __future__ import annotations

import pytest

from xmpp_tui.core.confusables import CONFUSABLE_MARK, is_confusable_jid, is_mixed_script, script_of
from xmpp_tui.core.models import BareJid, ContactPresence, Show
from xmpp_tui.ui.render import jid_plain, jid_text
from xmpp_tui.ui.screens.requests import request_notice
from xmpp_tui.ui.view_state import ContactRow
from xmpp_tui.ui.widgets.chat_pane import header_text
from xmpp_tui.ui.widgets.roster import CONFUSABLE_FLAG, contact_prompt


@pytest.mark.parametrize(
    "jid",
    [
        "\u0430lice@example.com",  # Cyrillic a in the localpart
        "alice@ex\u0430mple.com",  # Cyrillic a in a domain label
        "alice@example.com/ph\u043ene",  # Cyrillic o in the resource
        "p\u0430ypal@x.org",
        "\u03bfpen@x.org",  # Greek omicron + Latin
        "\U0001d41alice@x.org",  # MATHEMATICAL BOLD SMALL A + Latin
        "\uff46oo@x.org",  # FULLWIDTH f + Latin
    ],
)
def test_mixed_script_jids_are_flagged(jid: str) -> None:
    assert is_confusable_jid(jid)
    assert jid_plain(jid).endswith(CONFUSABLE_MARK)


@pytest.mark.parametrize(
    "jid",
    [
        "alice@example.com",
        "user@m\u00fcnchen.de/laptop-2",
        "\u0395\u03bb\u03bb\u03ac\u03b4\u03b1@x.gr",  # all Greek localpart
        "\u6771\u4eac@\u4f8b\u3048.jp",  # Han + Hiragana: Japanese
        "\u305f\u306a\u304b\u592a\u90ceabc@x.jp",  # Hiragana + Han + Latin
        "\ud55c\uad6d\u4eba@x.kr",  # Hangul + Han
        "\u05e9\u05dc\u05d5\u05dd@x.il",  # Hebrew
        "\u0645\u0631\u062d\u0628\u0627@x.eg",  # Arabic
        "\u0430\u0431\u0432@x.ru",  # all Cyrillic
        "alice2024_.-@x.org",
    ],
)
def test_single_script_and_real_mixes_are_not_flagged(jid: str) -> None:
    assert not is_confusable_jid(jid)
    assert jid_plain(jid) == jid


def test_script_of() -> None:
    assert script_of("a") == "LATIN"
    assert script_of("\u0430") == "CYRILLIC"
    assert script_of("\u4e00") == "HAN"
    assert script_of("1") == ""
    assert script_of("\u0301") == ""  # a mark belongs to its base
    assert not is_mixed_script("e\u0301t\u00e9")


def test_flag_in_the_roster_row_the_header_and_the_request() -> None:
    fake = BareJid("\u0430lice@example.com")
    row = ContactRow(account="me@x", jid=fake, name="alice", show=Show.AVAILABLE)
    assert CONFUSABLE_FLAG in contact_prompt(row, width=30).plain
    real = ContactRow(
        account="me@x", jid=BareJid("alice@example.com"), name="alice", show=Show.AVAILABLE
    )
    assert CONFUSABLE_FLAG not in contact_prompt(real, width=30).plain
    presence = ContactPresence(jid=fake)
    assert CONFUSABLE_MARK in header_text("alice", fake, presence).plain
    assert CONFUSABLE_MARK in header_text(fake, fake, presence).plain
    assert CONFUSABLE_MARK not in header_text("alice", "alice@example.com", presence).plain
    assert CONFUSABLE_MARK in request_notice(fake)
    assert CONFUSABLE_MARK in jid_text(fake).plain
