"""The asyncio HTTP/1.x server protocol: ``aiohttp.server`` of aiohttp 0.9.

``ServerHttpProtocol`` reads requests from a connection one at a time, hands
each to ``handle_request(message, payload)`` and answers errors itself. It
keeps the 0.9 API and fixes what section 15 of the behaviour reference lists
(rows 4, 5, 15, 16, 20):

* **Keep-alive.** A connection serves further requests for as long as the
  client and the response allow it (HTTP/1.1 persistence, HTTP/1.0 with
  ``Connection: keep-alive``) and ``keep_alive`` seconds of idle time are
  not exceeded. ``keep_alive=None`` or ``0`` means one request per
  connection; a handler can still decide with ``self.keep_alive(bool)``.
  0.9 closed every connection unless the handler opted in.
* **Timeouts.** ``timeout`` bounds the time from the first byte of every
  request (from the connection, for the first) to the end of its head, so
  a client cannot hold a connection by trickling a head (slowloris). The
  idle time between requests is bounded by ``keep_alive``. Neither runs
  while a handler works, nor on a connection upgraded with a 101. Both use
  one deadline per connection, checked by a single timer that is re-armed
  lazily when it fires early: no timer is created per request.
* **Errors.** Malformed requests are answered 400 (413 and 431 for the
  size limits) without an exception log; only unexpected handler errors
  give 500. The debug traceback is HTML-escaped.
* **Pipelining.** Requests sent back to back are parsed lazily, one after
  the other, from the connection's buffer, and answered in order. While a
  handler runs no request is parsed and the transport stops reading once
  ``2 * limit`` bytes (128 KiB by default) wait in the buffer, which bounds
  what a pipelining client can make the server hold.
* **Expect: 100-continue** is answered when the handler first waits for
  the body; a handler that answers without reading it sends no 100.

``start()`` is the request loop of a connection. It is not a task of its
own: ``data_received`` resumes it as soon as a head is complete, so a
request whose handler does not wait is served right there, and its
response is written with the others at the end of the loop iteration
(``_server_writer``). Only when a handler waits for something does a task
take the loop over, until it waits for the next head again. The
connection's ``StreamParser`` (``self.reader``), its buffer and one head
parser generator serve every request; a body parser replaces the head
parser for the time of its body. A head that arrives whole while the loop
waits on an empty buffer (the usual keep-alive request) does not go through
the generators: ``data_received`` takes it with
``HttpRequestParser.parse_whole``, which gives the same message, and
leaves anything it declines or refuses to the parser. A handler may take the connection over
after writing a ``101`` response (the WebSocket upgrade):
``self.reader.set_parser(...)`` switches the parser, and the server closes
the connection once that handler returns.
"""

from __future__ import annotations

import asyncio
import html
import http
import logging
import socket
import time
import traceback
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from typing import Any, cast

from . import errors
from ._http_abnf import CONTENT_LENGTH, TRANSFER_ENCODING
from ._access_log import make_atoms
from ._server_writer import ServerWriter
from ._read_allocations import prepare_reads
from .log import access_log as default_access_log
from .log import server_log
from .parsers import ParserBuffer, StreamProtocol
from .protocol import (
    HttpPayloadParser,
    HttpPrefixParser,
    HttpRequestParser,
    HttpVersion11,
    RawRequestMessage,
    Response,
)
from .streams import EofStream, FlowControlStreamReader, StreamReader

__all__ = ["ServerHttpProtocol"]

#: Idle seconds a keep-alive connection waits for its next request.
DEFAULT_KEEP_ALIVE = 5.0
#: Seconds from the first byte of a request to the end of its head.
DEFAULT_TIMEOUT = 15.0
#: Seconds a connection closed with unread input keeps draining it, so
#: that the client gets the response rather than a reset.
LINGER_TIMEOUT = 2.0
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'

#: The page ``handle_error`` answers with.
ERROR_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <title>{status} {reason}</title>
  </head>
  <body>
    <h1>{status} {reason}</h1>
    {message}
  </body>
