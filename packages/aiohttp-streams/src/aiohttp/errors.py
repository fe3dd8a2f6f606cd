"""The exception hierarchy shared by every aiohttp package.

Two families, as in aiohttp 0.9:

* ``HttpException`` and its subclasses describe an HTTP-level failure that a
  server can answer with a status ``code``: the class attributes ``code``,
  ``message`` and ``headers`` are what the error response is built from.
* ``ConnectionError`` and its subclasses describe a failed or broken
  connection.

``ConnectionError`` and ``TimeoutError`` deliberately reuse builtin names, as
0.9 did; ``from aiohttp.errors import *`` therefore shadows the builtins in the
importing module. ``TimeoutError`` *is* the builtin (``asyncio.TimeoutError``
has been an alias of it since Python 3.11), which makes it an ``OSError``:
code that maps ``OSError`` to ``OsConnectionError`` must test for
``TimeoutError`` first.

``ParserError`` and ``LineLimitExceededParserError`` are raised by the parser
machinery (``aiohttp.parsers.ParserBuffer``, ``aiohttp.streams.StreamReader``)
when input breaks a limit; they are not part of ``__all__`` (as in 0.9) but are
importable. They subclass ``ValueError`` so that code written against 0.9,
where an over-long line raised ``ValueError``, keeps working.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

__all__ = [
    "HttpException",
    "HttpErrorException",
    "HttpBadRequest",
    "HttpMethodNotAllowed",
    "IncompleteRead",
    "BadStatusLine",
    "LineTooLong",
    "InvalidHeader",
    "TooManyHeaders",
    "TransferEncodingError",
    "ContentEncodingError",
    "PayloadTooLarge",
    "ConnectionError",
    "OsConnectionError",
    "ClientConnectionError",
    "TimeoutError",
    "ProxyConnectionError",
    "HttpProxyError",
]

#: Headers attached to an HTTP error: ``(name, value)`` pairs.
HeaderPairs = Iterable[tuple[str, str]]

TimeoutError = builtins.TimeoutError  # noqa: A001 - the 0.9 name, kept on purpose


class HttpException(Exception):
    """Base class of every HTTP-level error.

    ``code`` is the HTTP status a server answers with, ``message`` its reason
    phrase and ``headers`` extra response headers. Subclasses set them as class
    attributes; an instance may override them.
    """

    code: int | None = None
    headers: HeaderPairs = ()
    message: str = ""


class HttpErrorException(HttpException):
    """An HTTP error with a status code, message and headers chosen at raise time.

    >>> raise HttpErrorException(403, 'Forbidden', headers=[('X-Reason', 'acl')])
    """

    code: int

    def __init__(self, code: int, message: str = "", headers: HeaderPairs | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.headers = tuple(headers) if headers is not None else ()

    def __str__(self) -> str:
        return f"{self.code}, message={self.message!r}"


class HttpBadRequest(HttpException):
    """The peer sent a malformed HTTP message (answered with 400)."""

    code = 400
    message = "Bad Request"


class HttpMethodNotAllowed(HttpException):
    """The request method is not among the allowed ones (answered with 405)."""

    code = 405
    message = "Method Not Allowed"


class BadStatusLine(HttpBadRequest):
    """The request or status line is malformed.

    ``line`` holds the offending line; an empty line is stored as its repr
    (``"''"``) so that the error never reads as blank.
    """

    def __init__(self, line: str = "") -> None:
        if not line:
            line = repr(line)
        super().__init__(line)
        self.line = line


class LineTooLong(HttpBadRequest):
    """A line or header block is longer than the configured limit."""

    def __init__(self, line: str, limit: int | str = "Unknown") -> None:
        super().__init__(f"got more than {limit} bytes when reading {line}")
        self.line = line
        self.limit = limit


class InvalidHeader(HttpBadRequest):
    """A header field is malformed or not allowed; ``hdr`` says which."""

    def __init__(self, hdr: str | bytes) -> None:
        if isinstance(hdr, bytes):
            hdr = hdr.decode("utf-8", "surrogateescape")
        super().__init__(f"Invalid HTTP Header: {hdr}")
        self.hdr = hdr


class TooManyHeaders(LineTooLong):
    """A header section has more fields than the configured limit (answered with 431).

    A ``LineTooLong`` so that code catching the 0.9 limit error catches it.
    """

    code = 431
    message = "Request Header Fields Too Large"

    def __init__(self, limit: int) -> None:
        HttpBadRequest.__init__(self, f"more than {limit} header fields")
        self.line = "header fields"
        self.limit = limit


class TransferEncodingError(HttpBadRequest):
    """A message body's transfer coding (its chunked framing) is malformed.

    Raised for a bad chunk-size line, a missing CRLF after chunk data, or
    malformed trailers; the connection cannot be reused after it.
    """


class ContentEncodingError(HttpBadRequest):
    """A message body cannot be decoded with its ``Content-Encoding`` (corrupt gzip...)."""


class PayloadTooLarge(HttpBadRequest):
    """A message body, or its decompressed form, is larger than the configured limit.

    Answered with 413 (RFC 9110 section 15.5.14); ``limit`` is the limit in bytes.
    """

    code = 413
    message = "Payload Too Large"

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what} is larger than {limit} bytes")
        self.limit = limit


class ConnectionError(Exception):  # noqa: A001 - the 0.9 name, kept on purpose
    """An HTTP connection failed or broke."""


class OsConnectionError(ConnectionError):
    """Establishing a connection failed with an ``OSError`` (refused, unreachable...)."""


class ClientConnectionError(ConnectionError):
    """The client's connection failed (the peer misbehaved or went away)."""


class ProxyConnectionError(ClientConnectionError):
    """The connection to the proxy could not be established."""


class HttpProxyError(HttpErrorException):
    """The proxy answered a ``CONNECT`` request with a status other than 200."""


class IncompleteRead(ConnectionError):
    """The connection ended before a message body was complete.

    ``partial`` holds the bytes that did arrive when the raiser kept them
    (the body parsers stream a body out as it comes and keep none, so theirs
    is empty); ``expected`` is how many more were expected, when known.
    """

    def __init__(self, partial: bytes, expected: int | None = None) -> None:
        super().__init__(partial, expected)
        self.partial = partial
        self.expected = expected

    def __repr__(self) -> str:
        more = f", {self.expected} more expected" if self.expected is not None else ""
        return f"{type(self).__name__}({len(self.partial)} bytes read{more})"

    __str__ = __repr__


class ParserError(ValueError):
    """Input that a parser cannot accept."""


class LineLimitExceededParserError(ParserError):
    """A delimited read (a line, a header block) ran past its byte limit."""

    def __init__(self, msg: str, limit: int) -> None:
        super().__init__(msg)
        self.limit = limit
