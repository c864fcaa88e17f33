"""parse_jid, parse_bare_jid, is_valid_jid: RFC 7622 checks with plain-words errors."""

from __future__ import annotations

import subprocess
import sys
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xmpp_tui.core.errors import InvalidJidError, UserFacingError
from xmpp_tui.core.jid import ParsedJid, is_valid_jid, parse_bare_jid, parse_jid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("alice@example.org", ParsedJid("alice", "example.org", "")),
        ("Alice@EXAMPLE.org/Phone", ParsedJid("alice", "example.org", "Phone")),
        ("alice@example.org./res", ParsedJid("alice", "example.org", "res")),  # RFC 7622 3.2
        ("example.org", ParsedJid("", "example.org", "")),
        ("example.org/admin", ParsedJid("", "example.org", "admin")),
        ("a@b/c/d@e", ParsedJid("a", "b", "c/d@e")),  # the resource starts at the first "/"
        ("a@1.2.3.4", ParsedJid("a", "1.2.3.4", "")),
        ("a@[::1]/r", ParsedJid("a", "[::1]", "r")),
        ("Zoë@bücher.example", ParsedJid("zoë", "bücher.example", "")),
        ("\ufb00@x.example", ParsedJid("ff", "x.example", "")),  # stringprep: compatibility map
        ("a@" + "b" * 63 + ".example", ParsedJid("a", "b" * 63 + ".example", "")),
        ("x" * 1023 + "@example.org", ParsedJid("x" * 1023, "example.org", "")),
        ("room@muc.example/Bob Smith", ParsedJid("room", "muc.example", "Bob Smith")),
        ("a@b.example/\u00a0x", ParsedJid("a", "b.example", " x")),  # resourceprep maps NBSP
        ("a@b.example/r\tb", None),
    ],
)
def test_parse(text: str, expected: ParsedJid | None) -> None:
    if expected is None:
        assert not is_valid_jid(text)
        return
    assert parse_jid(text) == expected
    assert is_valid_jid(text)


def test_bare_and_full() -> None:
    jid = ParsedJid("alice", "example.org", "phone")
    assert jid.bare == "alice@example.org"
    assert jid.full == "alice@example.org/phone"
    assert str(jid) == jid.full
    server = ParsedJid("", "example.org", "")
    assert server.bare == server.full == "example.org"
    with pytest.raises(AttributeError):
        jid.local = "eve"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bob@@example.org", 'it contains more than one "@"'),
        ("a@b@c.example", 'it contains more than one "@"'),
        ("@example.org", 'the part before "@" is empty'),
        ("bob@", 'the server name after "@" is empty'),
        ("bob@.", 'the server name after "@" is empty'),
        ("/res", 'the server name before "/" is empty'),
        ("bob@example.org/", 'the part after "/" is empty'),
        ("bob smith@example.org", "it contains a space or a line break"),
        (" bob@example.org", "it contains a space or a line break"),
        ("bob@example.org\n", "it contains a space or a line break"),
        ("bob@example.org/a\nb", "it contains a space or a line break"),
        ("bob@example.org /r", "it contains a space or a line break"),
        ("bob@\x1b[2J", "it contains an invisible control character (U+001B)"),
        ("bob\x85@x.example", "it contains an invisible control character (U+0085)"),
        ("bob@x.example/\ud800", "it contains a broken character (U+D800)"),
        ("bob@ex..ample", "the server name has an empty part between two dots"),
        ("bob@example.org..", "the server name has an empty part between two dots"),
        ("bob@-example.org", 'a part of the server name starts or ends with "-"'),
        ("bob@example-.org", 'a part of the server name starts or ends with "-"'),
        ("bob@" + "x" * 64 + ".org", "a part of the server name is longer than 63 characters"),
        ("bob@example.org:5222", 'the server name contains ":"'),
        ('bob"@x.example', 'the name before "@" contains double quotes'),
        ("b&o'b@x.example", 'the name before "@" contains "&", "\'"'),
        ("a<b>@x.example", 'the name before "@" contains "<", ">"'),
        ("xmpp:bob@x.example", 'the name before "@" contains ":"'),
        ("x" * 1024 + "@example.org", 'the name before "@" is 1024 bytes long'),
        ("é" * 512 + "@example.org", 'the name before "@" is 1024 bytes long'),
        ("a@b.example/" + "r" * 1024, 'the part after "/" is 1024 bytes long'),
        ("a@" + ".".join(["b" * 60] * 20), "the server name is 1219 bytes long"),
        ("🐱@x.example", 'the name before "@" contains a character that addresses cannot hold'),
        ("a@x.example/\u202e", 'the part after "/" contains a character that addresses cannot'),
        ("a@xn--zz", "the server name is not a valid domain name"),
        ("a@[zz]", "the server name is not a valid domain name"),
    ],
)
def test_invalid_addresses_are_explained(text: str, reason: str) -> None:
    with pytest.raises(InvalidJidError) as caught:
        parse_jid(text)
    error = caught.value
    assert isinstance(error, UserFacingError)
    assert "is not a valid address: " in error.message
    assert reason in error.message
    assert "name@example.org" in error.hint
    assert not is_valid_jid(text)


