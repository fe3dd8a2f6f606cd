"""``HttpPayloadParser``: how a message body is framed, read and decoded.

What this proves, and why it matters:

* The framing is chosen as RFC 9112 section 6.3 says, for requests and
  responses alike (HEAD answers, 1xx/204/304, Transfer-Encoding whose final
  coding is or is not chunked, Content-Length, the ``length`` argument,
  ``readall``): a parser that guesses a body's end differently from its peer
  desynchronises the connection, which is what request smuggling exploits.
  Request framing is re-checked strictly even for a message built by hand.
* Bodies come out byte-exact however the input is cut (down to one byte at a
  time), ``out.feed_eof()`` is called once at the end, and bytes after the
  body stay in the buffer for the next, pipelined, message.
* Chunked bodies follow RFC 9112 section 7.1: malformed size lines, missing
  CRLFs and bad trailers fail with the documented errors, trailers are kept
  in ``.trailers``, and every limit holds at its exact boundary.
* Content decoding handles gzip (several members), deflate in both the zlib
  format and raw, and br; corrupt or truncated data is a
  ``ContentEncodingError``. A decompression bomb (1 GiB of zeros in about
  1 MB) fails with ``PayloadTooLarge``, and a recording output proves the
  parser never handed over a piece larger than 64 KiB, i.e. never had the
  expanded body in memory. No test measures time.
"""

from __future__ import annotations

import gzip
import importlib
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import aiohttp._http_compression as http_compression
import pytest
from aiohttp.errors import ConnectionError as AiohttpConnectionError
from aiohttp.errors import (
    ContentEncodingError,
    HttpBadRequest,
    IncompleteRead,
    InvalidHeader,
    LineTooLong,
    PayloadTooLarge,
    TooManyHeaders,
    TransferEncodingError,
)
from aiohttp.parsers import ParserBuffer, StreamParser
from aiohttp.protocol import (
    HttpPayloadParser,
    HttpRequestParser,
    HttpResponseParser,
    HttpVersion10,
    HttpVersion11,
    RawRequestMessage,
    RawResponseMessage,
)
from aiohttp.streams import EofStream
from multidict import CIMultiDict, CIMultiDictProxy
from parser_outputs import Collector

brotli: Any = importlib.import_module("brotli")

#: The largest decoded piece the parser may hand over at once.
PIECE = 64 * 1024


class Output:
    """A parser output that records every piece; ``keep=False`` only counts."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.pieces: list[bytes] = []
        self.size = 0
        self.largest = 0
        self.count = 0
        self.eof = 0
        self.exc: BaseException | None = None

    def feed_data(self, data: bytes) -> None:
        assert not self.eof, "data after feed_eof()"
        assert isinstance(data, (bytes, bytearray))
        self.count += 1
        self.size += len(data)
        self.largest = max(self.largest, len(data))
        if self.keep:
            self.pieces.append(bytes(data))

    def feed_eof(self) -> None:
        self.eof += 1

    def set_exception(self, exc: BaseException) -> None:
        self.exc = exc

    @property
    def body(self) -> bytes:
        return b"".join(self.pieces)


class Run:
    """The outcome of driving a parser: its output, buffer and leftover input."""

    def __init__(self, out: Output, buf: ParserBuffer, rest: bytes, done: bool) -> None:
        self.out = out
        self.buf = buf
        self.done = done
        #: What the next parser would see: the buffer plus the unsent input.
        self.leftover = bytes(buf) + rest


def drive(parser: Callable[[Any, ParserBuffer], Any], chunks: Iterable[bytes], *,
          eof: bool = False, out: Output | None = None,
          buf: ParserBuffer | None = None) -> Run:
    """Drive ``parser`` by hand: prime it, send ``chunks``, then EOF if asked.

    Errors raised by the parser propagate. Once it returns, the chunks not
    yet sent are the leftover.
    """
    out = Output() if out is None else out
    buf = ParserBuffer() if buf is None else buf
    gen = parser(out, buf)
    pending = list(chunks)
    try:
        next(gen)
        while pending:
            gen.send(pending.pop(0))
        if eof:
            gen.throw(EofStream())
    except StopIteration:
        return Run(out, buf, b"".join(pending), True)
    gen.close()
    return Run(out, buf, b"", False)


def complete(parser: HttpPayloadParser, data: bytes, *, eof: bool = False,
             out: Output | None = None) -> Run:
    """Drive with ``data`` in one piece; the parser must finish."""
    run = drive(parser, [data], eof=eof, out=out)
    assert run.done, "the parser still waits for input"
    assert run.out.eof == 1
    return run


def bytewise(data: bytes) -> list[bytes]:
    return [data[i:i + 1] for i in range(len(data))]


def head(parser: Any, data: bytes) -> Any:
    out: list[Any] = []

    class Sink:
        def feed_data(self, item: Any) -> None:
            out.append(item)

        def feed_eof(self) -> None:
            pass

        def set_exception(self, exc: BaseException) -> None:
            raise AssertionError(exc)

    buf = ParserBuffer()
    gen = parser(Sink(), buf)
    try:
        next(gen)
        gen.send(data)
    except StopIteration:
        pass
    else:
        raise AssertionError("head parser still waiting")
    assert not buf, "the head must be exactly the bytes given"
    (message,) = out
    return message


def request(lines: str, version: str = "1.1") -> RawRequestMessage:
    """A request head parsed by our own strict parser."""
    first, _, fields = lines.partition("\n")
    text = f"{first} HTTP/{version}\r\n" + "".join(
        line + "\r\n" for line in fields.splitlines() if line) + "\r\n"
    message = head(HttpRequestParser(), text.encode())
    assert isinstance(message, RawRequestMessage)
    return message


def response(status: int, *fields: str, version: str = "1.1") -> RawResponseMessage:
    text = f"HTTP/{version} {status} Whatever\r\n" + "".join(f + "\r\n" for f in fields) + "\r\n"
    message = head(HttpResponseParser(), text.encode())
    assert isinstance(message, RawResponseMessage)
    return message


def raw_request(*fields: tuple[str, str], version: Any = HttpVersion11,
                compression: str | None = None) -> RawRequestMessage:
    """A request message built by hand, bypassing the head parser's checks."""
    headers = CIMultiDictProxy(CIMultiDict([("Host", "example.com"), *fields]))
    return RawRequestMessage("POST", "/", version, headers, False, compression)


