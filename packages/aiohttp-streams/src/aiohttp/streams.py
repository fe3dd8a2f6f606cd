"""Byte streams and item queues between a protocol and the application.

A protocol *feeds* these objects (``feed_data``, ``feed_eof``,
``set_exception``); the application *reads* them with ``await``. Each has at
most one pending reader at a time.

* ``StreamReader``: a byte stream (``read``, ``readany``, ``readline``,
  ``readexactly``...). At EOF every read returns ``b''`` (``EOF_MARKER``).
* ``DataQueue``: a queue of arbitrary items (parsed messages, frames). At EOF,
  ``read()`` raises ``EofStream``.
* ``ChunksQueue``: a ``DataQueue`` of bytes chunks whose ``read()`` returns
  ``b''`` at EOF instead of raising.
* ``FlowControl*`` variants: the same, tied to the ``StreamParser`` that feeds
  them. Data only flows from the socket into the parser while one of these
  readers is waiting for it (the *pull model* of aiohttp 0.9): the reader
  resumes the stream when it has to wait and pauses it again once it has its
  data. That is how a slow consumer slows the socket down instead of
  buffering without bound.
* ``StreamWriter``: the write side of a connection, with backpressure
  (``drain()``) driven by the transport's ``pause_writing``/``resume_writing``.

Nothing here binds an event loop at construction time: the ``loop`` argument
is accepted for compatibility, and when it is omitted the running loop is
looked up the first time a reader has to wait.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
from collections.abc import Awaitable, Generator, Iterable
from typing import Any, Generic, Protocol, TypeVar

from .errors import LineLimitExceededParserError
from .log import internal_log

__all__ = [
    "EofStream",
    "StreamReader",
    "DataQueue",
    "ChunksQueue",
    "FlowControlStreamReader",
    "FlowControlDataQueue",
    "FlowControlChunksQueue",
]

#: What byte reads return at end of stream.
EOF_MARKER = b""
#: Default ``limit`` of a ``StreamReader``: the longest line ``readline`` accepts.
DEFAULT_LIMIT = 2**16

_T = TypeVar("_T")


class EofStream(Exception):
    """End of stream: thrown into parsers at EOF, raised by ``DataQueue.read()``."""


class StreamControl(Protocol):
    """What a flow-controlled reader needs from the stream that feeds it."""

    def resume_stream(self) -> None: ...

    def pause_stream(self) -> None: ...


def _resolve(waiter: asyncio.Future[None] | None) -> None:
    """Wake whoever awaits ``waiter`` (nobody, if it was cancelled meanwhile)."""
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class _Waiting:
    """The single-waiter machinery shared by every reader in this module.

    A reader that has nothing to return calls ``_wait``; the feeding side calls
    ``_wake`` after every change (data, EOF, exception). Waiters are always
    resolved with ``None`` and the reader re-examines its state afterwards, so
    no future ever carries an exception that nobody retrieves.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None, stream: StreamControl | None) -> None:
        self._loop = loop
        self._waiter: asyncio.Future[None] | None = None
        self._stream = stream

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:  # usually nobody waits: every fed chunk comes here
            self._waiter = None
            _resolve(waiter)

    async def _wait(self, func_name: str) -> None:
        if self._waiter is not None:
            raise RuntimeError(
                f"{func_name}() called while another coroutine is already waiting for incoming data"
            )
        loop = self._loop if self._loop is not None else asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        stream = self._stream
        try:
            if stream is not None:
                # Pull model: let bytes flow into the parser while we wait.
                # Resuming may push buffered bytes through the parser into
                # this reader at once, resolving the waiter before we await it.
                stream.resume_stream()
            await waiter
        finally:
            # _wake() already let go of a resolved waiter; another reader may
            # have registered its own since, which must stay.
            if self._waiter is waiter:
                self._waiter = None
            if stream is not None:
                stream.pause_stream()


