"""Property tests: a parser's output does not depend on how its input is split.

For every parser below, feeding any split of the same bytes (empty chunks
included) must produce exactly what feeding them in one piece produces --
driven by hand as a generator, through ``StreamParser`` with ``paused=False``,
and through the default pull-model ``StreamParser`` resumed at random points.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiohttp.errors import ConnectionError as AiohttpConnectionError
from aiohttp.errors import LineLimitExceededParserError, ParserError
from aiohttp.parsers import ChunksParser, LinesParser, Parser, ParserBuffer, StreamParser
from aiohttp.streams import EofStream

SETTINGS = settings(max_examples=200, deadline=None)

Event = tuple[Any, ...]


class Recorder:
    """A parser output recording every call as an event."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def feed_data(self, data: Any) -> None:
        self.events.append(("data", data))

    def feed_eof(self) -> None:
        self.events.append(("eof",))

    def set_exception(self, exc: BaseException) -> None:
        if isinstance(exc, AssertionError):
            raise exc  # a check inside a test parser failed: fail the test
        # Exceptions compare by type and message: each run raises its own.
        self.events.append(("exc", type(exc), str(exc)))


# -- a custom parser mixing every ParserBuffer method ---------------------------------


def record_parser(out: Recorder, buf: ParserBuffer) -> Generator[None, bytes, None]:
    """Length-prefixed records: ``<n>=><kind><body>`` plus a terminator.

    * ``r``: body read with ``read(n)``, then ``skip(1)`` for the newline;
    * ``s``: body gathered with ``readsome(remaining)``, then anything up to
      ``\\r\\n`` dropped with ``skipuntil``;
    * ``x``: body dropped with ``skip(n)``, then ``skip(1)``;
    * ``p``: body peeked with ``waituntil(b";;")``, then dropped with
      ``skipuntil(b";;")`` (``n`` is ignored).

    The delimiters are two bytes long so that splits can fall inside them.

    The kind byte is peeked with ``wait(1)`` before being skipped. At EOF the
    unparsed rest is emitted.
    """
    try:
        while True:
            header = yield from buf.readuntil(b"=>", 7)
            size = int(header[:-2])
            kind = yield from buf.wait(1)
            yield from buf.skip(1)
            body: bytes | None
            if kind == b"r":
                body = yield from buf.read(size)
                yield from buf.skip(1)
            elif kind == b"s":
                parts = []
                need = size
                while need:
                    part = yield from buf.readsome(need)
                    assert 0 < len(part) <= need
                    parts.append(part)
                    need -= len(part)
                body = b"".join(parts)
                yield from buf.skipuntil(b"\r\n")
            elif kind == b"x":
                yield from buf.skip(size)
                body = None
                yield from buf.skip(1)
            elif kind == b"p":
                body = (yield from buf.waituntil(b";;", 9))[:-2]
                yield from buf.skipuntil(b";;")
            else:
                raise ParserError(f"unknown kind {kind!r}")
            out.feed_data((kind, size, body))
    except EofStream:
        out.feed_data(("rest", bytes(buf)))
        buf.clear()


# -- drivers ------------------------------------------------------------------------


def drive_generator(parser: Parser, chunks: list[bytes]) -> list[Event]:
    """Run ``parser`` by hand: prime, send every chunk, throw EofStream."""
    out = Recorder()
    gen = parser(out, ParserBuffer())
    try:
        next(gen)
        for chunk in chunks:
            gen.send(chunk)
        gen.throw(EofStream())
    except StopIteration:
        out.feed_eof()
    except EofStream:
        out.set_exception(AiohttpConnectionError("EOF inside the message"))
    except AssertionError:
        raise
    except Exception as exc:
        out.set_exception(exc)
    else:
        gen.close()
        raise AssertionError("the parser kept running after EofStream")
    return out.events


def drive_flowing(parser: Parser, chunks: list[bytes]) -> list[Event]:
    """Through a ``StreamParser(paused=False)``: every chunk goes straight in."""
    stream = StreamParser(paused=False)
    out = stream.set_parser(parser, Recorder())
    for chunk in chunks:
        stream.feed_data(chunk)
    stream.feed_eof()
    return out.events


def drive_pulled(
    parser: Parser, chunks: list[bytes], set_at: int, toggles: list[bool],
) -> list[Event]:
    """Through a default (paused) ``StreamParser``.

    The parser is set after ``set_at`` chunks were buffered; before each chunk
    the stream is resumed or paused again when the next toggle says so, the
    way a flow-controlled reader would.
    """
    stream = StreamParser()
    out: Recorder | None = None
    resumed = False
    for index, chunk in enumerate(chunks):
        if index == set_at:
            out = stream.set_parser(parser, Recorder())
        if index < len(toggles) and toggles[index]:
            if resumed:
                stream.pause_stream()
            else:
                stream.resume_stream()
            resumed = not resumed
        stream.feed_data(chunk)
    if out is None:
        out = stream.set_parser(parser, Recorder())
    stream.feed_eof()
    return out.events


# -- strategies ---------------------------------------------------------------------


@st.composite
def splits(draw: st.DrawFn, data: st.SearchStrategy[bytes]) -> tuple[bytes, list[bytes]]:
    """Some bytes, and the same bytes cut at arbitrary points (empty chunks too)."""
    whole = draw(data)
    points = sorted(draw(st.lists(st.integers(0, len(whole)), max_size=12)))
    chunks = []
    previous = 0
    for point in [*points, len(whole)]:
        chunks.append(whole[previous:point])
        previous = point
    assert b"".join(chunks) == whole
    return whole, chunks


def _pieces(*pieces: bytes) -> st.SearchStrategy[bytes]:
    return st.lists(st.sampled_from(pieces), max_size=40).map(b"".join)


