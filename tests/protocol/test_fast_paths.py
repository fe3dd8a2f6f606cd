"""The fast paths give exactly what the general paths give.

Each fast path (the response head parsed in one piece, the body length
remembered from the head parser, the usual Content-Length read without the
general list handling) is compared with the general path on the same input.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Generator, Iterable
from typing import Any, TypeVar

import pytest

from aiohttp import _http_parser
from aiohttp.errors import InvalidHeader
from aiohttp.parsers import ParserBuffer
from aiohttp._http_writer import _DONE, _content_length
from aiohttp.protocol import (
    HttpPayloadParser,
    HttpRequestParser,
    HttpResponseParser,
    HttpVersion,
    HttpVersion11,
    Response,
)
from multidict import CIMultiDict, CIMultiDictProxy, istr

RESPONSE_HEADS = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 304\r\nETag: x\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
    b"HTTP/1.2 200 OK\r\nContent-Length: 7\r\n\r\n",
    b"HTTP/1.3 100 0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n\r\n",
    b"HTTP/1.2 200 OK\r\nConnection: close\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length:  007 \r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: X-GZIP\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip, br\r\n\r\n",
    b"HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nX-Bytes: \xff\xfe\r\nx: \t a b \t\r\n\r\n",
]

BAD_LENGTHS = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: \xd9\xa3\r\n\r\n",  # ARABIC-INDIC DIGIT THREE
    b"HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
]


class _Out:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def feed_data(self, data: Any) -> None:
        self.items.append(data)

    def feed_eof(self) -> None:
        pass

    def set_exception(self, exc: BaseException) -> None:
        raise exc


_T = TypeVar("_T")


def _run(gen: Generator[None, bytes, _T]) -> _T:
    try:
        next(gen)
    except StopIteration as stop:
        value: _T = stop.value
        return value
    raise AssertionError("the parser wanted more input")


def _buffer(data: bytes) -> ParserBuffer:
    buf = ParserBuffer()
    buf.feed_data(data)
    return buf


@pytest.mark.parametrize("head", RESPONSE_HEADS)
def test_response_fast_path_matches_general_path(head: bytes) -> None:
    parser = HttpResponseParser()
    out = _Out()
    buf = _buffer(head + b"rest")
    _run(parser(out, buf))
    assert bytes(buf) == b"rest"
    (fast,) = out.items
    status, pairs = _run(parser._read_head(_buffer(head)))
    general = parser._message(status, pairs)
    assert type(fast) is type(general)
    assert fast == general
    assert list(fast.headers.items()) == list(general.headers.items())
    # And what the rules say, worked out the long way (RFC 9112 sections 9.3
    # and 6.3 rule 3), independently of the shared code both paths use.
    headers = general.headers
    assert general.should_close == (
        _http_parser._wants_close(general.version, headers)
        or ("Content-Length" in headers and "Transfer-Encoding" in headers))
    assert general.compression == _http_parser.content_coding(headers.get("Content-Encoding"))


@pytest.mark.parametrize("head", BAD_LENGTHS)
def test_bad_lengths_refused_on_both_paths(head: bytes) -> None:
    parser = HttpResponseParser()
    with pytest.raises(InvalidHeader):
        _run(parser(_Out(), _buffer(head)))
    status, pairs = _run(parser._read_head(_buffer(head)))
    with pytest.raises(InvalidHeader):
        parser._message(status, pairs)


@pytest.mark.parametrize("value", ["0", "13", "007", "999999999999999999", "5, 5", " 5 ",
                                   "5,5", "5 , 5"])
def test_response_body_length_usual_value_matches_list_handling(value: str) -> None:
    # The general path, spelled out: every member of every value, one distinct one.
    (member,) = {part.strip(" \t") for part in value.split(",")}
    headers = CIMultiDictProxy(CIMultiDict([("Content-Length", value)]))
    assert _http_parser.response_body_length(headers) == int(member)


@pytest.mark.parametrize("value", ["", "1234567890123456789", "\u0663", "+5", "5 6", "1_0"])
def test_response_body_length_refuses_what_it_refused(value: str) -> None:
    headers = CIMultiDictProxy(CIMultiDict([("Content-Length", value)]))
    with pytest.raises(InvalidHeader):
        _http_parser.response_body_length(headers)


def _forget() -> None:
    _http_parser.remember_body_length(CIMultiDictProxy(CIMultiDict()), None)


@pytest.mark.parametrize("head", RESPONSE_HEADS)
@pytest.mark.parametrize("readall", [False, True])
def test_remembered_response_length_equals_computed(head: bytes, readall: bool) -> None:
    out = _Out()
    _run(HttpResponseParser()(out, _buffer(head)))
    (message,) = out.items
    remembered = HttpPayloadParser(message, readall=readall).body_length()
    _forget()
    assert _http_parser.known_body_length(message.headers) == (False, None)
    computed = HttpPayloadParser(message, readall=readall).body_length()
    assert remembered == computed


@pytest.mark.parametrize("head", [
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
])
def test_remembered_request_length_equals_computed(head: bytes) -> None:
    out = _Out()
    _run(HttpRequestParser()(out, _buffer(head)))
    (message,) = out.items
    remembered = HttpPayloadParser(message).body_length()
    _forget()
    computed = HttpPayloadParser(message).body_length()
    assert remembered == computed


def test_remembered_length_is_for_those_headers_and_version_only() -> None:
    out = _Out()
    _run(HttpRequestParser()(out, _buffer(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")))
    (message,) = out.items
    # The same headers with another version are not the parsed message: the
    # length is computed again, and HTTP/1.0 with Transfer-Encoding is refused.
    from aiohttp.protocol import HttpVersion10
    other = message._replace(version=HttpVersion10)
    with pytest.raises(InvalidHeader):
        HttpPayloadParser(other).body_length()
    # A copy of the headers is not the parsed message's headers either.
    copy = CIMultiDictProxy(CIMultiDict(message.headers))
    assert _http_parser.known_body_length(copy, message.version)[0] is False


# -- the writer ----------------------------------------------------------------------


class _Transport:
    """Keeps every byte written."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def writelines(self, data: Iterable[bytes]) -> None:
        for piece in data:
            self.write(piece)

    def drain(self) -> Awaitable[None]:
        return _DONE


