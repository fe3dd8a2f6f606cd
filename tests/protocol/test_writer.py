"""The writers (``Request``, ``Response``, ``HttpMessage``) put on the wire exactly
what a real peer reads back, and nothing that could split a message.

Why: a writer that frames a body wrongly (a Content-Length that lies, an
empty chunk in the middle, a chunk terminator too early, a body where none
is allowed) desynchronises the connection, and one that lets CR, LF or NUL
through a field, reason, method or target lets an attacker inject fields or
whole messages. So every output here is read back twice: by our own parsers
and by h11, an independent strict implementation acting as the real peer
(``h11.Connection(h11.CLIENT)`` after sending the matching request for a
response, ``h11.Connection(h11.SERVER)`` for a request).

What is proved:

* status line, reason, fields (names as given, in order), the Date / Server /
  User-Agent defaults and the Connection and Transfer-Encoding fields are
  what the two readers see; the body comes back byte for byte with
  Content-Length, chunked, chunked behind a chunking filter, compressed
  (deflate in the zlib format, gzip, br; decoded with zlib / gzip / brotli)
  including chunked compression whose compressor yields nothing for a while
  (no empty chunk, no early ``0\\r\\n\\r\\n``), until close for HTTP/1.0;
* HEAD answers carry headers and no body; 1xx, 204 and 304 carry neither a
  body nor Transfer-Encoding (101 with ``Connection: upgrade``);
* keep-alive and close are announced as RFC 9112 section 9.3 requires;
* every injection attempt is a ``ValueError`` with nothing written, every
  misuse (body over its Content-Length, short body, body on a 204, write
  after write_eof, header after send) fails loudly;
* the awaitables ``write()`` and ``write_eof()`` return can be awaited (a
  large chunked body over a real socket with backpressure, read by h11) or
  dropped without any warning;
* a hypothesis round trip: random fields and body pieces (empty ones
  included) -> writer -> our parser and h11 give back the same fields and
  the concatenated body.
"""

from __future__ import annotations

import asyncio
import email.utils
import gc
import gzip
import importlib
import importlib.metadata
import re
import socket
import string
import sys
import warnings
import zlib
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import h11
import pytest
from aiohttp.parsers import ParserBuffer, StreamProtocol
from aiohttp.protocol import (
    HttpMessage,
    HttpPayloadParser,
    HttpRequestParser,
    HttpResponseParser,
    HttpVersion,
    HttpVersion10,
    HttpVersion11,
    RawRequestMessage,
    RawResponseMessage,
    Request,
    Response,
)
from aiohttp.streams import EofStream
from hypothesis import given, settings
from hypothesis import strategies as st
from parser_outputs import Collector as Output

brotli: Any = importlib.import_module("brotli")  # untyped: used through Any

Kind = Literal["request", "response"]
Message = RawRequestMessage | RawResponseMessage
Pairs = list[tuple[str, str]]

SOFTWARE = (f"Python/{sys.version_info[0]}.{sys.version_info[1]} "
            f"aiohttp/{importlib.metadata.version('aiohttp-protocol')}")
#: RFC 9110 section 5.6.7: IMF-fixdate.
IMF_FIXDATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
                         r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                         r"[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT")
HOST = ("Host", "example.com")


# -- transports ----------------------------------------------------------------------


class _Ready:
    """An awaitable that completes at once."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # makes this a generator


class Collector:
    """A transport that keeps every byte written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.drains = 0

    def write(self, data: bytes) -> None:
        assert isinstance(data, (bytes, bytearray, memoryview))
        self.writes.append(bytes(data))

    def writelines(self, data: Iterable[bytes]) -> None:
        for piece in data:
            self.write(piece)

    def drain(self) -> Awaitable[None]:
        self.drains += 1
        return _Ready()

    @property
    def data(self) -> bytes:
        return b"".join(self.writes)


class CoroutineDrainCollector(Collector):
    """A transport whose ``drain`` is a coroutine function, like asyncio's
    ``StreamWriter.drain``: a coroutine created and dropped would warn."""

    def drain(self) -> Awaitable[None]:
        self.drains += 1
        return self._drain()

    async def _drain(self) -> None:
        await asyncio.sleep(0)


# -- reading the output back ------------------------------------------------------------


@dataclass
class OurRead:
    message: Message
    body: bytes
    needed_eof: bool  # the body only ended with the connection
    leftover: bytes


def our_read(kind: Kind, data: bytes, *, request_method: str = "GET") -> OurRead:
    """Read one message with our parsers, as a peer would: EOF only if the
    parser still waits once every byte is in."""
    buf = ParserBuffer()
    needed_eof = False

    def run(parser: Callable[[Output, ParserBuffer], Generator[None, bytes, None]],
            data: bytes) -> Output:
        nonlocal needed_eof
        sink = Output()
        gen = parser(sink, buf)
        try:
            next(gen)
            if data:
                gen.send(data)
            needed_eof = True
            gen.throw(EofStream())
        except StopIteration:
            return sink
        raise AssertionError("the parser still waits after EofStream")

    head_parser = HttpRequestParser() if kind == "request" else HttpResponseParser()
    (message,) = run(head_parser, data).items
    payload = HttpPayloadParser(message, readall=kind == "response",
                                response_with_body=request_method != "HEAD")
    body = run(payload, b"")
    assert body.eof
    return OurRead(message, b"".join(body.items), needed_eof, bytes(buf))


@dataclass
class H11Read:
    informational: list[h11.InformationalResponse] = field(default_factory=list)
    message: h11.Request | h11.Response | None = None
    body: bytes = b""
    needed_eof: bool = False
    complete: bool = False  # EndOfMessage seen


