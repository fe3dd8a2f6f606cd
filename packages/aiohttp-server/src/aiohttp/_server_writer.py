"""The write side of a server connection, which notes each response's head.

A 0.9 handler builds its own ``Response`` over ``protocol.writer``; the
server never sees that object. To decide whether the connection may serve
another request, the server looks at the first bytes written for each
request instead: ``aiohttp.protocol`` writes the whole head with one
``write``, ending with ``Connection: close`` whenever the message will close
(``close=True``, HTTP/1.0 without keep-alive, a body that runs until close).
Looking costs one attribute test per write, and only the head is examined.

The head is also *held back* ("corked") with the small writes that follow
it, so that a small response goes out in one ``send`` rather than two: a
system call costs more than everything else the server does for a
request. What is held is written:

* at once when it reaches ``CORK_LIMIT``; with a large write, joined to
  it up to ``JOIN_LIMIT`` (one ``send`` for a head and a 1 MiB body), else
  just before it;
* by ``flush()``, which the server calls whenever its request loop gives
  control back to the event loop (the handler waits for something) and
  before it closes the connection;
* otherwise at the end of the current event-loop iteration (``_Flusher``):
  when the handler returns, and on ``drain()`` inside the request loop.
  The responses to every request read in one iteration, from all
  connections, then leave together after all were read: fewer, fuller
  system calls on both sides. A head written outside the request loop
  (``driven`` false: another task or callback) is scheduled the same way.

Nothing held ever waits for the loop to come back from a wait. Code that
writes to the transport directly calls ``flush()`` first.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Iterable

from .streams import _READY, StreamWriter

_CLOSE_END = b"Connection: close\r\n\r\n"
#: Held-back bytes are written at once when they reach this size.
CORK_LIMIT = 2**14
#: A write up to this size goes out joined to the held-back head before it.
#: The copy costs about what the saved ``send`` does (server CPU per 1 MiB
#: response unchanged), and the client gets the response in one piece
#: rather than a lone head first: ``bench_server.py`` GET 1 MiB went from
#: about 2,600 to 3,600 requests/s. Above it a copy is not worth it.
JOIN_LIMIT = 2**20


class _Flusher:
    """Writes the held-back bytes of every writer of one loop, once per iteration.

    One callback per loop iteration serves all connections, rather than one
    per response.
    """

    __slots__ = ("_loop", "_writers", "__weakref__")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._writers: list[ServerWriter] = []

    def add(self, writer: ServerWriter) -> None:
        writers = self._writers
        if not writers:
            self._loop.call_soon(self._flush_all)
        writers.append(writer)

    def _flush_all(self) -> None:
        writers, self._writers = self._writers, []
        for writer in writers:
            writer._scheduled = False
            writer.flush()


_flushers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flusher] = (
    weakref.WeakKeyDictionary())


def _flusher(loop: asyncio.AbstractEventLoop) -> _Flusher:
    flusher = _flushers.get(loop)
    if flusher is None:
        flusher = _flushers[loop] = _Flusher(loop)
    return flusher


class ServerWriter(StreamWriter):
    """A ``StreamWriter`` that records what the current response's head says.

    ``expect_head`` is set by the server before each request; the first
    write after it is taken as the response head (interim 1xx heads other
    than 101 are let through and the next write is examined). Then:

    * ``head_size``: the length of that write (the head);
    * ``closes``: the head ends with ``Connection: close``;
    * ``upgraded``: the status was 101 (the connection now speaks another
      protocol and must never be parsed as HTTP again).
    """

    expect_head = True
    #: True while the server's request loop runs (it flushes before it waits).
    driven = False
    head_size = 0
    closes = False
    upgraded = False
    _corked: list[bytes | bytearray | memoryview] | None = None
    _corked_size = 0
    _scheduled = False

    def __init__(self, transport: asyncio.WriteTransport,
                 loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(transport)
        self._flusher = _flusher(loop)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        size = len(data)
        if self.expect_head:
            if type(data) is bytes and 10 <= size < CORK_LIMIT and data[9] != 49:  # "1"
                # The usual head (bytes, small, not "HTTP/1.x 1..": no 1xx):
                # what _note_head does for it, without the call.
                self.expect_head = False
                self.head_size = size
                self.closes = data.endswith(_CLOSE_END)
            elif not self._note_head(data):  # an interim response, or a huge head
                self.flush()
                self._transport.write(data)
                return
        elif self._corked is None:
            self._transport.write(data)  # nothing held back: straight out
            return
        if size >= CORK_LIMIT:
            corked = self._corked
            if (corked is not None and len(data) <= JOIN_LIMIT
                    and not self._transport.is_closing()):
                # A large body after a held-back head: one write of both.
                self._corked = None
                corked.append(data)
                self._transport.write(b"".join(corked))
                return
            self.flush()
            self._transport.write(data)
            return
        corked = self._corked
        if corked is None:
            self._corked = [data]
            self._corked_size = size
            if not self.driven:
                self.schedule_flush()
        else:
            corked.append(data)
            self._corked_size += size
            if self._corked_size >= CORK_LIMIT:
                self.flush()

    def writelines(self, data: Iterable[bytes | bytearray | memoryview]) -> None:
        if self.expect_head:
            data = list(data)
            if data:
                self._note_head(data[0])
        self.flush()
        self._transport.writelines(data)

    def flush(self) -> None:
        """Write what is held back."""
        corked = self._corked
        if corked is not None:
            self._corked = None
            if self._transport.is_closing():
                return
            self._transport.write(corked[0] if len(corked) == 1 else b"".join(corked))

    def schedule_flush(self) -> None:
        """Write what is held back at the end of this event-loop iteration.

        The responses to requests that arrived together (from many
        connections, or pipelined on one) then leave together, after all of
        them were read: fewer, fuller system calls on both sides.
        """
        if not self._scheduled:
            self._scheduled = True
            self._flusher.add(self)

    def drain(self) -> Awaitable[None]:
        if self._corked is not None:
            if self.driven:
                # The request loop writes it before control leaves it.
                if not self._scheduled:
                    self._scheduled = True  # schedule_flush(), inlined
                    self._flusher.add(self)
            else:
                self.flush()
        # StreamWriter.drain, inlined: a response's end asks for this.
        if self._paused or self._lost or self._transport.is_closing():
            return StreamWriter.drain(self)
        return _READY

    def write_eof(self) -> None:
        self.flush()
        super().write_eof()

    def close(self) -> None:
        self.flush()
        super().close()

    def _note_head(self, data: bytes | bytearray | memoryview) -> bool:
        """Examine a response head; True if it may be held back."""
        if not data:
            return False
        if not isinstance(data, bytes):
            data = bytes(data)
        if data.startswith((b"HTTP/1.1 1", b"HTTP/1.0 1")):
            if data[9:13] != b"101 ":
                return False  # an interim response (100, 103): the final head follows
            self.upgraded = True
        self.expect_head = False
        self.head_size = len(data)
        self.closes = data.endswith(_CLOSE_END)
        return len(data) < CORK_LIMIT

    def start_response(self) -> None:
        """A new request begins: the next head written is its response's."""
        self.expect_head = True
        self.closes = False
        self.head_size = 0
