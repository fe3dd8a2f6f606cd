"""StreamParser, StreamProtocol and the ready-made LinesParser/ChunksParser."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Generator
from typing import Any

import pytest

from aiohttp.errors import ConnectionError as AiohttpConnectionError
from aiohttp.errors import IncompleteRead, LineLimitExceededParserError
from aiohttp.parsers import (
    DEFAULT_LIMIT,
    ChunksParser,
    LinesParser,
    Parser,
    ParserBuffer,
    StreamParser,
    StreamProtocol,
)
from aiohttp.streams import DataQueue, EofStream, FlowControlDataQueue, StreamWriter

#: Guard against hangs: no single wait in these tests should take this long.
TIMEOUT = 2.0


class Collector:
    """A parser output that records what it is given, in order."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.eof = 0
        self.exc: BaseException | None = None

    def feed_data(self, data: Any) -> None:
        self.items.append(data)

    def feed_eof(self) -> None:
        self.eof += 1

    def set_exception(self, exc: BaseException) -> None:
        self.exc = exc

    def exception(self) -> BaseException | None:
        return self.exc


class FakeTransport(asyncio.Transport):
    """Counts pause_reading/resume_reading; ``readable`` is set while not paused."""

    def __init__(self) -> None:
        super().__init__()
        self.pauses = 0
        self.resumes = 0
        self.readable = asyncio.Event()
        self.readable.set()
        self.written: list[bytes] = []
        self.closing = False

    def pause_reading(self) -> None:
        self.pauses += 1
        self.readable.clear()

    def resume_reading(self) -> None:
        self.resumes += 1
        self.readable.set()

    def is_reading(self) -> bool:
        return self.readable.is_set()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True


class UnpausableTransport(FakeTransport):
    def pause_reading(self) -> None:
        self.pauses += 1
        raise NotImplementedError


def _never() -> bool:
    """False, but opaque to the type checker (keeps generator bodies reachable)."""
    return False


def readsome_recorder(log: list[object]) -> Parser:
    """A parser logging everything it reads, and ``"EOF"`` when EofStream arrives."""

    def parser(out: Any, buf: ParserBuffer) -> Generator[None, bytes, None]:
        log.append("start")
        try:
            while True:
                log.append((yield from buf.readsome()))
        except EofStream:
            log.append("EOF")

    return parser


def head_parser(out: Any, buf: ParserBuffer) -> Generator[None, bytes, None]:
    """Reads an HTTP-like head and returns, leaving what follows in the buffer."""
    out.feed_data((yield from buf.readuntil(b"\r\n\r\n")))


async def read_all(queue: DataQueue[Any]) -> list[Any]:
    items = []
    while True:
        try:
            items.append(await asyncio.wait_for(queue.read(), TIMEOUT))
        except EofStream:
            return items


# -- set_parser ---------------------------------------------------------------------


async def test_set_parser_returns_a_flow_control_queue_by_default() -> None:
    stream = StreamParser()
    out = stream.set_parser(LinesParser())
    assert isinstance(out, FlowControlDataQueue)
    assert stream.output is out


def test_set_parser_returns_the_given_output() -> None:
    stream = StreamParser()
    out = Collector()
    assert stream.set_parser(LinesParser(), out) is out
    assert stream.output is out


def test_output_is_none_without_parser() -> None:
    assert StreamParser().output is None


def test_parser_raising_on_priming_fails_its_output() -> None:
    def parser(out: Collector, buf: ParserBuffer) -> Generator[None, bytes, None]:
        out.feed_data(b"before")
        if not _never():
            raise KeyError("boom")
        yield

    stream = StreamParser()
    out = stream.set_parser(parser, Collector())
    assert isinstance(out.exc, KeyError)
    assert out.items == [b"before"]
    assert out.eof == 0
    assert stream.output is None


async def test_parser_finishing_on_priming_ends_its_output() -> None:
    def parser(out: DataQueue[bytes], buf: ParserBuffer) -> Generator[None, bytes, None]:
        out.feed_data(b"only")
        if _never():
            yield

    stream = StreamParser()
    out: DataQueue[bytes] = stream.set_parser(parser)
    assert out.is_eof()
    assert stream.output is None
    assert await read_all(out) == [b"only"]


