"""Content codings (RFC 9110 section 8.4.1): gzip, deflate and, when the
``brotli`` package is installed, br; decoding for the payload parser and
encoding for the writer's compression filter.

"deflate" means the zlib format (RFC 1950) wrapping raw DEFLATE data
(RFC 9110 section 8.4.1.2). Some servers send raw DEFLATE under that name,
so the decoder looks at the first two bytes and accepts either; the encoder
always writes the zlib format (aiohttp 0.9 wrote raw DEFLATE both ways).

Decoding never holds more than ``PIECE`` decoded bytes at a time, however
small the compressed input: a 1 KiB "zip bomb" that expands to gigabytes is
caught by the size limit before it is in memory.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Iterator
from typing import Any

from .errors import ContentEncodingError, PayloadTooLarge

try:
    _brotli: Any = importlib.import_module("brotli")
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None

#: Largest piece of decoded output produced from one step of decompression.
PIECE = 2**16
#: Default cap on a decoded body; None lifts it.
DEFAULT_MAX_DECOMPRESSED_SIZE = 2**25

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_WBITS = -zlib.MAX_WBITS


def brotli_available() -> bool:
    """Can ``br`` bodies be decoded and encoded here?"""
    return _brotli is not None


def _is_zlib_header(first: bytes) -> bool:
    """RFC 1950 section 2.2: CM = 8 (deflate), CINFO <= 7, and the check bits."""
    cmf, flg = first[0], first[1]
    return cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0


class Decoder:
    """Decodes one body's content coding, piece by piece, within a size limit."""

    def __init__(self, coding: str, max_size: int | None = DEFAULT_MAX_DECOMPRESSED_SIZE) -> None:
        if coding not in ("gzip", "deflate", "br"):
            raise ValueError(f"unsupported content coding {coding!r}")
        if coding == "br" and _brotli is None:
            raise ContentEncodingError("a 'br' body needs the brotli package (not installed)")
        self.coding = coding
        self.max_size = max_size
        self.size = 0
        self._received = False
        self._zlib: Any = None
        self._brotli: Any = _brotli.Decompressor() if coding == "br" else None
        self._head = b""  # deflate: the first byte, until the second one decides the format
        if coding == "gzip":
            self._zlib = zlib.decompressobj(_GZIP_WBITS)

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of the next input bytes."""
        if data:
            self._received = True
        if self._brotli is not None:
            yield from self._decode_brotli(data)
            return
        if self._zlib is None:
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return
            self._head = b""
            wbits = _ZLIB_WBITS if _is_zlib_header(data) else _RAW_WBITS
            self._zlib = zlib.decompressobj(wbits)
        yield from self._decode_zlib(data)

    def _decode_zlib(self, data: bytes) -> Iterator[bytes]:
        while True:
            decompressor = self._zlib
            if decompressor.eof:
                if not data:
                    return
                data = self._next_member(data)
                continue
            try:
                piece = decompressor.decompress(data, PIECE)
            except zlib.error as exc:
                raise ContentEncodingError(f"invalid {self.coding} data: {exc}") from None
            if piece:
                yield self._count(piece)
            if decompressor.eof:
                data = decompressor.unused_data
                continue
            data = decompressor.unconsumed_tail
            # A full piece may leave output inside zlib even with no input left.
            if not data and len(piece) < PIECE:
                return

    def _next_member(self, data: bytes) -> bytes:
        """Bytes after the end of the stream: another gzip member (RFC 1952
        section 2.2), or an error. Returns the bytes to go on with."""
        if self.coding == "gzip" and data[:1] == b"\x1f":
            self._zlib = zlib.decompressobj(_GZIP_WBITS)
            return data
        raise ContentEncodingError(f"data after the end of the {self.coding} stream")

    def _decode_brotli(self, data: bytes) -> Iterator[bytes]:
        decompressor = self._brotli
        try:
            if not hasattr(decompressor, "can_accept_more_data"):
                # brotli < 1.2: the whole output of this input at once.
                yield from self._pieces(decompressor.process(data))
                return
            # output_buffer_limit stops the output growing once it reaches
            # the limit, and the decompressor may keep more inside even when
            # it says it can take more input: ask until it has nothing left.
            piece = decompressor.process(data, output_buffer_limit=PIECE)
            while piece or not decompressor.can_accept_more_data():
                yield from self._pieces(piece)
                piece = decompressor.process(b"", output_buffer_limit=PIECE)
        except _brotli.error as exc:
            raise ContentEncodingError(f"invalid br data: {exc}") from None

    def _pieces(self, output: bytes) -> Iterator[bytes]:
        """``output`` in pieces of at most PIECE bytes, counted against the limit."""
        if len(output) <= PIECE:
            if output:
                yield self._count(output)
            return
        for start in range(0, len(output), PIECE):
            yield self._count(output[start:start + PIECE])

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.max_size is not None and self.size > self.max_size:
            raise PayloadTooLarge(f"the decoded {self.coding} body", self.max_size)
        return piece

    def finish(self) -> None:
        """The body ended: it must have ended the compressed stream too.

        An empty body is an empty body, whatever its Content-Encoding says
        (servers label empty responses ``gzip`` too).
        """
        if not self._received:
            return
        if self._brotli is not None:
            finished = self._brotli.is_finished()
        elif self._zlib is None:
            finished = not self._head  # an empty body decodes to nothing
        else:
            finished = self._zlib.eof
        if not finished:
            raise ContentEncodingError(f"the {self.coding} data ended before its end marker")


class Encoder:
    """Compresses a body for the writer's compression filter."""

    def __init__(self, coding: str) -> None:
        if coding == "br":
            if _brotli is None:
                raise ValueError("'br' compression needs the brotli package (not installed)")
            self._brotli: Any = _brotli.Compressor()
        elif coding in ("gzip", "deflate"):
            self._brotli = None
            self._zlib = zlib.compressobj(wbits=_GZIP_WBITS if coding == "gzip" else _ZLIB_WBITS)
        else:
            raise ValueError(f"unsupported content coding {coding!r}")
        self.coding = coding

    def compress(self, data: bytes) -> bytes:
        if self._brotli is not None:
            return bytes(self._brotli.process(data))
        return self._zlib.compress(data)

    def flush(self) -> bytes:
        if self._brotli is not None:
            return bytes(self._brotli.finish())
        return self._zlib.flush()
