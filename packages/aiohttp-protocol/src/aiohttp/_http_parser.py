"""Parsers of HTTP/1.x message heads: the start line and the header section.

Each parser is a callable ``parser(out, buf)`` returning a generator (the
contract of ``aiohttp.parsers``): it reads one head from the ``ParserBuffer``,
feeds one ``RawRequestMessage`` or ``RawResponseMessage`` to ``out`` and
returns, leaving the body in the buffer for ``HttpPayloadParser``.

Speed comes from parsing the whole head at once: one scan validates every
octet of it against the grammar and splits it into the start line and the
fields (``aiohttp._http_scan``: in C when the accelerator is built, else one
regular expression, one decode and one split). Only a head that fails that
check, arrives in pieces that do not yet hold the blank line, or starts with
empty lines takes the slow path,
which reads line by line and raises the precise error for the first bad line
as soon as that line is complete.

Requests are parsed strictly (RFC 9112): a server that guesses where a
request ends differently from a proxy in front of it can be smuggled a second
request. Responses are parsed as strictly as safety needs and as leniently as
real servers require; each leniency is listed on ``HttpResponseParser``.
"""

from __future__ import annotations

from collections.abc import Generator

from multidict import CIMultiDict, CIMultiDictProxy

from ._http_abnf import (
    ABSOLUTE_FORM_RE,
    AUTHORITY_FORM_RE,
    BAD_PERCENT_RE,
    CONNECTION,
    CONTENT_ENCODING,
    CONTENT_LENGTH,
    CONTENT_LENGTH_RE,
    FIELD_LINE_RE,
    HOST,
    HOST_RE,
    REQUEST_LINE_RE,
    STATUS_LINE_RE,
    TOKEN_RE,
    TRANSFER_ENCODING,
    ascii_lower,
)
from ._http_message import (
    HttpVersion,
    HttpVersion10,
    HttpVersion11,
    RawRequestMessage,
    RawResponseMessage,
)
from .errors import (
    BadStatusLine,
    ClientConnectionError,
    HttpMethodNotAllowed,
    InvalidHeader,
    LineLimitExceededParserError,
    LineTooLong,
    TooManyHeaders,
)
from ._http_scan import scan_head, split_fields
from .parsers import ParserBuffer, ParserOutput
from .streams import EofStream

__all__ = [
    "HttpParser",
    "HttpPrefixParser",
    "HttpRequestParser",
    "HttpResponseParser",
]

#: Default limits (those of aiohttp 0.9, plus a field count like gunicorn's).
DEFAULT_MAX_LINE_SIZE = 8190
DEFAULT_MAX_HEADERS = 32768
DEFAULT_MAX_FIELD_SIZE = 8190
DEFAULT_MAX_HEADER_COUNT = 100
#: RFC 9112 section 2.2: a server SHOULD ignore at least one empty line
#: before the request line (some clients send a CRLF after a POST body).
#: More than this many is not a client being sloppy.
MAX_EMPTY_LINES = 4
#: ``HttpPrefixParser`` looks this far for the space that ends the method.
PREFIX_LIMIT = 24

_CRLF = b"\r\n"
_VERSIONS = {"0": HttpVersion10, "1": HttpVersion11}

#: Content codings that HttpPayloadParser decodes, by Content-Encoding value.
#: RFC 9110 section 8.4.1.3: "x-gzip" is equivalent to "gzip".
_CODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate", "br": "br"}


def content_coding(value: str | None) -> str | None:
    """The coding to decode a body with, given its ``Content-Encoding``.

    Only a single coding that the payload parser knows is reported; a list of
    codings (``gzip, br``), ``identity`` or an unknown coding gives None, and
    the body is passed through as it came.
    """
    if not value:
        return None
    coding = _CODINGS.get(value)
    if coding is None:
        coding = _CODINGS.get(ascii_lower(value.strip(" \t")))
    return coding