async def test_parser_consuming_buffered_bytes_on_priming_ends_its_output() -> None:
    stream = StreamParser()
    stream.feed_data(b"HEAD\r\n\r\nrest")
    out = stream.set_parser(head_parser)
    assert out.is_eof()
    assert await read_all(out) == [b"HEAD\r\n\r\n"]
    assert stream.buffer == b"rest"


def test_data_fed_before_set_parser_is_seen_by_the_parser() -> None:
    stream = StreamParser()
    stream.feed_data(b"one\ntw")
    stream.feed_data(b"o\nthr")
    assert stream.buffer == b"one\ntwo\nthr"
    out = stream.set_parser(LinesParser(), Collector())
    assert out.items == [b"one\n", b"two\n"]
    assert stream.buffer == b"thr"


def test_non_generator_parser_is_rejected() -> None:
    def not_a_parser(out: Any, buf: ParserBuffer) -> list[bytes]:
        return []

    stream = StreamParser()
    with pytest.raises(TypeError):
        stream.set_parser(not_a_parser, Collector())  # type: ignore[arg-type]
    assert stream.output is None


def test_set_parser_while_another_is_set_unsets_the_first() -> None:
    first_log: list[object] = []

    def first(out: Collector, buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            yield from buf.read(100)
        except EofStream:
            first_log.append("EOF")  # returns without consuming the buffer

    stream = StreamParser()
    first_out = stream.set_parser(first, Collector())
    stream.feed_data(b"partial")
    second_log: list[object] = []
    second_out = stream.set_parser(readsome_recorder(second_log), Collector())
    assert first_log == ["EOF"]
    assert first_out.eof == 1 and first_out.exc is None
    # The bytes the first parser left behind go to the second one.
    assert second_log == ["start", b"partial"]
    assert stream.output is second_out


def test_set_exception_fails_the_output_and_every_later_one() -> None:
    closed: list[bool] = []

    def parser(out: Collector, buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            yield from buf.read(10)
        finally:
            closed.append(True)

    stream = StreamParser()
    out = stream.set_parser(parser, Collector())
    exc = OSError("reset")
    stream.set_exception(exc)
    assert stream.exception() is exc
    assert out.exc is exc
    assert closed == [True]
    assert stream.output is None

    calls: list[object] = []

    def later(out: Collector, buf: ParserBuffer) -> Generator[None, bytes, None]:
        calls.append("called")
        yield

    later_out = stream.set_parser(later, Collector())
    assert later_out.exc is exc
    assert calls == []
    assert stream.output is None


async def test_set_exception_reaches_a_waiting_reader() -> None:
    stream = StreamParser()
    out = stream.set_parser(LinesParser())
    reader = asyncio.ensure_future(out.read())
    await asyncio.sleep(0)
    assert not reader.done()
    stream.set_exception(ValueError("bad stream"))
    with pytest.raises(ValueError, match="bad stream"):
        await asyncio.wait_for(reader, TIMEOUT)
    # A new output gets the stored exception at once.
    with pytest.raises(ValueError, match="bad stream"):
        await asyncio.wait_for(stream.set_parser(LinesParser()).read(), TIMEOUT)


def test_set_transport_twice_is_an_error() -> None:
    stream = StreamParser()
    stream.set_transport(FakeTransport())
    with pytest.raises(RuntimeError):
        stream.set_transport(FakeTransport())


def test_non_positive_limit_is_rejected() -> None:
    with pytest.raises(ValueError):
        StreamParser(limit=0)


# -- pausing and resuming the stream ------------------------------------------------


def test_feed_while_paused_is_buffered_until_resume_stream() -> None:
    stream = StreamParser()
    out = stream.set_parser(LinesParser(), Collector())
    stream.feed_data(b"a\nb")
    stream.feed_data(b"\nc")
    assert out.items == []
    assert stream.buffer == b"a\nb\nc"
    stream.resume_stream()
    assert out.items == [b"a\n", b"b\n"]
    assert stream.buffer == b"c"
    # While resumed, data flows straight into the parser...
    stream.feed_data(b"d\n")
    assert out.items == [b"a\n", b"b\n", b"cd\n"]
    # ...and stops again once paused.
    stream.pause_stream()
    stream.feed_data(b"e\n")
    assert out.items == [b"a\n", b"b\n", b"cd\n"]
    assert stream.buffer == b"e\n"


def test_paused_false_feeds_the_parser_directly() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(LinesParser(), Collector())
    stream.feed_data(b"x\ny")
    assert out.items == [b"x\n"]
    assert stream.buffer == b"y"


async def test_reading_the_output_pulls_buffered_bytes_through() -> None:
    stream = StreamParser()
    out = stream.set_parser(LinesParser())
    stream.feed_data(b"first\nsecond\n")
    assert await asyncio.wait_for(out.read(), TIMEOUT) == b"first\n"
    # The read resumed the stream, which parsed everything buffered.
    assert stream.buffer == b""
    assert await asyncio.wait_for(out.read(), TIMEOUT) == b"second\n"
    # After the read the stream is paused again: new bytes wait in the buffer.
    stream.feed_data(b"third\n")
    assert stream.buffer == b"third\n"


async def test_a_waiting_reader_gets_data_fed_later() -> None:
    stream = StreamParser()
    out = stream.set_parser(LinesParser())
    reader = asyncio.ensure_future(out.read())
    await asyncio.sleep(0)
    stream.feed_data(b"li")
    stream.feed_data(b"ne\n")
    assert await asyncio.wait_for(reader, TIMEOUT) == b"line\n"


# -- EOF ----------------------------------------------------------------------------


def test_feed_eof_gives_the_parser_the_buffered_rest_then_eofstream() -> None:
    log: list[object] = []
    stream = StreamParser()
    out = stream.set_parser(readsome_recorder(log), Collector())
    stream.feed_data(b"abc")
    assert log == ["start"]  # paused: nothing pushed yet
    assert not stream.at_eof()
    stream.feed_eof()
    assert log == ["start", b"abc", "EOF"]
    assert out.eof == 1 and out.exc is None
    assert stream.at_eof()
    assert stream.output is None


async def test_parser_letting_eofstream_through_gets_connection_error() -> None:
    def parser(out: Any, buf: ParserBuffer) -> Generator[None, bytes, None]:
        out.feed_data((yield from buf.read(10)))

    stream = StreamParser()
    out = stream.set_parser(parser)
    stream.feed_data(b"abc")
    stream.feed_eof()
    assert isinstance(out.exception(), AiohttpConnectionError)
    with pytest.raises(AiohttpConnectionError):
        await asyncio.wait_for(out.read(), TIMEOUT)


async def test_parser_returning_on_eofstream_ends_its_output() -> None:
    def parser(out: Any, buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            yield from buf.read(10)
        except EofStream:
            out.feed_data(b"eof seen")

    stream = StreamParser()
    out = stream.set_parser(parser)
    stream.feed_eof()
    assert out.exception() is None
    assert await read_all(out) == [b"eof seen"]


def test_parser_raising_another_error_on_eofstream_fails_its_output() -> None:
    def parser(out: Any, buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            yield from buf.read(10)
        except EofStream:
            raise IncompleteRead(bytes(buf), 10 - len(buf)) from None

    stream = StreamParser(paused=False)
    out = stream.set_parser(parser, Collector())
    stream.feed_data(b"abc")
    stream.feed_eof()
    assert isinstance(out.exc, IncompleteRead)
    assert out.exc.partial == b"abc"
    assert out.exc.expected == 7
    assert out.eof == 0


async def test_parser_swallowing_eofstream_is_closed_and_its_reader_does_not_hang() -> None:
    events: list[str] = []

    def parser(out: Any, buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            while True:
                try:
                    yield from buf.read(10)
                except EofStream:
                    events.append("EOF")  # wrongly keeps asking for input
        finally:
            events.append("finally")

    stream = StreamParser()
    out = stream.set_parser(parser)
    reader = asyncio.ensure_future(out.read())
    await asyncio.sleep(0)
    assert not reader.done()
    stream.feed_eof()
    assert events == ["EOF", "finally"]
    with pytest.raises(EofStream):
        await asyncio.wait_for(reader, TIMEOUT)
    assert stream.output is None


def test_unset_parser_closes_a_swallowing_parser() -> None:
    events: list[str] = []

    def parser(out: Collector, buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            while True:
                try:
                    yield
                except EofStream:
                    events.append("EOF")
        finally:
            events.append("finally")

    stream = StreamParser()
    out = stream.set_parser(parser, Collector())
    stream.unset_parser()
    assert events == ["EOF", "finally"]
    assert out.eof == 1 and out.exc is None
    assert stream.output is None
    assert not stream.at_eof()  # unset_parser alone is not EOF


def test_unset_parser_without_parser_does_nothing() -> None:
    stream = StreamParser()
    stream.unset_parser()
    assert stream.output is None


def test_set_parser_after_feed_eof_primes_then_throws_eofstream() -> None:
    stream = StreamParser()
    stream.feed_data(b"tail")
    stream.feed_eof()
    assert stream.at_eof()
    log: list[object] = []
    out = stream.set_parser(readsome_recorder(log), Collector())
    assert log == ["start", b"tail", "EOF"]
    assert out.eof == 1
    assert stream.output is None


def test_parser_raising_mid_stream_fails_its_output_and_is_forgotten() -> None:
    def parser(out: Collector, buf: ParserBuffer) -> Generator[None, bytes, None]:
        while True:
            line = yield from buf.readuntil(b"\n")
            if line == b"bad\n":
                raise ValueError("bad line")
            out.feed_data(line)

    stream = StreamParser(paused=False)
    out = stream.set_parser(parser, Collector())
    stream.feed_data(b"ok\nbad\nmore\n")
    assert out.items == [b"ok\n"]
    assert isinstance(out.exc, ValueError)
    assert stream.output is None
    # The bytes after the bad line stay for a next parser; new ones join them.
    stream.feed_data(b"x")
    assert stream.buffer == b"more\nx"
    # feed_eof has no parser to end: the failed output is not touched again.
    stream.feed_eof()
    assert out.eof == 0


# -- protocol switch ----------------------------------------------------------------


@pytest.mark.parametrize("paused", [True, False])
async def test_protocol_switch_on_the_same_buffer(paused: bool) -> None:
    stream = StreamParser(paused=paused)
    head_out: DataQueue[bytes] = stream.set_parser(head_parser)
    stream.feed_data(b"GET / HTTP/1.1\r\nUpgrade: lines\r\n\r\nhello\nwor")
    assert await read_all(head_out) == [b"GET / HTTP/1.1\r\nUpgrade: lines\r\n\r\n"]
    assert stream.output is None
    assert stream.buffer == b"hello\nwor"

    lines_out: DataQueue[bytes] = stream.set_parser(LinesParser())
    assert await asyncio.wait_for(lines_out.read(), TIMEOUT) == b"hello\n"
    stream.feed_data(b"ld\n")
    assert await asyncio.wait_for(lines_out.read(), TIMEOUT) == b"world\n"
    stream.feed_eof()
    assert await read_all(lines_out) == []


# -- transport flow control ---------------------------------------------------------


async def test_transport_paused_over_twice_the_limit_and_resumed_when_drained() -> None:
    transport = FakeTransport()
    stream = StreamParser(limit=10)
    stream.set_transport(transport)
    # A parser that nobody reads does not consume (pull model): bytes pile up.
    out = stream.set_parser(LinesParser())
    line = b"abcdefghi\n"
    stream.feed_data(line)
    stream.feed_data(line)
    assert len(stream.buffer) == 20
    assert transport.pauses == 0  # not *more* than 2 * limit yet
    stream.feed_data(b"x")
    assert transport.pauses == 1
    stream.feed_data(b"yz\n")
    assert transport.pauses == 1  # paused once, not again
    assert transport.resumes == 0

    # A reader resumes the stream; the parser drains the buffer.
    assert await asyncio.wait_for(out.read(), TIMEOUT) == line
    assert len(stream.buffer) < 10
    assert transport.resumes == 1
    assert transport.is_reading()


def test_set_parser_priming_on_a_full_buffer_resumes_reading() -> None:
    # Priming runs the parser over the buffered bytes even on a paused stream;
    # once they are consumed the transport may deliver again.
    transport = FakeTransport()
    stream = StreamParser(limit=10)
    stream.set_transport(transport)
    stream.feed_data(b"abcdefghi\n" * 3)
    assert transport.pauses == 1
    out = stream.set_parser(LinesParser(), Collector())
    assert len(out.items) == 3
    assert transport.resumes == 1


def test_set_parser_leaving_the_buffer_full_keeps_reading_paused() -> None:
    transport = FakeTransport()
    stream = StreamParser(limit=10)
    stream.set_transport(transport)
    stream.feed_data(b"x" * 30)
    assert transport.pauses == 1
    # Needs more than is buffered, and nobody reads its output yet.
    stream.set_parser(ChunksParser(40), Collector())
    assert len(stream.buffer) == 30
    assert transport.resumes == 0


def test_resume_stream_without_parser_keeps_transport_paused_while_buffer_is_full() -> None:
    transport = FakeTransport()
    stream = StreamParser(limit=4)
    stream.set_transport(transport)
    stream.feed_data(b"123456789")
    assert transport.pauses == 1
    stream.resume_stream()
    assert transport.resumes == 0


def test_transport_paused_without_parser_even_when_not_paused() -> None:
    transport = FakeTransport()
    stream = StreamParser(paused=False, limit=4)
    stream.set_transport(transport)
    stream.feed_data(b"123456789")
    assert transport.pauses == 1
    # A parser set on a flowing stream consumes at once: reading resumes.
    out = stream.set_parser(ChunksParser(3), Collector())
    assert out.items == [b"123", b"456", b"789"]
    assert transport.resumes == 1


def test_transport_that_cannot_pause_is_forgotten() -> None:
    transport = UnpausableTransport()
    stream = StreamParser(limit=2)
    stream.set_transport(transport)
    stream.feed_data(b"12345")
    stream.feed_data(b"67890")
    assert transport.pauses == 1
    stream.resume_stream()
    assert transport.resumes == 0


async def _network(stream: StreamParser, transport: FakeTransport, data: bytes, step: int) -> None:
    """Deliver ``data`` in ``step``-byte pieces, only while reading is not paused."""
    for start in range(0, len(data), step):
        await transport.readable.wait()
        stream.feed_data(data[start:start + step])
        await asyncio.sleep(0)


@pytest.mark.parametrize("network_first", [True, False])
async def test_consuming_parser_needing_more_than_twice_the_limit_gets_its_chunk(
    network_first: bool,
) -> None:
    limit = 8
    transport = FakeTransport()
    stream = StreamParser(limit=limit)
    stream.set_transport(transport)
    out = stream.set_parser(ChunksParser(size=5 * limit))
    data = bytes(range(6 * limit))
    network = asyncio.ensure_future(_network(stream, transport, data, limit))
    try:
        if network_first:
            # Nobody reads yet: the network fills the buffer and gets paused.
            for _ in range(20):
                await asyncio.sleep(0)
            assert transport.pauses == 1
            assert not transport.is_reading()
        chunk = await asyncio.wait_for(out.read(), TIMEOUT)
        assert chunk == data[:5 * limit]
        await asyncio.wait_for(network, TIMEOUT)
    finally:
        network.cancel()
    stream.feed_eof()
    assert await read_all(out) == [data[5 * limit:]]


def test_at_eof() -> None:
    stream = StreamParser()
    assert not stream.at_eof()
    stream.feed_data(b"abc")
    assert not stream.at_eof()
    stream.feed_eof()
    assert stream.at_eof()


# -- LinesParser --------------------------------------------------------------------


def test_lines_parser_emits_lines_with_their_newline() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(LinesParser(), Collector())
    stream.feed_data(b"a\nbb\n\nc")
    stream.feed_data(b"cc\r\n")
    assert out.items == [b"a\n", b"bb\n", b"\n", b"ccc\r\n"]


def test_lines_parser_emits_the_trailing_partial_line_at_eof() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(LinesParser(), Collector())
    stream.feed_data(b"one\ntwo")
    stream.feed_eof()
    assert out.items == [b"one\n", b"two"]
    assert out.eof == 1 and out.exc is None
    assert stream.buffer == b""


async def test_lines_parser_on_empty_input() -> None:
    stream = StreamParser()
    out: DataQueue[bytes] = stream.set_parser(LinesParser())
    stream.feed_data(b"")
    stream.feed_eof()
    assert await read_all(out) == []
    assert out.exception() is None


async def test_lines_parser_limit_exceeded_fails_the_output() -> None:
    stream = StreamParser()
    out = stream.set_parser(LinesParser(limit=5))
    stream.feed_data(b"abcd\n")
    assert await asyncio.wait_for(out.read(), TIMEOUT) == b"abcd\n"  # exactly the limit
    stream.feed_data(b"abcde\n")
    with pytest.raises(LineLimitExceededParserError) as info:
        await asyncio.wait_for(out.read(), TIMEOUT)
    assert info.value.limit == 5
    assert isinstance(info.value, ValueError)
    assert stream.output is None


def test_lines_parser_limit_exceeded_without_any_newline() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(LinesParser(limit=4), Collector())
    stream.feed_data(b"ab")
    assert out.exception() is None
    stream.feed_data(b"cd")
    assert isinstance(out.exc, LineLimitExceededParserError)
    assert out.exc.limit == 4


def test_lines_parser_default_limit() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(LinesParser(), Collector())
    stream.feed_data(b"x" * (DEFAULT_LIMIT - 1) + b"\n")
    assert out.items == [b"x" * (DEFAULT_LIMIT - 1) + b"\n"]
    stream.feed_data(b"y" * DEFAULT_LIMIT + b"\n")
    assert isinstance(out.exc, LineLimitExceededParserError)
    assert out.exc.limit == DEFAULT_LIMIT


# -- ChunksParser -------------------------------------------------------------------


def test_chunks_parser_emits_fixed_size_chunks_and_the_rest_at_eof() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(ChunksParser(3), Collector())
    stream.feed_data(b"ab")
    stream.feed_data(b"cdefg")
    assert out.items == [b"abc", b"def"]
    stream.feed_data(b"h")
    stream.feed_eof()
    assert out.items == [b"abc", b"def", b"gh"]
    assert out.eof == 1


def test_chunks_parser_exact_multiple_has_no_empty_tail() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(ChunksParser(2), Collector())
    stream.feed_data(b"abcd")
    stream.feed_eof()
    assert out.items == [b"ab", b"cd"]


async def test_chunks_parser_on_empty_input() -> None:
    stream = StreamParser()
    out: DataQueue[bytes] = stream.set_parser(ChunksParser(4))
    stream.feed_eof()
    assert await read_all(out) == []


def test_chunks_parser_default_size() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(ChunksParser(), Collector())
    stream.feed_data(b"z" * 10000)
    assert [len(item) for item in out.items] == [8196]


@pytest.mark.parametrize("size", [0, -3])
def test_chunks_parser_rejects_non_positive_size(size: int) -> None:
    with pytest.raises(ValueError):
        ChunksParser(size)


# -- StreamProtocol -----------------------------------------------------------------


class TrackingProtocol(StreamProtocol):
    """A StreamProtocol that lets the test wait for connection_lost."""

    def __init__(self) -> None:
        super().__init__()
        self.lost: asyncio.Future[BaseException | None] = (
            asyncio.get_running_loop().create_future())

    def connection_lost(self, exc: BaseException | None) -> None:
        super().connection_lost(exc)
        self.lost.set_result(exc)


def transport_of(proto: StreamProtocol) -> asyncio.Transport | None:
    """``proto.transport``, read without the type checker's narrowing."""
    return proto.transport


async def test_stream_protocol_over_a_real_connection() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readline()
        writer.write(b"echo " + request + b"second\nlast")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_connection(TrackingProtocol, "127.0.0.1", port)
        try:
            assert proto.transport is transport
            assert proto.is_connected()
            assert isinstance(proto.writer, StreamWriter)
            assert proto.writer.transport is transport
            # connection_made handed the transport to the reader already.
            with pytest.raises(RuntimeError):
                proto.reader.set_transport(transport)

            out: DataQueue[bytes] = proto.reader.set_parser(LinesParser())
            proto.writer.write(b"ping\n")
            assert await read_all(out) == [b"echo ping\n", b"second\n", b"last"]
            assert await asyncio.wait_for(proto.lost, TIMEOUT) is None
            assert not proto.is_connected()
            assert transport_of(proto) is None
            assert proto.reader.at_eof()
            assert proto.reader.exception() is None
        finally:
            transport.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_stream_protocol_connection_lost_with_error_fails_the_output() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Linger 0: closing sends a RST, so the client's read fails.
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_connection(TrackingProtocol, "127.0.0.1", port)
        try:
            out: DataQueue[bytes] = proto.reader.set_parser(LinesParser())
            with pytest.raises(ConnectionResetError):
                await asyncio.wait_for(out.read(), TIMEOUT)
            exc = await asyncio.wait_for(proto.lost, TIMEOUT)
            assert isinstance(exc, ConnectionResetError)
            assert proto.reader.exception() is exc
            assert not proto.is_connected()
            # Every later parser on this connection fails the same way.
            assert proto.reader.set_parser(LinesParser()).exception() is exc
        finally:
            transport.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_stream_protocol_callbacks_with_a_fake_transport() -> None:
    transport = FakeTransport()
    proto = StreamProtocol(limit=4)
    assert not proto.is_connected()
    proto.connection_made(transport)
    assert proto.is_connected()
    out = proto.reader.set_parser(LinesParser(), Collector())
    proto.data_received(b"a\nbcdefgh")
    # The limit keyword reached the StreamParser: 9 bytes > 2 * 4 pause reading.
    assert transport.pauses == 1
    assert proto.eof_received() is None  # falsy: let the transport close itself
    assert out.items == [b"a\n", b"bcdefgh"]
    assert out.eof == 1
    proto.connection_lost(None)
    assert not proto.is_connected()
    assert proto.reader.at_eof()


async def test_stream_protocol_connection_lost_with_exc_on_a_fake_transport() -> None:
    proto = StreamProtocol()
    proto.connection_made(FakeTransport())
    out = proto.reader.set_parser(ChunksParser(4), Collector())
    proto.data_received(b"ab")
    exc = OSError("gone")
    proto.connection_lost(exc)
    assert out.exc is exc
    assert out.eof == 0
    assert proto.reader.exception() is exc
    assert proto.writer is not None
    with pytest.raises(ConnectionResetError):
        await proto.writer.drain()


async def test_stream_protocol_forwards_write_flow_control_to_the_writer() -> None:
    proto = StreamProtocol()
    proto.connection_made(FakeTransport())
    assert proto.writer is not None
    proto.pause_writing()
    drain = asyncio.ensure_future(proto.writer.drain())
    await asyncio.sleep(0)
    assert not drain.done()
    proto.resume_writing()
    await asyncio.wait_for(drain, TIMEOUT)


async def test_stream_protocol_flow_control_over_a_real_connection() -> None:
    """A fast sender and a reader that starts late: the socket is paused, then
    a parser needing more than 2 * limit bytes per item still gets them all."""
    limit = 1024
    # More than one recv() of the transport (256 KiB) can return at once.
    payload = bytes(range(256)) * 4096 * 2  # 2 MiB

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(payload)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        transport, proto = await loop.create_connection(
            lambda: StreamProtocol(limit=limit), "127.0.0.1", port)
        try:
            out: DataQueue[bytes] = proto.reader.set_parser(ChunksParser(5 * limit))

            # Nobody reads yet: once more than 2 * limit bytes wait, reading stops.
            for _ in range(int(TIMEOUT / 0.001)):
                if not transport.is_reading():
                    break
                await asyncio.sleep(0.001)
            assert not transport.is_reading()
            assert 2 * limit < len(proto.reader.buffer) < len(payload)
            chunks = await read_all(out)
            assert b"".join(chunks) == payload
            assert {len(chunk) for chunk in chunks[:-1]} == {5 * limit}
        finally:
            transport.close()
    finally:
        server.close()
        await server.wait_closed()


def test_stream_parser_uses_the_given_buffer() -> None:
    buf = ParserBuffer(b"preloaded\n", limit=4)
    stream = StreamParser(buf=buf)
    assert stream.buffer is buf

    def parser(out: Collector, buf: ParserBuffer) -> Generator[None, bytes, None]:
        out.feed_data((yield from buf.readuntil(b"\n")))  # the buffer's limit: 4

    out = stream.set_parser(parser, Collector())
    assert isinstance(out.exc, LineLimitExceededParserError)
    assert out.exc.limit == 4
