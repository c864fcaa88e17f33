"""The guarded stream parser on its own: same elements as slixmpp's, and the RFC 6120 rules."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pytest

from tests.xml_corpus import CORPUS, HEADER, XmlCase
from xmpp_tui.xmpp import xml_guard
from xmpp_tui.xmpp.xml_guard import (
    MAX_DEPTH,
    GuardedParser,
    excerpt,
    expat_warning,
    stream_error,
)

STANZAS = (
    b"<message from='a@b/c' to='d@e' type='chat' id='1' xml:lang='en'>"
    b"<body>h\xc3\xa9llo &amp; &lt;b&gt; &#x9b;</body>"
    b"<x xmlns='urn:other' xmlns:p='urn:p' p:attr='v'><p:y>t</p:y>tail</x></message>"
    b"<iq type='result' id='2'/>"
    b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
    b"</starttls></stream:features>"
)


def _shape(element: ET.Element) -> object:
    return (
        element.tag,
        sorted(element.attrib.items()),
        element.text,
        element.tail,
        [_shape(child) for child in element],
    )


def _run(parser: object, chunks: Iterator[bytes]) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []
    for chunk in chunks:
        parser.feed(chunk)  # type: ignore[attr-defined]
        for event, element in parser.read_events():  # type: ignore[attr-defined]
            seen.append((event, _shape(element) if event == "end" else element.tag))
    return seen


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_same_elements_as_slixmpps_parser(size: int) -> None:
    data = HEADER + STANZAS
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    ours = _run(GuardedParser(), iter(chunks))
    theirs = _run(ET.XMLPullParser(("start", "end")), iter(chunks))
    assert ours == theirs
    assert len([e for e, _ in ours if e == "end"]) > 5


def test_the_xml_declaration_at_the_start_is_allowed() -> None:
    parser = GuardedParser()
    parser.feed(b"<?xml version='1.0'?>" + HEADER + b"<iq type='get' id='1'/>")
    assert parser.violation is None
    assert [event for event, _ in parser.read_events()] == ["start", "start", "end"]


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_corpus(case: XmlCase) -> None:
    parser = GuardedParser()
    tracemalloc.start()
    started = time.monotonic()
    if not case.own_header:
        parser.feed(HEADER)
    delivered: list[ET.Element] = []
    for chunk in case.chunks():
        parser.feed(chunk)
        delivered += [el for ev, el in parser.read_events() if ev == "end"]
        if parser.violation is not None:
            break
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 50 * 1024 * 1024
    if case.condition is None:
        assert parser.violation is None
    else:
        assert parser.violation is not None, case.name
        assert parser.violation.condition == case.condition
        assert not delivered
        # dead afterwards: nothing more comes out
        parser.feed(b"<iq type='get' id='x'/>")
        assert list(parser.read_events()) == []
    for element in delivered:  # nothing forbidden reached a stanza
        text = ET.tostring(element)
        assert b"EXPANDED" not in text and b"pwned" not in text


def test_depth_cap_counts_the_stream_root() -> None:
    inside = MAX_DEPTH - 1
    ok = GuardedParser()
    ok.feed(HEADER + b"<a>" * inside + b"</a>" * inside)
    assert ok.violation is None
    deep = GuardedParser()
    deep.feed(HEADER + b"<a>" * (inside + 1))
    assert deep.violation is not None and deep.violation.condition == "policy-violation"


def test_size_is_counted_per_stanza_not_per_stream() -> None:
    parser = GuardedParser(max_stanza_bytes=4096)
    parser.feed(HEADER)
    stanza = b"<message><body>" + b"x" * 3000 + b"</body></message>"
    for _ in range(100):
        parser.feed(stanza)
    assert parser.violation is None
    assert len([e for e, _ in parser.read_events() if e == "end"]) == 200
    parser.feed(b"<message><body>" + b"x" * 5000)
    assert parser.violation is not None and parser.violation.condition == "policy-violation"


def test_stream_error_carries_no_text() -> None:
    sent = stream_error("restricted-xml")
    assert sent == (
        b"<stream:error><restricted-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        b"</stream:error></stream:stream>"
    )


def test_excerpt_is_short_and_escaped() -> None:
    shown = excerpt(b"\x1b]8;;evil\x07" + b"A" * 500)
    assert "\x1b" not in shown and "\x07" not in shown
    assert len(shown) < 80 and shown.endswith("...")


def test_expat_warning_names_the_version() -> None:
    import pyexpat

    warning = expat_warning()
    if tuple(pyexpat.version_info) < (2, 7, 2):
        assert warning is not None and ".".join(map(str, pyexpat.version_info)) in warning
    else:
        assert warning is None


def test_ten_thousand_small_stanzas_stay_fast() -> None:
    stanza = b"<message from='a@b/c' to='d@e' type='chat' id='1'><body>hello</body></message>"
    data = HEADER + stanza * 10_000
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    timings: dict[str, float] = {}
    factories: dict[str, Callable[[], object]] = {
        "slixmpp": lambda: ET.XMLPullParser(("start", "end")),
        "guarded": GuardedParser,
    }
    for name, factory in factories.items():
        parser = factory()
        started = time.perf_counter()
        count = sum(1 for _ in _feed_all(parser, chunks))
        timings[name] = time.perf_counter() - started
        assert count == 1 + 4 * 10_000
    print(f"10,000 stanzas: {timings}")
    assert timings["guarded"] < 1.0


def _feed_all(parser: object, chunks: list[bytes]) -> Iterator[object]:
    for chunk in chunks:
        parser.feed(chunk)  # type: ignore[attr-defined]
        yield from parser.read_events()  # type: ignore[attr-defined]


def test_a_deadline_ends_reading_after_the_stanza_in_hand() -> None:
    stanza = b"<message from='a@b/c' to='d@e' type='chat' id='1'><body>hello</body></message>"
    parser = GuardedParser()
    parser.feed(HEADER + stanza * 5)
    assert parser.backlog == 5 and parser.pending
    everything = list(parser.read_events())  # no deadline: the stream header and 5 stanzas
    assert len(everything) == 1 + 5 * 4 and parser.backlog == 0
    parser.feed(stanza * 5)
    parser.deadline = time.perf_counter() - 1  # already past: one stanza, then stop
    first = list(parser.read_events())
    assert [kind for kind, _ in first] == ["start", "start", "end", "end"]
    assert first[-1][1].tag.endswith("message")
    assert parser.backlog == 4 and parser.pending
    parser.deadline = None
    rest = [element for kind, element in parser.read_events() if kind == "end"]
    assert len(rest) == 8 and parser.backlog == 0 and not parser.pending  # 4 x (body, message)


# -- time slices: a burst is handed to slixmpp a slice per loop turn --------------------------


class _Transport:
    def __init__(self) -> None:
        self.paused = False
        self.pauses = 0
        self.resumes = 0

    def pause_reading(self) -> None:
        self.paused = True
        self.pauses += 1

    def resume_reading(self) -> None:
        self.paused = False
        self.resumes += 1


class _Stream:
    """What `install` uses of slixmpp's XMLStream; ``data_received`` reads the parser's
    events as slixmpp's does, and each stanza's handlers take ``work`` seconds."""

    def __init__(self, loop: asyncio.AbstractEventLoop, work: float) -> None:
        self.loop = loop
        self.parser: object = None
        self.transport = _Transport()
        self.handled: list[str] = []
        self.work = work
        self.xml_depth = 0

    def init_parser(self) -> None:  # replaced by install()
        raise AssertionError("not guarded")

    def data_received(self, data: bytes) -> None:
        self.parser.feed(data)  # type: ignore[attr-defined]
        for kind, element in self.parser.read_events():  # type: ignore[attr-defined]
            self.xml_depth += 1 if kind == "start" else -1
            if kind == "end" and self.xml_depth == 1:
                self.handled.append(element.get("id", ""))
                time.sleep(self.work)  # the stanza's handlers at work


def _burst(count: int) -> bytes:
    return HEADER + b"".join(
        f"<message id='m{i}' type='chat'><body>x</body></message>".encode() for i in range(count)
    )


async def test_a_burst_is_handled_a_slice_per_loop_turn_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xml_guard, "BACKLOG_STANZAS", 10)
    stream = _Stream(asyncio.get_running_loop(), work=0.002)
    xml_guard.install(stream)
    stream.init_parser()
    stream.data_received(_burst(100))
    first = len(stream.handled)
    # One slice: 20 ms of 2 ms stanzas (the stanza in hand is finished), not all 100.
    assert 1 <= first <= xml_guard.SLICE_SECONDS / 0.002 + 1
    assert stream.transport.paused  # more than BACKLOG_STANZAS wait: the socket is not read
    turns = 0
    while len(stream.handled) < 100:
        await asyncio.sleep(0)  # one turn of the loop: at most one more slice
        turns += 1
        assert turns < 1_000
    assert stream.handled == [f"m{i}" for i in range(100)]  # each once, in order
    assert turns >= (100 - first) / (xml_guard.SLICE_SECONDS / 0.002 + 1)
    assert not stream.transport.paused and stream.transport.pauses == 1
    await asyncio.sleep(0)
    assert stream.handled == [f"m{i}" for i in range(100)]  # nothing left, nothing twice


async def test_a_new_stream_drops_the_old_ones_leftovers() -> None:
    stream = _Stream(asyncio.get_running_loop(), work=0.002)
    xml_guard.install(stream)
    stream.init_parser()
    stream.data_received(_burst(100))
    handled = len(stream.handled)
    assert handled < 100
    stream.init_parser()  # after STARTTLS or SASL (or a reconnection): a new stream
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(stream.handled) == handled
    assert not stream.transport.paused
