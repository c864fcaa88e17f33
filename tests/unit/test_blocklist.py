"""Block list matching: full JID, bare JID, domain."""

from __future__ import annotations

from xmpp_tui.service.blocklist import is_blocked


def test_bare_jid_blocks_every_device() -> None:
    assert is_blocked({"bob@example.org"}, "bob@example.org/phone")
    assert is_blocked({"bob@example.org"}, "bob@example.org")


def test_full_jid_blocks_one_device_only() -> None:
    blocked = {"bob@example.org/phone"}
    assert is_blocked(blocked, "bob@example.org/phone")
    assert not is_blocked(blocked, "bob@example.org/laptop")
    assert not is_blocked(blocked, "bob@example.org")


def test_domain_blocks_the_whole_server() -> None:
    assert is_blocked({"spam.example"}, "anyone@spam.example/x")
    assert not is_blocked({"spam.example"}, "anyone@example.org/x")


def test_nothing_blocked() -> None:
    assert not is_blocked(set(), "bob@example.org/x")