def test_message_quotes_the_input_in_the_documented_form() -> None:
    with pytest.raises(InvalidJidError) as caught:
        parse_jid("@example.org")
    assert caught.value.message == (
        '"@example.org" is not a valid address: the part before "@" is empty.'
    )
    assert caught.value.hint == "Use the form name@example.org"


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_empty_input(text: str) -> None:
    with pytest.raises(InvalidJidError, match="The address is empty"):
        parse_jid(text)


def test_hints_for_common_mistakes() -> None:
    with pytest.raises(InvalidJidError) as port:
        parse_jid("bob@example.org:5222")
    assert "port" in port.value.hint
    with pytest.raises(InvalidJidError) as uri:
        parse_jid("xmpp:bob@example.org")
    assert 'Leave out "xmpp:"' in uri.value.hint


def test_error_text_shows_controls_as_placeholders() -> None:
    with pytest.raises(InvalidJidError) as caught:
        parse_jid("\x1b]0;pwned\x07@example.org")
    assert "\x1b" not in caught.value.message and "\x07" not in caught.value.message
    assert "\u241b" in caught.value.message


def test_error_text_is_short_for_long_input() -> None:
    with pytest.raises(InvalidJidError) as caught:
        parse_jid("x" * 5000 + "@example.org")
    assert len(caught.value.message) < 200


def test_parse_bare_jid() -> None:
    assert parse_bare_jid("Bob@Example.org") == ParsedJid("bob", "example.org", "")
    with pytest.raises(InvalidJidError) as caught:
        parse_bare_jid("bob@example.org/phone")
    assert "bob@example.org" in caught.value.hint
    with pytest.raises(InvalidJidError):
        parse_bare_jid("bob@@example.org")


JID_CHARS = st.one_of(
    st.characters(exclude_categories=()),
    st.sampled_from("@/.-:\"&'<> abcxyz\u200b\u202e"),
)


@settings(max_examples=2000, deadline=None)
@given(st.text(JID_CHARS, max_size=40))
@example("a@b/\u200b")
@example("\u00ad@x.example")
@example("\u1d2c")  # stringprep maps it to "A", which needs a second pass to become "a"
def test_any_text_is_either_a_jid_or_an_explained_error(text: str) -> None:
    try:
        jid = parse_jid(text)
    except InvalidJidError as error:
        assert error.message and error.hint
        assert all(unicodedata.category(ch) not in ("Cc", "Cs") for ch in error.message)
        return
    # Normalising is idempotent and the result round-trips.
    assert parse_jid(jid.full) == jid
    assert jid.domain
    assert " " not in jid.bare


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"[a-z0-9._-]{1,20}", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,3}", fullmatch=True),
)
def test_ascii_addresses_are_accepted(local: str, domain: str) -> None:
    jid = parse_jid(f"{local}@{domain}")
    assert jid == ParsedJid(local, domain, "")


def test_importing_the_module_does_not_load_slixmpp() -> None:
    code = "import sys, xmpp_tui.core.jid; print('slixmpp' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