def chunked(*pieces: bytes, trailer: bytes = b"") -> bytes:
    framed = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces if p)
    return framed + b"0\r\n" + trailer + b"\r\n"


NEXT = b"GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n"

# -- framing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "data", "body", "leftover"),
    [
        pytest.param(request("GET /\nHost: h"), NEXT, b"", NEXT, id="get-no-body"),
        pytest.param(request("POST /\nHost: h"), b"hello" + NEXT, b"", b"hello" + NEXT,
                     id="post-without-framing-has-no-body"),
        pytest.param(request("POST /\nHost: h\nContent-Length: 5"), b"hello" + NEXT, b"hello",
                     NEXT, id="content-length"),
        pytest.param(request("POST /\nHost: h\nContent-Length: 0"), NEXT, b"", NEXT,
                     id="content-length-zero"),
        pytest.param(request("POST /\nContent-Length: 3", version="1.0"), b"abcdef", b"abc",
                     b"def", id="http10-content-length"),
        pytest.param(request("POST /\nHost: h\nTransfer-Encoding: chunked"),
                     chunked(b"hel", b"lo") + NEXT, b"hello", NEXT, id="chunked"),
        pytest.param(request("POST /\nHost: h\nTransfer-Encoding: CHUNKED"),
                     chunked(b"x") + NEXT, b"x", NEXT, id="chunked-any-case"),
    ],
)
def test_request_framing(message: RawRequestMessage, data: bytes, body: bytes,
                         leftover: bytes) -> None:
    for chunks in ([data], bytewise(data)):
        run = drive(HttpPayloadParser(message), chunks)
        assert run.done
        assert run.out.body == body
        assert run.out.eof == 1
        assert run.leftover == leftover


def test_request_without_framing_has_no_body_even_with_readall() -> None:
    """RFC 9112 section 6.3 rule 7: no Content-Length, no Transfer-Encoding, no body."""
    no_framing = request("POST /\nHost: h")
    for readall in (False, True):
        run = complete(HttpPayloadParser(no_framing, readall=readall), b"GET /next")
        assert (run.out.body, run.out.eof, run.leftover) == (b"", 1, b"GET /next")


def test_request_length_argument() -> None:
    no_length = request("POST /\nHost: h")
    assert complete(HttpPayloadParser(no_length, length=3), b"abcdef").out.body == b"abc"
    # Content-Length wins over the argument.
    with_length = request("POST /\nHost: h\nContent-Length: 2")
    run = complete(HttpPayloadParser(with_length, length=4), b"abcdef")
    assert (run.out.body, run.leftover) == (b"ab", b"cdef")


@pytest.mark.parametrize(
    ("message", "kwargs", "data", "body", "leftover"),
    [
        pytest.param(response(200, "Content-Length: 5"), {}, b"helloHTTP", b"hello", b"HTTP",
                     id="content-length"),
        pytest.param(response(200, "Content-Length: 5, 5"), {}, b"helloX", b"hello", b"X",
                     id="content-length-list"),
        pytest.param(response(200, "Content-Length: 0"), {"readall": True}, b"X", b"", b"X",
                     id="content-length-zero"),
        pytest.param(response(200, "Transfer-Encoding: chunked"), {},
                     chunked(b"abc") + b"X", b"abc", b"X", id="chunked"),
        pytest.param(response(200, "Transfer-Encoding: chunked", "Content-Length: 3"), {},
                     chunked(b"hello") + b"X", b"hello", b"X", id="chunked-wins-over-length"),
        pytest.param(response(200, "Transfer-Encoding: gzip, chunked"), {},
                     chunked(b"raw") + b"X", b"raw", b"X", id="last-coding-chunked"),
        pytest.param(response(200, "Transfer-Encoding: gzip", "Transfer-Encoding: Chunked"), {},
                     chunked(b"raw") + b"X", b"raw", b"X", id="last-field-chunked"),
        pytest.param(response(200, "Content-Length: 2"), {"length": 7},
                     b"abcdef", b"ab", b"cdef", id="length-argument-loses-to-header"),
        pytest.param(response(200), {"length": 3}, b"abcdef", b"abc", b"def",
                     id="length-argument"),
        pytest.param(response(200), {}, b"abc", b"", b"abc", id="no-framing-no-readall"),
        pytest.param(response(200, "Content-Length: 5"), {"response_with_body": False},
                     b"hello", b"", b"hello", id="head-with-length"),
        pytest.param(response(200, "Transfer-Encoding: chunked"),
                     {"response_with_body": False, "readall": True},
                     chunked(b"x"), b"", chunked(b"x"), id="head-with-chunked"),
        pytest.param(response(100, "Content-Length: 5"), {"readall": True}, b"hello", b"",
                     b"hello", id="100"),
        pytest.param(response(101, "Transfer-Encoding: chunked"), {"readall": True}, b"\x81\x00",
                     b"", b"\x81\x00", id="101"),
        pytest.param(response(103, "Content-Length: 1"), {"readall": True}, b"X", b"", b"X",
                     id="103"),
        pytest.param(response(204, "Content-Length: 5"), {"readall": True}, b"hello", b"",
                     b"hello", id="204"),
        pytest.param(response(304, "Content-Length: 5"), {"readall": True}, b"hello", b"",
                     b"hello", id="304"),
        pytest.param(response(304, "Transfer-Encoding: chunked"), {"readall": True},
                     chunked(b"x"), b"", chunked(b"x"), id="304-chunked"),
    ],
)
def test_response_framing(message: RawResponseMessage, kwargs: dict[str, Any], data: bytes,
                          body: bytes, leftover: bytes) -> None:
    for chunks in ([data], bytewise(data)):
        run = drive(HttpPayloadParser(message, **kwargs), chunks)
        assert run.done, "a framed body ends without EOF"
        assert run.out.body == body
        assert run.out.eof == 1
        assert run.leftover == leftover