def connection_options(headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> frozenset[str]:
    """The lower-cased options of every ``Connection`` field (RFC 9110 section 7.6.1)."""
    values = headers.getall(CONNECTION, None)
    if not values:
        return frozenset()
    return frozenset(
        ascii_lower(option.strip(" \t")) for value in values for option in value.split(",")
    )


#: The common Connection values, lower-cased, and whether they mean close.
_CLOSE_OPTION = {"close": True, "keep-alive": False, "upgrade": False}


def _wants_close(version: HttpVersion, headers: CIMultiDictProxy[str] | CIMultiDict[str]) -> bool:
    """RFC 9112 section 9.3: is the connection closed after this message?

    HTTP/1.1 persists unless a ``close`` option is sent (in any of the
    Connection fields); HTTP/1.0 only with the ``keep-alive`` option (which
    0.9 ignored; see CHANGES.md).
    """
    options = connection_options(headers)
    if "close" in options:
        return True
    if version < HttpVersion11:
        return "keep-alive" not in options
    return False


def _drop_head(buf: ParserBuffer, end: int) -> None:
    """Remove the head ``buf[:end]``, already scanned, from ``buf``."""
    if end == len(buf):  # the usual case: the buffer holds just the head
        buf.clear()
    else:
        del buf[:end]


class HttpParser:
    """What the head parsers share: their limits and the line reader.

    * ``max_line_size``: longest request or status line, in bytes without
      its CRLF (``LineTooLong``);
    * ``max_field_size``: longest header field line (``LineTooLong``);
    * ``max_headers``: longest whole head, start line and blank line
      included (``LineTooLong``);
    * ``max_header_count``: most header fields (``TooManyHeaders``, a
      ``LineTooLong`` answered with 431).
    """

    def __init__(self, max_line_size: int = DEFAULT_MAX_LINE_SIZE,
                 max_headers: int = DEFAULT_MAX_HEADERS,
                 max_field_size: int = DEFAULT_MAX_FIELD_SIZE, *,
                 max_header_count: int = DEFAULT_MAX_HEADER_COUNT) -> None:
        for name, value in (("max_line_size", max_line_size), ("max_headers", max_headers),
                            ("max_field_size", max_field_size),
                            ("max_header_count", max_header_count)):
            if value <= 0:
                raise ValueError(f"{name} must be positive")
        self.max_line_size = max_line_size
        self.max_headers = max_headers
        self.max_field_size = max_field_size
        self.max_header_count = max_header_count
        # A head no longer than this cannot hold a line over the line limits
        # or be over the head limit: the fast path only looks this far.
        self._short_head = min(max_line_size + 2, max_field_size + 2, max_headers)

    def _readline(self, buf: ParserBuffer, limit: int, what: str) -> Generator[None, bytes, bytes]:
        """Read through the next LF; the line (CRLF excluded) may be ``limit`` long."""
        try:
            return (yield from buf.readuntil(b"\n", limit + 2))
        except LineLimitExceededParserError:
            raise LineTooLong(what, limit) from None

    def _start_line(self, buf: ParserBuffer,
                    empty: tuple[bytes, ...]) -> Generator[None, bytes, bytes]:
        """Read the start line, skipping up to ``MAX_EMPTY_LINES`` ``empty`` lines."""
        for _ in range(MAX_EMPTY_LINES + 1):
            line = yield from self._readline(buf, self.max_line_size, "start line")
            if line not in empty:
                return line
        raise BadStatusLine(f"more than {MAX_EMPTY_LINES} empty lines before the start line")

    def _wait_for_head(self, buf: ParserBuffer) -> Generator[None, bytes, bool]:
        """Wait for the blank line that ends a head the fast path could take.

        True when it has arrived (within the fast path's reach). False as
        soon as a complete line shows that the fast path cannot take the
        head: a bare LF, a bad start line or field line (``_line_ok``), too
        many fields, empty lines first, or too many bytes. The slow path
        then reads the head and raises the precise error, or accepts what
        only it can. Each arriving byte is looked at a bounded number of
        times.
        """
        limit = self._short_head
        searched = checked = lines = 0
        while True:
            if buf.find(b"\r\n\r\n", searched, limit) >= 0:
                return True
            searched = max(0, len(buf) - 3)
            while (lf := buf.find(b"\n", checked)) >= 0:
                if lf == 0 or buf[lf - 1] != 13 or not self._line_ok(buf, checked, lf - 1):
                    return False
                lines += 1
                if lines > self.max_header_count + 1:
                    return False
                checked = lf + 1
            if len(buf) >= limit:
                return False
            buf.feed_data((yield))

    def _line_ok(self, buf: ParserBuffer, start: int, end: int) -> bool:
        """Is ``buf[start:end]`` (a line without its CRLF) one the fast path takes?"""
        raise NotImplementedError

    def _check_head_size(self, total: int, count: int) -> None:
        if total > self.max_headers:
            raise LineTooLong("header section", self.max_headers)
        if count > self.max_header_count:
            raise TooManyHeaders(self.max_header_count)


class HttpRequestParser(HttpParser):
    """Reads a request head (RFC 9112) and emits one ``RawRequestMessage``.

    Rejected with ``BadStatusLine``: a request line that is not
    ``token SP target SP HTTP/1.0|HTTP/1.1`` (target of visible ASCII only,
    in the form its method requires, RFC 9112 section 3.2). Rejected with
    ``InvalidHeader``: a field line that is not ``token ":" value`` (no
    whitespace before the colon, no obs-fold, no CTL but HTAB, no bare CR
    or LF); a ``Content-Length`` that is not 1*DIGIT, or given twice; a
    ``Transfer-Encoding`` other than exactly ``chunked``, given twice, on an
    HTTP/1.0 request, or together with ``Content-Length``; a missing (in
    HTTP/1.1), repeated or malformed ``Host``. Limits raise ``LineTooLong``
    or ``TooManyHeaders``. All of them are ``HttpBadRequest`` (400 or 431).

    Field names keep the case the client sent; the method keeps its case too
    (RFC 9110 section 9.1: methods are case-sensitive).
    """

    def __call__(self, out: ParserOutput[RawRequestMessage],
                 buf: ParserBuffer) -> Generator[None, bytes, None]:
        while not buf:  # the usual start: waiting for the next request
            buf.feed_data((yield))
        fields: CIMultiDict[str] = CIMultiDict()
        found = scan_head(buf, self._short_head, True, self.max_header_count, fields)
        if found is None and (yield from self._wait_for_head(buf)):
            found = scan_head(buf, self._short_head, True, self.max_header_count, fields)
        if found is not None:
            start, end, count = found
            _drop_head(buf, end)
            out.feed_data(self._message(start, count, fields))
            return
        head = (yield from self._read_head(buf)) + _CRLF
        start, count = split_fields(head.decode("utf-8", "surrogateescape"),
                                    self.max_header_count, fields)
        out.feed_data(self._message(start, count, fields))

    def parse_whole(self, data: bytes) -> RawRequestMessage | None:
        """The message of ``data`` when it is exactly one whole head that
        the fast path takes, else None.

        A server that receives a request head in one piece while its buffer
        is empty (the usual keep-alive request) can take the message from
        here without running the parser generator: the message and the
        errors are those ``__call__`` gives for the same bytes (the tests
        compare them). None means: feed the bytes to the parser as usual.

        A client on a persistent connection often sends the very same head
        again (polling, health checks, load generators). The last head
        taken without a body is remembered with its message: the same bytes
        again give the same message object without being parsed again. The
        message is immutable (a tuple, a read-only proxy over a multidict
        nobody else holds), and the checks depend on nothing but the bytes
        and this parser's limits, so the answer is the one a new parse would
        give. Heads with body framing are not remembered: the payload parser
        takes their length from ``remember_body_length``, which a new parse
        sets.
        """
        if data == self._last_head:
            return self._last_message
        if not data.endswith(b"\r\n\r\n"):
            return None  # not a whole head (a body or a piece follows): no scan tried
        fields: CIMultiDict[str] = CIMultiDict()
        found = scan_head(data, self._short_head, True, self.max_header_count, fields)
        if found is None or found[1] != len(data):
            return None
        message = self._message(found[0], found[2], fields)
        headers = message.headers
        if (type(data) is bytes and CONTENT_LENGTH not in headers
                and TRANSFER_ENCODING not in headers):
            # A copy of the head, not the received object: that is often what
            # remains of a much larger receive buffer (asyncio reads into
            # 256 KiB and shrinks it), and holding one per connection until
            # the next request can fragment the C heap: without the copy,
            # some runs of bench_server.py's varying heads took up to 1.5
            # times the CPU per request.
            self._last_head = bytes(memoryview(data))
            self._last_message = message
        return message

    #: The last head ``parse_whole`` took without body framing, and its message.
    _last_head: bytes = b""
    _last_message: RawRequestMessage | None = None

    def _line_ok(self, buf: ParserBuffer, start: int, end: int) -> bool:
        if start:
            return FIELD_LINE_RE.fullmatch(buf, start, end) is not None
        match = REQUEST_LINE_RE.fullmatch(buf, 0, end)
        if match is None:
            return False
        try:
            check_target(match.group(1).decode("ascii"), match.group(2).decode("ascii"))
        except BadStatusLine:
            return False
        return True

    def _read_head(self, buf: ParserBuffer) -> Generator[None, bytes, bytes]:
        """The slow path: read and check the head line by line."""
        line = yield from self._start_line(buf, (_CRLF,))
        match = REQUEST_LINE_RE.fullmatch(line, 0, len(line) - 2)
        if not line.endswith(_CRLF) or match is None:
            raise BadStatusLine(show_line(line))
        check_target(match.group(1).decode("ascii"), match.group(2).decode("ascii"))
        lines = [line]
        total = len(line)
        while True:
            line = yield from self._readline(buf, self.max_field_size, "header field")
            total += len(line)
            if line == _CRLF:
                self._check_head_size(total, 0)
                return b"".join(lines)
            # ``lines`` holds the request line, so this is field len(lines).
            self._check_head_size(total, len(lines))
            _check_field_line(line)
            lines.append(line)

    def _message(self, start: str, count: int, fields: CIMultiDict[str]) -> RawRequestMessage:
        """Build the message from the valid request line ``start`` and the
        ``count`` fields ``scan_head`` or ``split_fields`` put in ``fields``."""
        if count > self.max_header_count:
            raise TooManyHeaders(self.max_header_count)
        method, path, version_text = start.split(" ")
        version = _VERSIONS[version_text[-1]]
        headers = CIMultiDictProxy(fields)
        if path[0] != "/" or method == "CONNECT":
            check_target(method, path)
        # The lookups below go to the multidict itself, one layer less than
        # through its proxy.
        hosts = fields.getall(HOST, None)
        if hosts is None or len(hosts) != 1 or hosts[0] not in _valid_hosts:
            _check_host(version, hosts)
        if TRANSFER_ENCODING in fields or CONTENT_LENGTH in fields:
            remember_body_length(headers, request_body_length(version, headers), version)
        options = fields.getall(CONNECTION, None)
        if options is None:
            close = version is not HttpVersion11
        elif (len(options) == 1 and version is HttpVersion11
              and options[0] in _CLOSE_OPTION):  # the usual "keep-alive" or "close"
            close = _CLOSE_OPTION[options[0]]
        else:
            close = _wants_close(version, headers)
        coding = fields.get(CONTENT_ENCODING)
        if coding is not None:
            coding = content_coding(coding)
        # tuple.__new__ skips the Python-level NamedTuple constructor: this
        # runs once per request.
        return tuple.__new__(RawRequestMessage, (
            method, path, version, headers, close, coding))


_StatusAndFields = tuple[str, list[tuple[str, str]]]


def _closed_before_status_line() -> ClientConnectionError:
    return ClientConnectionError("Can not read status line: the connection closed")


class HttpResponseParser(HttpParser):
    """Reads a response head and emits one ``RawResponseMessage``.

    As strict as safety needs: the status line must be ``HTTP/1.x SP 3DIGIT``
    (``BadStatusLine``); NUL and bare CR are rejected everywhere, as are
    field names that are not tokens and conflicting ``Content-Length``
    values (``InvalidHeader``: the body's end could not be known).

    As lenient as real servers require (RFC 9112 allows each):

    * any HTTP/1.x minor version, and no reason phrase (even no space after
      the code);
    * empty lines before the status line are skipped;
    * a bare LF ends a line (section 2.2);
    * obs-fold continues a value; each fold becomes one SP (section 5.2);
    * whitespace between a field name and its colon is removed (section 5.1);
    * CTLs other than NUL and CR are kept in values;
    * ``Content-Length`` repeated with one value, or as a list of one value
      (``5, 5``), is that value (RFC 9110 section 8.6).

    End of input before the head is complete raises
    ``ClientConnectionError``.
    """

    def __call__(self, out: ParserOutput[RawResponseMessage],
                 buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            while not buf:
                buf.feed_data((yield))
        except EofStream:
            raise _closed_before_status_line() from None
        fields: CIMultiDict[str] = CIMultiDict()
        found = scan_head(buf, self._short_head, False, self.max_header_count, fields)
        if found is None:
            try:
                if (yield from self._wait_for_head(buf)):
                    found = scan_head(buf, self._short_head, False, self.max_header_count,
                                      fields)
            except EofStream:
                raise _closed_before_status_line() from None
        if found is not None:
            start, end, count = found
            _drop_head(buf, end)
            out.feed_data(self._fast_message(start, count, fields))
            return
        try:
            status, pairs = yield from self._read_head(buf)
        except EofStream:
            raise _closed_before_status_line() from None
        out.feed_data(self._message(status, pairs))

    def parse_whole(self, data: bytes) -> tuple[RawResponseMessage, int] | None:
        """The message of the head that starts ``data`` and where that head
        ends, when the fast path takes the head whole; else None.

        A client whose connection has nothing buffered usually receives a
        response head in one piece, often with its small body: it can take
        the message from here without running the parser generator, and
        keep ``data[end:]`` (the body) for what follows. The message, and
        any error raised, are those ``__call__`` gives when ``data`` is the
        first chunk it receives (the tests compare them); None means: feed
        the bytes to the parser as usual.
        """
        fields: CIMultiDict[str] = CIMultiDict()
        found = scan_head(data, self._short_head, False, self.max_header_count, fields)
        if found is None:
            return None
        return self._fast_message(found[0], found[2], fields), found[1]

    def _line_ok(self, buf: ParserBuffer, start: int, end: int) -> bool:
        if start:
            return FIELD_LINE_RE.fullmatch(buf, start, end) is not None
        return STATUS_LINE_RE.fullmatch(buf, 0, end) is not None

    def _read_head(self, buf: ParserBuffer) -> Generator[None, bytes, _StatusAndFields]:
        """The lenient path: read the head line by line, normalising it."""
        line = _strip_eol((yield from self._start_line(buf, (_CRLF, b"\n"))))
        if STATUS_LINE_RE.fullmatch(line) is None:
            raise BadStatusLine(show_line(line))
        status = line.decode("utf-8", "surrogateescape")
        fields: list[list[bytes]] = []
        total = len(line)
        while True:
            raw = yield from self._readline(buf, self.max_field_size, "header field")
            total += len(raw)
            line = _strip_eol(raw)
            if not line:
                break
            if b"\x00" in line or b"\r" in line:
                raise InvalidHeader(show_line(raw))
            if line[0] in b" \t":
                # obs-fold (RFC 9112 section 5.2): replace with one SP.
                if not fields:
                    raise InvalidHeader(show_line(raw))
                folded = line.strip(b" \t")
                if fields[-1][1] and folded:
                    fields[-1][1] += b" " + folded
                else:
                    fields[-1][1] += folded
                self._check_head_size(total, len(fields))
                continue
            name, colon, value = line.partition(b":")
            name = name.rstrip(b" \t")
            if not colon or TOKEN_RE.fullmatch(name) is None:
                raise InvalidHeader(show_line(raw))
            fields.append([name, value.strip(b" \t")])
            self._check_head_size(total, len(fields))
        self._check_head_size(total, len(fields))
        return status, [(name.decode("utf-8", "surrogateescape"),
                         value.decode("utf-8", "surrogateescape")) for name, value in fields]

    def _fast_message(self, start: str, count: int,
                      fields: CIMultiDict[str]) -> RawResponseMessage:
        """Build the message from the status line and the ``count`` fields
        ``scan_head`` put in ``fields``: the same message as ``_message``
        gives for the same head (the tests compare them)."""
        if count > self.max_header_count:
            raise TooManyHeaders(self.max_header_count)
        return self._finish(start, fields)

    def _message(self, status: str, pairs: list[tuple[str, str]]) -> RawResponseMessage:
        return self._finish(status, CIMultiDict(pairs))

    def _finish(self, status: str, fields: CIMultiDict[str]) -> RawResponseMessage:
        version_text, code, *rest = status.split(" ", 2)
        version = _VERSIONS.get(version_text[-1]) or HttpVersion(1, int(version_text[-1]))
        headers = CIMultiDictProxy(fields)
        # The lookups below go to the multidict itself, one layer less than
        # through its proxy.
        options = fields.getall(CONNECTION, None)
        if options is None:
            close = version is HttpVersion10  # HTTP/1.1 and later persist
        elif (len(options) == 1 and version is HttpVersion11
              and options[0] in _CLOSE_OPTION):  # the usual "keep-alive" or "close"
            close = _CLOSE_OPTION[options[0]]
        else:
            close = _wants_close(version, headers)
        if CONTENT_LENGTH in fields or TRANSFER_ENCODING in fields:
            # Checked now (conflicting lengths are an InvalidHeader before the
            # head is handed on) and remembered for the payload parser.
            remember_body_length(headers, response_body_length(headers))
            if CONTENT_LENGTH in fields and TRANSFER_ENCODING in fields:
                # RFC 9112 section 6.3 rule 3: Transfer-Encoding wins, and the
                # connection is not to be trusted with another message.
                close = True
        coding = fields.get(CONTENT_ENCODING)
        if coding is not None:
            coding = content_coding(coding)
        # tuple.__new__ skips the Python-level NamedTuple constructor: this
        # runs once per response.
        return tuple.__new__(RawResponseMessage, (
            version, int(code), rest[0] if rest else "", headers, close, coding))


class HttpPrefixParser:
    """Waits for the method that starts a request and emits it, consuming nothing.

    A server installs it to learn that a request has begun (and to refuse a
    method early). The method must be a token that ends with a space within
    ``PREFIX_LIMIT`` bytes (``BadStatusLine`` otherwise) and, when
    ``allowed_methods`` is given, one of them (``HttpMethodNotAllowed``).
    Empty lines before the method are consumed (RFC 9112 section 2.2).
    """

    def __init__(self, allowed_methods: tuple[str, ...] | list[str] | set[str] = ()) -> None:
        self.allowed_methods = frozenset(m.upper() for m in allowed_methods)

    def __call__(self, out: ParserOutput[str], buf: ParserBuffer) -> Generator[None, bytes, None]:
        for _ in range(MAX_EMPTY_LINES + 1):
            while len(buf) < 2:
                buf.feed_data((yield))
            if buf[:2] != _CRLF:
                break
            del buf[:2]
        else:
            raise BadStatusLine(f"more than {MAX_EMPTY_LINES} empty lines before the request line")
        while (end := buf.find(b" ", 0, PREFIX_LIMIT)) < 0:
            # Fail as soon as the bytes cannot be the start of a method (a
            # TLS handshake sent to a plain port, a line without a space).
            if len(buf) >= PREFIX_LIMIT or (buf and TOKEN_RE.fullmatch(buf) is None):
                raise BadStatusLine(show_line(bytes(buf[:PREFIX_LIMIT])))
            buf.feed_data((yield))
        method = bytes(buf[:end])
        if TOKEN_RE.fullmatch(method) is None:
            raise BadStatusLine(show_line(method))
        name = method.decode("ascii")
        if self.allowed_methods and name not in self.allowed_methods:
            raise HttpMethodNotAllowed(f"method {name!r} is not allowed")
        out.feed_data(name)


# -- checks ---------------------------------------------------------------------------


def show_line(line: bytes, limit: int = 200) -> str:
    """A line as an error message shows it: decoded, cut to ``limit`` bytes, repr'd."""
    text = line[:limit].decode("utf-8", "backslashreplace")
    return repr(text) + ("..." if len(line) > limit else "")


def _strip_eol(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith(b"\n"):
        return line[:-1]
    return line


def _check_field_line(line: bytes) -> None:
    """RFC 9112 section 5 for one request field line, CRLF included."""
    if not line.endswith(_CRLF):
        raise InvalidHeader(f"line not ending in CRLF: {show_line(line)}")
    if line[0] in b" \t":
        raise InvalidHeader(f"obs-fold is not allowed in a request: {show_line(line)}")
    if FIELD_LINE_RE.fullmatch(line, 0, len(line) - 2) is None:
        raise InvalidHeader(show_line(line))


def check_target(method: str, target: str) -> None:
    """RFC 9112 section 3.2: the request-target form must fit the method."""
    first = target[0]
    if first == "/":
        if method != "CONNECT":
            return
    elif first == "*" and len(target) == 1:
        # asterisk-form (section 3.2.4): only OPTIONS.
        if method == "OPTIONS":
            return
    elif method == "CONNECT":
        # authority-form (section 3.2.3): only, and always, CONNECT.
        if AUTHORITY_FORM_RE.fullmatch(target) is not None:
            return
    elif ABSOLUTE_FORM_RE.fullmatch(target) is not None:
        # absolute-form (section 3.2.2).
        return
    raise BadStatusLine(f"request target {target!r} is not valid for {method}")


#: ``request_body_length``/``response_body_length``: the body is chunked.
CHUNKED = -1
#: ``response_body_length``: the body runs until the connection closes.
UNTIL_CLOSE = -2


def request_body_length(version: HttpVersion, headers: CIMultiDictProxy[str]) -> int | None:
    """How a request body is framed (RFC 9112 section 6.3), checked strictly.

    Returns ``CHUNKED``, the Content-Length, or None when there is neither
    (no body: rule 7). Every ambiguity is an ``InvalidHeader``: that is what
    stops request smuggling.
    """
    codings = headers.getall(TRANSFER_ENCODING, None)
    if codings is not None:
        if version < HttpVersion11:
            # Section 6.1: an HTTP/1.0 message with Transfer-Encoding has
            # faulty framing.
            raise InvalidHeader("Transfer-Encoding: not allowed in an HTTP/1.0 request")
        if len(codings) > 1:
            raise InvalidHeader("Transfer-Encoding: given more than once")
        # Section 6.3 rule 4: chunked must be the final coding; no other
        # transfer coding is implemented, so it must be the only one.
        if ascii_lower(codings[0]) != "chunked":
            raise InvalidHeader(f"Transfer-Encoding: {codings[0]!r} (only 'chunked' is supported)")
        if CONTENT_LENGTH in headers:
            # Section 6.1: a request with both is a smuggling attempt.
            raise InvalidHeader("Content-Length with Transfer-Encoding")
        return CHUNKED
    values = headers.getall(CONTENT_LENGTH, None)
    if values is None:
        return None
    if len(values) > 1:
        raise InvalidHeader("Content-Length: given more than once")
    if CONTENT_LENGTH_RE.fullmatch(values[0]) is None:
        raise InvalidHeader(f"Content-Length: {values[0]!r}")
    return int(values[0])


def response_body_length(headers: CIMultiDictProxy[str]) -> int | None:
    """How a response body is framed (RFC 9112 section 6.3, rules 3 to 5).

    Returns ``CHUNKED`` when chunked is the final transfer coding (it wins
    over Content-Length), ``UNTIL_CLOSE`` for any other transfer coding, the
    Content-Length, or None. Content-Length may repeat one value, as fields
    or as a list (RFC 9110 section 8.6); different values are an
    ``InvalidHeader``.
    """
    codings = headers.getall(TRANSFER_ENCODING, None)
    if codings is not None:
        last = ascii_lower(codings[-1].rsplit(",", 1)[-1].strip(" \t"))
        return CHUNKED if last == "chunked" else UNTIL_CLOSE
    values = headers.getall(CONTENT_LENGTH, None)
    if values is None:
        return None
    if len(values) == 1:
        value = values[0]
        # The usual field, one run of ASCII digits: what the general path
        # below accepts for it (a one-member list, CONTENT_LENGTH_RE), read
        # without building the set.
        if value.isdigit() and value.isascii() and len(value) <= 18:
            return int(value)
    found = {member.strip(" \t") for value in values for member in value.split(",")}
    if len(found) != 1:
        raise InvalidHeader(f"Content-Length: conflicting values {sorted(found)!r}")
    (value,) = found
    if CONTENT_LENGTH_RE.fullmatch(value) is None:
        raise InvalidHeader(f"Content-Length: {value!r}")
    return int(value)


#: The body length the head parser found for the last message it parsed:
#: (its headers, its version or None for a response, the length). The
#: payload parser that follows for the same message takes it from here
#: rather than reading the framing fields again. The headers are a
#: read-only proxy over a multidict nobody else holds, so the length stays
#: right for as long as the entry names them; holding them keeps their
#: identity from being reused.
_last_body_length: tuple[object, HttpVersion | None, int | None] = (None, None, None)


def remember_body_length(headers: CIMultiDictProxy[str], length: int | None,
                         version: HttpVersion | None = None) -> None:
    """Note the body length a head parser just found (see ``known_body_length``)."""
    global _last_body_length
    _last_body_length = (headers, version, length)


def known_body_length(headers: CIMultiDictProxy[str],
                      version: HttpVersion | None = None) -> tuple[bool, int | None]:
    """``(True, length)`` when the head parser just found the body length
    of the message with these ``headers`` (and this ``version``, None for a
    response), else ``(False, None)``."""
    cached_headers, cached_version, length = _last_body_length
    if cached_headers is headers and cached_version is version:
        return True, length
    return False, None


#: Host values already found valid. Clients send the same few hosts over
#: and over; a set lookup is much cheaper than the regular expression.
_valid_hosts: set[str] = set()
_VALID_HOSTS_MAX = 1024


def _check_host(version: HttpVersion, hosts: list[str] | None) -> None:
    """RFC 9112 section 3.2: one valid Host, required in HTTP/1.1."""
    if hosts is None:
        if version is HttpVersion11:
            raise InvalidHeader("Host: missing from an HTTP/1.1 request")
        return
    if len(hosts) > 1:
        raise InvalidHeader("Host: given more than once")
    host = hosts[0]
    if HOST_RE.fullmatch(host) is None or ("%" in host and BAD_PERCENT_RE.search(host)):
        raise InvalidHeader(f"Host: {host!r}")
    if len(host) <= 255:  # a DNS name is at most 253: keep the cache small
        if len(_valid_hosts) >= _VALID_HOSTS_MAX:
            _valid_hosts.clear()
        _valid_hosts.add(host)
