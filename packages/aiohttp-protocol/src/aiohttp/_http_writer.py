"""Writing HTTP/1.x messages: ``HttpMessage`` and its ``Request`` and
``Response``.

The head is built with one join and written with one ``write``. Nothing that
could split or truncate the message gets out: a method, target, reason,
field name or field value with CR, LF, NUL (or another forbidden character)
raises ``ValueError`` before a byte is written (response splitting and
request-line injection: GHSA-45c4-8wx5-qw6w, GHSA-qvrw-v9rv-5rjx,
GHSA-mwh4-6h8g-pg8w).

The body goes through the filters (compression, re-chunking) in the order
they were added, then through the body writer chosen by ``send_headers()``:
Content-Length, chunked, until close, or none (HEAD, 1xx, 204, 304). A body
longer than its Content-Length, or any body where none is allowed, is a
``ValueError``, never a silent cut.

Where the optional C module ``aiohttp._http_writer_core`` is built, the
per-message state lives in its ``MessageCore`` (the base of ``HttpMessage``)
and the usual case of ``add_header``, ``write``, ``write_eof`` and
``Response.send_headers`` runs in C (``_install_core``): a server calls
them for every response. Every other case, every error included, is left to
the Python methods below, which remain the whole implementation.
"""

from __future__ import annotations

import http
import importlib.metadata
import sys
import time
from collections.abc import Awaitable, Callable, Generator, Iterable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from multidict import CIMultiDict

from ._http_abnf import (
    CONNECTION,
    CONTENT_LENGTH,
    FIELDS_RE,
    FORBIDDEN_IN_TARGET_RE,
    FORBIDDEN_IN_VALUE_RE,
    TOKEN_STR_RE,
    TRANSFER_ENCODING,
    ascii_lower,
)
from ._extensions import load_extension
from ._http_compression import Encoder
from ._http_message import HttpVersion, HttpVersion11
from ._http_parser import check_target
from .errors import BadStatusLine
from .streams import _READY

__all__ = ["HttpMessage", "Request", "Response"]

#: write() hands back a real drain once this many bytes went out since the last.
DRAIN_THRESHOLD = 2**16
#: Bodies larger than this are written with ``writelines`` rather than copied
#: into one buffer with their chunk framing.
_COPY_LIMIT = 2**14


def _own_version() -> str:
    try:
        return importlib.metadata.version("aiohttp-protocol")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


SERVER_SOFTWARE = f"Python/{sys.version_info[0]}.{sys.version_info[1]} aiohttp/{_own_version()}"


class Transport(Protocol):
    """What a message writes to: ``aiohttp.streams.StreamWriter`` or alike."""

    def write(self, data: bytes, /) -> None: ...

    def writelines(self, data: Iterable[bytes], /) -> None: ...

    def drain(self) -> Awaitable[None]: ...


#: What ``write()`` returns when there is nothing to wait for: the
#: streams package's ready awaitable, which may be dropped unawaited (0.9
#: callers ignore ``write()``'s result).
_DONE = _READY


class _DrainLater(tuple[Transport]):
    """Calls the transport's ``drain()`` only when awaited, so that dropping
    it never leaves an unawaited coroutine behind.

    ``_DrainLater((transport,))``: a one-item tuple, because a response
    makes one of these at its end and a tuple is built without running a
    Python ``__init__``.
    """

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        drain = self[0].drain()
        if drain is not _DONE:  # nothing to wait for: no generator to run
            yield from drain.__await__()


_date_cache: tuple[int, str] = (0, "")