</html>
"""

# Connection states: waiting for a request, reading its head, in a handler.
_IDLE = 0
_HEAD = 1
_BUSY = 2

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_CoroutineType = types.CoroutineType


class _ContinueOnRead:
    """The flow control of a body whose client waits for ``100 Continue``.

    The body reader resumes its stream when it has to wait for data, that
    is when the handler reads a body that has not arrived: that is when the
    interim response is due (RFC 9110 section 10.1.1). It is not sent once
    the final response has begun.
    """

    __slots__ = ("_sent", "_stream", "_writer")

    def __init__(self, stream: Any, writer: ServerWriter) -> None:
        self._stream = stream
        self._writer = writer
        self._sent = False

    def resume_stream(self) -> None:
        if not self._sent:
            self._sent = True
            writer = self._writer
            if writer.expect_head and not writer.is_closing():
                writer.transport.write(_CONTINUE)
        self._stream.resume_stream()

    def pause_stream(self) -> None:
        self._stream.pause_stream()


#: What the request loop yields to its driver when it waits for the next
#: request head (see ``ServerHttpProtocol._step``).
_PARK = object()


class _RequestHeads:
    """Where the head parser puts each request of a connection; one per connection.

    ``await heads`` returns the next message. When none is there yet the
    request loop *parks*: it yields ``_PARK`` to its driver instead of
    waiting on a future, and ``data_received`` resumes it directly once a
    head is complete. Like a ``FlowControlDataQueue`` it lets bytes flow into
    the parser only while the loop waits (the pull model of
    ``aiohttp.streams``).

    One parser generator (``read_heads``) serves the heads of every request
    of the connection, rather than a new one set for each: between two heads
    it waits for ``asking``, which is true only while the request loop
    waits for a head. A body parser (or a handler that takes the connection
    over) replaces it; the next ``await`` sets it again.
    """

    __slots__ = ("_exception", "_message", "_parser", "_stream", "asking", "waiting")

    def __init__(self, stream: Any, parser: HttpRequestParser) -> None:
        self._stream = stream
        self._parser = parser
        self._message: RawRequestMessage | None = None
        self._exception: BaseException | None = None
        self.waiting = False
        self.asking = False

    def read_heads(self, out: _RequestHeads,
                   buf: ParserBuffer) -> Generator[None, bytes, None]:
        """The connection's head parser: one head each time the request loop asks.

        It enters the head parser only once a head is asked for and its first
        bytes are there. Until then it is between heads, even while the loop
        waits: a head that ``data_received`` takes whole (``parse_whole``)
        never goes through it, and the body parser that may follow must find
        it between heads, not inside the head parser.
        """
        parser = self._parser
        while True:
            try:
                while not (self.asking and buf):
                    buf.feed_data((yield))
            except EofStream:
                if self.asking:
                    raise  # the end of the input where a head was due
                return  # another parser takes over, or the input ended during a request
            yield from parser(out, buf)

    def feed_data(self, message: RawRequestMessage) -> None:
        self._message = message
        self.asking = False  # one head per request: the next one waits

    def feed_eof(self) -> None:
        pass

    def set_exception(self, exc: BaseException) -> None:
        self._exception = exc

    def ready(self) -> bool:
        return self._message is not None or self._exception is not None

    def __await__(self) -> Generator[Any, None, RawRequestMessage]:
        while True:
            message = self._message
            if message is not None:
                self._message = None
                return message
            exc = self._exception
            if exc is not None:
                self._exception = None
                raise exc
            stream = self._stream
            if stream.output is not self:
                # Parses at once what is buffered (and sees an EOF already received).
                self.asking = True
                stream.set_parser(self.read_heads, self)
                self.asking = False
                continue
            self.asking = True
            stream.resume_stream()  # may run the parser over buffered bytes at once
            if self._message is None and self._exception is None:
                self.waiting = True
                try:
                    yield _PARK
                finally:
                    self.waiting = False
            self.asking = False
            stream.pause_stream()


@types.coroutine
def _drive(coro: Coroutine[Any, Any, None], value: Any,
           writer: ServerWriter) -> Generator[Any, Any, bool]:
    """Run ``coro`` inside a task from where it stopped, having yielded ``value``.

    It passes what ``coro`` yields to the task and what the task sends (or
    throws) back, as ``await`` would, and writes what ``writer`` holds back
    each time control goes back to the event loop. Returns True when
    ``coro`` parks (yields ``_PARK``), False when it ends.
    """
    while True:
        if value is _PARK:
            return True
        writer.flush()
        try:
            sent = yield value
        except BaseException as exc:
            writer.driven = True
            try:
                value = coro.throw(exc)
            except StopIteration:
                return False
            finally:
                writer.driven = False
        else:
            writer.driven = True
            try:
                value = coro.send(sent)
            except StopIteration:
                return False
            finally:
                writer.driven = False


class _EmptyPayload(StreamReader):
    """The body of a request without one: at EOF from the start.

    One serves every body-less request of a connection, so reading it at
    EOF again and again is normal, not the runaway loop ``StreamReader``
    warns about.
    """

    def _take(self, n: int) -> bytes:
        return b""


def _empty_payload() -> StreamReader:
    reader = _EmptyPayload()
    reader.feed_eof()
    return reader


class ServerHttpProtocol(StreamProtocol):
    """Reads HTTP requests and calls ``handle_request`` for each; see the module docstring.

    Keywords beyond the 0.9 ones: the head limits of ``HttpRequestParser``
    (``max_line_size``, ``max_headers``, ``max_field_size``,
    ``max_header_count``) and ``max_body_size`` (a cap on each request
    body, ``PayloadTooLarge``/413; None by default: the body is streamed
    with backpressure, so only a handler that buffers it needs a cap).
    Other keywords go to the ``StreamParser`` (``limit``).
    """

    #: The keep-alive decision for the current request (``keep_alive()``).
    _keep_alive = False
    _closing = False
    _state = _HEAD
    _deadline = 0.0
    _timer_when = 0.0
    _timer: asyncio.TimerHandle | None = None
    _task: asyncio.Task[None] | None = None
    _coro: Coroutine[Any, Any, None] | None = None
    _heads: _RequestHeads
    #: The connection's input buffer (``self.reader.buffer``).
    _buffer: ParserBuffer
    _lingering = False
    _peer: tuple[str, int] | None = None
    #: The loop's clock (set by ``connection_made``).
    _time: Callable[[], float]
    #: The connection's writer (set by ``connection_made``).
    writer: ServerWriter

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None,
                 keep_alive: float | None = DEFAULT_KEEP_ALIVE,
                 timeout: float = DEFAULT_TIMEOUT, tcp_keepalive: bool = True,
                 allowed_methods: Iterable[str] = (), debug: bool = False,
                 log: logging.Logger | logging.LoggerAdapter[Any] = server_log,
                 access_log: logging.Logger | logging.LoggerAdapter[Any] | None = default_access_log,
                 access_log_format: str = ACCESS_LOG_FORMAT,
                 max_line_size: int = 8190, max_headers: int = 32768,
                 max_field_size: int = 8190, max_header_count: int = 100,
                 max_body_size: int | None = None, **kwargs: Any) -> None:
        super().__init__(loop=loop, **kwargs)
        if not timeout or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self._keep_alive_period = float(keep_alive or 0)
        self._timeout = float(timeout)
        self._tcp_keepalive = tcp_keepalive
        self._allowed_methods = frozenset(allowed_methods)
        self.debug = debug
        self.log = log
        self.access_log = access_log
        self.access_log_format = access_log_format
        self._access_log_enabled = (access_log is not None
                                    and access_log.isEnabledFor(logging.INFO))
        self._request_parser = HttpRequestParser(
            max_line_size, max_headers, max_field_size, max_header_count=max_header_count)
        self._max_body_size = max_body_size
        self._max_field_size = max_field_size
        self._max_headers = max_headers
        self._max_header_count = max_header_count
        self._empty = _empty_payload()
        self._parse_whole = self._request_parser.parse_whole

    # -- connection --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)
        prepare_reads(transport)  # what StreamProtocol.connection_made does too
        self.transport = transport
        self.reader.set_transport(transport)
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        self.writer = ServerWriter(transport, loop)
        # The clock of asyncio's own loops is time.monotonic: called
        # directly it costs no Python frame, twice per request.
        self._time = (time.monotonic if type(loop).time is asyncio.BaseEventLoop.time
                      else loop.time)
        if self._tcp_keepalive:
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                except OSError:  # pragma: no cover - a socket that refuses it
                    pass
        self._state = _HEAD
        self._set_deadline(loop.time() + self._timeout)
        self._heads = _RequestHeads(self.reader, self._request_parser)
        self._buffer = self.reader.buffer
        self._coro = self.start()
        self._step()

    def connection_lost(self, exc: BaseException | None) -> None:
        super().connection_lost(exc)
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        task = self._task
        if task is not None and not task.done():
            # A handler still at work for a client that is gone is cancelled,
            # as in 0.9.
            task.cancel()
        elif self._heads.waiting:
            self._step()  # the parked request loop sees the end and finishes

    def data_received(self, data: bytes) -> None:
        heads = self._heads
        if heads.waiting and not self._buffer and self._buffer.exception() is None:
            # The usual keep-alive request: its whole head in one piece, with
            # the request loop parked on an empty buffer. The message is
            # taken straight from the head parser's fast path (the same
            # message the parser generator would give); anything else, an
            # error included, goes the general way below.
            try:
                message = self._parse_whole(data)
            except Exception:
                message = None
            if message is not None:
                # No head deadline: the request is complete, the loop is busy
                # with it from here.
                heads._message = message
                self._step()
                return
        if self._state == _IDLE:
            # The first byte of the next request: its head has `timeout` seconds.
            self._state = _HEAD
            when = self._time() + self._timeout
            if self._timer is not None and when >= self._timer_when:
                self._deadline = when  # the usual case: the timer is due sooner
            else:
                self._set_deadline(when)
        elif self._lingering:
            return  # closing: what the client still sends is dropped
        self.reader.feed_data(data)
        if heads.waiting and (heads._message is not None or heads._exception is not None):
            self._step()

    def eof_received(self) -> bool:
        # Keep the transport open for the response; start() closes it.
        self.reader.feed_eof()
        if self._lingering and self.transport is not None:
            self._close()
        elif self._heads.waiting:
            self._step()
        return True

    def _close(self) -> None:
        """Close the connection, after writing whatever is held back."""
        if self.transport is not None:
            self.writer.flush()
            self.transport.close()

    # -- the request loop's driver -------------------------------------------------

    def _step(self) -> None:
        """Resume the parked request loop (``start()``) right here.

        The loop runs without a task for as long as it does not wait for
        anything but request heads: a request whose handler completes
        without waiting costs no task wake-up. When it awaits something
        else, a task takes over until it parks again. So a connection has at
        most one task, and only while a handler waits.
        """
        coro = self._coro
        if coro is None or self._task is not None:
            return
        writer = self.writer
        writer.driven = True
        try:
            value = coro.send(None)
        except StopIteration:
            self._coro = None
            return
        except BaseException:  # start() handles its errors; this is a bug
            self._coro = None
            self.log_exception("The request loop failed")
            if self.transport is not None:
                self._close()
            return
        finally:
            writer.driven = False
        if value is not _PARK:
            writer.flush()  # the handler waits: what it wrote goes out now
            loop = cast(asyncio.AbstractEventLoop, self._loop)
            task = self._task = loop.create_task(self._run_in_task(coro, value))
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        # Only matters when the task was cancelled before it ever ran, so
        # that _run_in_task's own clean-up did not: end the request loop.
        if self._task is task:
            self._task = None
            coro, self._coro = self._coro, None
            if coro is not None:
                coro.close()

    async def _run_in_task(self, coro: Coroutine[Any, Any, None], value: Any) -> None:
        parked = False
        try:
            parked = await _drive(coro, value, self.writer)
        finally:
            self._task = None
            if not parked:
                self._coro = None
                coro.close()

    # -- the one timer -------------------------------------------------------------

    def _set_deadline(self, when: float) -> None:
        """Make ``when`` the deadline of the current state.

        The timer only ever fires early (it is moved forward when the new
        deadline is sooner, never back): when it fires before the deadline
        it re-arms itself once.
        """
        self._deadline = when
        timer = self._timer
        if timer is None or when < self._timer_when:
            if timer is not None:
                timer.cancel()
            self._timer_when = when
            self._timer = cast(asyncio.AbstractEventLoop, self._loop).call_at(when, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        state = self._state
        if self.transport is None or (state == _BUSY and not self._lingering):
            return
        loop = cast(asyncio.AbstractEventLoop, self._loop)
        if loop.time() < self._deadline:
            self._timer_when = self._deadline
            self._timer = loop.call_at(self._deadline, self._on_timer)
        elif self._lingering:
            self._close()
        elif state == _IDLE:
            self.log_debug("Closing an idle keep-alive connection")
            self._close()
        else:
            self.cancel_slow_request()

    def cancel_slow_request(self) -> None:
        """The head of a request took longer than ``timeout``: drop the connection."""
        self.log_debug("Slow request: no complete head within %s s", self._timeout)
        if self.transport is not None:
            self._close()

    # -- the request loop ------------------------------------------------------------

    def keep_alive(self, val: bool) -> None:
        """Set whether the connection serves another request after this one."""
        self._keep_alive = val

    def closing(self) -> None:
        """The server is shutting down: serve no further request.

        A keep-alive connection waiting for its next request is closed at
        once. A connection in the middle of a request, or just accepted and
        not yet served, closes once that request is answered (its client
        did nothing wrong and gets an answer; ``timeout`` still bounds the
        wait for its head).
        """
        self._closing = True
        self._keep_alive = False
        if self.transport is not None and self._state == _IDLE:
            self._close()

    async def start(self) -> None:
        """Serve requests until the connection closes (see the module docstring)."""
        reader = self.reader
        writer = self.writer
        assert writer is not None
        heads = self._heads
        buffer = reader.buffer  # the connection's one input buffer
        message: RawRequestMessage | None = None
        payload: StreamReader | None = None
        allowed = self._allowed_methods
        keep_alive_period = self._keep_alive_period
        empty = self._empty
        clock = self._time
        linger = False
        try:
            # The first bytes of a connection are checked as soon as they
            # arrive: a TLS handshake or other non-HTTP bytes get a 400 at
            # once instead of waiting for a head that never ends.
            try:
                await reader.set_parser(HttpPrefixParser()).read()
            except errors.ConnectionError:
                return
            while True:
                writer.expect_head = True  # the next head written is this request's
                writer.closes = False
                message = payload = None
                try:
                    message = await heads
                except errors.HttpException:
                    raise
                except errors.ConnectionError:
                    break  # closed between requests, or in the middle of a head
                except ValueError as exc:  # any other parser complaint
                    raise errors.BadStatusLine(str(exc)) from exc
                self._state = _BUSY
                self._keep_alive = (keep_alive_period > 0 and not message.should_close
                                    and not self._closing)
                if allowed and message.method not in allowed:
                    raise errors.HttpErrorException(
                        405, headers=(("Allow", ", ".join(sorted(allowed))),))
                headers = message.headers
                if CONTENT_LENGTH in headers or TRANSFER_ENCODING in headers:
                    payload = self._make_payload(message)
                else:
                    payload = empty  # RFC 9112 section 6.3: no framing, no body
                result = self.handle_request(message, payload)
                if type(result) is _CoroutineType or (
                        result is not None and hasattr(result, "__await__")):
                    await result
                if writer._corked is not None and not writer._scheduled:
                    writer.schedule_flush()
                if self.transport is None or writer.upgraded:
                    break
                if payload is not empty and (not payload.is_eof()
                                                   or payload.exception() is not None):
                    # The body was not read to its end: what follows it in
                    # the buffer cannot be found. Drain and close.
                    self.log_debug("Uncompleted request: closing the connection")
                    linger = True
                    break
                if (not self._keep_alive or writer.expect_head or writer.closes
                        or self._closing):
                    break
                if buffer:
                    self._state = _HEAD  # the next request is already here
                    self._set_deadline(clock() + self._timeout)
                else:
                    self._state = _IDLE
                    when = clock() + keep_alive_period
                    if self._timer is not None and when >= self._timer_when:
                        self._deadline = when  # the usual case: the timer is due sooner
                    else:
                        self._set_deadline(when)
        except asyncio.CancelledError:
            raise
        except (ConnectionError, errors.ConnectionError):
            pass  # the client went away
        except errors.HttpException as exc:
            linger = True
            await self._answer_error(exc.code or 500, message, payload, exc, exc.headers)
        except Exception as exc:
            linger = True
            await self._answer_error(500, message, payload, exc, None)
        finally:
            self._state = _BUSY
            writer.flush()
            transport = self.transport
            if transport is not None and not transport.is_closing():
                if linger and transport.can_write_eof():
                    self._linger(transport)
                else:
                    transport.close()

    def _make_payload(self, message: RawRequestMessage) -> StreamReader:
        headers = message.headers
        if CONTENT_LENGTH not in headers and TRANSFER_ENCODING not in headers:
            return self._empty  # RFC 9112 section 6.3: no framing, no body
        stream: Any = self.reader
        if (message.version >= HttpVersion11
                and headers.get("Expect", "").lower() == "100-continue"):
            stream = _ContinueOnRead(stream, self.writer)
        payload = FlowControlStreamReader(stream, loop=self._loop)
        self.reader.set_parser(HttpPayloadParser(
            message, max_size=self._max_body_size, max_field_size=self._max_field_size,
            max_headers=self._max_headers, max_header_count=self._max_header_count), payload)
        return payload

    def _linger(self, transport: asyncio.Transport) -> None:
        """Close after input the client may still be sending.

        Closing a socket with unread input makes the kernel send a reset,
        which can destroy the response before the client reads it. So the
        write side is shut down first and input is dropped until the client
        closes or ``LINGER_TIMEOUT`` passes.
        """
        self._lingering = True
        self.reader.buffer.clear()
        try:
            transport.write_eof()
        except OSError:
            transport.close()
            return
        self._set_deadline(cast(asyncio.AbstractEventLoop, self._loop).time() + LINGER_TIMEOUT)

    async def _answer_error(self, status: int, message: RawRequestMessage | None,
                            payload: StreamReader | None, exc: BaseException,
                            headers: Any) -> None:
        try:
            result = self.handle_error(status, message, payload, exc, headers)
            if result is not None and hasattr(result, "__await__"):
                await result
        except (ConnectionError, errors.ConnectionError):
            pass
        except asyncio.CancelledError:
            raise
        except Exception:
            self.log_exception("Error handling error")

    def handle_request(self, message: RawRequestMessage,
                       payload: StreamReader) -> Awaitable[None] | None:
        """Answer one request. Subclasses override this; by default: 404.

        It may be a coroutine function, or return an awaitable (or None).
        """
        now = cast(asyncio.AbstractEventLoop, self._loop).time()
        response = Response(self.writer, 404, http_version=message.version, close=True,
                            request_method=message.method)
        body = b"Page Not Found!"
        response.add_header("Content-Type", "text/plain")
        response.add_header("Content-Length", str(len(body)))
        response.send_headers()
        response.write(body)
        drain = response.write_eof()
        self.keep_alive(False)
        if self._access_log_enabled:
            self.log_access(message, None, response,
                            cast(asyncio.AbstractEventLoop, self._loop).time() - now)
        return drain

    def handle_error(self, status: int = 500, message: RawRequestMessage | None = None,
                     payload: StreamReader | None = None, exc: BaseException | None = None,
                     headers: Any = None, reason: str | None = None) -> Awaitable[None] | None:
        """Answer with an error page and close the connection.

        An unknown status becomes 500. A 500 is logged with its exception;
        client errors are not (a bad request must not fill the log). With
        ``debug`` the traceback is shown, HTML-escaped. If the response to
        this request has already begun, nothing can be added to it: the
        connection is closed. Returns an awaitable that may be ignored.
        """
        self.keep_alive(False)
        writer = self.writer
        if self.transport is None or writer.is_closing():
            return None
        if not writer.expect_head:
            self.log_debug("Error after the response began: closing the connection")
            writer.flush()
            self._close()
            return None
        now = cast(asyncio.AbstractEventLoop, self._loop).time()
        try:
            reason = reason or http.HTTPStatus(status).phrase
            explanation = http.HTTPStatus(status).description
        except ValueError:
            status, reason = 500, "Internal Server Error"
            explanation = http.HTTPStatus(500).description
        if status >= 500 and exc is not None:
            self.log_exception("Error handling request", exc_info=exc)
        else:
            self.log_debug("Request answered with %s: %r", status, exc)
        body_html = f"<p>{html.escape(explanation)}</p>"
        if self.debug and exc is not None:
            text = "".join(traceback.format_exception(exc))
            body_html += f"\n    <pre>{html.escape(text)}</pre>"
        body = ERROR_PAGE.format(status=status, reason=html.escape(reason),
                                 message=body_html).encode("utf-8")
        response = Response(writer, status, close=True,
                            request_method=message.method if message is not None else None)
        response.add_header("Content-Type", "text/html; charset=utf-8")
        response.add_header("Content-Length", str(len(body)))
        if headers:
            for name, value in headers:
                response.add_header(name, value)
        response.send_headers()
        response.write(body)
        drain = response.write_eof()
        if self._access_log_enabled:
            self.log_access(message, None, response,
                            cast(asyncio.AbstractEventLoop, self._loop).time() - now)
        return drain

    # -- logging ---------------------------------------------------------------------

    def _peername(self) -> tuple[str, int] | None:
        peer = self._peer
        if peer is None and self.transport is not None:
            info = self.transport.get_extra_info("peername")
            if isinstance(info, tuple) and len(info) >= 2:
                peer = self._peer = (str(info[0]), int(info[1]))
        return peer

    def log_access(self, message: RawRequestMessage | None, environ: Any,
                   response: Any, time: float) -> None:
        """Write the access-log line of a request (atoms: see ``aiohttp._access_log``).

        ``time`` is how long the request took, in seconds. A failure to
        format the line is logged, never raised.
        """
        access_log = self.access_log
        if access_log is None or not access_log.isEnabledFor(logging.INFO):
            return
        try:
            if environ is not None and "REMOTE_ADDR" in environ:
                remote = str(environ["REMOTE_ADDR"])
            else:
                peer = self._peername()
                remote = peer[0] if peer is not None else "-"
            writer = self.writer
            body_bytes = 0
            status = 0
            response_headers = None
            if response is not None:
                status = int(getattr(response, "status", 0) or 0)
                head = writer.head_size
                body_bytes = max(0, int(getattr(response, "output_length", 0)) - head)
                response_headers = getattr(response, "headers", None)
            if message is not None:
                method, path = message.method, message.path
                version = f"HTTP/{message.version[0]}.{message.version[1]}"
                request_headers: Any = message.headers
            else:
                method = path = version = ""
                request_headers = None
            atoms = make_atoms(remote=remote, method=method, path=path, version=version,
                               status=status, body_bytes=body_bytes, duration=time,
                               request_headers=request_headers,
                               response_headers=response_headers, environ=environ)
            access_log.info(self.access_log_format % atoms)
        except Exception:
            self.log.exception("Error in logging")

    def log_debug(self, *args: Any, **kw: Any) -> None:
        """Log at debug level, only in ``debug`` mode."""
        if self.debug:
            self.log.debug(*args, **kw)

    def log_exception(self, *args: Any, **kw: Any) -> None:
        self.log.exception(*args, **kw)
