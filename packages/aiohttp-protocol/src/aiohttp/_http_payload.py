"""The message body parser: length, chunked or until-close framing, and
content decoding (gzip, deflate, br)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy

from ._http_abnf import CHUNK_SIZE_LINE_RE, FIELD_LINE_RE
from ._http_compression import DEFAULT_MAX_DECOMPRESSED_SIZE, Decoder
from ._http_message import RawRequestMessage, RawResponseMessage
from ._http_parser import (
    CHUNKED,
    DEFAULT_MAX_FIELD_SIZE,
    DEFAULT_MAX_HEADER_COUNT,
    DEFAULT_MAX_HEADERS,
    UNTIL_CLOSE,
    known_body_length,
    request_body_length,
    response_body_length,
    show_line,
)
from .errors import (
    IncompleteRead,
    InvalidHeader,
    LineLimitExceededParserError,
    LineTooLong,
    PayloadTooLarge,
    TooManyHeaders,
    TransferEncodingError,
)
from .parsers import ParserBuffer, ParserOutput
from .streams import EofStream

__all__ = ["HttpPayloadParser"]

_EMPTY: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())


class _DecodingOutput:
    """Sits between the body parser and its output, decoding the content coding."""

    __slots__ = ("_decoder", "_out")

    def __init__(self, out: ParserOutput[bytes], decoder: Decoder) -> None:
        self._out = out
        self._decoder = decoder

    def feed_data(self, data: bytes) -> None:
        for piece in self._decoder.decode(data):
            self._out.feed_data(piece)

    def feed_eof(self) -> None:
        self._decoder.finish()
        self._out.feed_eof()

    def set_exception(self, exc: BaseException) -> None:
        self._out.set_exception(exc)


class HttpPayloadParser:
    """Reads one message body and feeds it, in pieces, to the output.

    The framing comes from the message (RFC 9112 section 6.3), in order:

    1. no body when ``response_with_body`` is false (the answer to a HEAD),
       or for a 1xx, 204 or 304 response;
    2. chunked, when ``Transfer-Encoding`` says so (for a request it must be
       exactly ``chunked``, with no ``Content-Length``: ``InvalidHeader``);
    3. ``Content-Length`` (digits only), else the ``length`` argument;
    4. otherwise, for a response: until the connection closes if
       ``readall`` or a transfer coding other than chunked is used (that
       coding is not decoded), else no body; a request without framing has
       no body (RFC 9112 section 6.3 rule 7), whatever ``readall`` says.

    With ``compression`` the body is decoded according to
    ``message.compression``; the decoded body may be at most
    ``max_decompressed_size`` bytes (``PayloadTooLarge``). ``max_size``, if
    set, caps the body as it is framed (``PayloadTooLarge``, raised before
    reading when a Content-Length is already too large).

    Chunked bodies follow RFC 9112 section 7.1 strictly: hex sizes of at most
    16 digits, well-formed chunk extensions, CRLF after every chunk's data
    (``TransferEncodingError``). The trailer section is read, held to the
    header limits and kept in ``trailers``. End of input before the body is
    complete raises ``IncompleteRead``. The output's ``feed_eof()`` is
    called when the body is complete.
    """

    def __init__(self, message: RawRequestMessage | RawResponseMessage,
                 length: int | None = None, compression: bool = True,
                 readall: bool = False, response_with_body: bool = True, *,
                 max_size: int | None = None,
                 max_decompressed_size: int | None = DEFAULT_MAX_DECOMPRESSED_SIZE,
                 max_field_size: int = DEFAULT_MAX_FIELD_SIZE,
                 max_headers: int = DEFAULT_MAX_HEADERS,
                 max_header_count: int = DEFAULT_MAX_HEADER_COUNT) -> None:
        self.message = message
        self.length = length
        self.compression = compression
        self.readall = readall
        self.response_with_body = response_with_body
        self.max_size = max_size
        self.max_decompressed_size = max_decompressed_size
        self.max_field_size = max_field_size
        self.max_headers = max_headers
        self.max_header_count = max_header_count
        #: The trailer fields of a chunked body, once it has been read.
        self.trailers: CIMultiDictProxy[str] = _EMPTY

    def body_length(self) -> int | None:
        """``CHUNKED``, ``UNTIL_CLOSE``, a length, or None (no body)."""
        message = self.message
        if not self.response_with_body:
            return None
        if isinstance(message, RawResponseMessage):
            code = message.code
            if code < 200 or code == 204 or code == 304:
                return None
            known, length = known_body_length(message.headers)
            if not known:
                length = response_body_length(message.headers)
        else:
            known, length = known_body_length(message.headers, message.version)
            if not known:
                length = request_body_length(message.version, message.headers)
            if length is None:
                # RFC 9112 section 6.3 rule 7: a request without framing
                # headers has no body, readall or not.
                length = self.length
                return length or None
        if length is None:
            length = self.length
        if length is None or length == UNTIL_CLOSE:
            return UNTIL_CLOSE if self.readall or length == UNTIL_CLOSE else None
        return length or None

    def __call__(self, out: ParserOutput[bytes], buf: ParserBuffer) -> Generator[None, bytes, None]:
        length = self.body_length()
        if length is not None:
            if self.max_size is not None and length > self.max_size:
                raise PayloadTooLarge("the body", self.max_size)
            coding = self.message.compression
            if self.compression and coding:
                out = _DecodingOutput(out, Decoder(coding, self.max_decompressed_size))
            if length == CHUNKED:
                yield from self.parse_chunked_payload(out, buf)
            elif length == UNTIL_CLOSE:
                yield from self.parse_eof_payload(out, buf)
            else:
                yield from self.parse_length_payload(out, buf, length)
        out.feed_eof()

    def _limited(self, out: ParserOutput[bytes]) -> Any:
        return out if self.max_size is None else _SizeLimit(out, self.max_size)

    def parse_length_payload(self, out: ParserOutput[bytes], buf: ParserBuffer,
                             length: int = 0) -> Generator[None, bytes, None]:
        """Read ``length`` bytes."""
        remaining = length
        try:
            while remaining:
                chunk = yield from buf.readsome(remaining)
                out.feed_data(chunk)
                remaining -= len(chunk)
        except EofStream:
            raise IncompleteRead(b"", remaining) from None

    def parse_chunked_payload(self, out: ParserOutput[bytes],
                              buf: ParserBuffer) -> Generator[None, bytes, None]:
        """Read a chunked body (RFC 9112 section 7.1) and its trailer section."""
        out = self._limited(out)
        try:
            while True:
                try:
                    line = yield from buf.readuntil(b"\r\n", self.max_field_size + 2)
                except LineLimitExceededParserError:
                    raise TransferEncodingError(
                        f"chunk-size line longer than {self.max_field_size} bytes") from None
                match = CHUNK_SIZE_LINE_RE.fullmatch(line)
                if match is None:
                    raise TransferEncodingError(f"invalid chunk-size line {show_line(line)}")
                size = int(match.group(1), 16)
                if not size:
                    break
                while size:
                    chunk = yield from buf.readsome(size)
                    out.feed_data(chunk)
                    size -= len(chunk)
                if (yield from buf.read(2)) != b"\r\n":
                    raise TransferEncodingError("chunk data not followed by CRLF")
            self.trailers = yield from self._read_trailers(buf)
        except EofStream:
            raise IncompleteRead(b"") from None

    def _read_trailers(self, buf: ParserBuffer) -> Generator[None, bytes, CIMultiDictProxy[str]]:
        """RFC 9112 section 7.1.2: trailer-section = *( field-line CRLF ), then CRLF."""
        lines: list[bytes] = []
        total = 0
        while True:
            try:
                line = yield from buf.readuntil(b"\r\n", self.max_field_size + 2)
            except LineLimitExceededParserError:
                raise LineTooLong("trailer field", self.max_field_size) from None
            total += len(line)
            if total > self.max_headers:
                raise LineTooLong("trailer section", self.max_headers)
            if line == b"\r\n":
                break
            if FIELD_LINE_RE.fullmatch(line, 0, len(line) - 2) is None:
                raise InvalidHeader(f"trailer field {show_line(line)}")
            if len(lines) >= self.max_header_count:
                raise TooManyHeaders(self.max_header_count)
            lines.append(line)
        if not lines:
            return _EMPTY
        pairs = []
        for field in b"".join(lines).decode("utf-8", "surrogateescape").split("\r\n")[:-1]:
            name, _, value = field.partition(":")
            pairs.append((name, value.strip(" \t")))
        return CIMultiDictProxy(CIMultiDict(pairs))

    def parse_eof_payload(self, out: ParserOutput[bytes],
                          buf: ParserBuffer) -> Generator[None, bytes, None]:
        """Read everything until the connection closes."""
        out = self._limited(out)
        try:
            while True:
                out.feed_data((yield from buf.readsome()))
        except EofStream:
            pass


class _SizeLimit:
    """Fails a body of unknown length once it passes ``limit`` bytes."""

    __slots__ = ("_limit", "_out", "_size")

    def __init__(self, out: ParserOutput[bytes], limit: int) -> None:
        self._out = out
        self._limit = limit
        self._size = 0

    def feed_data(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise PayloadTooLarge("the body", self._limit)
        self._out.feed_data(data)

    def feed_eof(self) -> None:
        self._out.feed_eof()

    def set_exception(self, exc: BaseException) -> None:
        self._out.set_exception(exc)
