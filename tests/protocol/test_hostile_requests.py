"""Hostile and malformed HTTP/1.x requests: what the strict request parsers refuse.

What this file proves
=====================

Every row of ``HOSTILE`` is a request (or a valid request head followed by a
hostile body) that a strict HTTP/1.1 server must refuse, each with the RFC
section or the published advisory it comes from. For every row the test
asserts the *exact* error class (``type(exc) is Cls``: a ``LineTooLong`` is
not good enough where a ``TooManyHeaders`` is due), that every request-side
error is an ``aiohttp.errors.HttpBadRequest`` (so that the server answers it
with a status instead of crashing), except ``IncompleteRead``, which is an
``aiohttp.errors.ConnectionError``, and that no bare ``ValueError``,
``KeyError``, ``IndexError`` or ``UnicodeError`` escapes.

Each row is checked three ways, because a parser that reads a head in one
pass can judge it differently from one that sees it trickle in:

* fed whole, in one ``send``;
* fed one byte at a time;
* through ``aiohttp.parsers.StreamParser`` (the way a server runs it), where
  the error must land on the parser's output queue.

Rows are cut exactly where the error becomes certain, and the ``at`` column
says what the parser is allowed to wait for:

* ``"line"``: the input ends with the offending line (or the byte that makes
  a line too long, or a bare LF). Errors are raised as soon as the offending
  line is complete (``HttpParser._wait_for_head``), so the error must come
  out without more input and without end of input.
* ``"head"``: the error is about the head as a whole (framing, Host, the
  request-target form, ...) and the input ends with the blank line that ends
  the head; again no more input and no EOF.
* ``"eof"``: a valid prefix cut short; the parser must wait quietly until EOF
  and then raise ``IncompleteRead``.

Body rows (``head_len`` set) first parse the head with ``HttpRequestParser``
(which must accept it, consuming exactly ``head_len`` bytes) and then feed the
rest, on the same buffer, to ``HttpPayloadParser``.

Strictness that rejects valid traffic is a bug too: ``VALID`` is a table of
near misses (HTAB as OWS, ``OPTIONS *``, ``CONNECT host:port``, absolute-form,
leading empty lines, HTTP/1.0 without Host, fields exactly at every limit,
chunk extensions and trailers...) that must parse, with the parsed fields
asserted, again three ways.

Sources: RFC 9110 (HTTP semantics), RFC 9112 (HTTP/1.1), RFC 3986 (URI); the
aiohttp advisories GHSA-gfw2-4jvh-wgfg (CVE-2023-47627), GHSA-8qpw-xqxj-h4r2
(CVE-2024-23829), GHSA-xx9p-xxvh-7g8j (CVE-2023-47641), GHSA-45c4-8wx5-qw6w
(CVE-2023-37276), GHSA-qvrw-v9rv-5rjx (CVE-2023-49082), GHSA-q3qx-c6g2-7pw2
(CVE-2023-49081), GHSA-8495-4g3g-x7pr (CVE-2024-52304), GHSA-9548-qrrj-x5pj
(CVE-2025-53643), GHSA-69f9-5gxw-wvc2 (CVE-2025-69224), GHSA-mqqc-3gqh-h2x8
(CVE-2025-69225), GHSA-c427-h43c-vf67 (CVE-2026-34525), GHSA-w2fm-2cpv-w7v5
(CVE-2026-22815); and PortSwigger's request smuggling classics (CL.TE, TE.CL,
TE.TE obfuscation).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypedDict

import pytest
from aiohttp.errors import (
    BadStatusLine,
    HttpBadRequest,
    IncompleteRead,
    InvalidHeader,
    LineTooLong,
    PayloadTooLarge,
    TooManyHeaders,
    TransferEncodingError,
)
from aiohttp.errors import ConnectionError as AiohttpConnectionError
from aiohttp.parsers import ParserBuffer, StreamParser
from aiohttp.protocol import (
    HttpPayloadParser,
    HttpRequestParser,
    HttpVersion,
    HttpVersion10,
    HttpVersion11,
    RawRequestMessage,
)
from aiohttp.streams import EofStream
from multidict import CIMultiDict, CIMultiDictProxy
from parser_outputs import Collector

# -- the tables -----------------------------------------------------------------------


class HeadLimits(TypedDict, total=False):
    """Keyword arguments of ``HttpRequestParser``."""

    max_line_size: int
    max_headers: int
    max_field_size: int
    max_header_count: int


class BodyLimits(TypedDict, total=False):
    """Keyword arguments of ``HttpPayloadParser``."""

    max_size: int
    max_field_size: int
    max_headers: int
    max_header_count: int


At = Literal["line", "head", "eof"]


@dataclass(frozen=True)
class Hostile:
    """One request that must be refused with exactly ``error``."""

    id: str
    raw: bytes
    error: type[Exception]
    source: str
    at: At = "line"
    limits: HeadLimits = field(default_factory=HeadLimits)
    #: Body rows: the length of the valid head at the start of ``raw``; the
    #: rest goes to ``HttpPayloadParser`` (None: a head row).
    head_len: int | None = None
    body_limits: BodyLimits = field(default_factory=BodyLimits)


def request_line(length: int, method: bytes = b"GET") -> bytes:
    """A valid request line of exactly ``length`` bytes (CRLF not counted)."""
    fixed = len(method) + len(b" / HTTP/1.1")
    assert length >= fixed
    return method + b" /" + b"a" * (length - fixed) + b" HTTP/1.1"


def field_line(length: int, name: bytes = b"X-Pad") -> bytes:
    """A valid field line of exactly ``length`` bytes (CRLF not counted)."""
    assert length >= len(name) + 2
    return name + b": " + b"v" * (length - len(name) - 2)


CRLF = b"\r\n"
#: A valid HTTP/1.1 GET head without its blank line (35 bytes).
GET = b"GET / HTTP/1.1\r\nHost: example.com\r\n"
#: A valid HTTP/1.1 POST head without its blank line.
POST = b"POST /upload HTTP/1.1\r\nHost: example.com\r\n"
#: A complete head announcing a chunked body.
CHUNKED_HEAD = POST + b"Transfer-Encoding: chunked\r\n\r\n"
assert len(GET) == 35


def length_head(length: int) -> bytes:
    """A complete head announcing a body of ``length`` bytes."""
    return POST + b"Content-Length: %d\r\n\r\n" % length


def bad(id: str, raw: bytes, error: type[Exception], source: str, *, at: At = "line",
        limits: HeadLimits | None = None) -> Hostile:
    """A head row."""
    return Hostile(id, raw, error, source, at, limits or HeadLimits())


def bad_body(id: str, head: bytes, body: bytes, error: type[Exception], source: str, *,
             at: At = "line", body_limits: BodyLimits | None = None) -> Hostile:
    """A body row: ``head`` must be accepted, then ``body`` fails the payload parser."""
    return Hostile(id, head + body, error, source, at, HeadLimits(), len(head),
                   body_limits or BodyLimits())


GFW2 = "GHSA-gfw2-4jvh-wgfg / CVE-2023-47627"
QPW = "GHSA-8qpw-xqxj-h4r2 / CVE-2024-23829"
XX9P = "GHSA-xx9p-xxvh-7g8j / CVE-2023-47641"
UNICODE = "GHSA-69f9-5gxw-wvc2 / CVE-2025-69224, GHSA-mqqc-3gqh-h2x8 / CVE-2025-69225"
CHUNK_EXT_LF = "GHSA-8495-4g3g-x7pr / CVE-2024-52304"
TRAILERS = "GHSA-9548-qrrj-x5pj / CVE-2025-53643"
PORTSWIGGER = "PortSwigger request smuggling"

REQUEST_LINE_CASES = [
    bad("request-line/http-name-lower-case", b"GET / http/1.1\r\n", BadStatusLine,
        "RFC 9112 2.3 (HTTP-name is case-sensitive)"),
    bad("request-line/version-1.2", b"GET / HTTP/1.2\r\n", BadStatusLine,
        "RFC 9112 2.3; the issue: only HTTP/1.0 and HTTP/1.1"),
    bad("request-line/version-2.0", b"GET / HTTP/2.0\r\n", BadStatusLine,
        "RFC 9110 2.5 (major version not implemented)"),
    bad("request-line/version-two-digit-minor", b"GET / HTTP/1.10\r\n", BadStatusLine,
        "RFC 9112 2.3 (HTTP-version = HTTP-name \"/\" DIGIT \".\" DIGIT)"),
    bad("request-line/http-0.9-no-version", b"GET /\r\n", BadStatusLine,
        "RFC 9112 3 (HTTP-version is required; no HTTP/0.9 simple request)"),
    bad("request-line/double-space", b"GET  / HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3 (single SP separators)"),
    bad("request-line/trailing-space", b"GET / HTTP/1.1 \r\n", BadStatusLine, "RFC 9112 3"),
    bad("request-line/leading-space", b" GET / HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3; RFC 9110 9.1 (method = token, not empty)"),
    bad("request-line/htab-separator", b"GET\t/ HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3 (SP only; the MAY-parse-on-whitespace leniency is not taken)"),
    bad("request-line/method-not-token", b"G(T / HTTP/1.1\r\n", BadStatusLine,
        "RFC 9110 9.1, 5.6.2 (method = token)"),
    bad("request-line/method-nul", b"GE\x00T / HTTP/1.1\r\n", BadStatusLine,
        "RFC 9110 9.1; " + GFW2),
    bad("request-line/method-bare-cr", b"GE\rT / HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 2.2; GHSA-qvrw-v9rv-5rjx / CVE-2023-49082 (CRLF in the method)"),
    bad("request-line/method-non-ascii", b"G\xc3\x89T / HTTP/1.1\r\n", BadStatusLine,
        "RFC 9110 5.6.2 (tchar is ASCII)"),
    bad("request-line/target-space", b"GET /a b HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2"),
    bad("request-line/target-ctl", b"GET /a\x01b HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2; RFC 3986 2"),
    bad("request-line/target-nul", b"GET /a\x00 HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2; RFC 3986 2"),
    bad("request-line/target-del", b"GET /a\x7fb HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2; RFC 3986 2"),
    bad("request-line/target-raw-utf8", b"GET /caf\xc3\xa9 HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2; RFC 3986 2.1 (non-ASCII must be percent-encoded)"),
    bad("request-line/target-bare-cr", b"GET /\r HTTP/1.1\r\n", BadStatusLine, "RFC 9112 2.2"),
    bad("request-line/version-crlf-injection", b"GET / HTTP/1.1\rHost: evil\r\n", BadStatusLine,
        "RFC 9112 2.2; GHSA-q3qx-c6g2-7pw2 / CVE-2023-49081 (CR in the version)"),
    bad("request-line/double-cr", b"GET / HTTP/1.1\r\r\n", BadStatusLine, "RFC 9112 2.2"),
    bad("request-line/bare-lf-terminator", b"GET / HTTP/1.1\n", BadStatusLine,
        "RFC 9112 2.2 (CRLF only in requests; the bare-LF MAY is not taken)"),
    bad("request-line/bare-lf-empty-line", b"\n", BadStatusLine, "RFC 9112 2.2"),
    bad("request-line/five-empty-lines", CRLF * 5, BadStatusLine,
        "RFC 9112 2.2 (a few empty lines are tolerated, not an endless stream)"),
    bad("request-line/asterisk-form-with-get", b"GET * HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2.4 (asterisk-form only for OPTIONS)"),
    bad("request-line/asterisk-form-with-suffix", b"OPTIONS *x HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2.4"),
    bad("request-line/connect-origin-form", b"CONNECT /admin HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2.3 (CONNECT takes authority-form only)"),
    bad("request-line/connect-without-port", b"CONNECT example.com HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2.3 (authority-form = uri-host \":\" port)"),
    bad("request-line/connect-absolute-form", b"CONNECT http://example.com:443/ HTTP/1.1\r\n",
        BadStatusLine, "RFC 9112 3.2.3"),
    bad("request-line/authority-form-with-get", b"GET example.com:80 HTTP/1.1\r\n",
        BadStatusLine, "RFC 9112 3.2.3 (authority-form only for CONNECT)"),
    bad("request-line/relative-target", b"GET admin HTTP/1.1\r\n", BadStatusLine,
        "RFC 9112 3.2.1 (origin-form starts with '/')"),
    bad("request-line/absolute-form-empty-host", b"GET http:///admin HTTP/1.1\r\n",
        BadStatusLine, "RFC 9110 4.2.1 (an http URI with an empty host MUST be rejected)"),
]

FIELD_SYNTAX_CASES = [
    bad("field/space-before-colon", GET + b"Foo : bar\r\n", InvalidHeader,
        "RFC 9112 5.1 (MUST reject); " + GFW2),
    bad("field/te-space-before-colon", POST + b"Transfer-Encoding : chunked\r\n", InvalidHeader,
        "RFC 9112 5.1; " + PORTSWIGGER + " TE.TE 'Transfer-Encoding : chunked'"),
    bad("field/htab-before-colon", GET + b"Foo\t: bar\r\n", InvalidHeader, "RFC 9112 5.1"),
    bad("field/vt-before-colon", POST + b"Transfer-Encoding\x0b: chunked\r\n", InvalidHeader,
        "RFC 9112 5.1; " + QPW),
    bad("field/obs-fold", GET + b"Foo: bar\r\n baz\r\n", InvalidHeader,
        "RFC 9112 5.2 (obs-fold rejected in requests)"),
    bad("field/obs-folded-transfer-encoding", POST + b"Transfer-Encoding:\r\n chunked\r\n",
        InvalidHeader, "RFC 9112 5.2; " + PORTSWIGGER + " TE.TE obs-fold"),
    bad("field/whitespace-after-start-line", b"GET / HTTP/1.1\r\n Host: example.com\r\n",
        InvalidHeader, "RFC 9112 2.2 (whitespace-preceded first field line)"),
    bad("field/no-colon", GET + b"Foo bar\r\n", InvalidHeader, "RFC 9112 5"),
    bad("field/empty-name", GET + b": bar\r\n", InvalidHeader, "RFC 9110 5.1 (field-name = token)"),
    bad("field/name-with-at", GET + b"Fo@o: bar\r\n", InvalidHeader, "RFC 9110 5.1, 5.6.2"),
    bad("field/name-with-slash", GET + b"Foo/1: bar\r\n", InvalidHeader, "RFC 9110 5.6.2"),
    bad("field/name-non-ascii", GET + b"F\xc3\xb6o: bar\r\n", InvalidHeader,
        "RFC 9110 5.6.2; " + UNICODE),
    bad("field/value-nul", GET + b"Foo: b\x00r\r\n", InvalidHeader, "RFC 9110 5.5 (NUL); " + GFW2),
    bad("field/value-bare-cr", GET + b"X-Abc: \rxTransfer-Encoding: chunked\r\n", InvalidHeader,
        "RFC 9110 5.5; RFC 9112 2.2; GHSA-45c4-8wx5-qw6w / CVE-2023-37276"),
    bad("field/value-bare-lf", GET + b"Foo: bar\n", InvalidHeader,
        "RFC 9112 2.2 (bare LF fails as soon as it arrives)"),
    bad("field/bare-lf-smuggles-te", POST + b"X: y\nTransfer-Encoding: chunked\r\n", InvalidHeader,
        "RFC 9112 2.2; " + PORTSWIGGER),
    bad("field/bare-lf-blank-line", GET + b"\n", InvalidHeader,
        "RFC 9112 2.2 (the head must end with CRLF CRLF)"),
    bad("field/value-vertical-tab", GET + b"Foo: a\x0bb\r\n", InvalidHeader,
        "RFC 9110 5.5; " + QPW),
    bad("field/form-feed-as-ows", POST + b"Content-Length:\x0c5\r\n", InvalidHeader,
        "RFC 9110 5.6.3 (OWS is SP/HTAB only); " + QPW),
    bad("field/value-del", GET + b"Foo: a\x7fb\r\n", InvalidHeader,
        "RFC 9110 5.5 (DEL is not a field-vchar)"),
    bad("field/value-escape", GET + b"Foo: \x1b[31m\r\n", InvalidHeader, "RFC 9110 5.5"),
    bad("field/value-trailing-cr", GET + b"Foo: bar\r\r\n", InvalidHeader, "RFC 9112 2.2"),
]

FRAMING_CASES = [
    bad("framing/cl-te", POST + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
        InvalidHeader, "RFC 9112 6.1, 6.3; " + PORTSWIGGER + " CL.TE", at="head"),
    bad("framing/te-cl", POST + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        InvalidHeader, "RFC 9112 6.1, 6.3; " + PORTSWIGGER + " TE.CL", at="head"),
    bad("framing/te-cl-zero", POST + b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
        InvalidHeader, "RFC 9112 6.1; " + XX9P, at="head"),
    bad("framing/cl-twice-identical", POST + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\n",
        InvalidHeader, "RFC 9112 6.3 item 5; aiohttp-protocol CHANGES (even identical)", at="head"),
    bad("framing/cl-twice-different", POST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
        InvalidHeader, "RFC 9112 6.3 item 5; RFC 9110 8.6", at="head"),
    bad("framing/cl-list", POST + b"Content-Length: 5, 5\r\n\r\n", InvalidHeader,
        "RFC 9110 8.6; aiohttp-protocol CHANGES", at="head"),
    bad("framing/cl-plus", POST + b"Content-Length: +5\r\n\r\n", InvalidHeader,
        "RFC 9110 8.6 (1*DIGIT); " + GFW2, at="head"),
    bad("framing/cl-minus", POST + b"Content-Length: -1\r\n\r\n", InvalidHeader,
        "RFC 9110 8.6; " + GFW2, at="head"),
    bad("framing/cl-hex", POST + b"Content-Length: 0x5\r\n\r\n", InvalidHeader,
        "RFC 9110 8.6", at="head"),
    bad("framing/cl-underscore", POST + b"Content-Length: 5_0\r\n\r\n", InvalidHeader,
        "RFC 9110 8.6; " + QPW + " (int() accepts '5_0')", at="head"),
    bad("framing/cl-inner-space", POST + b"Content-Length: 5 5\r\n\r\n", InvalidHeader,
        "RFC 9110 8.6", at="head"),
    bad("framing/cl-empty", POST + b"Content-Length:\r\n\r\n", InvalidHeader,
        "RFC 9110 8.6 (1*DIGIT, not empty)", at="head"),
    bad("framing/cl-fullwidth-digit", POST + "Content-Length: \uff15\r\n\r\n".encode(),
        InvalidHeader, "RFC 9110 8.6 (DIGIT is ASCII); " + UNICODE, at="head"),
    bad("framing/cl-arabic-indic-digit", POST + "Content-Length: \u0665\r\n\r\n".encode(),
        InvalidHeader, "RFC 9110 8.6; " + UNICODE, at="head"),
    bad("framing/cl-19-digits", POST + b"Content-Length: 1000000000000000000\r\n\r\n",
        InvalidHeader, "RFC 9110 8.6 (overflow); aiohttp-protocol CHANGES (at most 18 digits)", at="head"),
    bad("framing/te-xchunked", POST + b"Transfer-Encoding: xchunked\r\n\r\n", InvalidHeader,
        "RFC 9112 6.1; " + PORTSWIGGER + " TE.TE 'xchunked'", at="head"),
    bad("framing/te-chunked-identity", POST + b"Transfer-Encoding: chunked, identity\r\n\r\n",
        InvalidHeader, "RFC 9112 6.3 item 4 (chunked must be last); " + PORTSWIGGER, at="head"),
    bad("framing/te-gzip-chunked", POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n",
        InvalidHeader, "RFC 9112 6.1; aiohttp-protocol CHANGES (only 'chunked' is supported)", at="head"),
    bad("framing/te-identity", POST + b"Transfer-Encoding: identity\r\n\r\n", InvalidHeader,
        "RFC 9112 6.1 (identity is no transfer coding since RFC 7230)", at="head"),
    bad("framing/te-chunked-suffix", POST + b"Transfer-Encoding: chunked123\r\n\r\n",
        InvalidHeader, "RFC 9112 6.1; " + XX9P, at="head"),
    bad("framing/te-empty", POST + b"Transfer-Encoding:\r\n\r\n", InvalidHeader,
        "RFC 9112 6.1", at="head"),
    bad("framing/te-kelvin-sign", POST + "Transfer-Encoding: chun\u212aed\r\n\r\n".encode(),
        InvalidHeader, "RFC 9112 7 (coding names are ASCII tokens); " + UNICODE
        + " ('\\u212a'.lower() == 'k')", at="head"),
    bad("framing/te-twice",
        POST + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        InvalidHeader, "RFC 9112 6.1; aiohttp-protocol CHANGES (TE given twice)", at="head"),
    bad("framing/te-twice-obfuscated",
        POST + b"Transfer-Encoding: chunked\r\nTransfer-encoding: cow\r\n\r\n", InvalidHeader,
        PORTSWIGGER + " TE.TE duplicate header", at="head"),
    bad("framing/te-in-http-1.0",
        b"POST /upload HTTP/1.0\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n",
        InvalidHeader, "RFC 9112 6.1 (faulty framing in HTTP/1.0)", at="head"),
]

HOST_CASES = [
    bad("host/missing-in-1.1", b"GET / HTTP/1.1\r\n\r\n", InvalidHeader,
        "RFC 9112 3.2 (MUST respond 400)", at="head"),
    bad("host/twice", GET + b"Host: evil.example\r\n\r\n", InvalidHeader,
        "RFC 9112 3.2; GHSA-c427-h43c-vf67 / CVE-2026-34525", at="head"),
    bad("host/twice-in-1.0", b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", InvalidHeader,
        "RFC 9112 3.2", at="head"),
    bad("host/space", b"GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\n", InvalidHeader,
        "RFC 9110 7.2; RFC 3986 3.2.2", at="head"),
    bad("host/userinfo", b"GET / HTTP/1.1\r\nHost: user@evil.example\r\n\r\n", InvalidHeader,
        "RFC 9110 7.2 (Host = uri-host [\":\" port]); RFC 3986 3.2.2", at="head"),
    bad("host/slash", b"GET / HTTP/1.1\r\nHost: example.com/evil\r\n\r\n", InvalidHeader,
        "RFC 9110 7.2; RFC 3986 3.2.2", at="head"),
    bad("host/bad-percent-escape", b"GET / HTTP/1.1\r\nHost: ex%zzample.com\r\n\r\n",
        InvalidHeader, "RFC 3986 2.1 (pct-encoded = '%' HEXDIG HEXDIG)", at="head"),
    bad("host/truncated-percent-escape", b"GET / HTTP/1.1\r\nHost: example.com%4\r\n\r\n",
        InvalidHeader, "RFC 3986 2.1", at="head"),
    bad("host/two-ports", b"GET / HTTP/1.1\r\nHost: example.com:1:2\r\n\r\n", InvalidHeader,
        "RFC 3986 3.2.3", at="head"),
    bad("host/non-digit-port", b"GET / HTTP/1.1\r\nHost: example.com:http\r\n\r\n",
        InvalidHeader, "RFC 3986 3.2.3 (port = *DIGIT)", at="head"),
    bad("host/unterminated-ip-literal", b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", InvalidHeader,
        "RFC 3986 3.2.2 (IP-literal)", at="head"),
    bad("host/ip-literal-not-an-address", b"GET / HTTP/1.1\r\nHost: [evil.example]\r\n\r\n",
        InvalidHeader, "RFC 3986 3.2.2 (IP-literal = '[' ( IPv6address / IPvFuture ) ']')",
        at="head"),
    bad("host/backslash", b"GET / HTTP/1.1\r\nHost: example.com\\evil\r\n\r\n", InvalidHeader,
        "RFC 3986 3.2.2", at="head"),
]

LIMIT_CASES = [
    bad("limits/request-line-over-max_line_size", request_line(65) + CRLF, LineTooLong,
        "aiohttp-protocol CHANGES (max_line_size); RFC 9112 3 (414/400 for long lines)",
        limits=HeadLimits(max_line_size=64)),
    bad("limits/request-line-over-default-8190", request_line(8191) + CRLF, LineTooLong,
        "aiohttp-protocol CHANGES (max_line_size=8190); RFC 9112 3"),
    bad("limits/field-over-max_field_size", GET + field_line(65) + CRLF, LineTooLong,
        "aiohttp-protocol CHANGES (max_field_size); RFC 9110 5.4", limits=HeadLimits(max_field_size=64)),
    bad("limits/field-over-default-8190", GET + field_line(8191) + CRLF, LineTooLong,
        "aiohttp-protocol CHANGES (max_field_size=8190); RFC 9110 5.4"),
    bad("limits/field-over-limit-before-its-end", GET + field_line(8192), LineTooLong,
        "aiohttp-protocol CHANGES (a line that cannot fit fails without waiting for its end)"),
    bad("limits/head-over-max_headers", GET + (field_line(40) + CRLF) * 3, LineTooLong,
        "aiohttp-protocol CHANGES (max_headers: whole head); RFC 9110 5.4",
        limits=HeadLimits(max_headers=128)),
    bad("limits/head-one-byte-over-max_headers", GET + field_line(90) + CRLF + CRLF, LineTooLong,
        "aiohttp-protocol CHANGES (max_headers counts through the blank line)", at="head",
        limits=HeadLimits(max_headers=128)),
    bad("limits/too-many-fields", GET + b"A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", TooManyHeaders,
        "aiohttp-protocol CHANGES (max_header_count -> 431); RFC 6585 5",
        limits=HeadLimits(max_header_count=4)),
    bad("limits/too-many-fields-whole-head", GET + b"A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
        TooManyHeaders, "aiohttp-protocol CHANGES (max_header_count -> 431); RFC 6585 5", at="head",
        limits=HeadLimits(max_header_count=4)),
    bad("limits/too-many-fields-default-100",
        GET + b"".join(b"X-%d: v\r\n" % i for i in range(100)) + CRLF, TooManyHeaders,
        "aiohttp-protocol CHANGES (max_header_count=100)", at="head"),
    bad("limits/size-not-count", GET + field_line(60) + CRLF, LineTooLong,
        "aiohttp-protocol CHANGES (over max_headers with few fields: LineTooLong, not TooManyHeaders)",
        limits=HeadLimits(max_headers=64, max_header_count=4)),
]

CHUNKED_CASES = [
    bad_body("chunked/size-0x-prefix", CHUNKED_HEAD, b"0x1\r\n", TransferEncodingError,
             "RFC 9112 7.1 (chunk-size = 1*HEXDIG); " + GFW2),
    bad_body("chunked/size-plus", CHUNKED_HEAD, b"+1\r\n", TransferEncodingError, "RFC 9112 7.1"),
    bad_body("chunked/size-minus", CHUNKED_HEAD, b"-1\r\n", TransferEncodingError, "RFC 9112 7.1"),
    bad_body("chunked/size-leading-space", CHUNKED_HEAD, b" 1\r\n", TransferEncodingError,
             "RFC 9112 7.1"),
    bad_body("chunked/size-trailing-space", CHUNKED_HEAD, b"1 \r\n", TransferEncodingError,
             "RFC 9112 7.1.1 (BWS only before ';')"),
    bad_body("chunked/size-empty", CHUNKED_HEAD, b"\r\n", TransferEncodingError, "RFC 9112 7.1"),
    bad_body("chunked/size-not-hex", CHUNKED_HEAD, b"g\r\n", TransferEncodingError,
             "RFC 9112 7.1"),
    bad_body("chunked/size-underscore", CHUNKED_HEAD, b"1_0\r\n", TransferEncodingError,
             "RFC 9112 7.1; " + QPW + " (int('1_0', 16) == 16)"),
    bad_body("chunked/size-unicode-digit", CHUNKED_HEAD, "\u0661\r\n".encode(),
             TransferEncodingError, "RFC 9112 7.1 (HEXDIG is ASCII); " + UNICODE),
    bad_body("chunked/size-17-hex-digits", CHUNKED_HEAD, b"1" * 17 + CRLF, TransferEncodingError,
             "RFC 9112 7.1 (overflow); aiohttp-protocol CHANGES (1-16 hex digits)"),
    bad_body("chunked/size-17-digits-leading-zeros", CHUNKED_HEAD, b"0" * 16 + b"1\r\n",
             TransferEncodingError, "aiohttp-protocol CHANGES (1-16 hex digits, zeros count)"),
    bad_body("chunked/ext-bare-lf", CHUNKED_HEAD, b"2;\nxx\r\n", TransferEncodingError,
             "RFC 9112 7.1.1; " + CHUNK_EXT_LF),
    bad_body("chunked/size-bare-lf-terminator", CHUNKED_HEAD, b"2\nxx\r\n",
             TransferEncodingError, "RFC 9112 7.1 (chunk-size ... CRLF); " + CHUNK_EXT_LF),
    bad_body("chunked/ext-without-name", CHUNKED_HEAD, b"1;\r\n", TransferEncodingError,
             "RFC 9112 7.1.1 (chunk-ext-name = token)"),
    bad_body("chunked/ext-unterminated-quote", CHUNKED_HEAD, b'1;a="b\r\n', TransferEncodingError,
             "RFC 9112 7.1.1; RFC 9110 5.6.4"),
    bad_body("chunked/ext-nul", CHUNKED_HEAD, b"1;a=\x00\r\n", TransferEncodingError,
             "RFC 9112 7.1.1"),
    bad_body("chunked/ext-value-with-space", CHUNKED_HEAD, b"1;a=b c\r\n", TransferEncodingError,
             "RFC 9112 7.1.1 (chunk-ext-val = token / quoted-string)"),
    bad_body("chunked/data-not-followed-by-crlf", CHUNKED_HEAD, b"3\r\nabcXY",
             TransferEncodingError, "RFC 9112 7.1 (chunk-data CRLF)"),
    bad_body("chunked/data-overruns-size", CHUNKED_HEAD, b"2\r\nabcd", TransferEncodingError,
             "RFC 9112 7.1; " + PORTSWIGGER + " TE.CL"),
    bad_body("chunked/data-followed-by-bare-lf", CHUNKED_HEAD, b"3\r\nabc\n0",
             TransferEncodingError, "RFC 9112 7.1; " + CHUNK_EXT_LF),
    bad_body("chunked/size-line-over-max_field_size", CHUNKED_HEAD, b"1;" + b"a" * 40,
             TransferEncodingError, "aiohttp-protocol CHANGES (size line longer than max_field_size)",
             body_limits=BodyLimits(max_field_size=32)),
    bad_body("chunked/size-line-over-default", CHUNKED_HEAD, b"1;" + b"a" * 8200,
             TransferEncodingError, "aiohttp-protocol CHANGES (max_field_size=8190); GHSA-g84x-mcqj-x9qq"),
    bad_body("trailer/space-before-colon", CHUNKED_HEAD, b"0\r\nFoo : bar\r\n", InvalidHeader,
             "RFC 9112 7.1.2, 5.1; " + TRAILERS),
    bad_body("trailer/bare-lf-smuggles-request", CHUNKED_HEAD,
             b"0\r\nX: x\nGET /admin HTTP/1.1\r\n", InvalidHeader, "RFC 9112 7.1.2; " + TRAILERS),
    bad_body("trailer/obs-fold", CHUNKED_HEAD, b"0\r\nA: b\r\n c\r\n", InvalidHeader,
             "RFC 9112 7.1.2, 5.2"),
    bad_body("trailer/nul", CHUNKED_HEAD, b"0\r\nA: b\x00c\r\n", InvalidHeader,
             "RFC 9110 5.5; " + TRAILERS),
    bad_body("trailer/bare-cr", CHUNKED_HEAD, b"0\r\nA: b\rc\r\n", InvalidHeader,
             "RFC 9112 2.2; " + TRAILERS),
    bad_body("trailer/request-line-as-trailer", CHUNKED_HEAD, b"0\r\nGET /admin HTTP/1.1\r\n",
             InvalidHeader, "RFC 9112 7.1.2 (field-line needs ':'); " + TRAILERS),
    bad_body("trailer/line-over-max_field_size", CHUNKED_HEAD, b"0\r\n" + field_line(40),
             LineTooLong, "aiohttp-protocol CHANGES (trailer line longer than max_field_size)",
             body_limits=BodyLimits(max_field_size=32)),
    bad_body("trailer/section-over-max_headers", CHUNKED_HEAD,
             b"0\r\n" + (field_line(20) + CRLF) * 3, LineTooLong,
             "aiohttp-protocol CHANGES (trailer section longer than max_headers)",
             body_limits=BodyLimits(max_headers=48)),
    bad_body("trailer/too-many", CHUNKED_HEAD, b"0\r\nA: 1\r\nB: 2\r\nC: 3\r\n", TooManyHeaders,
             "GHSA-w2fm-2cpv-w7v5 / CVE-2026-22815", body_limits=BodyLimits(max_header_count=2)),
    bad_body("trailer/too-many-default-100", CHUNKED_HEAD,
             b"0\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(101)), TooManyHeaders,
             "GHSA-w2fm-2cpv-w7v5 / CVE-2026-22815; aiohttp-protocol CHANGES (max_header_count=100)"),
    bad_body("max_size/chunked", CHUNKED_HEAD, b"5\r\nabcde", PayloadTooLarge,
             "aiohttp-protocol CHANGES (chunked body passing max_size); RFC 9110 15.5.14",
             body_limits=BodyLimits(max_size=4)),
    bad_body("max_size/chunked-in-small-chunks", CHUNKED_HEAD, b"2\r\nab\r\n2\r\ncd\r\n2\r\nef",
             PayloadTooLarge, "aiohttp-protocol CHANGES (max_size counts across chunks)",
             body_limits=BodyLimits(max_size=5)),
    bad_body("max_size/content-length", length_head(100), b"", PayloadTooLarge,
             "aiohttp-protocol CHANGES (Content-Length > max_size fails before reading); RFC 9110 15.5.14",
             body_limits=BodyLimits(max_size=10)),
]

EOF_CASES = [
    bad_body("eof/in-chunk-data", CHUNKED_HEAD, b"5\r\nab", IncompleteRead, "RFC 9112 8",
             at="eof"),
    bad_body("eof/in-chunk-size-line", CHUNKED_HEAD, b"5", IncompleteRead, "RFC 9112 8",
             at="eof"),
    bad_body("eof/before-crlf-after-data", CHUNKED_HEAD, b"3\r\nabc", IncompleteRead,
             "RFC 9112 8", at="eof"),
    bad_body("eof/between-cr-and-lf", CHUNKED_HEAD, b"3\r\nabc\r", IncompleteRead, "RFC 9112 8",
             at="eof"),
    bad_body("eof/no-last-chunk", CHUNKED_HEAD, b"3\r\nabc\r\n", IncompleteRead,
             "RFC 9112 8 (last-chunk missing)", at="eof"),
    bad_body("eof/in-trailer-section", CHUNKED_HEAD, b"0\r\n", IncompleteRead,
             "RFC 9112 7.1.2, 8", at="eof"),
    bad_body("eof/after-trailer-field", CHUNKED_HEAD, b"0\r\nA: b\r\n", IncompleteRead,
             "RFC 9112 7.1.2, 8", at="eof"),
    bad_body("eof/content-length-short", length_head(10), b"abc", IncompleteRead,
             "RFC 9112 8 (fewer octets than Content-Length)", at="eof"),
    bad_body("eof/content-length-nothing", length_head(5), b"", IncompleteRead, "RFC 9112 8",
             at="eof"),
]

HOSTILE: list[Hostile] = (REQUEST_LINE_CASES + FIELD_SYNTAX_CASES + FRAMING_CASES + HOST_CASES
                          + LIMIT_CASES + CHUNKED_CASES + EOF_CASES)


@dataclass(frozen=True)
class Valid:
    """A near miss that must parse, and what it must parse to."""

    id: str
    raw: bytes
    source: str
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    version: HttpVersion = HttpVersion11
    should_close: bool = False
    #: The decoded body the payload parser must produce (None: not run).
    body: bytes | None = None
    trailers: tuple[tuple[str, str], ...] = ()
    limits: HeadLimits = field(default_factory=HeadLimits)


HOST = ("Host", "example.com")

VALID = [
    Valid("htab-ows-transfer-encoding",
          POST + b"Transfer-Encoding:\tchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
          "RFC 9110 5.6.3 (OWS = *( SP / HTAB )); " + PORTSWIGGER + " (not an obfuscation)",
          "POST", "/upload", (HOST, ("Transfer-Encoding", "chunked")), body=b"abc"),
    Valid("te-trailing-ows-and-upper-case",
          POST + b"Transfer-Encoding: CHUNKED \t\r\n\r\n0\r\n\r\n",
          "RFC 9112 7 (coding names are case-insensitive); RFC 9110 5.5 (OWS stripped)",
          "POST", "/upload", (HOST, ("Transfer-Encoding", "CHUNKED")), body=b""),
    Valid("options-asterisk-form", b"OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n",
          "RFC 9112 3.2.4", "OPTIONS", "*", (HOST,)),
    Valid("connect-authority-form",
          b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
          "RFC 9112 3.2.3", "CONNECT", "example.com:443", (("Host", "example.com:443"),)),
    Valid("connect-ipv6-authority-form",
          b"CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n",
          "RFC 9112 3.2.3; RFC 3986 3.2.2", "CONNECT", "[::1]:8443", (("Host", "[::1]:8443"),)),
    Valid("absolute-form", b"GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n",
          "RFC 9112 3.2.2", "GET", "http://example.com/a?b=c", (HOST,)),
    Valid("four-leading-empty-lines", CRLF * 4 + GET + CRLF,
          "RFC 9112 2.2 (SHOULD ignore at least one empty line)", "GET", "/", (HOST,)),
    Valid("http-1.0-without-host", b"GET /old HTTP/1.0\r\n\r\n",
          "RFC 9112 3.2 (Host is required in HTTP/1.1 only)", "GET", "/old", (),
          version=HttpVersion10, should_close=True),
    Valid("http-1.0-keep-alive", b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
          "RFC 9112 9.3; aiohttp-protocol CHANGES", "GET", "/", (("Connection", "keep-alive"),),
          version=HttpVersion10),
    Valid("connection-close-in-token-list",
          GET + b"Connection: Keep-Alive, Close\r\n\r\n", "RFC 9110 7.6.1; RFC 9112 9.3",
          "GET", "/", (HOST, ("Connection", "Keep-Alive, Close")), should_close=True),
    Valid("content-length-zero", POST + b"Content-Length: 0\r\n\r\n", "RFC 9110 8.6",
          "POST", "/upload", (HOST, ("Content-Length", "0")), body=b""),
    Valid("content-length-with-ows", POST + b"Content-Length: \t 5 \t\r\n\r\nhello",
          "RFC 9110 5.5, 5.6.3 (OWS around the value)", "POST", "/upload",
          (HOST, ("Content-Length", "5")), body=b"hello"),
    Valid("content-length-leading-zeros", POST + b"Content-Length: 005\r\n\r\nhello",
          "RFC 9110 8.6 (1*DIGIT)", "POST", "/upload", (HOST, ("Content-Length", "005")),
          body=b"hello"),
    Valid("lower-case-method", b"get / HTTP/1.1\r\nHost: example.com\r\n\r\n",
          "RFC 9110 9.1 (methods are case-sensitive tokens, kept as sent)", "get", "/", (HOST,)),
    Valid("obs-text-in-value", GET + b"X-Name: caf\xc3\xa9\r\n\r\n",
          "RFC 9110 5.5 (obs-text)", "GET", "/", (HOST, ("X-Name", "caf\u00e9"))),
    Valid("empty-host", b"GET / HTTP/1.1\r\nHost:\r\n\r\n",
          "RFC 9112 3.2 (empty Host when the target has no authority)", "GET", "/",
          (("Host", ""),)),
    Valid("host-ipv6-and-port", b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n",
          "RFC 3986 3.2.2", "GET", "/", (("Host", "[2001:db8::1]:8080"),)),
    Valid("host-pct-encoded", b"GET / HTTP/1.1\r\nHost: ex%41mple.com:8080\r\n\r\n",
          "RFC 3986 2.1, 3.2.2", "GET", "/", (("Host", "ex%41mple.com:8080"),)),
    Valid("field-names-keep-case-values-keep-inner-ws",
          GET + b"x-CuStOm:  a \t b\t\r\nX-Empty:\r\n\r\n", "RFC 9110 5.1, 5.5", "GET", "/",
          (HOST, ("x-CuStOm", "a \t b"), ("X-Empty", ""))),
    Valid("chunk-extensions-bws-and-trailers",
          CHUNKED_HEAD + b'3 ; name = "v\\"x" ;flag\r\nabc\r\n10;a=b\r\n' + b"0123456789abcdef"
          + b"\r\n0\r\nX-Checksum: 42\r\nX-Other:\tv\r\n\r\n",
          "RFC 9112 7.1.1 (BWS, token and quoted-string values), 7.1.2 (trailers)",
          "POST", "/upload", (HOST, ("Transfer-Encoding", "chunked")),
          body=b"abc0123456789abcdef", trailers=(("X-Checksum", "42"), ("X-Other", "v"))),
    Valid("chunk-size-16-hex-digits", CHUNKED_HEAD + b"0000000000000003\r\nabc\r\n0\r\n\r\n",
          "RFC 9112 7.1; aiohttp-protocol CHANGES (up to 16 hex digits)", "POST", "/upload",
          (HOST, ("Transfer-Encoding", "chunked")), body=b"abc"),
    Valid("request-line-exactly-max_line_size",
          request_line(64) + CRLF + b"Host: example.com\r\n\r\n",
          "aiohttp-protocol CHANGES (max_line_size is inclusive)", "GET", "/" + "a" * 50, (HOST,),
          limits=HeadLimits(max_line_size=64)),
    Valid("field-exactly-max_field_size", GET + field_line(64) + CRLF + CRLF,
          "aiohttp-protocol CHANGES (max_field_size is inclusive)", "GET", "/",
          (HOST, ("X-Pad", "v" * 57)), limits=HeadLimits(max_field_size=64)),
    Valid("head-exactly-max_headers", GET + field_line(89) + CRLF + CRLF,
          "aiohttp-protocol CHANGES (max_headers is inclusive)", "GET", "/",
          (HOST, ("X-Pad", "v" * 82)), limits=HeadLimits(max_headers=128)),
    Valid("exactly-max_header_count", GET + b"A: 1\r\nB: 2\r\nC: 3\r\n\r\n",
          "aiohttp-protocol CHANGES (max_header_count is inclusive)", "GET", "/",
          (HOST, ("A", "1"), ("B", "2"), ("C", "3")), limits=HeadLimits(max_header_count=4)),
    Valid("exactly-default-limits",
          request_line(8190) + CRLF + b"Host: example.com\r\n" + field_line(8190) + CRLF
          + b"".join(b"X-%d: v\r\n" % i for i in range(98)) + CRLF,
          "aiohttp-protocol CHANGES (defaults 8190 / 8190 / 100 fields are inclusive)", "GET",
          "/" + "a" * 8176,
          (HOST, ("X-Pad", "v" * 8183), *((f"X-{i}", "v") for i in range(98)))),
]


# -- driving the parsers ----------------------------------------------------------------


@dataclass
class Outcome:
    """What happened when a request was fed to the parsers by hand."""

    #: The exception that came out of a parser, if any.
    error: Exception | None = None
    #: True when ``error`` came out only after EOF was signalled.
    after_eof: bool = False
    message: RawRequestMessage | None = None
    #: Bytes of the input the head parser consumed.
    head_len: int | None = None
    #: The last parser returned (the whole request was accepted).
    finished: bool = False
    body: Collector | None = None
    payload_parser: HttpPayloadParser | None = None
    #: Bytes left unconsumed when the last parser returned.
    rest: bytes = b""


def _pump(gen: Generator[None, bytes, None], pieces: deque[bytes]) -> bool:
    """Start ``gen`` and send it ``pieces`` (consumed from the left) until it returns.

    True if it returned, False if it still waits for input once the pieces
    are used up. Parser errors propagate.
    """
    try:
        next(gen)
        while pieces:
            gen.send(pieces.popleft())
    except StopIteration:
        return True
    return False


def _eof(gen: Generator[None, bytes, None]) -> bool:
    """Signal end of input; True if the parser then returned."""
    try:
        gen.throw(EofStream())
    except StopIteration:
        return True
    return False


def run_by_hand(raw: bytes, pieces: Iterable[bytes], limits: HeadLimits,
                body_limits: BodyLimits | None, *, eof: bool) -> Outcome:
    """Feed ``pieces`` to a request head parser, then (``body_limits`` given) to a
    payload parser on the same buffer, as a server would; EOF at the end if ``eof``."""
    result = Outcome()
    buf = ParserBuffer()
    queue = deque(pieces)
    head = Collector()
    gen = HttpRequestParser(**limits)(head, buf)
    try:
        finished = _pump(gen, queue)
        if finished:
            result.message = head.items[0]
            result.head_len = len(raw) - len(buf) - sum(map(len, queue))
            if body_limits is not None:
                result.body = Collector()
                result.payload_parser = HttpPayloadParser(result.message, **body_limits)
                gen = result.payload_parser(result.body, buf)
                finished = _pump(gen, queue)
        if not finished and eof:
            result.after_eof = True
            finished = _eof(gen)
        result.finished = finished
        result.rest = bytes(buf) + b"".join(queue)
    except Exception as exc:
        result.error = exc
    return result


def whole(raw: bytes) -> list[bytes]:
    return [raw]


def byte_by_byte(raw: bytes) -> list[bytes]:
    return [raw[i:i + 1] for i in range(len(raw))]


def check_error(case: Hostile, exc: BaseException | None, how: str) -> None:
    """The error is exactly ``case.error`` and of the right family."""
    assert exc is not None
    assert type(exc) is case.error, (
        f"{how}: expected {case.error.__name__}, got {type(exc).__name__}: {exc!r}")
    if case.error is IncompleteRead:
        assert isinstance(exc, AiohttpConnectionError)
    else:
        assert isinstance(exc, HttpBadRequest)
    assert not isinstance(exc, (ValueError, KeyError, IndexError, UnicodeError))


def check_hostile_by_hand(case: Hostile, pieces: list[bytes], how: str) -> None:
    body_limits = case.body_limits if case.head_len is not None else None
    result = run_by_hand(case.raw, pieces, case.limits, body_limits, eof=case.at == "eof")
    if case.head_len is not None:
        assert result.message is not None, (
            f"{how}: the valid head was not accepted: {result.error!r}")
        assert result.head_len == case.head_len
    if result.error is None:
        if result.finished:
            pytest.fail(f"{how}: accepted: {result.message!r}")
        pytest.fail(f"{how}: no error after all {len(case.raw)} bytes: the parser waits for more"
                    " input, but the error is certain (aiohttp-protocol CHANGES: raised as soon as the"
                    " offending line is complete)")
    check_error(case, result.error, how)
    if case.at == "eof":
        assert result.after_eof, f"{how}: {result.error!r} raised before EOF on a valid prefix"


def check_valid_message(case: Valid, message: RawRequestMessage | None) -> None:
    assert message is not None
    assert message.method == case.method
    assert message.path == case.path
    assert message.version == case.version
    assert list(message.headers.items()) == list(case.headers)
    assert message.should_close is case.should_close


# -- the tests --------------------------------------------------------------------------


def test_the_tables() -> None:
    """At least 70 hostile rows, unique ids, each with a source; rows cut where the spec says."""
    assert len(HOSTILE) >= 70
    ids = [case.id for case in HOSTILE] + [case.id for case in VALID]
    assert len(ids) == len(set(ids))
    for case in HOSTILE:
        assert re.search(r"RFC \d{4}|GHSA-|aiohttp-protocol CHANGES|PortSwigger", case.source), case.id
        if case.at == "head":
            assert case.head_len is None and case.raw.endswith(b"\r\n\r\n"), case.id
        if case.head_len is not None:
            assert case.raw[:case.head_len].endswith(b"\r\n\r\n"), case.id
    for valid in VALID:
        assert re.search(r"RFC \d{4}|aiohttp-protocol CHANGES", valid.source), valid.id


HOSTILE_PARAMS = [pytest.param(case, id=case.id) for case in HOSTILE]
VALID_PARAMS = [pytest.param(case, id=case.id) for case in VALID]


@pytest.mark.parametrize("case", HOSTILE_PARAMS)
def test_hostile_fed_whole(case: Hostile) -> None:
    check_hostile_by_hand(case, whole(case.raw), "fed whole")


@pytest.mark.parametrize("case", HOSTILE_PARAMS)
def test_hostile_fed_byte_by_byte(case: Hostile) -> None:
    check_hostile_by_hand(case, byte_by_byte(case.raw), "fed byte by byte")


@pytest.mark.parametrize("case", HOSTILE_PARAMS)
async def test_hostile_through_stream_parser(case: Hostile) -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(HttpRequestParser(**case.limits))
    stream.feed_data(case.raw)
    if case.head_len is not None:
        assert out.exception() is None and out.is_eof(), (
            f"the valid head was not accepted: {out.exception()!r}")
        message = await out.read()
        assert len(stream.buffer) == len(case.raw) - case.head_len
        out = stream.set_parser(HttpPayloadParser(message, **case.body_limits))
    before_eof = out.exception()
    accepted = before_eof is None and out.is_eof()
    if case.at == "eof":
        assert before_eof is None and not out.is_eof(), (
            f"a valid prefix ended early: {before_eof!r}")
    stream.feed_eof()
    exc = out.exception()
    if case.at != "eof":
        assert not accepted, "accepted: the parser ended its output without an error"
        assert before_eof is not None, (
            f"no error after all {len(case.raw)} bytes: the parser waits for more input"
            f" (after EOF: {exc!r}; aiohttp-protocol CHANGES: raised as soon as the offending line is"
            " complete)")
        assert exc is before_eof
    check_error(case, exc, "through StreamParser")
    assert exc is not None
    with pytest.raises(case.error) as info:
        await out.read()
    assert info.value is exc


def check_valid_by_hand(case: Valid, pieces: list[bytes]) -> None:
    body_limits = BodyLimits() if case.body is not None else None
    result = run_by_hand(case.raw, pieces, case.limits, body_limits, eof=False)
    assert result.error is None, f"valid request rejected: {result.error!r}"
    check_valid_message(case, result.message)
    assert result.finished, "the parser waits for more input after a complete request"
    assert result.rest == b""
    if case.body is not None:
        assert result.body is not None and result.payload_parser is not None
        assert b"".join(result.body.items) == case.body
        assert result.body.eof
        assert list(result.payload_parser.trailers.items()) == list(case.trailers)


@pytest.mark.parametrize("case", VALID_PARAMS)
def test_valid_fed_whole(case: Valid) -> None:
    check_valid_by_hand(case, whole(case.raw))


@pytest.mark.parametrize("case", VALID_PARAMS)
def test_valid_fed_byte_by_byte(case: Valid) -> None:
    check_valid_by_hand(case, byte_by_byte(case.raw))


@pytest.mark.parametrize("case", VALID_PARAMS)
async def test_valid_through_stream_parser(case: Valid) -> None:
    stream = StreamParser(paused=False)
    out = stream.set_parser(HttpRequestParser(**case.limits))
    stream.feed_data(case.raw)
    assert out.exception() is None, f"valid request rejected: {out.exception()!r}"
    assert out.is_eof(), "the head parser waits for more input after a complete head"
    message = await out.read()
    check_valid_message(case, message)
    if case.body is not None:
        payload = HttpPayloadParser(message)
        body = stream.set_parser(payload)
        assert body.exception() is None, f"valid body rejected: {body.exception()!r}"
        assert body.is_eof(), "the payload parser waits for more input after a complete body"
        chunks = []
        while not body.at_eof():
            chunks.append(await body.read())
        assert b"".join(chunks) == case.body
        assert list(payload.trailers.items()) == list(case.trailers)
    assert len(stream.buffer) == 0


#: Messages that no head parser would produce, handed straight to the payload
#: parser: it must re-check request framing itself (aiohttp-protocol CHANGES: "Request
#: framing re-checked strictly").
UNCHECKED_FRAMING = [
    pytest.param(HttpVersion11, (("Content-Length", "+5"),), id="cl-plus"),
    pytest.param(HttpVersion11, (("Content-Length", "\uff15"),), id="cl-fullwidth-digit"),
    pytest.param(HttpVersion11, (("Content-Length", "5"), ("Content-Length", "5")), id="cl-twice"),
    pytest.param(HttpVersion11, (("Transfer-Encoding", "xchunked"),), id="te-xchunked"),
    pytest.param(HttpVersion11, (("Transfer-Encoding", "chun\u212aed"),), id="te-kelvin-sign"),
    pytest.param(HttpVersion11, (("Transfer-Encoding", "chunked"), ("Content-Length", "3")),
                 id="te-cl"),
    pytest.param(HttpVersion10, (("Transfer-Encoding", "chunked"),), id="te-in-http-1.0"),
]


@pytest.mark.parametrize(("version", "fields"), UNCHECKED_FRAMING)
def test_payload_parser_rechecks_request_framing(
        version: HttpVersion, fields: tuple[tuple[str, str], ...]) -> None:
    headers = CIMultiDictProxy(CIMultiDict([("Host", "example.com"), *fields]))
    message = RawRequestMessage("POST", "/upload", version, headers, False, None)
    gen = HttpPayloadParser(message)(Collector(), ParserBuffer())
    with pytest.raises(InvalidHeader) as info:
        next(gen)
    assert type(info.value) is InvalidHeader


# -- HttpRequestParser.parse_whole: the server's shortcut for a head in one piece ---------


def _head_part(raw: bytes, head_len: int | None) -> bytes:
    return raw if head_len is None else raw[:head_len]


def _same_message(fast: RawRequestMessage, general: RawRequestMessage) -> None:
    assert fast[:3] == general[:3]
    assert list(fast.headers.items()) == list(general.headers.items())
    assert type(fast.headers) is type(general.headers)
    assert fast[4:] == general[4:]


@pytest.mark.parametrize("case", HOSTILE_PARAMS)
def test_parse_whole_never_accepts_a_hostile_head(case: Hostile) -> None:
    """The shortcut refuses (with the general path's error) or declines (None)
    every hostile head; it never hands on a message the parser refuses."""
    data = _head_part(case.raw, case.head_len)
    general = run_by_hand(data, whole(data), case.limits, None, eof=False)
    try:
        fast = HttpRequestParser(**case.limits).parse_whole(data)
    except Exception as exc:
        assert general.error is not None, f"the shortcut refused a head the parser takes: {exc!r}"
        assert type(exc) is type(general.error)
        assert str(exc) == str(general.error)
        return
    if fast is None:
        return  # the server feeds the bytes to the parser, which refuses them
    # Only a body row's valid head may be taken whole.
    assert case.head_len is not None, "the shortcut accepted a hostile head"
    assert general.message is not None
    _same_message(fast, general.message)


@pytest.mark.parametrize("case", VALID_PARAMS)
def test_parse_whole_gives_the_parsers_message(case: Valid) -> None:
    result = run_by_hand(case.raw, whole(case.raw), case.limits, None, eof=False)
    assert result.message is not None and result.head_len is not None
    head = case.raw[:result.head_len]
    fast = HttpRequestParser(**case.limits).parse_whole(head)
    if fast is not None:
        _same_message(fast, result.message)
        check_valid_message(case, fast)
    # Anything more or less than one whole head is declined.
    parser = HttpRequestParser(**case.limits)
    assert parser.parse_whole(head[:-1]) is None
    assert parser.parse_whole(head + b"GET / HTTP/1.1\r\n") is None


def test_parse_whole_takes_the_usual_heads() -> None:
    parser = HttpRequestParser()
    message = parser.parse_whole(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")
    assert message is not None
    assert (message.method, message.path, message.version) == ("GET", "/", HttpVersion11)
    assert list(message.headers.items()) == [("Host", "127.0.0.1:8080")]
    assert not message.should_close
    assert parser.parse_whole(b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") is None  # empty line first
    assert parser.parse_whole(b"GET / HTTP/1.1\nHost: x\n\n") is None  # bare LF: the parser decides


def test_parse_whole_gives_the_same_message_for_the_same_head_again() -> None:
    parser = HttpRequestParser()
    head = b"GET /poll?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"
    first = parser.parse_whole(head)
    again = parser.parse_whole(bytes(bytearray(head)))  # equal bytes, another object
    assert first is not None and again is first
    assert parser._last_head == head and parser._last_head is not head  # a copy is kept
    fresh = HttpRequestParser().parse_whole(head)
    assert fresh is not None and fresh is not first
    _same_message(first, fresh)
    # One byte of difference is parsed anew, and refused when it must be.
    other = parser.parse_whole(head.replace(b"x=1", b"x=2"))
    assert other is not None and other is not first and other.path == "/poll?x=2"
    with pytest.raises(InvalidHeader):
        parser.parse_whole(head.replace(b"example.com", b"exa mple.com"))
    again = parser.parse_whole(head)  # the last remembered is `other`: parsed anew
    assert again is not None and again is not first
    _same_message(again, fresh)


@pytest.mark.parametrize("framing", [b"Content-Length: 3\r\n", b"Transfer-Encoding: chunked\r\n"])
def test_parse_whole_parses_heads_with_a_body_every_time(framing: bytes) -> None:
    from aiohttp._http_parser import known_body_length
    parser = HttpRequestParser()
    head = b"POST /upload HTTP/1.1\r\nHost: example.com\r\n" + framing + b"\r\n"
    first = parser.parse_whole(head)
    second = parser.parse_whole(head)
    assert first is not None and second is not None and second is not first
    _same_message(first, second)
    # The payload parser finds the length the head parser just remembered.
    assert known_body_length(second.headers, second.version)[0]


def test_parse_whole_remembers_only_bytes() -> None:
    parser = HttpRequestParser()
    head = bytearray(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    first = parser.parse_whole(head)  # type: ignore[arg-type]  # a transport may hand one
    assert first is not None
    head[5:5] = b"x"  # a bytearray can change: it is never the remembered head
    second = parser.parse_whole(head)  # type: ignore[arg-type]
    assert second is not None and second.path == "/x"
