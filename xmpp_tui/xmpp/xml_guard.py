"""The inbound XML parser: what RFC 6120 allows in a stream, and no more.

slixmpp parses the stream with ``ET.XMLPullParser`` (expat), which accepts a DOCTYPE
with internal entities, comments and processing instructions (RFC 6120 section 11.1
forbids all four), has no size or depth limit, and on a parse error sends the offending
bytes back to the server inside its stream error (``'Server sent: %r' % data``).

`GuardedParser` replaces it (same ``feed()`` / ``read_events()`` shape, the same
``{namespace}local`` elements from a ``TreeBuilder``) on a pyexpat parser of its own:

- DOCTYPE, entity declarations, comments and processing instructions (the XML
  declaration at the very start is not one) close the stream with ``<restricted-xml/>``;
- more than `MAX_STANZA_BYTES` between two stanza boundaries, or elements nested deeper
  than `MAX_DEPTH`, close it with ``<policy-violation/>``. Data is fed in slices of
  `SLICE_BYTES`, checked before each slice, so a 64 MiB stanza costs at most the cap
  (and old expat's quadratic re-parse of a large token, CVE-2023-52425, stays small);
- a root that is not ``{http://etherx.jabber.org/streams}stream`` gets
  ``<invalid-namespace/>``, a second stream header inside the stream ``<bad-format/>``,
  anything expat rejects ``<not-well-formed/>``. The input is read as UTF-8 whatever
  the XML declaration says (RFC 6120 section 11.6).

After a violation the parser is dead: it yields nothing more, and `install` sends the
stream error with **no text** (never the offending bytes), logs one line with a short
escaped excerpt and closes the connection; the account session sees a lost connection
or a failed attempt and reconnects on its back-off budget.

Time slices: slixmpp handles every stanza of a network read in one synchronous go, and a
flood arrives in reads of hundreds of stanzas (a second or more of work), during which the
UI cannot draw. `install` hands the parsed stanzas to slixmpp for at most `SLICE_SECONDS`
per turn of the event loop, in order, and continues at the next turn; while more than
`BACKLOG_STANZAS` wait, it stops reading from the socket (TCP pushes back on the server),
so what waits in memory stays bounded.
"""

from __future__ import annotations

import contextlib
import logging
import pyexpat
import time
import types
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: 4x Prosody's default c2s stanza limit (256 KiB).
MAX_STANZA_BYTES = 1024 * 1024
#: Element nesting, counting the stream root.
MAX_DEPTH = 64
SLICE_BYTES = 64 * 1024
#: Python's docs: older expat "may be vulnerable" (billion laughs, quadratic blowup,
#: large tokens, CVE-2025-59375 allocation).
SAFE_EXPAT = (2, 7, 2)
#: How long a closing TLS connection may wait for the server before it is cut.
CLOSE_GRACE = 1.0
#: Stanzas handed to slixmpp per turn of the event loop: for at most this long (seconds).
SLICE_SECONDS = 0.02
#: Parsed stanzas waiting for slixmpp above which the socket is not read.
BACKLOG_STANZAS = 1000

STREAM_TAG = "{http://etherx.jabber.org/streams}stream"
STREAMS_NS = "urn:ietf:params:xml:ns:xmpp-streams"


@dataclass(frozen=True, slots=True)
class Violation:
    """Why the stream was refused: the RFC 6120 section 4.9.3 condition and one line."""

    condition: str
    reason: str


class _Refused(Exception):
    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.reason)
        self.violation = violation


def _refuse(condition: str, reason: str) -> _Refused:
    return _Refused(Violation(condition, reason))


def _name(raw: str) -> str:
    # pyexpat with namespace_separator "}" gives "uri}local"; ElementTree wants "{uri}local".
    return "{" + raw if "}" in raw else raw