@pytest.mark.parametrize(
    ("message", "kwargs"),
    [
        pytest.param(response(200), {"readall": True}, id="readall"),
        pytest.param(response(200, version="1.0"), {"readall": True}, id="http10-readall"),
        pytest.param(response(200, "Transfer-Encoding: chunked, gzip"), {},
                     id="chunked-not-last"),
        pytest.param(response(200, "Transfer-Encoding: gzip", "Content-Length: 2"), {},
                     id="other-coding-beats-length"),
        pytest.param(response(200, "Transfer-Encoding: identity"), {}, id="identity"),
    ],
)
def test_response_until_close(message: RawResponseMessage, kwargs: dict[str, Any]) -> None:
    data = b"everything\r\n0\r\n\r\nuntil the end"
    for chunks in ([data], bytewise(data)):
        run = drive(HttpPayloadParser(message, **kwargs), chunks)
        assert not run.done and run.out.eof == 0, "until-close waits for EOF"
        run = drive(HttpPayloadParser(message, **kwargs), chunks, eof=True)
        assert run.done
        assert run.out.body == data
        assert run.out.eof == 1
    empty = drive(HttpPayloadParser(message, **kwargs), [], eof=True)
    assert empty.done and empty.out.body == b"" and empty.out.eof == 1


def test_bodyless_parser_returns_at_once_without_input() -> None:
    for parser in (HttpPayloadParser(request("GET /\nHost: h")),
                   HttpPayloadParser(response(204)),
                   HttpPayloadParser(response(200, "Content-Length: 9"), response_with_body=False)):
        run = drive(parser, [])
        assert run.done
        assert run.out.eof == 1
        assert run.out.count == 0


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param((("Content-Length", "5"), ("Transfer-Encoding", "chunked")), id="cl-and-te"),
        pytest.param((("Transfer-Encoding", "gzip, chunked"),), id="te-list"),
        pytest.param((("Transfer-Encoding", "chunked, identity"),), id="te-chunked-first"),
        pytest.param((("Transfer-Encoding", "identity"),), id="te-identity"),
        pytest.param((("Transfer-Encoding", "xchunked"),), id="te-xchunked"),
        pytest.param((("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")),
                     id="te-twice"),
        pytest.param((("Content-Length", "5"), ("Content-Length", "5")), id="cl-twice"),
        pytest.param((("Content-Length", "5, 5"),), id="cl-list"),
        pytest.param((("Content-Length", "+5"),), id="cl-sign"),
        pytest.param((("Content-Length", "-1"),), id="cl-negative"),
        pytest.param((("Content-Length", "0x5"),), id="cl-hex"),
        pytest.param((("Content-Length", "5_0"),), id="cl-underscore"),
        pytest.param((("Content-Length", "５"),), id="cl-fullwidth-digit"),
        pytest.param((("Content-Length", "٥"),), id="cl-arabic-digit"),
        pytest.param((("Content-Length", "1" * 19),), id="cl-19-digits"),
    ],
)
def test_request_framing_is_rechecked_for_hand_built_messages(
        fields: tuple[tuple[str, str], ...]) -> None:
    parser = HttpPayloadParser(raw_request(*fields))
    with pytest.raises(InvalidHeader):
        drive(parser, [b"5\r\nhello\r\n0\r\n\r\n"])


def test_transfer_encoding_in_http10_request_is_refused() -> None:
    parser = HttpPayloadParser(raw_request(("Transfer-Encoding", "chunked"), version=HttpVersion10))
    with pytest.raises(InvalidHeader):
        drive(parser, [chunked(b"x")])


def test_conflicting_response_lengths_are_refused() -> None:
    headers = CIMultiDictProxy(CIMultiDict([("Content-Length", "5"), ("Content-Length", "6")]))
    message = RawResponseMessage(HttpVersion11, 200, "OK", headers, False, None)
    with pytest.raises(InvalidHeader):
        drive(HttpPayloadParser(message), [b"hello!"])


# -- length and until-close bodies -----------------------------------------------------------


def test_length_body_ending_early_is_an_incomplete_read() -> None:
    message = request("POST /\nHost: h\nContent-Length: 10")
    with pytest.raises(IncompleteRead) as info:
        drive(HttpPayloadParser(message), [b"abc", b"d"], eof=True)
    assert isinstance(info.value, AiohttpConnectionError)
    assert info.value.expected == 6


def test_length_body_with_nothing_sent_is_an_incomplete_read() -> None:
    message = response(200, "Content-Length: 1")
    with pytest.raises(IncompleteRead):
        drive(HttpPayloadParser(message), [], eof=True)


