"""Every name the reference documents for ``aiohttp.protocol`` and
``aiohttp.helpers`` exists, with the documented signature and attributes."""

from __future__ import annotations

import inspect
import sys
from importlib.metadata import version

import aiohttp.helpers
import aiohttp.protocol
import pytest
from aiohttp import errors
from aiohttp.parsers import ParserBuffer
from aiohttp.protocol import (
    HttpMessage,
    HttpParser,
    HttpPayloadParser,
    HttpPrefixParser,
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
from multidict import CIMultiDictProxy
from parser_outputs import Collector

PROTOCOL_ALL = ["HttpMessage", "Request", "Response", "HttpVersion", "HttpVersion10",
                "HttpVersion11", "RawRequestMessage", "RawResponseMessage", "HttpPrefixParser",
                "HttpRequestParser", "HttpResponseParser", "HttpPayloadParser"]


def test_all_lists() -> None:
    assert sorted(aiohttp.protocol.__all__) == sorted(PROTOCOL_ALL)
    assert sorted(aiohttp.helpers.__all__) == ["BasicAuth", "FormData", "parse_mimetype"]
    for module in (aiohttp.protocol, aiohttp.helpers):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)


def test_value_types() -> None:
    assert HttpVersion10 == HttpVersion(1, 0) == (1, 0)
    assert HttpVersion11 == HttpVersion(major=1, minor=1)
    assert RawRequestMessage._fields == ("method", "path", "version", "headers", "should_close",
                                         "compression")
    assert RawResponseMessage._fields == ("version", "code", "reason", "headers", "should_close",
                                          "compression")


@pytest.mark.parametrize(("func", "params"), [
    (HttpRequestParser, "max_line_size=8190, max_headers=32768, max_field_size=8190"),
    (HttpResponseParser, "max_line_size=8190, max_headers=32768, max_field_size=8190"),
    (HttpPrefixParser, "allowed_methods=()"),
    (HttpPayloadParser, "message, length=None, compression=True, readall=False, "
                        "response_with_body=True"),
    (HttpMessage, "transport, version, close"),
    (Request, "transport, method, path, http_version=HttpVersion(major=1, minor=1), "
              "close=False"),
    (Response, "transport, status, http_version=HttpVersion(major=1, minor=1), close=False"),
    (aiohttp.helpers.FormData, "fields"),
    (aiohttp.helpers.parse_mimetype, "mimetype"),
])
def test_signatures_start_as_documented(func: object, params: str) -> None:
    """The documented parameters come first, in order, with their defaults;
    keyword-only additions (limits, ``reason``...) may follow."""
    shown = []
    for param in inspect.signature(func).parameters.values():  # type: ignore[arg-type]
        empty = param.default is inspect.Parameter.empty
        shown.append(param.name if empty else f"{param.name}={param.default!r}")
    assert ", ".join(shown).startswith(params), shown


def test_parsers_are_generators_over_a_parser_buffer() -> None:
    assert issubclass(HttpRequestParser, HttpParser)
    assert issubclass(HttpResponseParser, HttpParser)
    for parser in (HttpRequestParser(), HttpResponseParser(), HttpPrefixParser()):
        gen = parser(Collector(), ParserBuffer())
        assert inspect.isgenerator(gen)
        next(gen)  # waits for input
        gen.close()
    for name in ("parse_chunked_payload", "parse_eof_payload", "parse_length_payload"):
        assert callable(getattr(HttpPayloadParser, name))


def test_writer_attributes() -> None:
    for name in ("add_chunking_filter", "add_compression_filter", "add_header", "add_headers",
                 "force_chunked", "force_close", "is_headers_sent", "keep_alive", "send_headers",
                 "write", "write_eof"):
        assert callable(getattr(HttpMessage, name)), name
    assert HttpMessage.HOP_HEADERS is None
    assert HttpMessage.status is None
    assert HttpMessage.status_line == b""
    assert HttpMessage.upgrade is False
    assert HttpMessage.websocket is False
    assert HttpMessage.filter is None
    assert Request.HOP_HEADERS == ()
    assert {
        "TRANSFER-ENCODING", "TRAILERS", "PROXY-AUTHENTICATE", "DATE", "TE", "SERVER",
        "PROXY-AUTHORIZATION", "CONNECTION", "UPGRADE", "KEEP-ALIVE"} == Response.HOP_HEADERS


def test_server_software_names_our_own_version() -> None:
    expected = (f"Python/{sys.version_info[0]}.{sys.version_info[1]} "
                f"aiohttp/{version('aiohttp-protocol')}")
    assert expected == HttpMessage.SERVER_SOFTWARE
    assert expected == Response.SERVER_SOFTWARE


def test_new_errors_are_http_errors() -> None:
    assert issubclass(errors.TooManyHeaders, errors.LineTooLong)
    assert errors.TooManyHeaders.code == 431
    assert errors.PayloadTooLarge.code == 413
    for cls in (errors.TransferEncodingError, errors.ContentEncodingError,
                errors.PayloadTooLarge):
        assert issubclass(cls, errors.HttpBadRequest)
        assert cls.__name__ in errors.__all__


def test_parsed_headers_are_a_case_insensitive_proxy() -> None:
    sink = Collector()
    gen = HttpRequestParser()(sink, ParserBuffer(b"GET / HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n"))
    with pytest.raises(StopIteration):
        next(gen)
    (message,) = sink.items
    assert isinstance(message, RawRequestMessage)
    assert isinstance(message.headers, CIMultiDictProxy)
    assert message.headers["HOST"] == "a"
    assert list(message.headers.items()) == [("Host", "a"), ("X-Y", "z")]