def h11_events(conn: h11.Connection, data: bytes, read: H11Read) -> H11Read:
    conn.receive_data(data)
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            if read.informational and read.message is None:
                return read  # an interim response: the final one is still to come
            if read.needed_eof:
                raise AssertionError("h11 needs more data after EOF")
            read.needed_eof = True
            conn.receive_data(b"")
        elif event is h11.PAUSED:  # after a 101: the connection changed protocol
            return read
        elif isinstance(event, h11.InformationalResponse):
            read.informational.append(event)
        elif isinstance(event, (h11.Request, h11.Response)):
            read.message = event
        elif isinstance(event, h11.Data):
            read.body += event.data
        elif isinstance(event, h11.EndOfMessage):
            read.complete = True
            return read
        else:
            raise AssertionError(f"unexpected h11 event {event!r}")


def h11_read_response(data: bytes, method: str = "GET",
                      request_headers: Sequence[tuple[str, str]] = ()) -> H11Read:
    """h11 as the client that sent ``method`` reads our response."""
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method=method, target="/", headers=[HOST, *request_headers]))
    conn.send(h11.EndOfMessage())
    return h11_events(conn, data, H11Read())


def h11_read_request(data: bytes) -> H11Read:
    """h11 as the server reads our request."""
    return h11_events(h11.Connection(h11.SERVER), data, H11Read())