def http_date() -> str:
    """The current time as an IMF-fixdate (RFC 9110 section 5.6.7), cached per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


#: The standard reason phrases (RFC 9110 section 15 and later RFCs).
_REASONS = {status.value: status.phrase for status in http.HTTPStatus}
#: Their HTTP/1.1 status lines.
_STATUS_LINES = {
    status: f"HTTP/1.1 {status} {phrase}\r\n".encode() for status, phrase in _REASONS.items()
}


_defaults_cache: tuple[float, str, bytes] = (0.0, "", b"")


def _date_and_server(software: str) -> bytes:
    """The ``Date`` and ``Server`` lines of a response, cached until the second changes."""
    global _defaults_cache
    expires, cached_software, lines = _defaults_cache
    if time.time() >= expires or cached_software != software:
        date = http_date()
        lines = f"Date: {date}\r\n".encode() + _default_line("Server", software)
        _defaults_cache = (_date_cache[0] + 1.0, software, lines)
        if _core is not None:
            _core.remember_defaults(*_defaults_cache)
    return lines


def _default_line(name: str, value: str) -> bytes:
    """A default field line; checked, since a subclass may change the value."""
    if FORBIDDEN_IN_VALUE_RE.search(value) is not None:
        raise ValueError(f"default {name} {value!r} contains a control character")
    return f"{name}: {value}\r\n".encode("utf-8", "surrogateescape")


def _require(kind: type, what: str, value: object) -> None:
    """Type checks that stay at run time: 0.9 callers pass anything."""
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"{what} must be {kind.__name__}, not {type(value).__name__}: {value!r}")


#: How many field names each message class remembers (``_name_kinds``).
_KNOWN_NAMES_MAX = 1024


def _check_name(name: str) -> None:
    """RFC 9110 section 5.1: a field name is a token (``ValueError``)."""
    _require(str, "a header name", name)
    if TOKEN_STR_RE.fullmatch(name) is None:
        raise ValueError(f"invalid header name {name!r}")


def _content_length(value: str) -> int:
    """RFC 9110 section 8.6: 1*DIGIT (ASCII digits; at most 18 of them)."""
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise ValueError(f"invalid Content-Length {value!r}")
    return int(value)


def _explain_bad_field(fields: list[tuple[str, str]]) -> None:
    """Raise the error for the first field that FIELDS_RE refused."""
    for name, value in fields:
        _require(str, "a header name", name)
        _require(str, f"header {name}: the value", value)
        if TOKEN_STR_RE.fullmatch(name) is None:
            raise ValueError(f"invalid header name {name!r}")
        _check_value(f"header {name}:", value)
    raise ValueError("a default header (Server, User-Agent...) is not a valid field")


def _check_value(what: str, value: str) -> str:
    if FORBIDDEN_IN_VALUE_RE.search(value) is not None:
        raise ValueError(f"{what} {value!r} contains a control character (CR, LF, NUL...)")
    return value


class _CompressionFilter:
    def __init__(self, encoding: str) -> None:
        self._encoder = Encoder(encoding)

    def feed(self, pieces: list[bytes]) -> list[bytes]:
        compress = self._encoder.compress
        return [out for out in map(compress, pieces) if out]

    def flush(self, pieces: list[bytes]) -> list[bytes]:
        pieces = self.feed(pieces)
        tail = self._encoder.flush()
        if tail:
            pieces.append(tail)
        return pieces


class _ChunkingFilter:
    """Re-cuts the body into pieces of exactly ``size`` bytes (the last one shorter)."""

    def __init__(self, size: int) -> None:
        if size <= 0:
            raise ValueError("chunk_size must be positive")
        self._size = size
        self._pending = bytearray()

    def feed(self, pieces: list[bytes]) -> list[bytes]:
        pending, size = self._pending, self._size
        for piece in pieces:
            pending += piece
        cut = len(pending) - len(pending) % size
        out = [bytes(pending[start:start + size]) for start in range(0, cut, size)]
        del pending[:cut]
        return out

    def flush(self, pieces: list[bytes]) -> list[bytes]:
        out = self.feed(pieces)
        if self._pending:
            out.append(bytes(self._pending))
            self._pending.clear()
        return out


_Filter = _CompressionFilter | _ChunkingFilter

_FRAMING_FIELDS = frozenset({"CONTENT-LENGTH", "CONNECTION", "TRANSFER-ENCODING", "UPGRADE"})


class _PyMessageState:
    """The per-message state of ``HttpMessage`` in pure Python.

    The initial values live on the class: a message is built for every
    response, and each assignment in ``__init__`` costs. Where
    ``aiohttp._http_writer_core`` is built, its ``MessageCore`` is the base
    instead: the same names, kept in C fields with the same initial values,
    so that its fast paths (see ``_install_core``) reach them directly.
    """

    transport: Transport
    version: HttpVersion
    _pending: list[tuple[str, str]]
    closing: bool = False
    keepalive: bool | None = None
    chunked = False
    length: int | None = None
    headers_sent = False
    output_length = 0
    _headers: CIMultiDict[str] | None = None  # built from _pending on first use
    _length_text: str | None = None  # the Content-Length that add_header checked
    _omit_length = False  # the head must not carry the Content-Length given
    _defaults_given: frozenset[str] = frozenset()  # default fields the caller set
    _body_length = 0
    _unflushed = 0
    _eof = False
    _discard = False  # the body is dropped silently (a HEAD response)
    # The body writer send_headers chose, as an unbound function: a bound
    # method kept on the message would make a reference cycle, and every
    # message would wait for the garbage collector to be freed.
    _writer: Callable[[HttpMessage, list[bytes]], int] | None = None


_core = load_extension("_http_writer_core")
if TYPE_CHECKING:
    _MessageState = _PyMessageState
else:
    _MessageState = _PyMessageState if _core is None else _core.MessageCore


class HttpMessage(_MessageState):
    """An HTTP message being written: headers first, then the body.

    ``transport`` is what the message writes to (``write``, ``writelines``,
    ``drain``), usually the ``aiohttp.streams.StreamWriter`` of a connection.

    Field names go on the wire as given; ``headers`` is a ``CIMultiDict``,
    so lookups ignore case. ``add_header`` takes the framing fields for
    itself: ``Content-Length`` sets ``length``, ``Connection`` sets
    ``keepalive``/``upgrade`` (and is written by ``send_headers``),
    ``Transfer-Encoding: chunked`` sets ``chunked``. ``add_header`` checks
    each field as it comes; ``send_headers`` checks those put into
    ``headers`` directly. Nothing unchecked is written.

    Until something reads ``headers``, added fields wait in a plain list
    and the head is built from it: most responses never look at their own
    headers, and building the multidict is a good part of the cost.
    """

    HOP_HEADERS: ClassVar[frozenset[str] | tuple[str, ...] | None] = None
    SERVER_SOFTWARE: ClassVar[str] = SERVER_SOFTWARE

    status: int | None = None
    status_line: str | bytes = b""
    upgrade = False
    websocket = False
    filter: list[_Filter] | None = None

    #: Upper-cased names that add_header does not simply store: the framing
    #: fields, HOP_HEADERS and the fields the message adds by default.
    _special: ClassVar[frozenset[str]] = _FRAMING_FIELDS
    #: Upper-cased names of the fields send_headers adds unless given.
    _DEFAULTS: ClassVar[frozenset[str]] = frozenset()

    #: Field names already checked, with how add_header treats them: "" for
    #: the simply stored ones, the upper case for the _special ones. Messages
    #: use the same few names over and over; one dict lookup replaces the
    #: token check, the upper-casing and the set lookup (each class has its
    #: own, since _special differs).
    _name_kinds: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._special = _FRAMING_FIELDS | frozenset(cls.HOP_HEADERS or ()) | cls._DEFAULTS
        cls._name_kinds = {}

    def __init__(self, transport: Transport, version: HttpVersion, close: bool) -> None:
        self.transport = transport
        self.version = version
        self.closing = close
        # HTTP/1.0 closes unless the message says keep-alive; HTTP/1.1 keeps
        # the connection unless told otherwise (None: not decided yet).
        self.keepalive: bool | None = None if version >= HttpVersion11 else False
        self._pending: list[tuple[str, str]] = []

    @property
    def writer(self) -> Callable[[list[bytes]], int] | None:
        """The body writer chosen by ``send_headers()`` (None before)."""
        writer = self._writer
        return None if writer is None else writer.__get__(self)

    @property
    def headers(self) -> CIMultiDict[str]:
        headers = self._headers
        if headers is None:
            headers = self._headers = CIMultiDict(self._pending)
        return headers

    @headers.setter
    def headers(self, headers: CIMultiDict[str]) -> None:
        self._headers = headers

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_line!r} sent={self.headers_sent}>"

    # -- state ----------------------------------------------------------------

    def force_close(self) -> None:
        self.closing = True
        self.keepalive = False

    def force_chunked(self) -> None:
        self.chunked = True

    def keep_alive(self) -> bool:
        if self.keepalive is None:
            return not self.closing
        return self.keepalive

    def is_headers_sent(self) -> bool:
        return self.headers_sent

    def _has_body(self) -> bool:
        """May this message carry a body at all?"""
        return True

    # -- headers ---------------------------------------------------------------

    def add_header(self, name: str, value: str) -> None:
        """Add a header field.

        The name (a token, RFC 9110 section 5.1) and the value (no CTL but
        HTAB, section 5.5) are checked at once, ``ValueError``; fields put
        into ``headers`` directly are checked when the headers are sent. The
        framing fields take effect at once.
        """
        if self.headers_sent:
            raise RuntimeError("the headers have already been sent")
        # "" for a name that is simply stored, else its upper case.
        upper = self._name_kinds.get(name)
        if upper is None:
            upper = self._learn_name(name)
        if not value.isprintable():  # str.isprintable: no CTL (nor HTAB, obs-text...)
            _check_value(f"header {name}:", value)
        value = value.strip(" \t")
        if not upper:
            # self._store(name, value), inlined: the usual field.
            if self._headers is None:
                self._pending.append((name, value))
            else:
                self._headers.add(name, value)
        elif upper == "CONTENT-LENGTH":
            # _content_length's check, inlined for the usual value; it
            # raises the error for any other.
            if value.isdigit() and value.isascii() and len(value) <= 18:
                self.length = int(value)
            else:
                self.length = _content_length(value)
            if self._headers is None and self._length_text is None:
                self._pending.append((name, value))
            else:
                self.headers[name] = value
            self._length_text = value
        elif upper == "CONNECTION":
            self._connection(value)
        elif upper == "TRANSFER-ENCODING":
            self._transfer_encoding(value)
        elif upper == "UPGRADE":
            if "websocket" in ascii_lower(value):
                self.websocket = True
            self._store(name, value)
        elif upper in self._DEFAULTS:
            # The caller's Server, Date or User-Agent replaces the default.
            self._defaults_given |= {upper}
            self.headers[name] = value
        # else: another hop-by-hop name, dropped.

    def _store(self, name: str, value: str) -> None:
        if self._headers is None:
            self._pending.append((name, value))
        else:
            self._headers.add(name, value)

    def _connection(self, value: str) -> None:
        options = {ascii_lower(option.strip(" \t")) for option in value.split(",")}
        if "upgrade" in options:
            self.upgrade = True
        elif "close" in options:
            self.keepalive = False
        elif "keep-alive" in options:
            self.keepalive = True

    def _transfer_encoding(self, value: str) -> None:
        if ascii_lower(value.strip(" \t")) != "chunked":
            raise ValueError(f"Transfer-Encoding {value!r}: only 'chunked' is supported")
        self.chunked = True

    def add_headers(self, *headers: tuple[str, str]) -> None:
        if self.headers_sent:
            raise RuntimeError("the headers have already been sent")
        if type(self).add_header is not HttpMessage.add_header:
            for name, value in headers:  # a subclass wants to see each one
                self.add_header(name, value)
            return
        # add_header's common case, inlined: a message gets several headers.
        if self._headers is None:
            append = self._pending.append
            kinds = self._name_kinds
            for name, value in headers:
                # "" for a name that is simply stored, else its upper case.
                upper = kinds.get(name)
                if upper is None:
                    upper = self._learn_name(name)
                if not value.isprintable():
                    _check_value(f"header {name}:", value)
                if not upper:
                    append((name, value.strip(" \t")))
                elif upper == "CONTENT-LENGTH" and self._length_text is None:
                    value = value.strip(" \t")
                    self.length = _content_length(value)
                    self._length_text = value
                    append((name, value))
                else:
                    self.add_header(name, value)
        else:
            for name, value in headers:
                self.add_header(name, value)

    @classmethod
    def _learn_name(cls, name: str) -> str:
        """Check a new field name; remember it with its upper case if the
        message treats it specially, else with ""."""
        _check_name(name)
        upper = name.upper()
        kind = upper if upper in cls._special else ""
        kinds = cls._name_kinds
        if len(kinds) >= _KNOWN_NAMES_MAX:
            kinds.clear()
        kinds[name] = kind
        return kind

    def _default_headers(self) -> bytes:
        """The field lines (CRLF included) of the defaults the caller did not give."""
        return b""

    def _has_field(self, upper: str) -> bool:
        """Did the caller give this default field (by add_header or in ``headers``)?"""
        if self._headers is None:
            return upper in self._defaults_given
        return upper in self._headers

    def _take_framing_fields(self, headers: CIMultiDict[str]) -> None:
        """Apply the framing fields that were put into ``headers`` directly."""
        lengths = headers.getall(CONTENT_LENGTH, None)
        if lengths is None:
            if self._length_text is not None:  # add_header's was deleted since
                self.length = self._length_text = None
        elif len(lengths) > 1:
            raise ValueError(f"more than one Content-Length: {lengths!r}")
        elif lengths[0] != self._length_text:
            self.length = _content_length(lengths[0])
            self._length_text = lengths[0]
        if CONNECTION in headers:
            for value in headers.popall(CONNECTION):
                self._connection(value)
        if TRANSFER_ENCODING in headers:
            for value in headers.popall(TRANSFER_ENCODING):
                self._transfer_encoding(value)

    def send_headers(self) -> None:
        """Write the start line and the headers; choose how the body is written.

        Every field is checked first: a name that is not a token, or a value
        with a CTL other than HTAB, raises ``ValueError`` and nothing is
        written.
        """
        if self.headers_sent:
            raise RuntimeError("the headers have already been sent")
        headers = self._headers
        if headers is None:
            fields = self._pending
        else:
            self._take_framing_fields(headers)
            fields = list(headers.items())
            for name, _ in fields:
                _check_name(name)
        self._choose_writer()
        if self._omit_length:
            fields = [field for field in fields if field[0].upper() != "CONTENT-LENGTH"]
            self.length = None
        extra = self._default_headers()
        if self.chunked:
            extra += b"Transfer-Encoding: chunked\r\n"
        keepalive = self.keepalive
        if self.upgrade:
            extra += b"Connection: upgrade\r\n"
        elif self.closing if keepalive is None else not keepalive:
            extra += b"Connection: close\r\n"
        elif keepalive and self.version < HttpVersion11:
            extra += b"Connection: keep-alive\r\n"
        if fields:
            section = ("\r\n".join(map(": ".join, fields)) + "\r\n").encode(
                "utf-8", "surrogateescape")
            # Fields that came through add_header were checked there; those
            # put into ``headers`` directly are checked now. FIELDS_RE alone
            # would take a value with "\r\n" inside for two field lines:
            # there must be exactly one line per field.
            if headers is not None and (FIELDS_RE.fullmatch(section) is None
                                        or section.count(b"\n") != len(fields)):
                _explain_bad_field(fields)
        else:
            section = b""
        status_line = self.status_line
        if isinstance(status_line, str):  # a subclass may set a str, as 0.9 did
            status_line = status_line.encode("utf-8")
        head = b"".join((status_line, section, extra, b"\r\n"))
        self.headers_sent = True
        self.output_length += len(head)
        self.transport.write(head)

    def _choose_writer(self) -> None:
        """Pick the body writer, and settle ``chunked`` and closing to match.

        A head never announces two framings: when the body is chunked, a
        Content-Length is not written (RFC 9112 section 6.2), nor for a 1xx
        or 204 response (RFC 9110 section 8.6).
        """
        if not self._has_body():
            self._writer = HttpMessage._write_no_body
            self.chunked = False
            status = self.status
            if status is not None and (status < 200 or status == 204):
                self._omit_length = self.length is not None
        elif self.chunked or (self.length is None and self._chunk_by_default()):
            if self.version >= HttpVersion11:
                self.chunked = True
                self._writer = HttpMessage._write_chunked
                self._omit_length = self.length is not None
            elif self.length is not None:
                # HTTP/1.0 has no chunked coding; the length will do.
                self.chunked = False
                self._writer = HttpMessage._write_length
            elif self._body_until_close():
                # HTTP/1.0 has no chunked coding: the body ends with the connection.
                self.chunked = False
                self._writer = HttpMessage._write_until_close
                self.force_close()
            else:
                raise ValueError("an HTTP/1.0 request cannot be chunked: give a Content-Length")
        elif self.length is not None:
            self._writer = HttpMessage._write_length
        elif self._body_until_close():
            self._writer = HttpMessage._write_until_close
            self.force_close()
        else:
            self._writer = HttpMessage._write_no_body
        if self._discard:
            # The answer to a HEAD: the head says what the GET would get.
            self._writer = HttpMessage._write_no_body

    def _chunk_by_default(self) -> bool:
        """Without a Content-Length, is an HTTP/1.1 body chunked? (Responses: yes.)"""
        return False

    def _body_until_close(self) -> bool:
        """Without a Content-Length or chunking, does the body run until close?"""
        return False

    # -- body ------------------------------------------------------------------

    def add_chunking_filter(self, chunk_size: int = 16384) -> None:
        """Cut the body into pieces of ``chunk_size`` bytes (each one HTTP chunk)."""
        self._add_filter(_ChunkingFilter(chunk_size))

    def add_compression_filter(self, encoding: str = "deflate") -> None:
        """Compress the body: ``deflate`` (zlib format), ``gzip`` or ``br``.

        The ``Content-Encoding`` header is the caller's to add, as in 0.9.
        """
        self._add_filter(_CompressionFilter(encoding))

    def _add_filter(self, new: _Filter) -> None:
        if self._eof:
            raise RuntimeError("the message is complete")
        if self.filter is None:
            self.filter = []
        self.filter.append(new)

    def write(self, chunk: bytes | bytearray | memoryview) -> Awaitable[None]:
        """Write a piece of the body (sending the headers first if need be).

        Returns an awaitable that waits for the transport to drain when much
        was written since the last time; it may be ignored.
        """
        if not self.headers_sent and type(chunk) is bytes and not self._eof:
            # The first write: the head goes first (what the general path
            # below would do before anything else), and the body then takes
            # the usual path. Never the usual path with the head unsent: a
            # send_headers() that failed after choosing the writer must fail
            # again, not let the body out without its head.
            self.send_headers()
        if (self._writer is HttpMessage._write_length and type(chunk) is bytes
                and self.filter is None and not self._eof and chunk):
            # The usual write (bytes, a Content-Length, no filter): what the
            # general path below does for it, without its calls.
            size = len(chunk)
            body_length = self._body_length + size
            if body_length > self.length:  # type: ignore[operator]
                raise ValueError(f"{body_length} bytes of body exceed the "
                                 f"Content-Length of {self.length}")
            self._body_length = body_length
            self.transport.write(chunk)
            self.output_length += size
            unflushed = self._unflushed + size
            if unflushed > DRAIN_THRESHOLD:
                self._unflushed = 0
                return _DrainLater((self.transport,))
            self._unflushed = unflushed
            return _DONE
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, not {type(chunk).__name__}")
        if self._eof:
            raise RuntimeError("write() after write_eof()")
        if not self.headers_sent:
            self.send_headers()
        pieces = [bytes(chunk)] if chunk else []
        if self.filter is not None:
            for stage in self.filter:
                pieces = stage.feed(pieces)
        if not pieces:
            return _DONE
        writer = self._writer
        assert writer is not None
        written = writer(self, pieces)
        self.output_length += written
        self._unflushed += written
        if self._unflushed > DRAIN_THRESHOLD:
            self._unflushed = 0
            return _DrainLater((self.transport,))
        return _DONE

    def write_eof(self) -> Awaitable[None]:
        """End the body: flush the filters and write the end of a chunked body.

        A body shorter than its Content-Length raises ``ValueError`` (the
        peer would wait for the rest); the message is marked to close.
        Calling it again does nothing.
        """
        if self._eof:
            return _DONE
        if not self.headers_sent:
            self.send_headers()
        if self._writer is HttpMessage._write_length and self.filter is None:
            # The usual end (a Content-Length, no filter): what the general
            # path below does for it, without its calls.
            self._eof = True
            length = self.length
            if length is not None and self._body_length < length:
                self.force_close()
                raise ValueError(f"the body ended after {self._body_length} of the "
                                 f"{self.length} bytes of its Content-Length")
            self._unflushed = 0
            return _DrainLater((self.transport,))
        pieces: list[bytes] = []
        if self.filter is not None:
            for stage in self.filter:
                pieces = stage.flush(pieces)
        writer = self._writer
        assert writer is not None
        written = writer(self, pieces) if pieces else 0
        self._eof = True
        if writer is HttpMessage._write_chunked:
            self.transport.write(b"0\r\n\r\n")
            written += 5
        elif (writer is HttpMessage._write_length and self.length is not None
              and self._body_length < self.length):
            self.force_close()
            raise ValueError(f"the body ended after {self._body_length} of the "
                             f"{self.length} bytes of its Content-Length")
        self.output_length += written
        self._unflushed = 0
        return _DrainLater((self.transport,))

    def _send(self, pieces: list[bytes], size: int) -> None:
        if len(pieces) == 1:
            self.transport.write(pieces[0])
        elif size <= _COPY_LIMIT:
            self.transport.write(b"".join(pieces))
        else:
            self.transport.writelines(pieces)

    def _write_length(self, pieces: list[bytes]) -> int:
        size = sum(map(len, pieces))
        assert self.length is not None
        if self._body_length + size > self.length:
            raise ValueError(f"{self._body_length + size} bytes of body exceed the "
                             f"Content-Length of {self.length}")
        self._body_length += size
        self._send(pieces, size)
        return size

    def _write_chunked(self, pieces: list[bytes]) -> int:
        # Empty pieces are skipped: an empty chunk would end the body.
        framed: list[bytes] = []
        for piece in pieces:
            framed += (b"%x\r\n" % len(piece), piece, b"\r\n")
        size = sum(map(len, framed))
        self._body_length += size
        self._send(framed, size)
        return size

    def _write_until_close(self, pieces: list[bytes]) -> int:
        size = sum(map(len, pieces))
        self._body_length += size
        self._send(pieces, size)
        return size

    def _write_no_body(self, pieces: list[bytes]) -> int:
        if self._discard:
            return 0
        raise ValueError(f"{self!r} cannot have a body")


class Response(HttpMessage):
    """A response: ``Response(transport, 200)``.

    ``status`` must be an ``int`` from 100 to 999; ``reason`` defaults to the
    standard phrase. ``request_method`` is the method of the request being
    answered: for ``HEAD`` the headers are written as for ``GET`` but body
    writes are dropped, as RFC 9110 section 9.3.2 asks.

    ``Date`` and ``Server`` are added; a ``Server`` or ``Date`` given with
    ``add_header`` replaces the default (0.9 dropped it). Other names in
    ``HOP_HEADERS`` are dropped. Without a Content-Length an HTTP/1.1 body is
    chunked and an HTTP/1.0 body runs until the connection closes. No body is
    written for 1xx, 204 and 304, and a 1xx never gets Transfer-Encoding.
    """

    HOP_HEADERS = frozenset({
        "CONNECTION", "KEEP-ALIVE", "PROXY-AUTHENTICATE", "PROXY-AUTHORIZATION", "TE",
        "TRAILERS", "TRANSFER-ENCODING", "UPGRADE", "SERVER", "DATE",
    })
    _DEFAULTS = frozenset({"SERVER", "DATE"})

    def __init__(self, transport: Transport, status: int,
                 http_version: HttpVersion = HttpVersion11, close: bool = False, *,
                 reason: str | None = None, request_method: str | None = None) -> None:
        # HttpMessage.__init__, inlined: a server builds one of these per
        # request. Attributes whose value is the class default are not set.
        self.transport = transport
        self.version = http_version
        self.closing = close
        self.keepalive = None if http_version >= HttpVersion11 else False
        self._pending = []
        self._headers = None
        self.headers_sent = False
        self.chunked = False
        self.length = None
        self.upgrade = False
        if type(status) is not int:
            raise TypeError(f"status must be an int, not {status!r}")
        if reason is None:
            line = _STATUS_LINES.get(status) if http_version is HttpVersion11 else None
            if line is None:
                if not 100 <= status <= 999:
                    raise ValueError(f"invalid status code {status!r}")
                line = (f"HTTP/{http_version[0]}.{http_version[1]} {status} "
                        f"{_REASONS.get(status) or status}\r\n").encode()
            self.status_line = line
        else:
            if not 100 <= status <= 999:
                raise ValueError(f"invalid status code {status!r}")
            _check_value("reason phrase", reason)
            self.status_line = (f"HTTP/{http_version[0]}.{http_version[1]} {status} "
                                f"{reason}\r\n").encode("utf-8", "surrogateescape")
        self.status = status
        if reason is not None:
            self._reason = reason
        if request_method is not None:
            self.request_method = request_method
            if request_method == "HEAD":
                self._discard = True

    _reason: str | None = None
    request_method: str | None = None

    @property
    def reason(self) -> str:
        return self._reason or _REASONS.get(self.status or 0) or str(self.status)

    def _has_body(self) -> bool:
        status = self.status
        assert status is not None
        return not (status < 200 or status == 204 or status == 304)

    def send_headers(self) -> None:
        """Write the status line and the headers (see ``HttpMessage.send_headers``).

        The usual response (fields only through ``add_header``, a
        Content-Length, HTTP/1.1, nothing special) takes a straight path
        here; everything else goes through the general one.
        """
        status = self.status
        if (self._headers is not None or self.headers_sent or self.length is None
                or self.chunked or self.upgrade or self._defaults_given
                or self.keepalive is not None or self.version is not HttpVersion11
                or not 200 <= status <= 999 or status == 204 or status == 304  # type: ignore[operator]
                or self._discard or type(self.status_line) is not bytes
                or type(self).SERVER_SOFTWARE is not _defaults_cache[1]
                or time.time() >= _defaults_cache[0]):
            super().send_headers()
            return
        # The fields were checked by add_header. A handler gives one to four
        # of them (Content-Length is one): one f-string is cheaper than the
        # general joins, and writes the same lines.
        pending = self._pending
        count = len(pending)
        if count == 2:
            (name1, value1), (name2, value2) = pending
            text = f"{name1}: {value1}\r\n{name2}: {value2}\r\n"
        elif count == 1:
            ((name1, value1),) = pending
            text = f"{name1}: {value1}\r\n"
        elif count == 3:
            (name1, value1), (name2, value2), (name3, value3) = pending
            text = f"{name1}: {value1}\r\n{name2}: {value2}\r\n{name3}: {value3}\r\n"
        elif count == 4:
            (name1, value1), (name2, value2), (name3, value3), (name4, value4) = pending
            text = (f"{name1}: {value1}\r\n{name2}: {value2}\r\n{name3}: {value3}\r\n"
                    f"{name4}: {value4}\r\n")
        elif count:
            text = "\r\n".join(map(": ".join, pending)) + "\r\n"
        else:  # a length set on the message, no field given
            text = ""
        section = text.encode("utf-8", "surrogateescape")
        self._writer = HttpMessage._write_length
        if self.closing:
            head = b"".join((self.status_line, section, _defaults_cache[2],
                             b"Connection: close\r\n\r\n"))
        else:
            head = b"".join((self.status_line, section, _defaults_cache[2], b"\r\n"))
        self.headers_sent = True
        self.output_length = len(head)
        self.transport.write(head)

    def _choose_writer(self) -> None:
        # HttpMessage._choose_writer for a response, with the usual case first.
        status = self.status
        assert status is not None
        if (self.length is not None and not self.chunked and status >= 200
                and status != 204 and status != 304 and not self._discard):
            self._writer = HttpMessage._write_length
        else:
            super()._choose_writer()

    def _chunk_by_default(self) -> bool:
        return True

    def _body_until_close(self) -> bool:
        return True

    def _default_headers(self) -> bytes:
        if not self._defaults_given and self._headers is None:
            expires, software, lines = _defaults_cache
            if software is self.SERVER_SOFTWARE and time.time() < expires:
                return lines
            return _date_and_server(self.SERVER_SOFTWARE)
        extra = b""
        if not self._has_field("DATE"):
            extra += f"Date: {http_date()}\r\n".encode()
        if not self._has_field("SERVER"):
            extra += _default_line("Server", self.SERVER_SOFTWARE)
        return extra


class Request(HttpMessage):
    """A request: ``Request(transport, 'GET', '/path?query')``.

    The method must be a token and the target printable ASCII without
    spaces, in a form the method takes (RFC 9112 section 3.2: ``*`` for
    OPTIONS only, ``host:port`` for CONNECT only): ``ValueError``. A
    ``#fragment`` is dropped from the target. ``User-Agent`` defaults to ``SERVER_SOFTWARE``. The
    body is chunked only when asked (``force_chunked()`` or a
    ``Transfer-Encoding: chunked`` header); with neither that nor a
    Content-Length a request has no body, and writing one is a
    ``ValueError``.
    """

    HOP_HEADERS = ()
    _DEFAULTS = frozenset({"USER-AGENT"})

    def __init__(self, transport: Transport, method: str, path: str,
                 http_version: HttpVersion = HttpVersion11, close: bool = False) -> None:
        super().__init__(transport, http_version, close)
        _require(str, "method", method)
        _require(str, "path", path)
        if TOKEN_STR_RE.fullmatch(method) is None:
            raise ValueError(f"invalid method {method!r}")
        # A fragment is for the client alone, never part of a request target
        # (RFC 9110 section 7.1); 0.9 sent it.
        path = path.partition("#")[0]
        if not path or not path.isascii() or FORBIDDEN_IN_TARGET_RE.search(path) is not None:
            raise ValueError(f"invalid request target {path!r}")
        try:
            # What our own parser would refuse (a form the method does not take).
            check_target(method, path)
        except BadStatusLine as exc:
            raise ValueError(str(exc)) from None
        self.method = method
        self.path = path
        self.status_line = f"{method} {path} HTTP/{http_version[0]}.{http_version[1]}\r\n".encode()

    def _default_headers(self) -> bytes:
        if self._has_field("USER-AGENT"):
            return b""
        return _default_line("User-Agent", self.SERVER_SOFTWARE)


def _install_core() -> None:
    """Put the C fast paths of ``aiohttp._http_writer_core`` in place.

    Each fast method does the usual case of its call and hands everything
    else, errors included, to the pure-Python method, kept as
    ``_general_<name>``.
    """
    assert _core is not None
    _core.configure(HttpVersion11, HttpMessage._write_length, _DONE, _DrainLater, time.time)
    fast = _core.MessageCore
    for cls, name, method in (
            (HttpMessage, "add_header", fast.fast_add_header),
            (Response, "send_headers", fast.fast_response_send_headers),
            (HttpMessage, "write", fast.fast_write),
            (HttpMessage, "write_eof", fast.fast_write_eof)):
        setattr(cls, f"_general_{name}", vars(cls)[name])
        setattr(cls, name, method)


#: The C fast paths are in use (``aiohttp._http_writer_core`` is built).
ACCELERATED = _core is not None
if _core is not None:
    _install_core()
