"""Parsers as plain generators, and the machinery that feeds them.

The contract (aiohttp 0.9's, kept so that a connection can switch protocols on
the same buffer, e.g. from HTTP to WebSocket):

* A *parser* is a callable ``parser(out, buf)`` returning a **generator** (not
  a coroutine). ``buf`` is a ``ParserBuffer``; ``out`` is where results go: any
  object with ``feed_data(item)``, ``feed_eof()`` and ``set_exception(exc)``,
  usually a ``DataQueue`` or ``StreamReader``.
* The parser reads input only by delegating to the buffer:
  ``line = yield from buf.readuntil(b'\\r\\n')``. Those methods suspend until
  enough bytes are present; every ``send(chunk)`` into the generator delivers
  new bytes, which the buffer appends.
* Results are emitted with ``out.feed_data(item)``. Returning ends the parser
  and its output (``feed_eof``); an exception escaping the generator is set on
  the output.
* End of input is signalled by throwing ``EofStream`` into the generator. A
  parser for which EOF is a normal ending catches it and returns; one for
  which it is an error lets it propagate, and its output gets a
  ``ConnectionError``.

``StreamParser`` owns one ``ParserBuffer`` per connection and runs the
current parser over it; ``StreamProtocol`` connects it to an asyncio
transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from types import GeneratorType
from typing import Any, Protocol, TypeVar, cast, overload

from ._read_allocations import prepare_reads
from .errors import ConnectionError, LineLimitExceededParserError
from .streams import EofStream, FlowControlDataQueue, StreamWriter

__all__ = [
    "EofStream",
    "StreamParser",
    "StreamProtocol",
    "ParserBuffer",
    "LinesParser",
    "ChunksParser",
]

#: Default ``limit`` of a ``ParserBuffer``: the longest delimited read
#: (``readuntil``/``waituntil``) allowed when the caller names no limit.
BUF_LIMIT = 2**14
#: Default ``limit`` of a ``StreamParser``: the transport is paused while more
#: than twice this many bytes wait in the buffer.
DEFAULT_LIMIT = 2**16

_T_contra = TypeVar("_T_contra", contravariant=True)
_O = TypeVar("_O", bound="ParserOutput[Any]")

#: What every ``ParserBuffer`` reading method is: a generator that yields
#: nothing, is sent bytes, and returns its result.
ParserGenerator = Generator[None, bytes, Any]


class ParserOutput(Protocol[_T_contra]):
    """Where a parser sends its results (``DataQueue``, ``StreamReader``, ...)."""

    def feed_data(self, data: _T_contra, /) -> None: ...

    def feed_eof(self) -> None: ...

    def set_exception(self, exc: BaseException, /) -> None: ...


#: A parser: called with its output and the buffer, returns a generator.
Parser = Callable[[Any, "ParserBuffer"], Generator[None, bytes, object]]


class ParserBuffer(bytearray):
    """The input buffer that parsers read through.

    A ``bytearray`` whose reading methods are generators meant for
    ``yield from``: each returns as soon as the buffer holds what it asks for,
    and otherwise suspends, appending whatever is sent in next. Consumed bytes
    are removed from the front (cheap for a ``bytearray``).

    ``limit`` is the default bound of the delimited reads ``readuntil`` and
    ``waituntil``: when the delimiter does not end within ``limit`` bytes they
    raise ``LineLimitExceededParserError`` rather than buffer without end.

    ``set_exception(exc)`` makes the next ``feed_data`` (including the one a
    suspended reading method performs on resume) raise ``exc`` once, after
    storing the data.
    """

    # Defaults on the class: a buffer may be made per message.
    _limit = BUF_LIMIT
    _exception: BaseException | None = None

    def __init__(self, *args: Any, limit: int = BUF_LIMIT) -> None:
        bytearray.__init__(self, *args)
        if limit != BUF_LIMIT:
            if limit <= 0:
                raise ValueError("limit must be positive")
            self._limit = limit

    def __repr__(self) -> str:
        return f"<ParserBuffer {len(self)} bytes limit={self._limit}>"

    @property
    def limit(self) -> int:
        return self._limit

    def exception(self) -> BaseException | None:
        return self._exception

    def set_exception(self, exc: BaseException) -> None:
        self._exception = exc

    def feed_data(self, data: bytes) -> None:
        if data:
            self.extend(data)
        exc = self._exception
        if exc is not None:
            self._exception = None
            raise exc

    def _take(self, size: int) -> bytes:
        # One copy, not two (a slice of a bytearray is a bytearray): the
        # whole buffer when it is all taken (the usual request body), else
        # through a view released before the buffer shrinks.
        if size == len(self):
            data = bytes(self)
            self.clear()
            return data
        with memoryview(self) as view:
            data = bytes(view[:size])
        del self[:size]
        return data

    def read(self, size: int) -> Generator[None, bytes, bytes]:
        """Read exactly ``size`` bytes."""
        while len(self) < size:
            self.feed_data((yield))
        return self._take(size)

    def readsome(self, size: int | None = None) -> Generator[None, bytes, bytes]:
        """Read at least one byte and at most ``size`` (all that is buffered if None)."""
        while not self:
            chunk = yield
            if chunk and self._exception is None and (size is None or len(chunk) <= size):
                # Nothing is buffered and the new chunk fits: hand it over
                # without copying it through the buffer.
                return chunk
            self.feed_data(chunk)
        if size is None or size >= len(self):
            size = len(self)
        return self._take(size)

    def readuntil(self, stop: bytes, limit: int | None = None) -> Generator[None, bytes, bytes]:
        """Read through the first ``stop`` (included in the result).

        Raises ``LineLimitExceededParserError`` when ``stop`` does not end
        within ``limit`` bytes (the buffer's ``limit`` if None).
        """
        if limit is None:
            limit = self._limit
        end = self._search(stop, 0, limit)
        if end < 0:
            end = yield from self._wait_for(stop, limit)
        data = bytes(self[:end])
        del self[:end]
        return data

    def waituntil(self, stop: bytes, limit: int | None = None) -> Generator[None, bytes, bytes]:
        """Like ``readuntil``, but leave the bytes in the buffer."""
        if limit is None:
            limit = self._limit
        end = self._search(stop, 0, limit)
        if end < 0:
            end = yield from self._wait_for(stop, limit)
        return bytes(self[:end])

    def _wait_for(self, stop: bytes, limit: int) -> Generator[None, bytes, int]:
        """Take in chunks until ``stop`` is buffered; return the index past it."""
        while True:
            # A match may straddle the old end: search from len(stop) - 1 back.
            start = max(0, len(self) - len(stop) + 1)
            self.feed_data((yield))
            end = self._search(stop, start, limit)
            if end >= 0:
                return end

    def _search(self, stop: bytes, start: int, limit: int) -> int:
        """Index just past the first ``stop`` at or after ``start``, or -1.

        Only a match that ends within ``limit`` is acceptable, so the search
        never looks further; once ``limit`` bytes are buffered without one,
        no later byte can help and the read fails.
        """
        pos = self.find(stop, start, limit)
        if pos >= 0 and stop:
            return pos + len(stop)
        if not stop:
            raise ValueError("stop must be a non-empty bytes sequence")
        if len(self) >= limit:
            raise LineLimitExceededParserError(f"{stop!r} not found within {limit} bytes", limit)
        return -1

    def wait(self, size: int) -> Generator[None, bytes, bytes]:
        """Wait for ``size`` bytes and return them, leaving them in the buffer."""
        while len(self) < size:
            self.feed_data((yield))
        return bytes(self[:size])

    def skip(self, size: int) -> Generator[None, bytes, None]:
        """Drop the next ``size`` bytes (without holding them all at once)."""
        while len(self) < size:
            size -= len(self)
            self.clear()
            self.feed_data((yield))
        del self[:size]

    def skipuntil(self, stop: bytes) -> Generator[None, bytes, None]:
        """Drop everything through the next ``stop``."""
        if not stop:
            raise ValueError("stop must be a non-empty bytes sequence")
        keep = len(stop) - 1
        while True:
            pos = self.find(stop)
            if pos >= 0:
                del self[:pos + len(stop)]
                return
            # Only the tail could still be the start of a match.
            if len(self) > keep:
                del self[:len(self) - keep]
            self.feed_data((yield))


class StreamParser:
    """Runs the current parser over a connection's incoming bytes.

    The protocol feeds it (``feed_data``, ``feed_eof``, ``set_exception``);
    ``set_parser(parser)`` installs a parser and returns its output queue.
    Bytes that arrive while no parser runs, or while the stream is paused,
    wait in the buffer for the next parser.

    With ``paused=True`` (the default) bytes are pushed into the parser only
    while a flow-controlled reader of its output is waiting (the reader calls
    ``resume_stream()``/``pause_stream()``). While more than ``2 * limit``
    bytes wait in the buffer the transport is paused; it is resumed once a
    reader has drained the buffer below ``limit``.
    """

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None,
                 buf: ParserBuffer | None = None, paused: bool = True,
                 limit: int = DEFAULT_LIMIT) -> None:
        if limit <= 0:
            raise ValueError("limit must be positive")
        self._loop = loop
        self._buffer = buf if buf is not None else ParserBuffer()
        self._paused = paused
        self._limit = limit
        self._eof = False
        self._exception: BaseException | None = None
        self._parser: Generator[None, bytes, object] | None = None
        self._output: ParserOutput[Any] | None = None
        self._transport: asyncio.ReadTransport | None = None
        self._reading_paused = False

    def __repr__(self) -> str:
        state = "paused" if self._paused else "flowing"
        return (f"<StreamParser {state} buffered={len(self._buffer)} "
                f"parser={self._parser is not None} eof={self._eof}>")

    @property
    def output(self) -> ParserOutput[Any] | None:
        """The output of the current parser, if one is set."""
        return self._output

    @property
    def buffer(self) -> ParserBuffer:
        return self._buffer

    def set_transport(self, transport: asyncio.ReadTransport) -> None:
        if self._transport is not None:
            raise RuntimeError("StreamParser already has a transport")
        self._transport = transport

    def at_eof(self) -> bool:
        return self._eof

    def exception(self) -> BaseException | None:
        return self._exception

    def set_exception(self, exc: BaseException) -> None:
        """Fail the current output with ``exc``; later outputs get it at once."""
        self._exception = exc
        parser, output = self._parser, self._output
        self._parser = self._output = None
        if output is not None:
            output.set_exception(exc)
        if parser is not None:
            parser.close()

    # -- flow control --------------------------------------------------------------

    def pause_stream(self) -> None:
        self._paused = True

    def resume_stream(self) -> None:
        self._paused = False
        if self._buffer and self._parser is not None:
            self.feed_data(b"")
        if self._reading_paused:  # checked here: this runs at every wait of a reader
            self._maybe_resume_reading()

    def _consuming(self) -> bool:
        """Is a parser taking bytes as they come (so buffering is its business)?"""
        return self._parser is not None and not self._paused

    def _maybe_pause_reading(self) -> None:
        # Bytes pile up only while nobody consumes them; a consuming parser
        # that asks for more than the limit (a large fixed-size read) must get
        # it, or it would wait forever on a paused transport.
        if (not self._reading_paused and len(self._buffer) > 2 * self._limit
                and not self._consuming() and self._transport is not None):
            try:
                self._transport.pause_reading()
            except NotImplementedError:
                # A transport that cannot pause: stop asking it.
                self._transport = None
            else:
                self._reading_paused = True

    def _maybe_resume_reading(self) -> None:
        if self._reading_paused and (len(self._buffer) < self._limit or self._consuming()):
            self._reading_paused = False
            if self._transport is not None:
                self._transport.resume_reading()

    # -- input ---------------------------------------------------------------------

    def feed_data(self, data: bytes) -> None:
        """Send ``data`` to the current parser, or keep it for the next one."""
        parser = self._parser
        if parser is not None and not self._paused:
            self._send(parser, data)
        else:
            self._buffer.feed_data(data)
        if len(self._buffer) > 2 * self._limit:  # else _maybe_pause_reading() has nothing to do
            self._maybe_pause_reading()

    def feed_eof(self) -> None:
        """End of input: the current parser sees the rest of the buffer, then EOF."""
        parser = self._parser
        if parser is not None and self._buffer:
            self._send(parser, b"")
        self._eof = True
        self.unset_parser()

    def _send(self, parser: Generator[None, bytes, object], data: bytes) -> None:
        try:
            parser.send(data)
        except StopIteration:
            self._finish(None)
        except Exception as exc:
            self._finish(exc)

    def _finish(self, exc: BaseException | None) -> None:
        """The current parser ended (returned, or raised ``exc``)."""
        output = self._output
        self._parser = self._output = None
        if output is not None:
            if exc is None:
                output.feed_eof()
            else:
                output.set_exception(exc)

    # -- parsers -------------------------------------------------------------------

    @overload
    def set_parser(self, parser: Parser, output: None = None) -> FlowControlDataQueue[Any]: ...

    @overload
    def set_parser(self, parser: Parser, output: _O) -> _O: ...

    def set_parser(self, parser: Parser, output: ParserOutput[Any] | None = None) -> Any:
        """Make ``parser`` the current parser and return its output.

        Any current parser is unset first. The output defaults to a new
        ``FlowControlDataQueue`` tied to this stream. The parser starts at once
        on the bytes already buffered.
        """
        if self._parser is not None:
            self.unset_parser()
        if output is None:
            output = FlowControlDataQueue(self, loop=self._loop)
        if self._exception is not None:
            output.set_exception(self._exception)
            return output
        gen = parser(output, self._buffer)
        if not isinstance(gen, GeneratorType):
            raise TypeError(f"a parser must return a generator, {parser!r} returned {gen!r}")
        self._output = output
        try:
            next(gen)
        except StopIteration:
            self._finish(None)
        except Exception as exc:
            self._finish(exc)
        else:
            self._parser = gen
            if self._eof:
                self.unset_parser()
        if self._reading_paused:
            self._maybe_resume_reading()
        return output

    def unset_parser(self) -> None:
        """Throw ``EofStream`` into the current parser and forget it.

        Its output ends cleanly if the parser returns; gets
        ``errors.ConnectionError`` if the parser lets ``EofStream`` through
        (EOF in the middle of its input), or whatever else it raises. A parser
        that swallows ``EofStream`` and asks for more input is closed, and its
        output ends: no more input can come.
        """
        parser, output = self._parser, self._output
        if parser is None or output is None:
            return
        self._parser = self._output = None
        try:
            parser.throw(EofStream())
        except StopIteration:
            output.feed_eof()
        except EofStream:
            output.set_exception(ConnectionError("Connection closed before the message was complete"))
        except Exception as exc:
            output.set_exception(exc)
        else:
            try:
                parser.close()
            except Exception as exc:
                output.set_exception(exc)
            else:
                output.feed_eof()


class StreamProtocol(asyncio.Protocol):
    """An asyncio protocol that reads through a ``StreamParser``.

    ``reader`` is the ``StreamParser`` (built from the keyword arguments:
    ``buf``, ``paused``, ``limit``); ``writer`` is a ``StreamWriter`` over the
    transport, created in ``connection_made``; ``transport`` is the transport
    while connected.
    """

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None, **kwargs: Any) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.writer: StreamWriter | None = None
        self.reader = StreamParser(loop=loop, **kwargs)

    def is_connected(self) -> bool:
        return self.transport is not None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)
        prepare_reads(transport)
        self.transport = transport
        self.reader.set_transport(transport)
        self.writer = StreamWriter(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.transport = None
        if self.writer is not None:
            self.writer.connection_lost(exc)
        if exc is None:
            self.reader.feed_eof()
        else:
            self.reader.set_exception(exc)

    def data_received(self, data: bytes) -> None:
        self.reader.feed_data(data)

    def eof_received(self) -> bool | None:
        self.reader.feed_eof()
        return None

    def pause_writing(self) -> None:
        if self.writer is not None:
            self.writer.pause_writing()

    def resume_writing(self) -> None:
        if self.writer is not None:
            self.writer.resume_writing()


class LinesParser:
    """Splits a byte stream into lines, each ending with ``b'\\n'``.

    A line longer than ``limit`` fails the output with
    ``LineLimitExceededParserError``. At EOF a last line without ``b'\\n'`` is
    emitted as it is rather than dropped.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit

    def __call__(self, out: ParserOutput[bytes], buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            while True:
                out.feed_data((yield from buf.readuntil(b"\n", self._limit)))
        except EofStream:
            _emit_rest(out, buf)


class ChunksParser:
    """Splits a byte stream into chunks of ``size`` bytes.

    At EOF a last, shorter chunk is emitted rather than dropped.
    """

    def __init__(self, size: int = 8196) -> None:
        if size <= 0:
            raise ValueError("size must be positive")
        self._size = size

    def __call__(self, out: ParserOutput[bytes], buf: ParserBuffer) -> Generator[None, bytes, None]:
        try:
            while True:
                out.feed_data((yield from buf.read(self._size)))
        except EofStream:
            _emit_rest(out, buf)


def _emit_rest(out: ParserOutput[bytes], buf: ParserBuffer) -> None:
    if buf:
        out.feed_data(bytes(buf))
        buf.clear()