def _outcome(steps: list[bytes | None], *, general: bool, hold: bool = False,
             length: str = "13",
             version: HttpVersion = HttpVersion11, close: bool = False,
             ) -> tuple[bytes, list[str], int, bool]:
    """Play ``steps`` (a body piece to write, None for write_eof) on a
    response, on the usual path or forced onto the general one (bytearray
    pieces; with ``hold``, also a chunking filter that holds the body until
    write_eof, which leaves the bytes of a good body unchanged); what was
    written, the errors, output_length and keep_alive()."""
    transport = _Transport()
    response = Response(transport, 200, http_version=version, close=close)
    response.add_headers(("Content-Type", "text/plain"), ("Content-Length", length))
    if hold:
        response.add_chunking_filter(1 << 20)
    errors = []
    for step in steps:
        try:
            if step is None:
                response.write_eof()
            else:
                response.write(bytearray(step) if general else step)
        except (ValueError, RuntimeError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    return b"".join(transport.writes), errors, response.output_length, response.keep_alive()


_Steps = list[tuple[list[bytes | None], str]]
GOOD_BODIES: _Steps = [
    ([b"Hello, World!", None], "13"),
    ([b"Hello, ", b"World!", None], "13"),
    ([b"", b"Hello, World!", None, None], "13"),
    ([None], "0"),
    ([b"", None], "0"),
]
BAD_BODIES: _Steps = [
    ([b"Hello", None], "13"),  # too short: ValueError, closes
    ([b"Hello, World!!", None], "13"),  # too long: ValueError
    ([b"Hello, World!", b"x", None], "13"),
    ([b"Hello, World!", None, b"x"], "13"),  # after the end: RuntimeError
]


@pytest.mark.parametrize(("steps", "length"), GOOD_BODIES + BAD_BODIES)
@pytest.mark.parametrize("close", [False, True])
def test_response_usual_path_writes_what_the_general_path_writes(
        steps: list[bytes | None], length: str, close: bool) -> None:
    usual = _outcome(steps, general=False, length=length, close=close)
    general = _outcome(steps, general=True, length=length, close=close)
    assert usual == general
    assert usual[0].startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               b"Content-Length: " + length.encode() + b"\r\n")


