"""The malformed-XML corpus (SECURITY.md S-XML-1), shared by the parser's unit tests and
the hostile-server tests. Big cases are generated chunk by chunk, never built whole."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

HEADER = (
    b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
    b" from='localhost' id='s1' version='1.0' xml:lang='en'>"
)
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class XmlCase:
    name: str
    #: What the client must answer with; None: benign, the stream stays up.
    condition: str | None
    make: Callable[[], Iterator[bytes]]
    #: The case is a whole stream start (sent instead of the server's header).
    own_header: bool = False
    #: The hostile server closes the TCP connection after sending it.
    close_after: bool = False
    #: A fragment that must never appear in what the client sends back.
    marker: bytes = b"pwned"
    #: Complete stanzas in a benign case (the hostile server hides them from acks).
    stanzas: int = 0

    def chunks(self) -> Iterator[bytes]:
        return self.make()


def _once(*parts: bytes) -> Callable[[], Iterator[bytes]]:
    return lambda: iter(parts)


def _repeat(head: bytes, unit: bytes, total: int) -> Callable[[], Iterator[bytes]]:
    def make() -> Iterator[bytes]:
        yield head
        block = unit * (CHUNK // len(unit))
        sent = 0
        while sent < total:
            yield block
            sent += len(block)

    return make


_DECL = b"<?xml version='1.0'?>"
_LAUGHS = b"".join(
    b"<!ENTITY l%d '%s'>" % (i, b"&l%d;" % (i - 1) * 10 if i else b"pwned") for i in range(10)
)

CORPUS: tuple[XmlCase, ...] = (
    XmlCase(
        "doctype-internal-entity",
        "restricted-xml",
        _once(_DECL + b"<!DOCTYPE stream:stream [<!ENTITY e 'pwned'>]>" + HEADER, b"<a>&e;</a>"),
        own_header=True,
    ),
    XmlCase(
        "external-entity",
        "restricted-xml",
        _once(
            _DECL + b"<!DOCTYPE s [<!ENTITY pwned SYSTEM 'file:///etc/hostname'>]>" + HEADER,
            b"<message><body>&pwned;</body></message>",
        ),
        own_header=True,
    ),
    XmlCase(
        "external-parameter-entity",
        "restricted-xml",
        _once(_DECL + b"<!DOCTYPE s [<!ENTITY % pwned SYSTEM 'http://127.0.0.1:9/x'> %pwned;]>"),
        own_header=True,
    ),
    XmlCase(
        "billion-laughs",
        "restricted-xml",
        _once(_DECL + b"<!DOCTYPE s [" + _LAUGHS + b"]>" + HEADER + b"<a>&l9;</a>"),
        own_header=True,
    ),
    XmlCase(
        "wrong-stream-namespace",
        "invalid-namespace",
        _once(
            _DECL + b"<stream:stream xmlns='jabber:client' xmlns:stream='urn:pwned'"
            b" from='localhost' id='s1' version='1.0'>"
        ),
        own_header=True,
    ),
    XmlCase(
        "doctype-inside-stream",
        "not-well-formed",
        _once(b"<!DOCTYPE x [<!ENTITY e 'pwned'>]><message><body>&e;</body></message>"),
    ),
    XmlCase(
        "comment-in-body",
        "restricted-xml",
        _once(b"<message type='chat'><body>a<!-- pwned -->b</body></message>"),
    ),
    XmlCase("comment-between-stanzas", "restricted-xml", _once(b"<!-- pwned -->")),
    XmlCase("processing-instruction", "restricted-xml", _once(b"<?pwned x='1'?>")),
    XmlCase("xml-declaration-in-stream", "not-well-formed", _once(b"<?xml version='1.0'?>")),
    XmlCase(
        "invalid-utf8",
        "not-well-formed",
        _once(b"<message><body>pwned\xff\xfe\xc3</body></message>"),
    ),
    XmlCase(
        "escape-char-reference",
        "not-well-formed",
        _once(b"<message><body>pwned&#x1b;[31m</body></message>"),
    ),
    XmlCase(
        "lone-surrogate-reference",
        "not-well-formed",
        _once(b"<message><body>pwned&#xD800;</body></message>"),
    ),
    XmlCase(
        "undefined-entity",
        "not-well-formed",
        _once(b"<message><body>pwned&nbsp;</body></message>"),
    ),
    XmlCase(
        "duplicate-attributes",
        "not-well-formed",
        _once(b"<message id='pwned' id='pwned2'/>"),
    ),
    XmlCase(
        "undeclared-prefix",
        "not-well-formed",
        _once(b"<message><pwned:x/></message>"),
    ),
    XmlCase("two-stream-headers", "bad-format", _once(HEADER)),
    XmlCase(
        "stream-restart-mid-stanza",
        "bad-format",
        _once(b"<message><body>pwned", HEADER),
    ),
    XmlCase(
        "data-after-stream-close",
        "not-well-formed",
        _once(b"</stream:stream><message><body>pwned</body></message>"),
    ),
    XmlCase(
        "deep-nesting-100000",
        "policy-violation",
        _repeat(b"", b"<pwned>", 100_000 * len(b"<pwned>")),
    ),
    XmlCase(
        "stanza-64-mib",
        "policy-violation",
        _repeat(b"<message><body>", b"pwned ", 64 * 1024 * 1024),
    ),
    XmlCase(
        "attribute-16-mib",
        "policy-violation",
        _repeat(b"<message id='", b"pwned", 16 * 1024 * 1024),
    ),
    XmlCase(
        "truncated-stanza-then-close",
        None,
        _once(b"<message><body>pwned"),
        close_after=True,
    ),
    XmlCase(
        "c1-control-in-body",
        None,
        _once(
            b"<message type='chat' id='c1' from='FROM'>"
            b"<body>&#x9b;31m red &#x9d;8;;x&#x9c;</body></message>"
        ),
        marker=b"\x9b",
        stanzas=1,
    ),
)
