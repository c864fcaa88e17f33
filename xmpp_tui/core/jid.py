"""XMPP addresses (JIDs, RFC 7622): check, explain and normalise.

The structure (``local@domain/resource``) and the limits a person can fix are checked here first,
so the error says in plain words what is wrong. Normalisation (case folding, stringprep, IDNA) is
the library's job: ``slixmpp.jid.JID``. Note that this library applies RFC 6122 stringprep, which
refuses emoji in the localpart and the resourcepart (slixmpp-notes.md, row "RFC 7622 JIDs").

``slixmpp.jid`` is imported on first use, not at module import: importing it runs
``slixmpp/__init__.py``, which loads all of slixmpp (54 modules, about 135 ms measured with
``python -X importtime``), and code such as ``xmpp-tui --version`` must not pay for that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from xmpp_tui.core.errors import InvalidJidError
from xmpp_tui.core.sanitize import sanitize_identifier

#: RFC 7622 section 3: each of localpart, domainpart and resourcepart is at most 1023 bytes.
MAX_PART_BYTES = 1023
#: RFC 1035 / RFC 5890: one label of a domain name is at most 63 characters.
MAX_LABEL_CHARS = 63
#: RFC 7622 section 3.3.1: characters the localpart may not contain (besides spaces).
FORBIDDEN_LOCAL_CHARS = "\"&'/:<>@"

_FORM_HINT = "Use the form name@example.org"
_SHOWN_MAX = 80  # how much of a bad address an error message quotes


@dataclass(frozen=True, slots=True)
class ParsedJid:
    """A normalised JID; ``local`` and ``resource`` are empty when absent."""

    local: str
    domain: str
    resource: str = ""

    @property
    def bare(self) -> str:
        """``local@domain``, or ``domain`` for a server address."""
        return f"{self.local}@{self.domain}" if self.local else self.domain

    @property
    def full(self) -> str:
        """``local@domain/resource``; the bare JID when there is no resource."""
        return f"{self.bare}/{self.resource}" if self.resource else self.bare

    def __str__(self) -> str:
        return self.full


def _error(text: str, reason: str, hint: str = _FORM_HINT) -> InvalidJidError:
    shown = sanitize_identifier(text, max_len=_SHOWN_MAX)
    return InvalidJidError(f'"{shown}" is not a valid address: {reason}.', hint)


def _describe(ch: str) -> str:
    return "double quotes" if ch == '"' else f'"{ch}"'


def _raise(text: str, reason: str, hint: str = _FORM_HINT) -> NoReturn:
    raise _error(text, reason, hint)


def _check_domain(text: str, domain: str) -> None:
    if domain.startswith("[") and domain.endswith("]"):
        return  # an IPv6 literal: the library checks it
    if ":" in domain:
        _raise(
            text,
            'the server name contains ":"',
            "Leave out any port number (set it in the account settings). " + _FORM_HINT,
        )
    for label in domain.split("."):
        if not label:
            _raise(text, "the server name has an empty part between two dots")
        if len(label) > MAX_LABEL_CHARS:
            _raise(
                text,
                f"a part of the server name is longer than {MAX_LABEL_CHARS} characters",
            )
        if label.startswith("-") or label.endswith("-"):
            _raise(text, 'a part of the server name starts or ends with "-"')


def _check_structure(text: str) -> tuple[str, str, str, bool]:
    """Split ``text`` as RFC 7622 section 3.1 says and check what a person can fix."""
    if not text.strip():
        raise InvalidJidError("The address is empty.", f"Type an address. {_FORM_HINT}")
    head, slash, resource = text.partition("/")
    for index, ch in enumerate(text):
        if "\ud800" <= ch <= "\udfff":
            _raise(text, f"it contains a broken character (U+{ord(ch):04X})")
        is_control = ch < " " or "\x7f" <= ch <= "\x9f"
        # RFC 7622 section 3.4: a resource may hold spaces (a MUC nick "Bob Smith"); no other part.
        in_resource = bool(slash) and index > len(head)
        if ch in "\t\n\v\f\r" or (ch.isspace() and not is_control and not in_resource):
            _raise(text, "it contains a space or a line break", f"Remove them. {_FORM_HINT}")
        if is_control:
            _raise(text, f"it contains an invisible control character (U+{ord(ch):04X})")

    local, at, domain = head.partition("@")
    if not at:
        local, domain = "", head
    else:
        if not local:
            _raise(text, 'the part before "@" is empty')
        if "@" in domain:
            _raise(text, 'it contains more than one "@"')
    if domain.endswith("."):
        domain = domain[:-1]  # RFC 7622 section 3.2: one trailing dot is ignored
    if not domain:
        where = ' after "@"' if at else (' before "/"' if slash else "")
        _raise(text, f"the server name{where} is empty")
    if slash and not resource:
        _raise(
            text,
            'the part after "/" is empty',
            f'Remove the "/" or add text after it. {_FORM_HINT}',
        )

    parts = (('name before "@"', local), ("server name", domain), ('part after "/"', resource))
    for name, part in parts:
        size = len(part.encode("utf-8"))
        if size > MAX_PART_BYTES:
            _raise(text, f"the {name} is {size} bytes long; at most {MAX_PART_BYTES} are allowed")

    bad = sorted({ch for ch in local if ch in FORBIDDEN_LOCAL_CHARS})
    if bad:
        hint = _FORM_HINT
        if text.lower().startswith("xmpp:"):
            hint = f'Leave out "xmpp:". {_FORM_HINT}'
        shown = ", ".join(_describe(ch) for ch in bad)
        _raise(text, f'the name before "@" contains {shown}, which addresses cannot hold', hint)

    _check_domain(text, domain)
    return local, domain, resource, bool(slash)


def _library() -> tuple[Any, type[Exception]]:
    from slixmpp.jid import JID, InvalidJID  # imported late: see the module docstring

    return JID, InvalidJID


def _explain_library_error(text: str, message: str) -> InvalidJidError:
    lowered = message.lower()
    if "resource" in lowered:
        reason = 'the part after "/" contains a character that addresses cannot hold'
    elif "localpart" in lowered or "nodepart" in lowered or "node" in lowered:
        reason = (
            'the name before "@" contains a character that addresses cannot hold'
            " (for example a symbol or an emoji)"
        )
    elif "domain" in lowered:
        reason = "the server name is not a valid domain name"
    else:
        reason = f"it was refused ({sanitize_identifier(message, max_len=_SHOWN_MAX)})"
    return _error(text, reason)


def parse_jid(text: str) -> ParsedJid:
    """Check and normalise a JID, bare or full; raise :class:`InvalidJidError` saying what is wrong.

    >>> parse_jid("Alice@Example.ORG./phone").full
    'alice@example.org/phone'
    """
    local, domain, resource, has_resource = _check_structure(text)
    jid_class, invalid_jid = _library()
    candidate = f"{local}@{domain}" if local else domain
    if has_resource:
        candidate = f"{candidate}/{resource}"
    try:
        jid = jid_class(candidate)
        # Stringprep is not idempotent for some input (U+1D2C "ᴬ" becomes "A", which a
        # second pass lower-cases): normalise the result once more so equal addresses
        # always compare equal.
        jid = jid_class(str(jid))
    except invalid_jid as exc:
        raise _explain_library_error(text, str(exc)) from None
    except ValueError as exc:  # e.g. UnicodeEncodeError from inside the library
        raise _explain_library_error(text, str(exc)) from None
    return ParsedJid(local=str(jid.node), domain=str(jid.domain), resource=str(jid.resource))


def parse_bare_jid(text: str) -> ParsedJid:
    """Like :func:`parse_jid`, but refuse an address with a ``/resource`` part."""
    jid = parse_jid(text)
    if jid.resource:
        shown = sanitize_identifier(text, max_len=_SHOWN_MAX)
        bare = sanitize_identifier(jid.bare, max_len=_SHOWN_MAX)
        raise InvalidJidError(
            f'"{shown}" names one device of a contact (the part after "/"), not the contact.',
            f'Leave out "/" and what follows: {bare}',
        )
    return jid


def is_valid_jid(text: str) -> bool:
    """Whether :func:`parse_jid` accepts ``text``."""
    try:
        parse_jid(text)
    except InvalidJidError:
        return False
    return True
