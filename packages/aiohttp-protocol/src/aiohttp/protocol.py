"""HTTP/1.x parsing and writing: the ``aiohttp.protocol`` module of aiohttp 0.9.

The parsers are generators run by ``aiohttp.parsers.StreamParser`` (or fed
by hand); the writers write to a ``aiohttp.streams.StreamWriter``. Neither
does any I/O of its own. The code lives in private modules, one job each:

* ``_http_abnf``: the RFC 9110/9112 grammar as regular expressions;
* ``_http_message``: ``HttpVersion`` and the parsed message types;
* ``_http_parser``: the head parsers;
* ``_http_payload``: the body parser;
* ``_http_compression``: gzip, deflate and brotli, both ways;
* ``_http_writer``: ``HttpMessage``, ``Request``, ``Response``.
"""

from __future__ import annotations

from ._http_message import (
    HttpVersion,
    HttpVersion10,
    HttpVersion11,
    RawRequestMessage,
    RawResponseMessage,
)
from ._http_parser import HttpParser as HttpParser  # importable as in 0.9, not in __all__
from ._http_parser import HttpPrefixParser, HttpRequestParser, HttpResponseParser
from ._http_payload import HttpPayloadParser
from ._http_writer import HttpMessage, Request, Response

__all__ = [
    "HttpMessage",
    "HttpPayloadParser",
    "HttpPrefixParser",
    "HttpRequestParser",
    "HttpResponseParser",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "RawRequestMessage",
    "RawResponseMessage",
    "Request",
    "Response",
]