def test_large_length_body_is_passed_through_in_pieces() -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    message = request(f"POST /\nHost: h\nContent-Length: {len(data)}")
    pieces = [data[i:i + 7919] for i in range(0, len(data), 7919)]
    run = drive(HttpPayloadParser(message), [*pieces, NEXT])
    assert run.done
    assert run.out.body == data
    assert run.leftover == NEXT
    assert run.out.largest <= 7919


# -- chunked bodies --------------------------------------------------------------------------


CHUNKED_REQUEST = request("POST /upload\nHost: h\nTransfer-Encoding: chunked")


@pytest.mark.parametrize(
    ("data", "body"),
    [
        pytest.param(b"5\r\nhello\r\n0\r\n\r\n", b"hello", id="simple"),
        pytest.param(b"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n",
                     b"0123456789abcdefghij", id="hex-both-cases"),
        pytest.param(b"0000000000000005\r\nhello\r\n0000000000000000\r\n\r\n", b"hello",
                     id="16-digits"),
        pytest.param(b"5;name\r\nhello\r\n0;last\r\n\r\n", b"hello", id="ext-name"),
        pytest.param(b"5;n=v;m=\"quoted; \\\"value\\\"\"\r\nhello\r\n0\r\n\r\n", b"hello",
                     id="ext-values"),
        pytest.param(b"5 ; n = v\t;\tm\r\nhello\r\n0\r\n\r\n", b"hello", id="ext-bws"),
        pytest.param(b"2\r\n\r\n\r\n3\r\n0\r\n\r\n0\r\n\r\n", b"\r\n0\r\n", id="crlf-in-data"),
        pytest.param(b"0\r\n\r\n", b"", id="empty"),
    ],
)
def test_chunked_body(data: bytes, body: bytes) -> None:
    for chunks in ([data + NEXT], bytewise(data + NEXT)):
        parser = HttpPayloadParser(CHUNKED_REQUEST)
        run = drive(parser, chunks)
        assert run.done
        assert run.out.body == body
        assert run.out.eof == 1
        assert run.leftover == NEXT
        assert dict(parser.trailers) == {}


def test_pipelined_request_after_a_chunked_body_is_parsed_from_the_same_buffer() -> None:
    buf = ParserBuffer()
    run = drive(HttpPayloadParser(CHUNKED_REQUEST), [chunked(b"abc") + NEXT[:10]], buf=buf)
    assert run.done and run.out.body == b"abc"
    assert bytes(buf) == NEXT[:10]
    items = Collector()
    gen = HttpRequestParser()(items, buf)
    next(gen)
    with pytest.raises(StopIteration):
        gen.send(NEXT[10:])
    (message,) = items.items
    assert isinstance(message, RawRequestMessage)
    assert (message.method, message.path) == ("GET", "/next")


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"0x5", id="0x-prefix"),
        pytest.param(b"+5", id="plus"),
        pytest.param(b"-5", id="minus"),
        pytest.param(b" 5", id="leading-space"),
        pytest.param(b"5 ", id="trailing-space"),
        pytest.param(b"", id="empty"),
        pytest.param(b"g", id="not-hex"),
        pytest.param(b"5_0", id="underscore"),
        pytest.param(b"0" * 17, id="17-digits"),
        pytest.param(b"1" + b"0" * 16, id="17-digits-big"),
        pytest.param(b"\xef\xbc\x95", id="fullwidth-digit"),
        pytest.param(b"5;", id="ext-no-name"),
        pytest.param(b"5;=v", id="ext-no-name-value"),
        pytest.param(b"5;n=", id="ext-no-value"),
        pytest.param(b"5;n=\"open", id="ext-unterminated"),
        pytest.param(b"5;n=a b", id="ext-space-in-token"),
        pytest.param(b"5;n\x00", id="ext-nul"),
        pytest.param(b"5\nhello", id="bare-lf"),
        pytest.param(b"5\rhello", id="bare-cr"),
    ],
)
def test_bad_chunk_size_line(line: bytes) -> None:
    data = line + b"\r\nhello\r\n0\r\n\r\n"
    for chunks in ([data], bytewise(data)):
        with pytest.raises(TransferEncodingError):
            drive(HttpPayloadParser(CHUNKED_REQUEST), chunks)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"5\r\nhelloXX0\r\n\r\n", id="no-crlf"),
        pytest.param(b"5\r\nhello\n0\r\n\r\n", id="bare-lf"),
        pytest.param(b"5\r\nhello\r0\r\n\r\n", id="bare-cr"),
        pytest.param(b"5\r\nhello!\r\n0\r\n\r\n", id="longer-than-size"),
        pytest.param(b"6\r\nhello\r\n0\r\n\r\n", id="shorter-than-size"),
    ],
)
def test_chunk_data_must_be_followed_by_crlf(data: bytes) -> None:
    with pytest.raises(TransferEncodingError):
        drive(HttpPayloadParser(CHUNKED_REQUEST), [data])


