"""Mixed-script JIDs are flagged where a JID is shown for a trust decision (T3, S-UI-4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- properties ----------------------------------------------------------------------------

LATIN = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), min_size=1, max_size=20)
LOOK_ALIKES = st.sampled_from("\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u03bf\u03b1")
ALPHABETS = st.sampled_from(
    [
        "abcdefghijklmnopqrstuvwxyz\u00e9\u00fc\u00df",
        "\u0430\u0431\u0432\u0433\u0434\u0435\u0436\u0437",
        "\u03b1\u03b2\u03b3\u03b4\u03b5\u03b6",
        "\u05d0\u05d1\u05d2\u05d3\u05e9",
        "\u0627\u0628\u062a\u062b\u062c",
        "\u4e00\u4e8c\u4e09\u6771\u4eac\u3042\u3044\u30a2\u30a4",
        "\ud55c\uad6d\uc5b4\u4eba",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(max_codepoint=0x7F)))
def test_ascii_is_never_flagged(jid: str) -> None:
    assert not is_confusable_jid(jid)


@settings(max_examples=500, deadline=None)
@given(LATIN, LOOK_ALIKES, st.integers(min_value=0, max_value=20), LATIN)
def test_a_look_alike_in_a_latin_label_is_flagged(
    label: str, intruder: str, at: int, domain: str
) -> None:
    if not any(ch.isalpha() for ch in label):
        label += "a"
    at = min(at, len(label))
    assert is_confusable_jid(f"{label[:at]}{intruder}{label[at:]}@{domain}.org")
    assert is_confusable_jid(f"user@{label[:at]}{intruder}{label[at:]}.org")


@settings(max_examples=500, deadline=None)
@given(ALPHABETS.flatmap(lambda letters: st.text(st.sampled_from(letters), min_size=1)))
def test_one_script_or_a_real_mix_is_not_flagged(label: str) -> None:
    assert not is_confusable_jid(f"{label}@example.org/{label}")