class GuardedParser:
    """A drop-in for slixmpp's ``XMLPullParser(("start", "end"))`` with the rules above."""

    def __init__(
        self,
        *,
        max_stanza_bytes: int = MAX_STANZA_BYTES,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.max_stanza_bytes = max_stanza_bytes
        self.max_depth = max_depth
        self.violation: Violation | None = None
        #: Parsed events not yet read; True marks the end of a stanza (or of the stream).
        self._events: deque[tuple[str, ET.Element, bool]] = deque()
        #: How many stanzas `_events` holds (their end events).
        self.backlog = 0
        #: `read_events` stops after the stanza that ends past this `time.perf_counter()`.
        self.deadline: float | None = None
        self._builder = ET.TreeBuilder()
        self._depth = 0
        self._fed = 0  # bytes handed to expat so far
        self._boundary = 0  # byte index where the current stanza (or gap) began
        parser = pyexpat.ParserCreate("utf-8", "}")
        parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.buffer_text = True
        parser.buffer_size = SLICE_BYTES
        parser.ordered_attributes = False
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._builder.data
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.CommentHandler = self._comment
        parser.ProcessingInstructionHandler = self._pi
        self._parser: Any = parser

    # -- the XMLPullParser interface slixmpp uses ---------------------------------

    def feed(self, data: bytes | str) -> None:
        if self.violation is not None:
            return
        if isinstance(data, str):
            data = data.encode("utf-8")
        view = memoryview(data)
        try:
            for start in range(0, len(view), SLICE_BYTES):
                self._check_size()
                piece = view[start : start + SLICE_BYTES]
                self._fed += len(piece)
                self._parser.Parse(bytes(piece), False)
            self._check_size()
        except _Refused as refused:
            self._fail(refused.violation)
        except pyexpat.ExpatError as error:
            self._fail(Violation("not-well-formed", f"not well-formed XML ({error})"))

    def read_events(self) -> Iterator[tuple[str, ET.Element]]:
        """The parsed events in order; with a `deadline`, only until the first stanza that
        ends after it (the rest stay for the next call)."""
        events = self._events
        while events:
            kind, element, boundary = events.popleft()
            if boundary:
                self.backlog -= 1
            yield kind, element
            deadline = self.deadline
            if boundary and deadline is not None and time.perf_counter() > deadline:
                return

    @property
    def pending(self) -> bool:
        """Whether parsed events wait to be read."""
        return bool(self._events)

    def close(self) -> None:
        self._events.clear()
        self.backlog = 0

    # -- pyexpat handlers ---------------------------------------------------------

    def _start(self, raw: str, attributes: dict[str, str]) -> None:
        tag = _name(raw)
        self._depth += 1
        if self._depth == 1 and tag != STREAM_TAG:
            raise _refuse("invalid-namespace", "the stream root is not a stream header")
        if self._depth > 1 and tag == STREAM_TAG:
            raise _refuse("bad-format", "a second stream header inside the stream")
        if self._depth > self.max_depth:
            raise _refuse("policy-violation", f"elements nested deeper than {self.max_depth}")
        attrib = {_name(key): value for key, value in attributes.items()}
        self._events.append(("start", self._builder.start(tag, attrib), False))

    def _end(self, raw: str) -> None:
        self._depth -= 1
        boundary = self._depth <= 1
        self._events.append(("end", self._builder.end(_name(raw)), boundary))
        if boundary:
            self.backlog += 1
            self._boundary = self._parser.CurrentByteIndex

    def _doctype(self, *_: object) -> None:
        raise _refuse("restricted-xml", "a DOCTYPE (RFC 6120 section 11.1 forbids it)")

    def _entity(self, *_: object) -> None:
        raise _refuse("restricted-xml", "an entity declaration")

    def _comment(self, _: str) -> None:
        raise _refuse("restricted-xml", "an XML comment (RFC 6120 section 11.1 forbids it)")

    def _pi(self, _target: str, _data: str) -> None:
        raise _refuse("restricted-xml", "a processing instruction")

    # -- limits and failure ---------------------------------------------------------

    def _check_size(self) -> None:
        # Modulo 2**32: CurrentByteIndex is a C long, 32 bits on some platforms; the
        # difference we need is far smaller, so it stays exact when that index wraps.
        if (self._fed - self._boundary) % (1 << 32) > self.max_stanza_bytes:
            raise _refuse(
                "policy-violation",
                f"a stanza larger than {self.max_stanza_bytes // 1024} KiB",
            )

    def _fail(self, violation: Violation) -> None:
        self.violation = violation
        self.close()
        self._parser = None  # frees whatever expat buffered
        self._builder = ET.TreeBuilder()


def stream_error(condition: str) -> bytes:
    """The stream error and stream close we send: a condition, never any text."""
    return (
        f"<stream:error><{condition} xmlns='{STREAMS_NS}'/></stream:error></stream:stream>"
    ).encode()


def excerpt(data: bytes | str, limit: int = 40) -> str:
    """A short, escaped, loggable piece of what the server sent."""
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    text = repr(data[:limit])
    return text + ("..." if len(data) > limit else "")


def expat_warning() -> str | None:
    """One line when this Python's expat is older than the one Python's docs call safe."""
    version = tuple(pyexpat.version_info)
    if version >= SAFE_EXPAT:
        return None
    have = ".".join(map(str, version))
    want = ".".join(map(str, SAFE_EXPAT))
    return (
        f"this Python uses expat {have} (< {want}: known XML parser weaknesses); "
        "the stream limits still apply, but a newer Python is safer"
    )


def install(client: Any, on_violation: Callable[[Violation], None] | None = None) -> None:
    """Make a slixmpp ``XMLStream`` parse with `GuardedParser` and close on a violation.

    Overrides ``init_parser`` (called per connection, after STARTTLS and after SASL) and
    ``data_received`` on the instance; slixmpp's own handling of the events is kept.
    """
    original_received = client.data_received

    def init_parser(self: Any) -> None:
        self.xml_depth = 0
        self.xml_root = None
        self.parser = GuardedParser()

    def data_received(self: Any, data: bytes | str) -> None:
        parser = self.parser
        if not isinstance(parser, GuardedParser):
            original_received(data)
            return
        parser.feed(data)
        if parser.violation is None:
            slicer.deliver(parser)
            return
        _refuse_stream(self, parser.violation, data)
        if on_violation is not None:
            on_violation(parser.violation)

    slicer = _Slicer(client, lambda: original_received(b""))
    client.init_parser = types.MethodType(init_parser, client)
    client.data_received = types.MethodType(data_received, client)


class _Slicer:
    """Hands parsed stanzas to slixmpp `SLICE_SECONDS` at a time, one slice per loop turn."""

    def __init__(self, client: Any, handle: Callable[[], None]) -> None:
        self._client = client
        self._handle = handle  # slixmpp's data_received(b""): reads the parser's events
        self._scheduled = False
        self._paused: Any = None  # the transport we stopped reading, if any

    def deliver(self, parser: GuardedParser) -> None:
        """One slice now (unless one is already due); the rest at the next turns."""
        if not self._scheduled:
            self._slice(parser)
        self._pace(parser)

    def _slice(self, parser: GuardedParser) -> None:
        parser.deadline = time.perf_counter() + SLICE_SECONDS
        try:
            self._handle()
        finally:
            parser.deadline = None

    def _next(self, parser: GuardedParser) -> None:
        self._scheduled = False
        if self._client.parser is not parser or parser.violation is not None:
            self._resume()  # a new stream (or a refused one): this one's leftovers are moot
            return
        self._slice(parser)
        self._pace(parser)

    def _pace(self, parser: GuardedParser) -> None:
        if self._client.parser is not parser or not parser.pending:
            self._resume()
            return
        if not self._scheduled:
            self._scheduled = True
            self._client.loop.call_soon(self._next, parser)
        transport = self._client.transport
        if parser.backlog > BACKLOG_STANZAS and self._paused is None and transport is not None:
            with contextlib.suppress(AttributeError, RuntimeError):
                transport.pause_reading()
                self._paused = transport
        elif parser.backlog <= BACKLOG_STANZAS // 2:
            self._resume()

    def _resume(self) -> None:
        transport, self._paused = self._paused, None
        if transport is not None and transport is self._client.transport:
            with contextlib.suppress(AttributeError, RuntimeError):
                transport.resume_reading()


def _refuse_stream(client: Any, violation: Violation, data: bytes | str) -> None:
    log.warning("closing the stream: the server sent %s (near %s)", violation.reason, excerpt(data))
    client.parser = None  # anything still arriving is dropped
    transport = client.transport
    if transport is None:
        return
    client.disconnect_reason = f"the server sent {violation.reason}"
    client.cancel_connection_attempt()
    with contextlib.suppress(OSError, RuntimeError):
        transport.write(stream_error(violation.condition))
    transport.close()  # flushes the stream error first
    # A TLS close waits for the server's close_notify: do not let a hostile one stall it.
    client.loop.call_later(CLOSE_GRACE, _cut, transport)


def _cut(transport: Any) -> None:
    transport.abort()  # a no-op once the connection is gone