def test_chunk_size_line_limit_is_exact() -> None:
    limit = 64
    ext = b";" + b"e" * (limit - 3)
    ok = b"5" + ext + b"\r\nhello\r\n0\r\n\r\n"
    assert len(b"5" + ext) == limit - 1
    run = complete(HttpPayloadParser(CHUNKED_REQUEST, max_field_size=limit), ok)
    assert run.out.body == b"hello"
    at_limit = b"5" + ext + b"e\r\nhello\r\n0\r\n\r\n"
    run = complete(HttpPayloadParser(CHUNKED_REQUEST, max_field_size=limit), at_limit)
    assert run.out.body == b"hello"
    over = b"5" + ext + b"ee\r\nhello\r\n0\r\n\r\n"
    for chunks in ([over], bytewise(over)):
        with pytest.raises(TransferEncodingError):
            drive(HttpPayloadParser(CHUNKED_REQUEST, max_field_size=limit), chunks)
    # A line that never ends fails once the limit is passed, not at EOF.
    with pytest.raises(TransferEncodingError):
        drive(HttpPayloadParser(CHUNKED_REQUEST, max_field_size=limit), [b"5" * (limit + 3)])


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="nothing"),
        pytest.param(b"5", id="in-size-line"),
        pytest.param(b"5\r\n", id="after-size-line"),
        pytest.param(b"5\r\nhel", id="in-data"),
        pytest.param(b"5\r\nhello", id="before-crlf"),
        pytest.param(b"5\r\nhello\r", id="half-crlf"),
        pytest.param(b"5\r\nhello\r\n", id="before-last-chunk"),
        pytest.param(b"5\r\nhello\r\n0\r\n", id="before-trailer-end"),
        pytest.param(b"5\r\nhello\r\n0\r\nX-T: 1\r\n", id="in-trailers"),
    ],
)
def test_eof_inside_a_chunked_body_is_an_incomplete_read(data: bytes) -> None:
    with pytest.raises(IncompleteRead):
        drive(HttpPayloadParser(CHUNKED_REQUEST), [data], eof=True)


def test_trailers_are_kept() -> None:
    parser = HttpPayloadParser(CHUNKED_REQUEST)
    data = chunked(b"body", trailer=b"X-Checksum: abc\r\nx-multi: 1\r\nX-Multi:\t 2 \t\r\n")
    run = complete(parser, data + NEXT)
    assert run.out.body == b"body"
    assert run.leftover == NEXT
    trailers = parser.trailers
    assert isinstance(trailers, CIMultiDictProxy)
    assert trailers["x-checksum"] == "abc"
    assert trailers.getall("X-MULTI") == ["1", "2"]
    # Names keep the case they were sent in.
    assert list(trailers.items()) == [("X-Checksum", "abc"), ("x-multi", "1"), ("X-Multi", "2")]


def test_trailers_arriving_byte_by_byte() -> None:
    parser = HttpPayloadParser(CHUNKED_REQUEST)
    run = drive(parser, bytewise(chunked(b"abc", trailer=b"Expires: never\r\n") + NEXT))
    assert run.done and run.out.body == b"abc" and run.leftover == NEXT
    assert dict(parser.trailers) == {"Expires": "never"}


@pytest.mark.parametrize(
    "trailer",
    [
        pytest.param(b"Bad Name: x\r\n", id="space-in-name"),
        pytest.param(b"X-T : x\r\n", id="space-before-colon"),
        pytest.param(b"NoColon\r\n", id="no-colon"),
        pytest.param(b": x\r\n", id="empty-name"),
        pytest.param(b"X-T: 1\r\n folded\r\n", id="obs-fold"),
        pytest.param(b"X-T: a\x00b\r\n", id="nul"),
        pytest.param(b"X-T: a\x01b\r\n", id="ctl"),
        pytest.param(b"X-T: a\rb\r\n", id="bare-cr"),
        pytest.param(b"X-T: a\nY: b\r\n", id="bare-lf"),
        pytest.param(b"X\xc3\xa9: v\r\n", id="non-ascii-name"),
    ],
)
def test_bad_trailer_is_an_invalid_header(trailer: bytes) -> None:
    with pytest.raises(InvalidHeader):
        drive(HttpPayloadParser(CHUNKED_REQUEST), [chunked(b"abc", trailer=trailer)])


def test_trailer_limits_are_exact() -> None:
    # One field line: at most max_field_size bytes without its CRLF.
    line = b"X-Long: " + b"v" * 24
    assert len(line) == 32
    run = complete(HttpPayloadParser(CHUNKED_REQUEST, max_field_size=32),
                   chunked(b"a", trailer=line + b"\r\n"))
    assert run.out.body == b"a"
    with pytest.raises(LineTooLong):
        drive(HttpPayloadParser(CHUNKED_REQUEST, max_field_size=31),
              [chunked(b"a", trailer=line + b"\r\n")])
    # The whole section, blank line included: at most max_headers bytes.
    section = b"A: 1\r\nB: 2\r\n"
    size = len(section) + 2
    parser = HttpPayloadParser(CHUNKED_REQUEST, max_headers=size)
    complete(parser, chunked(b"a", trailer=section))
    assert dict(parser.trailers) == {"A": "1", "B": "2"}
    with pytest.raises(LineTooLong):
        drive(HttpPayloadParser(CHUNKED_REQUEST, max_headers=size - 1),
              [chunked(b"a", trailer=section)])
    # The number of fields: at most max_header_count.
    complete(HttpPayloadParser(CHUNKED_REQUEST, max_header_count=2),
             chunked(b"a", trailer=section))
    with pytest.raises(TooManyHeaders) as info:
        drive(HttpPayloadParser(CHUNKED_REQUEST, max_header_count=1),
              [chunked(b"a", trailer=section)])
    assert isinstance(info.value, LineTooLong)
    assert info.value.code == 431


def test_endless_trailers_fail_on_the_limit_not_at_eof() -> None:
    parser = HttpPayloadParser(CHUNKED_REQUEST)
    gen = parser(Output(), ParserBuffer())
    next(gen)
    gen.send(b"0\r\n")
    with pytest.raises(LineTooLong):
        for _ in range(10_000):
            gen.send(b"X-T: 1\r\n")


# -- max_size --------------------------------------------------------------------------------