line_data = st.one_of(
    _pieces(b"a", b"bc", b"\n", b"\r\n", b"\n\n", b"long line "),
    st.binary(max_size=60),
)

chunk_data = st.binary(max_size=80)


def _record(kind: bytes, body: bytes, junk: bytes) -> bytes:
    if kind == b"s":
        return b"%d=>s%s%s\r\n" % (len(body), body, junk)
    if kind == b"p":
        return b"%d=>p%s;;" % (len(body), body.replace(b";", b""))
    return b"%d=>%s%s\n" % (len(body), kind, body)


record = st.builds(
    _record,
    st.sampled_from([b"r", b"s", b"x", b"p"]),
    st.binary(max_size=10),
    st.binary(max_size=3).map(lambda junk: junk.replace(b"\r", b"").replace(b"\n", b"")),
)

record_data = st.one_of(
    # Well-formed records, possibly cut short or followed by garbage.
    st.tuples(st.lists(record, max_size=6).map(b"".join), st.binary(max_size=8)).map(
        lambda pair: pair[0] + pair[1]),
    # Fragments of the format in any order: errors and limits must not depend
    # on the split either.
    _pieces(b"1", b"12", b"3=>", b"=", b">", b"r", b"s", b"x", b"p", b";", b"\r", b"\n", b"ab",
            b"0=>"),
)

Factory = Callable[[st.DataObject], Parser]


def _lines(data: st.DataObject) -> Parser:
    return LinesParser(limit=data.draw(st.sampled_from([1, 4, 16, 2**16]), label="limit"))


def _chunks(data: st.DataObject) -> Parser:
    return ChunksParser(data.draw(st.integers(1, 12), label="size"))


def _records(data: st.DataObject) -> Parser:
    return record_parser


CASES: list[tuple[Factory, st.SearchStrategy[bytes]]] = [
    (_lines, line_data),
    (_chunks, chunk_data),
    (_records, record_data),
]
CASE_IDS = ["lines", "chunks", "records"]


# -- properties ---------------------------------------------------------------------


@pytest.mark.parametrize(("factory", "strategy"), CASES, ids=CASE_IDS)
@SETTINGS
@given(data=st.data())
def test_generator_output_does_not_depend_on_the_split(
    factory: Factory, strategy: st.SearchStrategy[bytes], data: st.DataObject,
) -> None:
    whole, chunks = data.draw(splits(strategy), label="input")
    parser = factory(data)
    expected = drive_generator(parser, [whole])
    assert drive_generator(parser, chunks) == expected


@pytest.mark.parametrize(("factory", "strategy"), CASES, ids=CASE_IDS)
@SETTINGS
@given(data=st.data())
def test_flowing_stream_parser_output_does_not_depend_on_the_split(
    factory: Factory, strategy: st.SearchStrategy[bytes], data: st.DataObject,
) -> None:
    whole, chunks = data.draw(splits(strategy), label="input")
    parser = factory(data)
    expected = drive_generator(parser, [whole])
    assert drive_flowing(parser, [whole]) == expected
    assert drive_flowing(parser, chunks) == expected


@pytest.mark.parametrize(("factory", "strategy"), CASES, ids=CASE_IDS)
@SETTINGS
@given(data=st.data())
def test_pulled_stream_parser_output_does_not_depend_on_the_split(
    factory: Factory, strategy: st.SearchStrategy[bytes], data: st.DataObject,
) -> None:
    whole, chunks = data.draw(splits(strategy), label="input")
    parser = factory(data)
    set_at = data.draw(st.integers(0, len(chunks)), label="set_parser before chunk")
    toggles = data.draw(st.lists(st.booleans(), max_size=len(chunks)), label="toggles")
    expected = drive_generator(parser, [whole])
    assert drive_pulled(parser, chunks, set_at, toggles) == expected


# -- what the ready-made parsers produce --------------------------------------------


@SETTINGS
@given(whole=line_data)
def test_lines_parser_output_reassembles_the_input(whole: bytes) -> None:
    events = drive_flowing(LinesParser(), [whole])
    assert events[-1] == ("eof",)
    lines = [event[1] for event in events[:-1]]
    assert b"".join(lines) == whole
    assert all(line.endswith(b"\n") for line in lines[:-1])
    assert all(line.count(b"\n") <= 1 for line in lines)
    assert b"" not in lines


@SETTINGS
@given(whole=line_data, limit=st.integers(1, 20))
def test_lines_parser_fails_exactly_when_a_line_exceeds_the_limit(whole: bytes, limit: int) -> None:
    events = drive_flowing(LinesParser(limit), [whole])
    # The first line (through its newline) longer than the limit, if any,
    # is where parsing fails; a last line without newline counts only once
    # it reaches the limit, since a newline could still end it in time.
    too_long = None
    start = 0
    while start < len(whole):
        end = whole.find(b"\n", start)
        if end < 0:
            if len(whole) - start >= limit:
                too_long = start
            break
        if end + 1 - start > limit:
            too_long = start
            break
        start = end + 1
    if too_long is None:
        assert events[-1] == ("eof",)
    else:
        kind, exc_type, _ = events[-1]
        assert (kind, exc_type) == ("exc", LineLimitExceededParserError)
        assert b"".join(event[1] for event in events[:-1]) == whole[:too_long]


@SETTINGS
@given(whole=chunk_data, size=st.integers(1, 12))
def test_chunks_parser_output_reassembles_the_input(whole: bytes, size: int) -> None:
    events = drive_flowing(ChunksParser(size), [whole])
    assert events[-1] == ("eof",)
    chunks = [event[1] for event in events[:-1]]
    assert b"".join(chunks) == whole
    assert all(len(chunk) == size for chunk in chunks[:-1])
    assert all(0 < len(chunk) <= size for chunk in chunks)