def wire_fields(pairs: Iterable[tuple[bytes, bytes]]) -> Pairs:
    return [(name.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape"))
            for name, value in pairs]


def head_of(data: bytes) -> bytes:
    return data[:data.index(b"\r\n\r\n") + 4]


def fields_on_wire(data: bytes) -> Pairs:
    """The field lines of the head, split by hand (names as written)."""
    pairs = []
    for line in head_of(data)[:-4].split(b"\r\n")[1:]:
        name, _, value = line.partition(b": ")
        pairs.append((name, value))
    return wire_fields(pairs)


def names(pairs: Pairs) -> list[str]:
    return [name.lower() for name, _ in pairs]


def chunk_sizes(body: bytes) -> tuple[list[int], bool, bytes]:
    """Split a chunked body by hand: the sizes of the complete chunks, whether
    the last chunk and the empty trailer section were seen, and what follows."""
    sizes: list[int] = []
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            return sizes, False, body[pos:]
        size = int(body[pos:end], 16)
        if size == 0:
            assert body[end:end + 4] == b"\r\n\r\n", "the last chunk ends the body"
            return sizes, True, body[end + 4:]
        sizes.append(size)
        assert body[end + 2 + size:end + 4 + size] == b"\r\n"
        pos = end + 4 + size


def decompress(coding: str, data: bytes) -> bytes:
    if coding == "gzip":
        return gzip.decompress(data)
    if coding == "deflate":
        return zlib.decompress(data)  # the zlib format (RFC 9110 section 8.4.1.2), not raw
    assert coding == "br"
    return bytes(brotli.decompress(data))


# -- responses --------------------------------------------------------------------------


def test_response_with_content_length_reads_back() -> None:
    out = Collector()
    response = Response(out, 200)
    response.add_header("x-CuStOm", "  value with\tinner space ")
    response.add_header("Content-Length", "11")
    response.add_header("X-Dup", "1")
    response.add_header("x-dup", "2")
    response.write(b"hello")
    response.write(b"")
    response.write(b" world")
    response.write_eof()
    assert response.output_length == len(out.data)

    ours = our_read("response", out.data)
    assert isinstance(ours.message, RawResponseMessage)
    message = ours.message
    assert (message.version, message.code, message.reason) == (HttpVersion11, 200, "OK")
    assert not ours.message.should_close and not ours.needed_eof
    assert ours.body == b"hello world" and ours.leftover == b""
    fields = list(ours.message.headers.items())
    assert fields[:4] == [("x-CuStOm", "value with\tinner space"), ("Content-Length", "11"),
                          ("X-Dup", "1"), ("x-dup", "2")]
    assert names(fields[4:]) == ["date", "server"]
    assert ours.message.headers["Server"] == SOFTWARE
    date = ours.message.headers["Date"]
    assert IMF_FIXDATE.fullmatch(date), date
    assert email.utils.parsedate_to_datetime(date).tzname() == "UTC"

    peer = h11_read_response(out.data)
    assert isinstance(peer.message, h11.Response)
    assert (peer.message.status_code, peer.message.reason) == (200, b"OK")
    assert peer.message.http_version == b"1.1"
    assert wire_fields(peer.message.headers.raw_items()) == fields
    assert peer.body == b"hello world" and peer.complete and not peer.needed_eof


@pytest.mark.parametrize("pieces", [[b"abc"], [b"", b"a", b"", b"bc", b""], [b"x" * 70000, b"y"]])
def test_response_without_length_is_chunked(pieces: list[bytes]) -> None:
    out = Collector()
    response = Response(out, 201, reason="Made It")
    head_length = 0
    for piece in pieces:
        response.write(piece)
        head_length = head_length or len(head_of(out.data))
        assert b"0\r\n\r\n" not in out.data[head_length:], "an empty chunk ends the body"
    response.write_eof()
    body = b"".join(pieces)
    sizes, ended, rest = chunk_sizes(out.data[head_length:])
    assert ended and rest == b"" and 0 not in sizes and sum(sizes) == len(body)
    assert response.output_length == len(out.data)

    ours = our_read("response", out.data)
    assert isinstance(ours.message, RawResponseMessage)
    assert (ours.message.code, ours.message.reason) == (201, "Made It")
    assert ours.message.headers.getall("Transfer-Encoding") == ["chunked"]
    assert "Content-Length" not in ours.message.headers
    assert ours.body == body and not ours.needed_eof
    peer = h11_read_response(out.data)
    assert isinstance(peer.message, h11.Response) and peer.message.reason == b"Made It"
    assert peer.body == body and peer.complete and not peer.needed_eof


@pytest.mark.parametrize("size", [1, 3, 7, 16384])
def test_chunking_filter_cuts_the_body_into_chunks_of_that_size(size: int) -> None:
    out = Collector()
    response = Response(out, 200)
    response.add_chunking_filter(size)
    body = bytes(range(256)) * 9
    for start in (0, 5, 6, 100, 1000):
        response.write(body[start:{0: 5, 5: 6, 6: 100, 100: 1000, 1000: len(body)}[start]])
    response.write(b"")
    response.write_eof()
    sizes, ended, rest = chunk_sizes(out.data[len(head_of(out.data)):])
    assert ended and rest == b""
    assert sizes == [size] * (len(body) // size) + ([len(body) % size] if len(body) % size else [])
    assert our_read("response", out.data).body == body
    assert h11_read_response(out.data).body == body


@pytest.mark.parametrize("coding", ["deflate", "gzip", "br"])
@pytest.mark.parametrize("framing", ["chunked", "chunked+chunking", "until-close"])
def test_compression_filter_reads_back(coding: str, framing: str) -> None:
    out = Collector()
    version = HttpVersion10 if framing == "until-close" else HttpVersion11
    response = Response(out, 200, version)
    response.add_header("Content-Encoding", coding)
    response.add_compression_filter(coding)
    if framing == "chunked+chunking":
        response.add_chunking_filter(10)
    body = b"".join(b"line %d of a compressible body\n" % i for i in range(500))
    for start in range(0, len(body), 777):
        response.write(body[start:start + 777])
    response.write_eof()
    wire_body = out.data[len(head_of(out.data)):]

    ours = our_read("response", out.data)
    assert ours.message.compression == coding
    assert ours.body == body
    peer = h11_read_response(out.data)
    assert peer.complete
    assert decompress(coding, peer.body) == body
    if framing == "until-close":
        assert ours.needed_eof and peer.needed_eof
        assert ours.message.should_close
        assert decompress(coding, wire_body) == body
    else:
        sizes, ended, _ = chunk_sizes(wire_body)
        assert ended and 0 not in sizes
        if framing == "chunked+chunking":
            assert set(sizes[:-1]) == {10}


@pytest.mark.parametrize("coding", ["deflate", "gzip", "br"])
def test_chunked_compression_never_ends_the_body_early(coding: str) -> None:
    """A compressor holds small inputs back (brotli returns b"" for each of
    them): those writes must emit no chunk at all, above all not an empty one,
    which is the end of a chunked body."""
    out = Collector()
    response = Response(out, 200)
    response.add_header("Content-Encoding", coding)
    response.add_compression_filter(coding)
    response.send_headers()
    head_length = len(out.data)
    for _ in range(50):
        response.write(b"a")
        response.write(b"")
        sizes, ended, rest = chunk_sizes(out.data[head_length:])
        assert not ended and rest == b"" and 0 not in sizes
    if coding == "br":
        assert out.data[head_length:] == b"", "brotli gave output for tiny inputs: test is moot"
    response.write_eof()
    sizes, ended, rest = chunk_sizes(out.data[head_length:])
    assert ended and rest == b"" and 0 not in sizes
    assert our_read("response", out.data).body == b"a" * 50
    assert decompress(coding, h11_read_response(out.data).body) == b"a" * 50


def test_http10_response_without_length_runs_until_close() -> None:
    out = Collector()
    response = Response(out, 200, HttpVersion10)
    response.add_header("Connection", "keep-alive")  # impossible without a length
    response.write(b"first ")
    response.write(b"second")
    response.write_eof()
    head = head_of(out.data)
    assert head.startswith(b"HTTP/1.0 200 OK\r\n")
    assert out.data[len(head):] == b"first second"
    ours = our_read("response", out.data)
    assert ours.message.headers.getall("Connection") == ["close"]
    assert "Transfer-Encoding" not in ours.message.headers
    assert ours.message.should_close and ours.needed_eof and ours.body == b"first second"
    peer = h11_read_response(out.data)
    assert peer.needed_eof and peer.body == b"first second"
    assert not response.keep_alive()


@pytest.mark.parametrize("content_length", [None, "10"])
def test_head_response_has_headers_and_no_body(content_length: str | None) -> None:
    out = Collector()
    response = Response(out, 200, request_method="HEAD")
    if content_length is not None:
        response.add_header("Content-Length", content_length)
    response.write(b"0123456789")
    response.write_eof()
    head = head_of(out.data)
    assert out.data == head, "a HEAD response has no body"
    ours = our_read("response", out.data, request_method="HEAD")
    assert ours.body == b"" and not ours.needed_eof and ours.leftover == b""
    if content_length is not None:
        assert ours.message.headers["Content-Length"] == "10"
    peer = h11_read_response(out.data, method="HEAD")
    assert peer.complete and peer.body == b"" and not peer.needed_eof
    assert isinstance(peer.message, h11.Response) and peer.message.status_code == 200


@pytest.mark.parametrize("version", [HttpVersion10, HttpVersion11])
@pytest.mark.parametrize("content_length", [None, "10"])
def test_head_response_has_the_header_fields_of_get(version: HttpVersion,
                                                    content_length: str | None) -> None:
    """RFC 9110 section 9.3.2 (and the Response docstring: the head a GET would get): the
    server SHOULD send the fields it would send for GET; h11 frames HEAD
    answers as GET answers too."""
    heads = {}
    for method in ("GET", "HEAD"):
        out = Collector()
        response = Response(out, 200, version, request_method=method)
        response.add_header("X-A", "b")
        if content_length is not None:
            response.add_header("Content-Length", content_length)
        response.send_headers()
        heads[method] = [pair for pair in fields_on_wire(out.data) if pair[0] != "Date"]
    assert heads["HEAD"] == heads["GET"]


@pytest.mark.parametrize("status", [100, 102, 103, 204, 304])
def test_no_body_statuses_get_no_body_and_no_transfer_encoding(status: int) -> None:
    out = Collector()
    response = Response(out, status)
    response.force_chunked()
    response.add_header("X-A", "b")
    response.write(b"")
    response.write_eof()
    assert out.data == head_of(out.data)
    fields = fields_on_wire(out.data)
    assert "transfer-encoding" not in names(fields)
    assert "content-length" not in names(fields)
    ours = our_read("response", out.data)
    assert isinstance(ours.message, RawResponseMessage) and ours.message.code == status
    assert ours.body == b"" and ours.leftover == b"" and not ours.needed_eof
    peer = h11_read_response(out.data)
    if status < 200:
        assert [event.status_code for event in peer.informational] == [status]
        assert peer.message is None
    else:
        assert isinstance(peer.message, h11.Response) and peer.message.status_code == status
        assert peer.complete and peer.body == b""


@pytest.mark.parametrize("status", [204, 304, 100])
def test_body_on_a_no_body_status_is_an_error(status: int) -> None:
    out = Collector()
    response = Response(out, status)
    response.send_headers()
    sent = out.data
    with pytest.raises(ValueError):
        response.write(b"x")
    assert out.data == sent


def test_304_keeps_the_content_length_of_the_get_and_sends_no_body() -> None:
    out = Collector()
    response = Response(out, 304)
    response.add_header("Content-Length", "1234")
    response.write_eof()  # not "short": a 304 has no body whatever its Content-Length
    assert out.data == head_of(out.data)
    assert ("Content-Length", "1234") in fields_on_wire(out.data)
    peer = h11_read_response(out.data)
    assert peer.complete and peer.body == b"" and not peer.needed_eof
    assert our_read("response", out.data).leftover == b""


def test_101_switching_protocols() -> None:
    out = Collector()
    response = Response(out, 101)
    response.add_header("Upgrade", "websocket")
    response.add_header("Connection", "upgrade")
    response.add_header("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    response.send_headers()
    assert response.websocket and response.upgrade
    fields = fields_on_wire(out.data)
    assert ("Upgrade", "websocket") in fields and ("Connection", "upgrade") in fields
    assert "transfer-encoding" not in names(fields)
    ours = our_read("response", out.data)
    assert isinstance(ours.message, RawResponseMessage) and ours.message.code == 101
    assert ours.body == b"" and not ours.needed_eof
    peer = h11_read_response(out.data, request_headers=[("Connection", "upgrade"),
                                                        ("Upgrade", "websocket")])
    assert [event.status_code for event in peer.informational] == [101]


@pytest.mark.parametrize(("version", "how", "connection", "should_close"), [
    (HttpVersion11, "default", None, False),
    (HttpVersion11, "close arg", "close", True),
    (HttpVersion11, "Connection: close", "close", True),
    (HttpVersion11, "Connection: keep-alive", None, False),
    (HttpVersion11, "force_close", "close", True),
    (HttpVersion10, "default", "close", True),
    (HttpVersion10, "Connection: keep-alive", "keep-alive", False),
    (HttpVersion10, "close arg", "close", True),
])
def test_connection_field(version: HttpVersion, how: str, connection: str | None,
                          should_close: bool) -> None:
    for kind in ("response", "request"):
        out = Collector()
        close = how == "close arg"
        message: HttpMessage
        if kind == "response":
            message = Response(out, 200, version, close)
        else:
            message = Request(out, "POST", "/", version, close)
            message.add_header(*HOST)
        message.add_header("Content-Length", "2")
        if how.startswith("Connection: "):
            message.add_header("Connection", how.removeprefix("Connection: "))
        if how == "force_close":
            message.force_close()
        message.write(b"ok")
        message.write_eof()
        assert message.keep_alive() is not should_close
        ours = our_read(kind, out.data)
        got = ours.message.headers.getall("Connection", [])
        assert got == ([connection] if connection else []), (kind, got)
        assert ours.message.should_close is should_close
        assert ours.body == b"ok" and not ours.needed_eof
        peer = h11_read_response(out.data) if kind == "response" else h11_read_request(out.data)
        assert peer.body == b"ok" and peer.complete


def test_user_server_and_date_replace_the_defaults() -> None:
    out = Collector()
    response = Response(out, 200)
    response.add_header("server", "mine/1.0")
    response.add_header("DATE", "Sun, 06 Nov 1994 08:49:37 GMT")
    response.add_header("Keep-Alive", "timeout=5")  # hop-by-hop: dropped
    response.add_header("Content-Length", "0")
    response.write_eof()
    fields = fields_on_wire(out.data)
    assert [pair for pair in fields if pair[0].lower() in ("server", "date")] == [
        ("server", "mine/1.0"), ("DATE", "Sun, 06 Nov 1994 08:49:37 GMT")]
    assert "keep-alive" not in names(fields)
    peer = h11_read_response(out.data)
    assert peer.complete


def test_framing_fields_put_into_headers_directly_are_honoured() -> None:
    out = Collector()
    response = Response(out, 200)
    response.headers["Content-Length"] = "3"
    response.write(b"abc")
    with pytest.raises(ValueError):
        response.write(b"d")
    response.write_eof()
    assert our_read("response", out.data).body == b"abc"
    assert h11_read_response(out.data).body == b"abc"

    out = Collector()
    response = Response(out, 200, HttpVersion10)
    response.headers["Transfer-Encoding"] = "chunked"  # HTTP/1.0: until close instead
    response.headers["Connection"] = "keep-alive"
    response.write(b"abc")
    response.write_eof()
    fields = fields_on_wire(out.data)
    assert "transfer-encoding" not in names(fields)
    assert [value for name, value in fields if name.lower() == "connection"] == ["close"]
    assert our_read("response", out.data).body == b"abc"

    out = Collector()
    request = Request(out, "PUT", "/x")
    request.headers.add(*HOST)
    request.headers["Transfer-Encoding"] = "chunked"
    request.headers["Connection"] = "close"
    request.write(b"abc")
    request.write_eof()
    fields = fields_on_wire(out.data)
    assert [value for name, value in fields if name.lower() == "transfer-encoding"] == ["chunked"]
    assert [value for name, value in fields if name.lower() == "connection"] == ["close"]
    ours = our_read("request", out.data)
    assert ours.body == b"abc" and ours.message.should_close
    assert h11_read_request(out.data).body == b"abc"


def test_removing_content_length_from_headers_does_not_desynchronise() -> None:
    """Whatever framing the head announces must be the framing of the body:
    with its Content-Length removed from ``headers`` before sending, a
    response must not write a bare body on a connection it keeps open."""
    out = Collector()
    response = Response(out, 200)
    response.add_header("Content-Length", "3")
    del response.headers["Content-Length"]
    try:
        response.write(b"abc")
        response.write_eof()
    except ValueError:
        return  # refusing is fine too
    peer = h11_read_response(out.data)
    assert peer.body == b"abc"
    assert not peer.needed_eof or ("Connection", "close") in fields_on_wire(out.data)


def length_then_force_chunked(message: HttpMessage) -> None:
    message.add_header("Content-Length", "3")
    message.force_chunked()


def length_then_chunked_field(message: HttpMessage) -> None:
    message.add_header("Content-Length", "3")
    message.add_header("Transfer-Encoding", "chunked")


def both_in_headers(message: HttpMessage) -> None:
    message.headers.add("Content-Length", "3")
    message.headers.add("Transfer-Encoding", "chunked")


def length_then_another_in_headers(message: HttpMessage) -> None:
    message.add_header("Content-Length", "3")
    message.headers.add("Content-Length", "30")


def two_lengths_in_headers(message: HttpMessage) -> None:
    message.headers.add("Content-Length", "3")
    message.headers.add("Content-Length", "30")


FRAMING_CONFLICTS: dict[str, Callable[[HttpMessage], None]] = {
    function.__name__: function
    for function in (length_then_force_chunked, length_then_chunked_field, both_in_headers,
                     length_then_another_in_headers, two_lengths_in_headers)
}


@pytest.mark.parametrize("kind", ["response", "request"])
@pytest.mark.parametrize("conflict", list(FRAMING_CONFLICTS))
def test_a_head_never_announces_two_framings(kind: Kind, conflict: str) -> None:
    """RFC 9112 section 6.2: a sender MUST NOT send Content-Length with
    Transfer-Encoding; RFC 9110 section 8.6: one Content-Length. Two
    framings are what request smuggling is made of (our own parser refuses
    such a request), so the writer refuses, or sends one framing only."""
    out = Collector()
    message = new_message(kind, out)
    try:
        FRAMING_CONFLICTS[conflict](message)
        message.write(b"abc")
        message.write_eof()
    except ValueError:
        assert out.data == b""
        return
    framing = [name for name in names(fields_on_wire(out.data))
               if name in ("content-length", "transfer-encoding")]
    assert len(framing) == 1, framing
    assert our_read(kind, out.data).body == b"abc"
    peer = h11_read_response(out.data) if kind == "response" else h11_read_request(out.data)
    assert peer.body == b"abc"


# -- requests ---------------------------------------------------------------------------


def test_request_reads_back() -> None:
    out = Collector()
    request = Request(out, "PATCH", "/path?q=1&r=%20")
    request.add_header("Host", "example.com:8080")
    request.add_header("X-Name-As-Given", "v")
    request.add_header("Content-Length", "4")
    request.write(b"da")
    request.write(b"ta")
    request.write_eof()
    assert out.data.startswith(b"PATCH /path?q=1&r=%20 HTTP/1.1\r\n")
    ours = our_read("request", out.data)
    assert isinstance(ours.message, RawRequestMessage)
    assert (ours.message.method, ours.message.path) == ("PATCH", "/path?q=1&r=%20")
    assert list(ours.message.headers.items()) == [
        ("Host", "example.com:8080"), ("X-Name-As-Given", "v"), ("Content-Length", "4"),
        ("User-Agent", SOFTWARE)]
    assert ours.body == b"data" and ours.leftover == b""
    peer = h11_read_request(out.data)
    assert isinstance(peer.message, h11.Request)
    assert (peer.message.method, peer.message.target) == (b"PATCH", b"/path?q=1&r=%20")
    assert wire_fields(peer.message.headers.raw_items()) == list(ours.message.headers.items())
    assert peer.body == b"data"


def test_request_user_agent_can_be_given() -> None:
    out = Collector()
    request = Request(out, "GET", "/")
    request.add_header(*HOST)
    request.add_header("user-agent", "me/2")
    request.write_eof()
    assert fields_on_wire(out.data) == [HOST, ("user-agent", "me/2")]
    assert out.data.endswith(b"\r\n\r\n") and out.data == head_of(out.data)


def test_request_without_framing_has_no_body() -> None:
    out = Collector()
    request = Request(out, "POST", "/")
    request.add_header(*HOST)
    request.write(b"")
    with pytest.raises(ValueError):
        request.write(b"body")
    assert out.data == head_of(out.data)
    assert "content-length" not in names(fields_on_wire(out.data))
    assert our_read("request", out.data).body == b""


def test_chunked_request_with_chunking_and_compression() -> None:
    out = Collector()
    request = Request(out, "POST", "/upload")
    request.add_header(*HOST)
    request.add_header("Content-Encoding", "gzip")
    request.force_chunked()
    request.add_compression_filter("gzip")
    request.add_chunking_filter(100)
    body = b"".join(b"%d," % i for i in range(3000))
    request.write(body[:5000])
    request.write(b"")
    request.write(body[5000:])
    request.write_eof()
    ours = our_read("request", out.data)
    assert ours.message.compression == "gzip" and ours.body == body
    peer = h11_read_request(out.data)
    assert gzip.decompress(peer.body) == body


def test_request_target_fragment_never_reaches_the_wire() -> None:
    """RFC 9110 section 7.1: a fragment is not part of a request target; our
    parser refuses one, so the writer must not send it."""
    out = Collector()
    try:
        request = Request(out, "GET", "/a?b#frag")
    except ValueError:
        return
    request.add_header(*HOST)
    request.write_eof()
    assert b"#" not in out.data
    assert our_read("request", out.data).message.path == "/a?b"  # type: ignore[union-attr]


def test_http10_request_cannot_be_chunked() -> None:
    """HTTP/1.0 has no chunked coding, and a request body cannot run until
    close (RFC 9112 section 6.3, rule 7: no Content-Length, no body). A
    chunked HTTP/1.0 request must fail rather than write a body the server
    reads as the next request."""
    out = Collector()
    request = Request(out, "POST", "/", HttpVersion10)
    request.force_chunked()
    try:
        request.write(b"GET /smuggled HTTP/1.0\r\n\r\n")
        request.write_eof()
    except ValueError:
        return
    ours = our_read("request", out.data)
    assert ours.body == b"GET /smuggled HTTP/1.0\r\n\r\n" and ours.leftover == b""


# -- refusals: nothing is written -----------------------------------------------------

BAD_VALUE_CHARS = ["\r", "\n", "\r\n", "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f",
                   "\x7f"]
BAD_NAMES = ["X\rA", "X\nA", "X\r\nA", "X\x00A", "X A", "X:A", "", "X(A)", "Ä", "X\x7fA", "X\tA",
             "X@A", "X\"A"]


def new_message(kind: Kind, out: Collector) -> HttpMessage:
    if kind == "response":
        return Response(out, 200)
    request = Request(out, "POST", "/")
    request.add_header(*HOST)
    return request


def send(message: HttpMessage, how: str) -> None:
    if how == "send_headers":
        message.send_headers()
    elif how == "write":
        message.write(b"x")
    else:
        message.write_eof()


@pytest.mark.parametrize("kind", ["response", "request"])
@pytest.mark.parametrize("bad", BAD_VALUE_CHARS)
@pytest.mark.parametrize("name", ["X-Value", "Upgrade", "Server", "Date", "User-Agent",
                                  "Content-Length", "Transfer-Encoding", "Location"])
@pytest.mark.parametrize("via", ["add_header", "add_headers", "headers"])
def test_control_characters_in_values_are_refused(kind: Kind, bad: str, name: str,
                                                  via: str) -> None:
    for value in (f"a{bad}X-Injected: 1", f"{bad}a", f"a{bad}"):
        for how in ("send_headers", "write", "write_eof"):
            out = Collector()
            message = new_message(kind, out)
            if how == "write":
                message.add_header("Content-Length", "1")
            with pytest.raises(ValueError):
                if via == "add_header":
                    message.add_header(name, value)
                elif via == "add_headers":
                    message.add_headers((name, value))
                else:
                    message.headers.add(name, value)
                send(message, how)
            assert out.data == b"", (name, value, how)
            assert not message.is_headers_sent()


@pytest.mark.parametrize("kind", ["response", "request"])
@pytest.mark.parametrize("bad", BAD_VALUE_CHARS)
@pytest.mark.parametrize("name", ["Connection", "Keep-Alive", "TE", "Trailers",
                                  "Proxy-Authenticate"])
@pytest.mark.parametrize("via", ["add_header", "headers"])
def test_control_characters_in_consumed_fields_never_reach_the_wire(
        kind: Kind, bad: str, name: str, via: str) -> None:
    """Fields the writer consumes (Connection) or drops (hop-by-hop in a
    response) may be refused, or taken; what they carry never gets out."""
    out = Collector()
    message = new_message(kind, out)
    message.add_header("Content-Length", "0")
    value = f"close{bad}X-Injected: 1"
    try:
        if via == "add_header":
            message.add_header(name, value)
        else:
            message.headers.add(name, value)
        message.write_eof()
    except ValueError:
        assert out.data == b""
        return
    assert b"X-Injected" not in out.data
    our_read(kind, out.data)


@pytest.mark.parametrize("kind", ["response", "request"])
@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("via", ["add_header", "headers"])
def test_invalid_field_names_are_refused(kind: Kind, name: str, via: str) -> None:
    for how in ("send_headers", "write_eof"):
        out = Collector()
        message = new_message(kind, out)
        with pytest.raises(ValueError):
            if via == "add_header":
                message.add_header(name, "v")
            else:
                message.headers.add(name, "v")
            send(message, how)
        assert out.data == b""


@pytest.mark.parametrize("reason", [f"OK{bad}X-Injected: 1" for bad in BAD_VALUE_CHARS])
def test_control_characters_in_the_reason_are_refused(reason: str) -> None:
    out = Collector()
    with pytest.raises(ValueError):
        Response(out, 200, reason=reason).send_headers()
    assert out.data == b""


@pytest.mark.parametrize("status", [99, 1000, 0, -200, "200", 200.0, True, None])
def test_invalid_status_is_refused(status: Any) -> None:
    out = Collector()
    with pytest.raises((TypeError, ValueError)):
        Response(out, status).send_headers()
    assert out.data == b""


@pytest.mark.parametrize("method", ["GET\r\n", "GE T", "", "GET\x00", "GÉT", "GET\n", "G:T",
                                    "GET\t", "(GET)", "GET /x HTTP/1.1\r\nX:"])
def test_invalid_methods_are_refused(method: str) -> None:
    out = Collector()
    with pytest.raises(ValueError):
        Request(out, method, "/").send_headers()
    assert out.data == b""


@pytest.mark.parametrize("target", ["/a b", "/a\r\nX-Injected: 1", "/\r", "/\n", "/\x00",
                                    "/\x7f", "/\x1b", "/é", "", "/a\tb",
                                    "/ HTTP/1.1\r\nHost: evil\r\n\r\nGET /"])
def test_invalid_targets_are_refused(target: str) -> None:
    out = Collector()
    with pytest.raises(ValueError):
        Request(out, "GET", target).send_headers()
    assert out.data == b""


# -- misuse ---------------------------------------------------------------------------


def test_body_longer_than_content_length_fails_before_writing_that_piece() -> None:
    for kind in ("response", "request"):
        out = Collector()
        message = new_message(kind, out)
        message.add_header("Content-Length", "5")
        message.write(b"abc")
        written = out.data
        with pytest.raises(ValueError):
            message.write(b"def")
        assert out.data == written
        message.write(b"de")
        message.write_eof()
        assert our_read(kind, out.data).body == b"abcde"


async def test_length_body_of_any_buffer_type_gives_the_same_bytes_and_drains() -> None:
    # bytes take a shorter path than bytearray and memoryview: same result.
    results = []
    for make in (bytes, bytearray, memoryview):
        out = Collector()
        response = Response(out, 200)
        response.add_header("Content-Length", str(5 * 2**15))
        response.send_headers()
        for _ in range(5):
            await response.write(make(b"x" * 2**15))
        await response.write(make(b""))
        await response.write_eof()
        results.append((out.data, out.drains, response.output_length))
    assert results[0] == results[1] == results[2]
    data, drains, output_length = results[0]
    assert drains == 2  # once past 64 KiB written, and at write_eof()
    assert output_length == len(data)
    assert our_read("response", data).body == b"x" * 5 * 2**15


def test_short_body_fails_at_write_eof_and_closes() -> None:
    for kind in ("response", "request"):
        out = Collector()
        message = new_message(kind, out)
        message.add_header("Content-Length", "5")
        message.write(b"abc")
        with pytest.raises(ValueError):
            message.write_eof()
        assert not message.keep_alive()


def test_write_after_write_eof_and_header_after_send() -> None:
    out = Collector()
    response = Response(out, 200)
    with pytest.raises(ValueError):
        response.add_header("Content-Length", "five")
    response.write(b"abc")
    with pytest.raises(RuntimeError):
        response.add_header("X-Late", "1")
    with pytest.raises(RuntimeError):
        response.add_headers(("X-Late", "1"))
    with pytest.raises(RuntimeError):
        response.send_headers()
    response.write_eof()
    done = out.data
    response.write_eof()  # idempotent
    assert out.data == done
    with pytest.raises(RuntimeError):
        response.write(b"more")
    with pytest.raises(RuntimeError):
        response.write(b"")
    assert out.data == done
    assert b"X-Late" not in done
    assert our_read("response", done).body == b"abc"


def test_transfer_encoding_other_than_chunked_is_refused() -> None:
    for value in ("gzip", "chunked, gzip", "gzip, chunked", "identity", "chunked\x00"):
        out = Collector()
        response = Response(out, 200)
        with pytest.raises(ValueError):
            response.add_header("Transfer-Encoding", value)
            response.send_headers()
        assert out.data == b""


# -- the awaitables --------------------------------------------------------------------


def test_dropped_awaitables_never_warn() -> None:
    out = CoroutineDrainCollector()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = Response(out, 200)
        for _ in range(40):
            response.write(b"x" * 10000)  # past the drain threshold: a real drain is due
        response.write_eof()
        del response
        gc.collect()
    assert caught == []
    assert out.drains == 0, "drain() called although nothing awaited it"


async def test_awaited_writes_drain_the_transport() -> None:
    out = CoroutineDrainCollector()
    response = Response(out, 200)
    for _ in range(40):
        await response.write(b"x" * 10000)
    await response.write_eof()
    assert out.drains >= 2  # after ~64 KiB and at write_eof
    assert our_read("response", out.data).body == b"x" * 400000


class CountingProtocol(StreamProtocol):
    """Counts how often the transport asked the writer to stop."""

    pauses = 0

    def pause_writing(self) -> None:
        self.pauses += 1
        super().pause_writing()


@pytest.mark.parametrize("kind", ["response", "request"])
async def test_large_chunked_body_over_a_socket_with_awaited_drains(kind: Kind) -> None:
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    transport, protocol = await loop.connect_accepted_socket(
        lambda: CountingProtocol(loop=loop), ours)
    transport.set_write_buffer_limits(high=2**14)
    reader, peer_writer = await asyncio.open_connection(sock=theirs)
    assert protocol.writer is not None
    piece = bytes(range(256)) * 256  # 64 KiB
    count = 64  # 4 MiB in all: far more than the socket buffers hold

    message: HttpMessage
    if kind == "response":
        message = Response(protocol.writer, 200)
        conn = h11.Connection(h11.CLIENT)
        conn.send(h11.Request(method="GET", target="/", headers=[HOST]))
        conn.send(h11.EndOfMessage())
    else:
        message = Request(protocol.writer, "POST", "/upload")
        message.add_header(*HOST)
        message.force_chunked()
        conn = h11.Connection(h11.SERVER)

    async def produce() -> None:
        for _ in range(count):
            await message.write(piece)
            await message.write(b"")
        await message.write_eof()

    async def consume() -> bytes:
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(2**16)
                assert data, "EOF before the end of the body"
                conn.receive_data(data)
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return bytes(body)
            else:
                assert isinstance(event, (h11.Request, h11.Response)), event

    try:
        _, body = await asyncio.gather(produce(), consume())
    finally:
        transport.close()
        peer_writer.close()
        await peer_writer.wait_closed()
        await protocol.writer.wait_closed()
    assert body == piece * count
    assert protocol.pauses > 0, "the transport never pushed back: drains were not exercised"


# -- round trip -------------------------------------------------------------------------

TCHARS = "!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters
RESERVED = frozenset({"content-length", "transfer-encoding", "connection", "upgrade", "host",
                      "server", "date", "user-agent", "keep-alive", "te", "trailers",
                      "proxy-authenticate", "proxy-authorization", "content-encoding"})
field_names = st.text(TCHARS, min_size=1, max_size=12).filter(lambda n: n.lower() not in RESERVED)
#: Values: printable ASCII, HTAB/SP inside, non-ASCII text (sent as UTF-8,
#: obs-text on the wire) and surrogate escapes (raw obs-text bytes).
VALUE_CHARS = ("".join(map(chr, range(0x21, 0x7F))) + "é€日"
               + "".join(map(chr, range(0xDC80, 0xDC90))))
field_values = st.text(VALUE_CHARS + " \t" * 5, max_size=20).map(lambda v: v.strip(" \t"))
targets = st.text("".join(map(chr, range(0x21, 0x7F))).replace("#", ""), max_size=20).map(
    lambda path: "/" + path)


@dataclass(frozen=True)
class Plan:
    kind: Kind
    version: HttpVersion
    fields: Pairs
    via: list[str]
    framing: str
    chunk_size: int | None
    coding: str | None
    pieces: list[bytes]
    status: int
    method: str
    target: str


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    kind: Kind = draw(st.sampled_from(["request", "response"]))
    version = draw(st.sampled_from([HttpVersion10, HttpVersion11]))
    fields = draw(st.lists(st.tuples(field_names, field_values), max_size=15))
    via = draw(st.lists(st.sampled_from(["add_header", "add_headers", "headers"]),
                        min_size=len(fields), max_size=len(fields)))
    pieces = draw(st.lists(st.binary(max_size=200), max_size=8))
    framings = ["length"]
    if version == HttpVersion11 or kind == "response":
        framings.append("chunked")
    if kind == "response" or not any(pieces):
        framings.append("default")
    framing = draw(st.sampled_from(framings))
    compressible = framing != "length" and (kind == "response" or framing == "chunked")
    coding = draw(st.sampled_from([None, "deflate", "gzip", "br"])) if compressible else None
    return Plan(kind, version, fields, via, framing, draw(st.none() | st.integers(1, 64)), coding,
                pieces, draw(st.sampled_from([200, 201, 299, 404, 500, 599])),
                # CONNECT takes an authority, not the origin-form targets drawn here.
                draw(st.text(TCHARS, min_size=1, max_size=8).filter(lambda m: m != "CONNECT")),
                draw(targets))


def write_plan(plan: Plan, out: Collector) -> HttpMessage:
    message: HttpMessage
    if plan.kind == "response":
        message = Response(out, plan.status, plan.version)
    else:
        message = Request(out, plan.method, plan.target, plan.version)
        message.add_header(*HOST)
    for (name, value), via in zip(plan.fields, plan.via, strict=True):
        if via == "add_header":
            message.add_header(name, value)
        elif via == "add_headers":
            message.add_headers((name, value))
        else:
            message.headers.add(name, value)
    if plan.coding is not None:
        message.add_header("Content-Encoding", plan.coding)
        message.add_compression_filter(plan.coding)
    if plan.chunk_size is not None:
        message.add_chunking_filter(plan.chunk_size)
    if plan.framing == "length":
        message.add_header("Content-Length", str(sum(map(len, plan.pieces))))
    elif plan.framing == "chunked":
        message.force_chunked()
    for piece in plan.pieces:
        message.write(piece)
    message.write_eof()
    return message


@settings(max_examples=200, deadline=None)
@given(plan=plans())
def test_round_trip_through_our_parser_and_h11(plan: Plan) -> None:
    out = Collector()
    message = write_plan(plan, out)
    body = b"".join(plan.pieces)
    assert message.output_length == len(out.data)

    expected = [*([HOST] if plan.kind == "request" else []), *plan.fields,
                *([("Content-Encoding", plan.coding)] if plan.coding else [])]
    if plan.framing == "length":
        expected.append(("Content-Length", str(len(body))))
    ours = our_read(plan.kind, out.data)
    got = list(ours.message.headers.items())
    assert got[:len(expected)] == expected
    extra = got[len(expected):]
    defaults = ["date", "server"] if plan.kind == "response" else ["user-agent"]
    chunked = plan.version == HttpVersion11 and plan.framing != "length" and (
        plan.kind == "response" or plan.framing == "chunked")
    until_close = plan.kind == "response" and not chunked and plan.framing != "length"
    close = plan.version == HttpVersion10
    assert names(extra) == [*defaults, *(["transfer-encoding"] if chunked else []),
                            *(["connection"] if close else [])]
    if close:
        assert ours.message.headers["Connection"] == "close"
    assert ours.body == body and ours.leftover == b""
    assert ours.needed_eof is until_close
    assert ours.message.should_close is close

    peer = (h11_read_response(out.data) if plan.kind == "response"
            else h11_read_request(out.data))
    assert peer.message is not None and peer.complete
    assert wire_fields(peer.message.headers.raw_items()) == got
    assert peer.needed_eof is until_close
    assert (decompress(plan.coding, peer.body) if plan.coding else peer.body) == body
    if isinstance(peer.message, h11.Request):
        assert isinstance(ours.message, RawRequestMessage)
        assert peer.message.method.decode() == ours.message.method == plan.method
        assert peer.message.target.decode() == ours.message.path == plan.target
    else:
        assert isinstance(ours.message, RawResponseMessage)
        assert peer.message.status_code == ours.message.code == plan.status
        assert peer.message.reason.decode() == ours.message.reason