def test_content_length_over_max_size_fails_before_reading() -> None:
    message = request("POST /\nHost: h\nContent-Length: 11")
    gen = HttpPayloadParser(message, max_size=10)(Output(), ParserBuffer())
    with pytest.raises(PayloadTooLarge) as info:
        next(gen)
    assert info.value.code == 413
    assert isinstance(info.value, HttpBadRequest)
    run = complete(HttpPayloadParser(request("POST /\nHost: h\nContent-Length: 10"), max_size=10),
                   b"0123456789")
    assert run.out.body == b"0123456789"


def test_chunked_body_over_max_size() -> None:
    run = complete(HttpPayloadParser(CHUNKED_REQUEST, max_size=10),
                   chunked(b"01234", b"56789"))
    assert run.out.body == b"0123456789"
    for chunks in ([chunked(b"01234", b"567890")], bytewise(chunked(b"01234", b"567890"))):
        out = Output()
        with pytest.raises(PayloadTooLarge):
            drive(HttpPayloadParser(CHUNKED_REQUEST, max_size=10), chunks, out=out)
        assert out.size <= 10


def test_until_close_body_over_max_size() -> None:
    message = response(200)
    run = drive(HttpPayloadParser(message, readall=True, max_size=4), [b"ab", b"cd"], eof=True)
    assert run.out.body == b"abcd"
    out = Output()
    with pytest.raises(PayloadTooLarge):
        drive(HttpPayloadParser(message, readall=True, max_size=4), [b"ab", b"cd", b"e"],
              out=out)
    assert out.size <= 4


# -- content decoding ------------------------------------------------------------------------


TEXT = b"".join(b"line %d: the quick brown fox jumps over the lazy dog\r\n" % i
                for i in range(2000))


def deflate_zlib(data: bytes) -> bytes:
    return zlib.compress(data)


def deflate_raw(data: bytes) -> bytes:
    co = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return co.compress(data) + co.flush()


def gzip_members(data: bytes) -> bytes:
    third = len(data) // 3
    return (gzip.compress(data[:third]) + gzip.compress(data[third:2 * third], mtime=0)
            + gzip.compress(data[2 * third:], compresslevel=1))


ENCODINGS: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("GZIP", gzip.compress),
    ("gzip", gzip_members),
    ("deflate", deflate_zlib),
    ("deflate", deflate_raw),
    ("br", brotli.compress),
]
ENCODING_IDS = ["gzip", "x-gzip", "gzip-upper", "gzip-multi-member", "deflate-zlib",
                "deflate-raw", "br"]


@pytest.mark.parametrize(("coding", "encode"), ENCODINGS, ids=ENCODING_IDS)
@pytest.mark.parametrize("framing", ["length", "chunked", "until-close"])
def test_decoding(coding: str, encode: Callable[[bytes], bytes], framing: str) -> None:
    encoded = encode(TEXT)
    assert len(encoded) < len(TEXT) // 4
    if framing == "length":
        message = response(200, f"Content-Encoding: {coding}", f"Content-Length: {len(encoded)}")
        data, eof = encoded + b"NEXT", False
    elif framing == "chunked":
        message = response(200, f"Content-Encoding: {coding}", "Transfer-Encoding: chunked")
        data, eof = chunked(encoded[:100], encoded[100:]) + b"NEXT", False
    else:
        message = response(200, f"Content-Encoding: {coding}")
        data, eof = encoded, True
    assert message.compression == ("gzip" if coding.lower() == "x-gzip" else coding.lower())
    for chunks in ([data], [data[i:i + 997] for i in range(0, len(data), 997)], bytewise(data)):
        run = drive(HttpPayloadParser(message, readall=True), chunks, eof=eof)
        assert run.done
        assert run.out.body == TEXT
        assert run.out.eof == 1
        assert run.leftover == (b"" if eof else b"NEXT")
    raw = drive(HttpPayloadParser(message, readall=True, compression=False), [data], eof=eof)
    assert raw.out.body == encoded


def test_br_output_left_inside_the_decompressor_is_not_lost() -> None:
    """A br body arriving in one piece that decodes to more than one output
    piece: the decompressor stops at its output limit having taken all the
    input, and the rest of the output must still be drained, not left behind
    for input that never comes."""
    encoded = brotli.compress(TEXT)
    assert len(TEXT) > PIECE
    message = response(200, "Content-Encoding: br", f"Content-Length: {len(encoded)}")
    run = complete(HttpPayloadParser(message), encoded)
    assert run.out.body == TEXT


def test_request_bodies_are_decoded_too() -> None:
    encoded = gzip.compress(TEXT)
    message = request(f"POST /\nHost: h\nContent-Encoding: gzip\nContent-Length: {len(encoded)}")
    assert message.compression == "gzip"
    assert complete(HttpPayloadParser(message), encoded).out.body == TEXT


@pytest.mark.parametrize("value", ["identity", "compress", "gzip, br", "zstd", ""])
def test_unknown_or_listed_codings_pass_through(value: str) -> None:
    message = response(200, f"Content-Encoding: {value}", "Content-Length: 4")
    assert message.compression is None
    assert complete(HttpPayloadParser(message), b"\x1f\x8b\x08\x00").out.body == b"\x1f\x8b\x08\x00"


def test_empty_body_with_a_coding_needs_no_decoding() -> None:
    message = response(200, "Content-Encoding: gzip", "Content-Length: 0")
    run = complete(HttpPayloadParser(message), b"")
    assert run.out.body == b""
    head_answer = response(200, "Content-Encoding: br", "Content-Length: 100")
    assert complete(HttpPayloadParser(head_answer, response_with_body=False), b"").out.body == b""


def corrupt(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0x55 for b in data[middle:middle + 8]) + data[middle + 8:]