class StreamReader(_Waiting):
    """A buffered byte stream fed by a protocol and read by the application.

    ``limit`` bounds ``readline()``: a line longer than that raises
    ``LineLimitExceededParserError`` (a ``ValueError``). ``total_bytes`` counts
    every byte ever fed.

    A stored exception (``set_exception``) is raised by every read before any
    buffered data is returned.
    """

    #: How many bytes were ever fed to this reader.
    total_bytes = 0

    def __init__(self, limit: int = DEFAULT_LIMIT, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._init(limit, loop, None)

    def _init(self, limit: int, loop: asyncio.AbstractEventLoop | None,
              stream: StreamControl | None) -> None:
        if limit <= 0:
            raise ValueError("limit must be positive")
        _Waiting.__init__(self, loop, stream)
        self._limit = limit
        # Chunks as fed; the first one may be partly consumed up to _offset.
        self._buffer: collections.deque[bytes] = collections.deque()
        self._size = 0
        self._offset = 0
        self._eof = False
        self._eof_waiter: asyncio.Future[None] | None = None
        self._exception: BaseException | None = None
        self._eof_reads = 0
        self.total_bytes = 0

    def __repr__(self) -> str:
        state = [f"{self._size} bytes"]
        if self._eof:
            state.append("eof")
        if self._exception is not None:
            state.append(f"exception={self._exception!r}")
        if self._waiter is not None:
            state.append("waiting")
        return f"<{type(self).__name__} {' '.join(state)}>"

    # -- the feeding side ------------------------------------------------------

    def exception(self) -> BaseException | None:
        return self._exception

    def set_exception(self, exc: BaseException) -> None:
        """Store ``exc``; the pending and every later read raises it."""
        self._exception = exc
        self._wake()
        self._wake_eof_waiter()

    def feed_data(self, data: bytes) -> None:
        if self._eof:
            raise RuntimeError("feed_data() after feed_eof()")
        if not data:
            return
        self._buffer.append(data)
        self._size += len(data)
        self.total_bytes += len(data)
        self._wake()

    def feed_tail(self, data: bytes, start: int) -> None:
        """Feed ``data[start:]`` without copying it when nothing is buffered.

        For a protocol whose chunk holds something else first (a response
        head before its body): the chunk is kept whole and its first
        ``start`` bytes are skipped, where ``feed_data(data[start:])`` would
        copy the rest of a chunk of up to 256 KiB.
        """
        if self._buffer or not start:
            self.feed_data(data[start:] if start else data)
            return
        if self._eof:
            raise RuntimeError("feed_data() after feed_eof()")
        size = len(data) - start
        if size <= 0:
            return
        self._buffer.append(data)
        self._offset = start
        self._size += size
        self.total_bytes += size
        self._wake()

    def feed_eof(self) -> None:
        self._eof = True
        self._wake()
        self._wake_eof_waiter()

    def is_eof(self) -> bool:
        """True once ``feed_eof()`` was called, whatever is still buffered."""
        return self._eof

    def at_eof(self) -> bool:
        """True once ``feed_eof()`` was called and every byte was read."""
        return self._eof and not self._size

    def has_waiter(self) -> bool:
        """Is a coroutine waiting on this reader right now (for data or for EOF)?

        A feeder that finishes the stream can then tell whether somebody
        will run again because of it (a protocol deciding when the
        connection is free, for instance).
        """
        return self._waiter is not None or self._eof_waiter is not None

    def buffered_size(self) -> int:
        """How many bytes were fed and not read yet."""
        return self._size

    def _wake_eof_waiter(self) -> None:
        waiter, self._eof_waiter = self._eof_waiter, None
        _resolve(waiter)

    async def wait_eof(self) -> None:
        """Wait until ``feed_eof()`` (or ``set_exception()``, which is raised)."""
        while not self._eof:
            if self._exception is not None:
                raise self._exception
            loop = self._loop if self._loop is not None else asyncio.get_running_loop()
            if self._eof_waiter is None:
                self._eof_waiter = loop.create_future()
            await asyncio.shield(self._eof_waiter)

    # -- the reading side ------------------------------------------------------

    def _check(self) -> None:
        if self._exception is not None:
            raise self._exception

    async def _wait_for_data(self, func_name: str) -> None:
        while not self._size and not self._eof:
            await self._wait(func_name)
            self._check()

    async def read(self, n: int = -1) -> bytes:
        """Read up to ``n`` bytes; with ``n < 0``, everything until EOF.

        With ``n > 0`` it waits for at least one byte and returns what is
        buffered, at most ``n``. Returns ``b''`` at EOF.
        """
        self._check()
        if n == 0:
            return EOF_MARKER
        if n < 0:
            while not self._eof:
                await self._wait("read")
                self._check()
        else:
            await self._wait_for_data("read")
        return self._take(n)

    async def readany(self) -> bytes:
        """Wait for some data and return everything buffered (``b''`` at EOF)."""
        self._check()
        await self._wait_for_data("readany")
        return self._take(-1)

    def read_nowait(self) -> bytes:
        """Return everything buffered without waiting (``b''`` if nothing is)."""
        self._check()
        if self._waiter is not None:
            raise RuntimeError("read_nowait() called while another coroutine is waiting for data")
        return self._take(-1)

    def readinto_nowait(self, buffer: bytearray | memoryview) -> int:
        """Move everything buffered into ``buffer`` without waiting; the count.

        Each buffered chunk is copied once, where ``read_nowait()`` would
        join (or slice) them into a new object first: for a reader that
        collects a body into a buffer of its own. ``buffer`` must hold at
        least ``buffered_size()`` bytes (``ValueError``, nothing taken).
        """
        self._check()
        if self._waiter is not None:
            raise RuntimeError("readinto_nowait() called while another coroutine is waiting "
                               "for data")
        target = memoryview(buffer)
        size = self._size
        if target.nbytes < size:
            raise ValueError(f"a buffer of {target.nbytes} bytes cannot take the {size} buffered")
        position = 0
        offset = self._offset
        for chunk in self._buffer:
            end = position + len(chunk) - offset
            target[position:end] = memoryview(chunk)[offset:] if offset else chunk
            position = end
            offset = 0
        self._buffer.clear()
        self._offset = 0
        self._size = 0
        return position

    async def readexactly(self, n: int) -> bytes:
        """Read exactly ``n`` bytes.

        Raises ``asyncio.IncompleteReadError`` (with the bytes that did arrive
        as ``partial``) if the stream ends first.
        """
        if n < 0:
            raise ValueError("readexactly size can not be less than zero")
        self._check()
        while self._size < n:
            if self._eof:
                raise asyncio.IncompleteReadError(self._take(-1), n)
            await self._wait("readexactly")
            self._check()
        return self._take(n)

    async def readline(self) -> bytes:
        """Read one line, through ``b'\\n'``; at EOF, whatever is left.

        A line longer than ``limit`` raises ``LineLimitExceededParserError``
        and leaves the buffered bytes in place.
        """
        self._check()
        buffer = self._buffer
        if buffer:
            # The common case: the line ends in the first buffered chunk.
            offset = self._offset
            pos = buffer[0].find(b"\n", offset)
            if 0 <= pos < offset + self._limit:
                return self._take(pos - offset + 1)
        # Chunks already searched in vain, and the bytes they hold: after
        # each wait only the chunks fed since are searched, so a line that
        # trickles in byte by byte costs linear, not quadratic, time.
        done_chunks = done_bytes = 0
        while True:
            end = self._find_newline(done_chunks, done_bytes)
            if end > self._limit or (end < 0 and self._size > self._limit):
                raise LineLimitExceededParserError("Line is too long", self._limit)
            if end >= 0:
                return self._take(end)
            if self._eof:
                return self._take(-1)
            done_chunks, done_bytes = len(buffer), self._size
            await self._wait("readline")
            self._check()

    def __aiter__(self) -> StreamReader:
        return self

    async def __anext__(self) -> bytes:
        line = await self.readline()
        if not line:
            raise StopAsyncIteration
        return line

    def _find_newline(self, done_chunks: int, done_bytes: int) -> int:
        """Index just past the first buffered ``b'\\n'``, or -1.

        The first ``done_chunks`` chunks, ``done_bytes`` bytes in all, are
        known to hold none.
        """
        buffer = self._buffer
        chunks: Iterable[bytes]
        if done_chunks:
            fresh = len(buffer) - done_chunks
            chunks = reversed(list(itertools.islice(reversed(buffer), fresh)))
            offset = 0
        else:
            chunks = buffer
            offset = self._offset
        seen = done_bytes
        for chunk in chunks:
            pos = chunk.find(b"\n", offset)
            if pos >= 0:
                return seen + pos - offset + 1
            seen += len(chunk) - offset
            offset = 0
        return -1

    def _take(self, n: int) -> bytes:
        """Remove and return up to ``n`` buffered bytes (all of them if ``n < 0``)."""
        size = self._size
        if not size:
            if self._eof and __debug__:
                self._eof_reads += 1
                if self._eof_reads == 6:
                    internal_log.warning(
                        "%r read more than five times at EOF: might be an infinite loop",
                        self, stack_info=True,
                    )
            return EOF_MARKER
        buffer = self._buffer
        if n < 0 or n > size:
            n = size
        first = buffer[0]
        offset = self._offset
        avail = len(first) - offset
        if n <= avail:
            # The common case: the request is served from the first chunk.
            if n == avail:
                buffer.popleft()
                self._offset = 0
                data = first[offset:] if offset else first
            else:
                self._offset = offset + n
                data = first[offset:offset + n]
            self._size = size - n
            return data
        parts: list[bytes | memoryview] = []
        need = n
        while need:
            chunk = buffer[0]
            avail = len(chunk) - offset
            if avail <= need:
                # A view: join() copies it once, where a slice would copy it twice.
                parts.append(memoryview(chunk)[offset:] if offset else chunk)
                buffer.popleft()
                need -= avail
                offset = 0
            else:
                parts.append(chunk[offset:offset + need])
                offset += need
                need = 0
        self._offset = offset
        self._size = size - n
        return b"".join(parts)


class DataQueue(_Waiting, Generic[_T]):
    """A single-consumer queue of parsed items.

    ``read()`` returns the next item; once the queue is empty after
    ``feed_eof()`` it raises ``EofStream``. A stored exception is raised
    before any queued item is returned.
    """

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._init(loop, None)

    def _init(self, loop: asyncio.AbstractEventLoop | None, stream: StreamControl | None) -> None:
        _Waiting.__init__(self, loop, stream)
        self._buffer: collections.deque[_T] = collections.deque()
        self._eof = False
        self._exception: BaseException | None = None

    def __repr__(self) -> str:
        eof = " eof" if self._eof else ""
        return f"<{type(self).__name__} {len(self._buffer)} items{eof}>"

    def is_eof(self) -> bool:
        return self._eof

    def at_eof(self) -> bool:
        return self._eof and not self._buffer

    def exception(self) -> BaseException | None:
        return self._exception

    def set_exception(self, exc: BaseException) -> None:
        self._exception = exc
        self._wake()

    def feed_data(self, data: _T) -> None:
        self._buffer.append(data)
        self._wake()

    def feed_eof(self) -> None:
        self._eof = True
        self._wake()

    async def read(self) -> _T:
        while True:
            if self._exception is not None:
                raise self._exception
            if self._buffer:
                return self._buffer.popleft()
            if self._eof:
                raise EofStream
            await self._wait("read")


class ChunksQueue(DataQueue[bytes]):
    """A ``DataQueue`` of byte chunks: ``read()`` returns ``b''`` at EOF."""

    async def read(self) -> bytes:
        try:
            return await super().read()
        except EofStream:
            return EOF_MARKER

    readany = read


class FlowControlStreamReader(StreamReader):
    """A ``StreamReader`` that resumes ``stream`` while it waits for data."""

    def __init__(self, stream: StreamControl, limit: int = DEFAULT_LIMIT,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._init(limit, loop, stream)


class FlowControlDataQueue(DataQueue[_T]):
    """A ``DataQueue`` that resumes ``stream`` while it waits for an item.

    It is the default destination of parsed data (``StreamParser.set_parser``).
    """

    def __init__(self, stream: StreamControl, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._init(loop, stream)


class FlowControlChunksQueue(FlowControlDataQueue[bytes], ChunksQueue):
    """A ``ChunksQueue`` that resumes ``stream`` while it waits for a chunk."""


# -- the write side -------------------------------------------------------------


class _Ready:
    """An awaitable that completes at once: what ``drain()`` returns when the
    transport accepts more data. Unlike a coroutine it may be dropped without
    being awaited, which is how 0.9 callers treat ``write()``'s result."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # pragma: no cover - makes this a generator


_READY = _Ready()


class _Drain:
    """Waits until the transport wants data again; raises if the connection is gone."""

    __slots__ = ("_writer",)

    def __init__(self, writer: StreamWriter) -> None:
        self._writer = writer

    def __await__(self) -> Generator[Any, None, None]:
        writer = self._writer
        if writer._transport.is_closing() and not writer._lost:
            # The transport drops writes once closing; yield once so that
            # connection_lost() can run and the error below can be reported.
            yield
        writer._raise_if_lost()
        while writer._paused:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            writer._drain_waiters.append(waiter)
            try:
                yield from waiter.__await__()
            finally:
                writer._drain_waiters.remove(waiter)
            writer._raise_if_lost()


class StreamWriter:
    """The write side of a connection, with backpressure.

    ``write()`` hands bytes to the transport at once. ``drain()`` returns an
    awaitable that completes when the transport's buffer is below its
    high-water mark, and raises ``ConnectionResetError`` once the connection is
    lost. Awaiting it is how a producer avoids buffering without bound;
    dropping it unawaited is harmless.

    The owning protocol forwards ``pause_writing``, ``resume_writing`` and
    ``connection_lost`` to the methods of the same name.
    """

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self._transport = transport
        self._paused = False
        self._lost = False
        self._lost_exc: BaseException | None = None
        self._drain_waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._closed: asyncio.Future[None] | None = None

    def __repr__(self) -> str:
        return f"<StreamWriter transport={self._transport!r}>"

    @property
    def transport(self) -> asyncio.WriteTransport:
        return self._transport

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._transport.write(data)

    def writelines(self, data: Iterable[bytes | bytearray | memoryview]) -> None:
        self._transport.writelines(data)
        # The selector transports of CPython 3.12 and 3.13 buffer what
        # writelines() cannot send without checking the high-water mark, as
        # write() does: the protocol is never paused, and drain() would not
        # wait. Ask the transport to check (a no-op where it already did).
        check = getattr(self._transport, "_maybe_pause_protocol", None)
        if check is not None:
            check()

    def write_eof(self) -> None:
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def close(self) -> None:
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def drain(self) -> Awaitable[None]:
        if self._paused or self._lost or self._transport.is_closing():
            return _Drain(self)
        return _READY

    async def wait_closed(self) -> None:
        """Wait until the connection is lost (after ``close()``, or by the peer)."""
        if self._lost:
            return
        if self._closed is None:
            self._closed = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._closed)

    # -- driven by the protocol ------------------------------------------------

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._release_drain_waiters()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._lost = True
        self._lost_exc = exc
        self._paused = False
        self._release_drain_waiters()
        _resolve(self._closed)

    def _release_drain_waiters(self) -> None:
        for waiter in self._drain_waiters:
            _resolve(waiter)

    def _raise_if_lost(self) -> None:
        if self._lost:
            raise ConnectionResetError("Connection lost") from self._lost_exc
