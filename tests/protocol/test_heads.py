"""The head parsers' documented decisions, one table each.

Requests: keep-alive (RFC 9112 section 9.3), content codings, field-name
case, the request-target forms (section 3.2). Responses: every leniency the
``HttpResponseParser`` docstring lists, and what it still refuses.
``HttpPrefixParser``: the early method check. The hostile-input table is in
``test_hostile_requests.py``; splitting and round trips are in
``test_split_feeding.py``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from aiohttp import errors
from aiohttp.parsers import ParserBuffer
from aiohttp.protocol import (
    HttpPrefixParser,
    HttpRequestParser,
    HttpResponseParser,
    HttpVersion,
    HttpVersion10,
    HttpVersion11,
    RawRequestMessage,
    RawResponseMessage,
)
from aiohttp.streams import EofStream
from parser_outputs import Collector


def run(parser: Any, data: bytes, *, step: int = 0, eof: bool = False) -> tuple[Any, bytes]:
    """Feed ``data`` (whole, or ``step`` bytes at a time); return the item and the rest."""
    sink, buf = Collector(), ParserBuffer()
    gen: Generator[None, bytes, None] = parser(sink, buf)
    pieces = [data[i:i + step] for i in range(0, len(data), step)] if step else [data]
    try:
        next(gen)
        for piece in pieces:
            gen.send(piece)
        if eof:
            gen.throw(EofStream())
    except StopIteration:
        (item,) = sink.items
        return item, bytes(buf)
    raise AssertionError(f"the parser is still waiting; got {sink.items}")


def request(data: bytes, **limits: int) -> RawRequestMessage:
    whole, _ = run(HttpRequestParser(**limits), data)
    split, _ = run(HttpRequestParser(**limits), data, step=1)
    assert whole == split
    return whole  # type: ignore[no-any-return]


def response(data: bytes) -> RawResponseMessage:
    whole, _ = run(HttpResponseParser(), data)
    split, _ = run(HttpResponseParser(), data, step=1)
    assert whole == split
    return whole  # type: ignore[no-any-return]


@pytest.mark.parametrize(("version", "connection", "should_close"), [
    (b"1.1", None, False),
    (b"1.1", b"close", True),
    (b"1.1", b"Close", True),
    (b"1.1", b"keep-alive, close", True),
    (b"1.1", b"Keep-Alive", False),
    (b"1.1", b"upgrade", False),
    (b"1.0", None, True),
    (b"1.0", b"keep-alive", False),
    (b"1.0", b"Keep-Alive, foo", False),
    (b"1.0", b"close", True),
])
def test_keep_alive(version: bytes, connection: bytes | None, should_close: bool) -> None:
    head = b"GET / HTTP/" + version + b"\r\nHost: h\r\n"
    if connection is not None:
        head += b"Connection: " + connection + b"\r\n"
    message = request(head + b"\r\n")
    assert message.should_close is should_close
    assert message.version == (HttpVersion11 if version == b"1.1" else HttpVersion10)


@pytest.mark.parametrize(("value", "coding"), [
    (b"gzip", "gzip"), (b"GZIP", "gzip"), (b"x-gzip", "gzip"), (b"deflate", "deflate"),
    (b"br", "br"), (b" br ", "br"), (b"identity", None), (b"gzip, br", None),
    (b"compress", None), (b"", None),
])
def test_content_coding(value: bytes, coding: str | None) -> None:
    message = request(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Encoding: " + value
                      + b"\r\nContent-Length: 0\r\n\r\n")
    assert message.compression == coding


def test_names_keep_their_case_and_order_values_are_stripped() -> None:
    message = request(b"GET /p?q=1 HTTP/1.1\r\nhost: h\r\nX-UPPER:  a b \t\r\n"
                      b"x-upper: second\r\nEmpty:\r\n\r\n")
    assert message.method == "GET"
    assert message.path == "/p?q=1"
    assert list(message.headers.items()) == [("host", "h"), ("X-UPPER", "a b"),
                                             ("x-upper", "second"), ("Empty", "")]
    assert message.headers.getall("X-Upper") == ["a b", "second"]


def test_methods_are_case_sensitive_tokens() -> None:
    assert request(b"get / HTTP/1.1\r\nHost: h\r\n\r\n").method == "get"
    assert request(b"M-SEARCH /x HTTP/1.1\r\nHost: h\r\n\r\n").method == "M-SEARCH"
    with pytest.raises(errors.BadStatusLine):
        request(b"M-SEARCH * HTTP/1.1\r\nHost: h\r\n\r\n")  # "*" is for OPTIONS only


@pytest.mark.parametrize(("line", "path"), [
    (b"OPTIONS * HTTP/1.1", "*"),
    (b"CONNECT example.com:443 HTTP/1.1", "example.com:443"),
    (b"CONNECT [::1]:8443 HTTP/1.1", "[::1]:8443"),
    (b"GET http://example.com/a?b HTTP/1.1", "http://example.com/a?b"),
    (b"GET /%7Euser/a%20b HTTP/1.1", "/%7Euser/a%20b"),
])
def test_request_target_forms(line: bytes, path: str) -> None:
    assert request(line + b"\r\nHost: example.com\r\n\r\n").path == path


def test_obs_text_in_values_is_kept_byte_for_byte() -> None:
    raw = "café ☕".encode() + b"\xff"
    message = request(b"GET / HTTP/1.1\r\nHost: h\r\nX-Text: " + raw + b"\r\n\r\n")
    value = message.headers["X-Text"]
    assert value.startswith("café ☕")
    assert value.encode("utf-8", "surrogateescape") == raw


def test_empty_lines_before_the_request_line() -> None:
    message, rest = run(HttpRequestParser(), b"\r\n\r\nGET / HTTP/1.0\r\n\r\nnext")
    assert message.method == "GET"
    assert rest == b"next"
    with pytest.raises(errors.BadStatusLine):
        run(HttpRequestParser(), b"\r\n" * 5 + b"GET / HTTP/1.0\r\n\r\n")


def test_bad_request_line_fails_before_the_headers_arrive() -> None:
    gen = HttpRequestParser()(Collector(), ParserBuffer())
    next(gen)
    with pytest.raises(errors.BadStatusLine):
        gen.send(b"GET /a b HTTP/1.1\r\nHost: partial")


def test_limits_must_be_positive() -> None:
    for name in ("max_line_size", "max_headers", "max_field_size", "max_header_count"):
        with pytest.raises(ValueError, match=name):
            HttpRequestParser(**{name: 0})


# -- responses ------------------------------------------------------------------------


def test_a_plain_response() -> None:
    message = response(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    headers = message.headers
    assert message == (HttpVersion11, 404, "Not Found", headers, False, None)
    assert headers["content-length"] == "0"


@pytest.mark.parametrize(("raw", "version", "code", "reason", "fields"), [
    # Any HTTP/1.x minor version; no reason phrase, with or without the SP.
    (b"HTTP/1.2 200 OK\r\n\r\n", HttpVersion(1, 2), 200, "OK", []),
    (b"HTTP/1.1 200\r\n\r\n", HttpVersion11, 200, "", []),
    (b"HTTP/1.1 204 \r\n\r\n", HttpVersion11, 204, "", []),
    # A reason with obs-text and HTAB.
    (b"HTTP/1.1 200 \xc3\x89t\xc3\xa9\tok\r\n\r\n", HttpVersion11, 200, "\xc9t\xe9\tok", []),
    # Bare LF line endings (RFC 9112 section 2.2), mixed with CRLF.
    (b"HTTP/1.0 200 OK\nA: 1\r\nB: 2\n\n", HttpVersion10, 200, "OK", [("A", "1"), ("B", "2")]),
    # obs-fold joined with one SP (section 5.2).
    (b"HTTP/1.1 200 OK\r\nA: x\r\n  y\r\n\tz\r\nB: 2\r\n\r\n", HttpVersion11, 200, "OK",
     [("A", "x y z"), ("B", "2")]),
    # Whitespace before the colon removed (section 5.1).
    (b"HTTP/1.1 200 OK\r\nA : 1\r\n\r\n", HttpVersion11, 200, "OK", [("A", "1")]),
    # CTLs other than NUL and CR kept.
    (b"HTTP/1.1 200 OK\r\nA: a\x01b\x7f\r\n\r\n", HttpVersion11, 200, "OK", [("A", "a\x01b\x7f")]),
    # Empty lines before the status line.
    (b"\r\n\nHTTP/1.1 200 OK\r\n\r\n", HttpVersion11, 200, "OK", []),
])
def test_response_leniencies(raw: bytes, version: HttpVersion, code: int, reason: str,
                             fields: list[tuple[str, str]]) -> None:
    message = response(raw)
    assert (message.version, message.code, message.reason) == (version, code, reason)
    assert list(message.headers.items()) == fields


@pytest.mark.parametrize(("raw", "error"), [
    (b"HTTP/2 200 OK\r\n\r\n", errors.BadStatusLine),
    (b"HTTP/1.1 20 OK\r\n\r\n", errors.BadStatusLine),
    (b"HTTP/1.1 099 OK\r\n\r\n", errors.BadStatusLine),
    (b"HTTP/1.1 2000 OK\r\n\r\n", errors.BadStatusLine),
    (b"ICY 200 OK\r\n\r\n", errors.BadStatusLine),
    (b"HTTP/1.1 200 O\rK\r\n\r\n", errors.BadStatusLine),
    (b"HTTP/1.1 200 OK\r\nA: a\x00b\r\n\r\n", errors.InvalidHeader),
    (b"HTTP/1.1 200 OK\r\nA: a\rb\r\n\r\n", errors.InvalidHeader),
    (b"HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", errors.InvalidHeader),
    (b"HTTP/1.1 200 OK\r\nBad@Name: 1\r\n\r\n", errors.InvalidHeader),
    (b"HTTP/1.1 200 OK\r\n folded-first: 1\r\n\r\n", errors.InvalidHeader),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", errors.InvalidHeader),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", errors.InvalidHeader),
    (b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", errors.InvalidHeader),
])
def test_response_refusals(raw: bytes, error: type[Exception]) -> None:
    for step in (0, 1):
        with pytest.raises(error) as info:
            run(HttpResponseParser(), raw, step=step)
        assert type(info.value) is error


def test_response_content_length_repeats_and_te_wins() -> None:
    assert response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n")
    assert response(b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n")
    both = response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")
    assert both.should_close is True


@pytest.mark.parametrize(("raw", "should_close"), [
    (b"HTTP/1.1 200 OK\r\n\r\n", False),
    (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", True),
    (b"HTTP/1.0 200 OK\r\n\r\n", True),
    (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", False),
])
def test_response_keep_alive(raw: bytes, should_close: bool) -> None:
    assert response(raw).should_close is should_close


@pytest.mark.parametrize("data", [b"", b"HTTP/1.1 200 OK\r\nA: 1\r\n", b"HTTP/1.1 2"])
def test_response_eof_before_the_head_is_complete(data: bytes) -> None:
    with pytest.raises(errors.ClientConnectionError):
        run(HttpResponseParser(), data, eof=True)


def test_response_limits() -> None:
    with pytest.raises(errors.LineTooLong):
        run(HttpResponseParser(max_line_size=20), b"HTTP/1.1 200 " + b"x" * 30 + b"\r\n\r\n")
    with pytest.raises(errors.TooManyHeaders):
        run(HttpResponseParser(max_header_count=2),
            b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
    # Folded continuation lines count toward the field's size, not the count.
    message, _ = run(HttpResponseParser(max_header_count=1),
                     b"HTTP/1.1 200 OK\nA: 1\n 2\n 3\n\n")
    assert message.headers["A"] == "1 2 3"


# -- the prefix parser ----------------------------------------------------------------


def test_prefix_parser_peeks_at_the_method() -> None:
    method, rest = run(HttpPrefixParser(), b"\r\nPOST / HTTP/1.1\r\n")
    assert method == "POST"
    assert rest == b"POST / HTTP/1.1\r\n"
    method, _ = run(HttpPrefixParser(), b"PATCH /x HTTP/1.1\r\n", step=1)
    assert method == "PATCH"


@pytest.mark.parametrize(("data", "allowed", "error"), [
    (b"\x16\x03\x01\x02\x00", (), errors.BadStatusLine),
    (b"GET\r\n", (), errors.BadStatusLine),
    (b"G(T / HTTP/1.1\r\n", (), errors.BadStatusLine),
    (b"A" * 30, (), errors.BadStatusLine),
    (b"DELETE / HTTP/1.1\r\n", ("get", "POST"), errors.HttpMethodNotAllowed),
    (b"get / HTTP/1.1\r\n", ("GET",), errors.HttpMethodNotAllowed),
])
def test_prefix_parser_refusals(data: bytes, allowed: tuple[str, ...],
                                error: type[Exception]) -> None:
    with pytest.raises(error):
        run(HttpPrefixParser(allowed), data)
    assert run(HttpPrefixParser(["get"]), b"GET / HTTP/1.1\r\n")[0] == "GET"


def test_request_writer_drops_the_fragment() -> None:
    """A fragment never goes on the wire (RFC 9110 section 7.1; 0.9 sent it)."""
    from aiohttp.protocol import Request

    class Collect:
        def __init__(self) -> None:
            self.data = b""

        def write(self, data: bytes) -> None:
            self.data += data

        def writelines(self, data: list[bytes]) -> None:
            self.data += b"".join(data)

        def drain(self) -> None:
            raise AssertionError("not awaited here")

    transport = Collect()
    Request(transport, "GET", "/a?b=1#part").send_headers()  # type: ignore[arg-type]
    message, _ = run(HttpRequestParser(), transport.data.replace(b"\r\n", b"\r\nHost: h\r\n", 1))
    assert message.path == "/a?b=1"