BROKEN: list[Any] = [
    pytest.param("gzip", b"this is not gzip data at all", id="gzip-garbage"),
    pytest.param("gzip", corrupt(gzip.compress(TEXT)), id="gzip-corrupt"),
    pytest.param("gzip", gzip.compress(TEXT)[:-1], id="gzip-truncated-trailer"),
    pytest.param("gzip", gzip.compress(TEXT)[:200], id="gzip-truncated"),
    pytest.param("gzip", gzip.compress(TEXT)[:5], id="gzip-truncated-header"),
    pytest.param("gzip", gzip.compress(TEXT) + b"junk", id="gzip-trailing-junk"),
    pytest.param("gzip", gzip.compress(TEXT) + b"\x1f\x8bjunk", id="gzip-trailing-bad-member"),
    pytest.param("gzip", gzip.compress(TEXT) + b"\x1f", id="gzip-trailing-partial-member"),
    pytest.param("gzip", gzip.compress(TEXT)[:-8] + b"\x00" * 8, id="gzip-bad-crc"),
    pytest.param("deflate", b"\xff\xfe\xfd garbage", id="deflate-garbage"),
    pytest.param("deflate", corrupt(deflate_zlib(TEXT)), id="deflate-zlib-corrupt"),
    pytest.param("deflate", deflate_zlib(TEXT)[:-4], id="deflate-zlib-no-adler"),
    pytest.param("deflate", deflate_zlib(TEXT)[:300], id="deflate-zlib-truncated"),
    pytest.param("deflate", deflate_raw(TEXT)[:300], id="deflate-raw-truncated"),
    pytest.param("deflate", deflate_zlib(TEXT) + b"x", id="deflate-zlib-trailing"),
    pytest.param("deflate", deflate_raw(TEXT) + b"x", id="deflate-raw-trailing"),
    pytest.param("deflate", deflate_zlib(TEXT) + deflate_zlib(TEXT), id="deflate-two-streams"),
    pytest.param("deflate", b"x", id="deflate-one-byte"),
    pytest.param("br", b"\xff" * 20, id="br-garbage"),
    pytest.param("br", brotli.compress(TEXT)[:-3], id="br-truncated"),
    pytest.param("br", corrupt(brotli.compress(TEXT)), id="br-corrupt"),
    pytest.param("br", brotli.compress(TEXT) + b"x", id="br-trailing"),
]


@pytest.mark.parametrize(("coding", "data"), BROKEN)
@pytest.mark.parametrize("framing", ["length", "chunked", "until-close"])
def test_broken_encoded_bodies(coding: str, data: bytes, framing: str) -> None:
    if framing == "length":
        message = response(200, f"Content-Encoding: {coding}", f"Content-Length: {len(data)}")
        wire, eof = data, False
    elif framing == "chunked":
        message = response(200, f"Content-Encoding: {coding}", "Transfer-Encoding: chunked")
        wire, eof = chunked(data), False
    else:
        message = response(200, f"Content-Encoding: {coding}")
        wire, eof = data, True
    for chunks in ([wire], bytewise(wire)):
        out = Output()
        with pytest.raises(ContentEncodingError) as info:
            drive(HttpPayloadParser(message, readall=True), chunks, eof=eof, out=out)
        assert isinstance(info.value, HttpBadRequest)
        assert out.eof == 0, "a broken body must not look complete"