@pytest.mark.parametrize(("steps", "length"), GOOD_BODIES)
@pytest.mark.parametrize("close", [False, True])
def test_response_usual_end_writes_what_the_general_end_writes(
        steps: list[bytes | None], length: str, close: bool) -> None:
    assert (_outcome(steps, general=False, length=length, close=close)
            == _outcome(steps, general=True, hold=True, length=length, close=close))


def test_response_usual_end_refuses_a_short_body_and_closes() -> None:
    data, errors, output_length, keep_alive = _outcome([b"Hello", None], general=False)
    assert errors == ["ValueError: the body ended after 5 of the 13 bytes of its Content-Length"]
    assert keep_alive is False
    assert data.endswith(b"\r\n\r\nHello") and output_length == len(data)


def test_response_body_never_leaves_without_its_head() -> None:
    # send_headers() refuses a field put into ``headers`` directly after it
    # has chosen the body writer; the writes that follow must refuse too,
    # not send the body alone.
    transport = _Transport()
    response = Response(transport, 200)
    response.add_header("Content-Length", "1")
    response.headers["X-Bad"] = "a\r\nInjected: yes"
    with pytest.raises(ValueError):
        response.send_headers()
    with pytest.raises(ValueError):
        response.write(b"x")
    with pytest.raises(ValueError):
        response.write_eof()
    assert transport.writes == []


_FIELDS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "13"),
           (istr("X-Istr"), "v"), ("x-lower", "\u00e9t\u00e9 \udcff"), ("ETag", '"a b"'),
           ("Cache-Control", "no-cache")]


@pytest.mark.parametrize("count", range(len(_FIELDS) + 1))
@pytest.mark.parametrize("close", [False, True])
def test_response_usual_head_is_the_general_head(count: int, close: bool) -> None:
    fields = _FIELDS[:count]
    heads = []
    for general in (False, True):
        transport = _Transport()
        response = Response(transport, 200, close=close)
        response.add_headers(*fields)
        if "Content-Length" not in dict(fields):
            response.length = 0  # the usual path needs a length
        if general:
            response.headers  # the fields now live in the multidict: the general path
        response.send_headers()
        (head,) = transport.writes
        # The Date line may differ if a second ends between the two heads.
        head, dates = re.subn(rb"\r\nDate: [^\r\n]+ GMT\r\n", b"\r\nDate: -\r\n", head)
        assert dates == 1
        heads.append((head, response.output_length, response.keep_alive()))
    assert heads[0] == heads[1]
    assert heads[0][0].count(b"\r\n\r\n") == 1 and heads[0][0].endswith(b"\r\n\r\n")


@pytest.mark.parametrize("value", ["0", "13", " 13\t", "007", "999999999999999999",
                                   "1234567890123456789", "", "-1", "+1", "1_0", "\u0663",
                                   "\uff11", "1 2", "0x10", "1.0"])
def test_add_header_content_length_as_the_check_says(value: str) -> None:
    response = Response(_Transport(), 200)
    try:
        expected: int | str = _content_length(value.strip(" \t"))
    except ValueError as exc:
        expected = str(exc)
    try:
        response.add_header("Content-Length", value)
        got: int | str | None = response.length
    except ValueError as exc:
        got = str(exc)
    assert got == expected