def test_br_without_brotli_is_a_content_encoding_error(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded = brotli.compress(TEXT)
    message = response(200, "Content-Encoding: br", f"Content-Length: {len(encoded)}")
    monkeypatch.setattr(http_compression, "_brotli", None)
    out = Output()
    with pytest.raises(ContentEncodingError):
        drive(HttpPayloadParser(message), [encoded], out=out)
    assert out.count == 0 and out.eof == 0
    # Without decoding the body still reads fine, as it came.
    assert complete(HttpPayloadParser(message, compression=False), encoded).out.body == encoded


def test_max_size_counts_the_framed_bytes_not_the_decoded_ones() -> None:
    encoded = gzip.compress(bytes(1_000_000))
    assert len(encoded) < 2000
    message = response(200, "Content-Encoding: gzip", "Transfer-Encoding: chunked")
    run = complete(HttpPayloadParser(message, max_size=len(encoded)), chunked(encoded))
    assert run.out.size == 1_000_000
    with pytest.raises(PayloadTooLarge):
        drive(HttpPayloadParser(message, max_size=len(encoded) - 1), [chunked(encoded)])


def test_decoded_size_limit_is_exact() -> None:
    encoded = gzip.compress(TEXT)
    message = response(200, "Content-Encoding: gzip", f"Content-Length: {len(encoded)}")
    run = complete(HttpPayloadParser(message, max_decompressed_size=len(TEXT)), encoded)
    assert run.out.body == TEXT
    with pytest.raises(PayloadTooLarge):
        drive(HttpPayloadParser(message, max_decompressed_size=len(TEXT) - 1), [encoded])


# -- decompression bombs ---------------------------------------------------------------------

GIB = 2**30
MIB = 2**20


def zlib_bomb(wbits: int, size: int = GIB) -> Iterator[bytes]:
    """``size`` zero bytes compressed, streamed: one megabyte is compressed,
    its (identical) compressed block repeated, and the trailer computed the
    same way, so that neither the zeros nor the result are ever whole in
    memory at once. ``wbits`` chooses gzip (31), zlib (15) or raw (-15)."""
    zeros = bytes(MIB)
    co = zlib.compressobj(9, zlib.DEFLATED, wbits)
    # A full flush empties the compressor's window: every megabyte after
    # the first compresses to the same bytes.
    first = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    header = first[:len(first) - len(block)]
    assert first[len(header):] == block
    final_block = co.flush()[:2]  # the empty final block: b"\x03\x00"
    yield header
    crc, adler = 0, 1
    for _ in range(size // MIB):
        yield block
        if wbits == 31:
            crc = zlib.crc32(zeros, crc)
        elif wbits == zlib.MAX_WBITS:
            adler = zlib.adler32(zeros, adler)
    yield final_block
    if wbits == 31:
        yield struct.pack("<II", crc, size & 0xFFFFFFFF)
    elif wbits == zlib.MAX_WBITS:
        yield struct.pack(">I", adler)


def brotli_bomb(size: int = GIB) -> Iterator[bytes]:
    zeros = bytes(MIB)
    compressor = brotli.Compressor(quality=1)
    for _ in range(size // MIB):
        yield bytes(compressor.process(zeros))
    yield bytes(compressor.finish())


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {
        "gzip": b"".join(zlib_bomb(31)),
        "deflate-zlib": b"".join(zlib_bomb(zlib.MAX_WBITS)),
        "deflate-raw": b"".join(zlib_bomb(-zlib.MAX_WBITS)),
        "br": b"".join(brotli_bomb()),
    }


@pytest.mark.parametrize("wbits", [31, zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_the_bomb_builder_makes_valid_streams(wbits: int) -> None:
    """Checked with the standard decoder on a smaller bomb from the same
    builder, so that the tests below test what they claim (the 1 GiB gzip
    bomb is decoded whole, by our parser, further down)."""
    data = b"".join(zlib_bomb(wbits, 8 * MIB))
    decoder = zlib.decompressobj(wbits)
    assert decoder.decompress(data) == bytes(8 * MIB)
    assert decoder.eof and not decoder.unused_data


def test_the_brotli_bomb_builder_makes_valid_streams() -> None:
    assert brotli.decompress(b"".join(brotli_bomb(8 * MIB))) == bytes(8 * MIB)


def test_the_bombs_are_small(bombs: dict[str, bytes]) -> None:
    for bomb in bombs.values():
        assert len(bomb) < 2 * MIB
    # The gzip trailer announces the 1 GiB (ISIZE, RFC 1952 section 2.3.1).
    assert struct.unpack("<I", bombs["gzip"][-4:]) == (GIB,)


@pytest.mark.parametrize(
    ("coding", "bomb"),
    [("gzip", "gzip"), ("deflate", "deflate-zlib"), ("deflate", "deflate-raw"), ("br", "br")],
)
@pytest.mark.parametrize("framing", ["length", "chunked", "until-close"])
def test_decompression_bomb_is_refused_piece_by_piece(bombs: dict[str, bytes], coding: str,
                                                      bomb: str, framing: str) -> None:
    data = bombs[bomb]
    if framing == "length":
        message = response(200, f"Content-Encoding: {coding}", f"Content-Length: {len(data)}")
        wire = data
    elif framing == "chunked":
        message = response(200, f"Content-Encoding: {coding}", "Transfer-Encoding: chunked")
        wire = chunked(data)
    else:
        message = response(200, f"Content-Encoding: {coding}")
        wire = data
    # The whole bomb arrives at once: the decoder must still expand it in
    # bounded pieces and stop at the limit.
    out = Output(keep=False)
    with pytest.raises(PayloadTooLarge) as info:
        drive(HttpPayloadParser(message, readall=True), [wire], out=out)
    assert info.value.code == 413
    assert out.largest <= PIECE, out.largest
    assert 0 < out.size <= 2**25
    assert out.eof == 0


def test_bomb_with_a_small_limit(bombs: dict[str, bytes]) -> None:
    data = bombs["gzip"]
    message = response(200, "Content-Encoding: gzip", f"Content-Length: {len(data)}")
    out = Output(keep=False)
    with pytest.raises(PayloadTooLarge) as info:
        drive(HttpPayloadParser(message, max_decompressed_size=1000), [data], out=out)
    assert info.value.limit == 1000
    assert out.size <= 1000


def test_without_a_limit_a_gigabyte_streams_through_in_small_pieces(
        bombs: dict[str, bytes]) -> None:
    data = bombs["gzip"]
    message = response(200, "Content-Encoding: gzip", f"Content-Length: {len(data)}")
    out = Output(keep=False)
    run = complete(HttpPayloadParser(message, max_decompressed_size=None), data, out=out)
    assert run.out.size == GIB
    assert run.out.largest <= PIECE


# -- through StreamParser --------------------------------------------------------------------


def test_through_stream_parser_errors_land_on_the_output() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(HttpPayloadParser(CHUNKED_REQUEST), Output())
    stream.feed_data(b"5\r\nhello\r\nzz\r\n")
    assert out.body == b"hello"
    assert isinstance(out.exc, TransferEncodingError)
    assert out.eof == 0


def test_through_stream_parser_a_body_then_the_next_head() -> None:
    stream = StreamParser(paused=False)
    body = stream.set_parser(HttpPayloadParser(CHUNKED_REQUEST), Output())
    stream.feed_data(chunked(b"one", b"two") + NEXT[:7])
    # feed_eof() comes from the body parser and again from StreamParser
    # when the parser returns (as in 0.9); a DataQueue takes both.
    assert body.body == b"onetwo" and body.eof >= 1 and body.exc is None
    heads = stream.set_parser(HttpRequestParser(), Collector())
    stream.feed_data(NEXT[7:])
    (message,) = heads.items
    assert isinstance(message, RawRequestMessage)
    assert message.path == "/next"


def test_through_stream_parser_eof_in_a_length_body() -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(HttpPayloadParser(request("POST /\nHost: h\nContent-Length: 9")),
                            Output())
    stream.feed_data(b"abc")
    stream.feed_eof()
    assert out.body == b"abc"
    assert isinstance(out.exc, IncompleteRead)
