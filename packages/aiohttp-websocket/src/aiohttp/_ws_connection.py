"""The connection object: one open WebSocket, either side.

``WebSocketConnection`` runs over a connection's ``StreamParser`` (reader)
and ``StreamWriter`` (writer), after the opening handshake. It answers pings
and Close frames by itself, sends heartbeat pings when asked, performs the
close handshake with a timeout (RFC 6455 section 7), and fails the
connection with the right close code on a protocol violation.

Incoming bytes are parsed as they arrive (the stream is resumed once, not
per read), so pings are answered and a Close is seen even while the
application is not reading. When more than ``INBOX_HIGH`` bytes of messages
wait unread, parsing pauses: the bytes stay in the reader's buffer and the
reader pauses the transport, so a slow reader slows the peer down.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Generator, Iterable
from types import TracebackType
from typing import Any, Protocol

from ._ws_deflate import PerMessageDeflate
from ._ws_frames import (
    CLOSE_ABNORMAL,
    CLOSE_NO_STATUS,
    CLOSE_OK,
    MAX_MSG_SIZE,
    MSG_BINARY,
    MSG_CLOSE,
    MSG_PING,
    MSG_PONG,
    MSG_TEXT,
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_CONTINUATION,
    OPCODE_TEXT,
    Message,
    WebSocketError,
)
from ._ws_handshake import make_parser
from ._ws_writer import WebSocketWriter
from .log import websocket_log
from .parsers import StreamParser
from .streams import DataQueue, EofStream

__all__ = ["INBOX_HIGH", "WebSocketConnection"]

#: Unread message bytes above which parsing pauses (and below half of which
#: it resumes).
INBOX_HIGH = 2**16
#: Bytes waiting in the transport above which pings go unanswered.
PONG_BACKLOG = 2**20
#: Default seconds to wait for the peer's part of the close handshake.
CLOSE_TIMEOUT = 10.0


class ConnectionWriter(Protocol):
    """The write side the connection needs: ``aiohttp.streams.StreamWriter``."""

    def write(self, data: bytes | bytearray, /) -> Any: ...

    def drain(self) -> Awaitable[None]: ...

    def close(self) -> None: ...

    def is_closing(self) -> bool: ...

    async def wait_closed(self) -> None: ...


class _Cork:
    """Frames sent in a burst go out in one write.

    A pipelining sender (or an echo answering a burst) would otherwise make
    one system call per frame. The first frame of a turn of the event loop
    is written at once (a lone message waits for nothing); the ones that
    follow it in the same turn wait in a list, flushed by a callback the
    loop runs before it next polls for I/O. Awaiting the cork (what
    ``send_*()`` return) flushes and waits for the transport's buffer to
    drain.
    """

    __slots__ = ("_armed", "_loop", "_pending", "_writer")

    def __init__(self, writer: ConnectionWriter, loop: asyncio.AbstractEventLoop) -> None:
        self._writer = writer
        self._loop = loop
        self._pending: list[bytes | bytearray] = []
        self._armed = False

    def write(self, data: bytes | bytearray) -> None:
        if self._armed:
            self._pending.append(data)
            return
        self._armed = True
        self._loop.call_soon(self.flush)
        self._writer.write(data)

    def flush(self) -> None:
        self._armed = False
        pending = self._pending
        if pending:
            self._pending = []
            self._writer.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def drain(self) -> _Cork:
        return self

    def __await__(self) -> Generator[Any, None, None]:
        pending = self._pending
        if pending:
            self._pending = []
            self._writer.write(pending[0] if len(pending) == 1 else b"".join(pending))
        return (yield from self._writer.drain().__await__())


class _Inbox(DataQueue[Message]):
    """The parser's output: handles control messages at once, queues the rest."""

    def __init__(self, connection: WebSocketConnection) -> None:
        super().__init__()
        self._connection = connection
        self._size = 0
        self._stream_paused = False

    def feed_data(self, message: Message) -> None:
        tp = message.tp
        conn = self._connection
        if tp == MSG_TEXT or tp == MSG_BINARY:
            if conn._closing_self:
                return  # RFC 6455 section 1.4: data after our Close is discarded
            self._buffer.append(message)
            self._size += len(message.data)
            if self._size > INBOX_HIGH and not self._stream_paused:
                self._stream_paused = True
                conn._reader.pause_stream()
            self._wake()
            return
        if tp == MSG_PING:
            if conn._autoping:
                conn._answer_ping(message.data)
                return
        elif tp == MSG_PONG:
            conn._pong_received()
            if conn._autoping:
                return
        elif tp == MSG_CLOSE:
            conn._close_received(message)
        self._buffer.append(message)
        self._wake()

    def set_exception(self, exc: BaseException) -> None:
        self._connection._failed(exc)
        super().set_exception(exc)

    def taken(self, message: Message) -> None:
        """The application took ``message``: resume parsing once there is room."""
        if message.tp == MSG_TEXT or message.tp == MSG_BINARY:
            self._size -= len(message.data)
            if self._stream_paused and self._size <= INBOX_HIGH // 2:
                self._stream_paused = False
                self._connection._reader.resume_stream()

    def drain_all(self) -> None:
        """Drop unread messages and let every byte through (closing)."""
        self._buffer.clear()
        self._size = 0
        if self._stream_paused:
            self._stream_paused = False
            self._connection._reader.resume_stream()


class WebSocketConnection:
    """An open WebSocket, after the handshake, on either side.

    ``reader`` is the connection's ``StreamParser`` and ``writer`` its
    ``StreamWriter``. ``client=True`` masks what it sends and expects
    unmasked frames. ``protocol`` is the negotiated subprotocol and
    ``compress`` the permessage-deflate agreement (both from the handshake).

    * ``autoping`` (default True): pings are answered and pongs consumed
      here; with False both are returned by ``receive()`` (the Close
      handshake is always handled here).
    * ``heartbeat``: seconds between pings sent to the peer; a pong must come
      within half of that, or the connection is closed (close code 1006).
    * ``close_timeout``: how long ``close()`` waits for the peer's Close
      frame and (on the client) for the server to end the TCP connection.
    * ``max_msg_size``: bound of an incoming message (1009 beyond it).
    * ``on_close``: called once, when this object closes the transport.
    """

    def __init__(self, reader: StreamParser, writer: ConnectionWriter, *, client: bool = False,
                 protocol: str | None = None, compress: PerMessageDeflate | None = None,
                 max_msg_size: int = MAX_MSG_SIZE, autoping: bool = True,
                 heartbeat: float | None = None, close_timeout: float = CLOSE_TIMEOUT,
                 on_close: Callable[[], object] | None = None,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop if loop is not None else asyncio.get_running_loop()
        self._reader = reader
        self._transport_writer = writer
        self._client = client
        self.protocol = protocol
        self.compress = compress
        self._autoping = autoping
        self._heartbeat = heartbeat
        self._close_timeout = close_timeout
        self._on_close = on_close
        self._cork = _Cork(writer, self._loop)
        self._ws_writer = WebSocketWriter(self._cork, use_mask=client, compress=compress)
        # The writer's frame builder, for the uncompressed messages of send_*().
        self._send_frame = self._ws_writer._send_frame

        self._closing_self = False  # we sent a Close frame
        self._close_message: Message | None = None  # the peer's Close, or what ended it
        self._close_event: asyncio.Event | None = None
        self._closed = False  # the transport is closed (or being closed) by us
        self._exception: BaseException | None = None
        self._error_raised = False
        self._heartbeat_handle: asyncio.TimerHandle | None = None
        self._pong_handle: asyncio.TimerHandle | None = None
        self._close_handle: asyncio.TimerHandle | None = None

        self._inbox = _Inbox(self)
        reader.set_parser(make_parser(client=client, max_msg_size=max_msg_size,
                                      compress=compress), self._inbox)
        # Parse as bytes arrive (see the module docstring).
        reader.resume_stream()
        if heartbeat is not None:
            self._schedule_heartbeat()

    def __repr__(self) -> str:
        side = "client" if self._client else "server"
        state = "closed" if self.closed else "open"
        return f"<WebSocketConnection {side} {state} protocol={self.protocol!r}>"

    # -- state -------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Has the connection ended, or has this end started closing it?"""
        return self._closed or self._closing_self

    @property
    def close_code(self) -> int | None:
        """The code the connection ended with: the peer's Close (1005 if it had
        none), ours when we failed it for a violation (1002, 1007, 1009), 1006
        when it ended without a Close frame; None while it is open."""
        message = self._close_message
        return message.data if message is not None else None

    @property
    def close_reason(self) -> str:
        message = self._close_message
        return message.extra.decode("utf-8") if message is not None and message.extra else ""

    def exception(self) -> BaseException | None:
        """The protocol error or connection failure that ended the connection, if any."""
        return self._exception

    @property
    def transport(self) -> Any:
        """The connection's transport (``writer.transport``), None if the writer has none."""
        return getattr(self._transport_writer, "transport", None)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        get = getattr(self._transport_writer, "get_extra_info", None)
        return get(name, default) if get is not None else default

    # -- sending -----------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closing_self or self._closed:
            raise ConnectionResetError("the WebSocket is closing or closed")

    def send_str(self, data: str, *, compress: bool = True) -> Awaitable[None]:
        """Send a text message; the result may be awaited to wait for the buffer to drain."""
        if not isinstance(data, str):
            raise TypeError(f"send_str() takes a str, not {type(data).__name__}")
        if self._closing_self or self._closed:
            self._check_open()
        if compress and self.compress is not None:
            return self._ws_writer.send(data, compress=True)
        # An uncompressed message: straight to the frame (FIN, text).
        return self._send_frame(0x81, data.encode("utf-8"))

    def send_bytes(self, data: bytes | bytearray | memoryview, *,
                   compress: bool = True) -> Awaitable[None]:
        """Send a binary message."""
        if type(data) is not bytes:
            if not isinstance(data, bytes | bytearray | memoryview):
                raise TypeError(f"send_bytes() takes bytes, not {type(data).__name__}")
            data = bytes(data)
        if self._closing_self or self._closed:
            self._check_open()
        if compress and self.compress is not None:
            return self._ws_writer.send(data, binary=True, compress=True)
        return self._send_frame(0x82, data)

    def send_fragments(self, fragments: Iterable[str] | Iterable[bytes]) -> Awaitable[None]:
        """Send one message as several frames (RFC 6455 section 5.4), uncompressed.

        ``str`` fragments make a text message, bytes a binary one.
        """
        self._check_open()
        items: list[str | bytes] = list(fragments)
        if not items:
            raise ValueError("a message needs at least one fragment")
        opcode = OPCODE_TEXT if isinstance(items[0], str) else OPCODE_BINARY
        writer = self._ws_writer
        last = len(items) - 1
        result: Awaitable[None] | None = None
        for index, item in enumerate(items):
            if isinstance(item, str) != (opcode == OPCODE_TEXT):
                raise TypeError("fragments must be all str or all bytes")
            payload = item.encode("utf-8") if isinstance(item, str) else bytes(item)
            result = writer.send_frame(OPCODE_CONTINUATION if index else opcode, payload,
                                       fin=index == last)
        assert result is not None
        return result

    def ping(self, data: bytes | str = b"") -> Awaitable[None]:
        self._check_open()
        return self._ws_writer.ping(data)

    def pong(self, data: bytes | str = b"") -> Awaitable[None]:
        self._check_open()
        return self._ws_writer.pong(data)

    # -- receiving ---------------------------------------------------------------

    async def receive(self, timeout: float | None = None) -> Message:
        """The next message.

        Text, binary (and, without ``autoping``, ping and pong) messages
        are returned as they come. When the connection ends, a
        ``Message(MSG_CLOSE, code, reason)`` is returned, and again on every
        later call. A protocol violation by the peer is raised once as
        ``WebSocketError`` (the connection is already failed with its close
        code). ``timeout`` raises ``TimeoutError`` and leaves the connection
        open.
        """
        inbox = self._inbox
        if inbox._buffer:  # the common case when messages are pipelined
            message = inbox._buffer.popleft()
            inbox.taken(message)
            return message
        try:
            if timeout is None:
                message = await inbox.read()
            else:
                async with asyncio.timeout(timeout):
                    message = await inbox.read()
        except EofStream:
            return self._final_message()
        except WebSocketError:
            if self._error_raised:
                return self._final_message()
            self._error_raised = True
            raise
        except TimeoutError:
            if timeout is not None and not self._closed:
                raise  # ours: the connection stays open
            return self._final_message()
        except Exception:
            # The connection broke (the inbox holds the error; exception()
            # tells it): the close message, as for any end.
            return self._final_message()
        inbox.taken(message)
        return message

    def _final_message(self) -> Message:
        message = self._close_message
        if message is None:
            message = self._close_message = Message(MSG_CLOSE, CLOSE_ABNORMAL, b"")
        return message

    async def receive_str(self, timeout: float | None = None) -> str:
        """The next message, which must be text (``TypeError`` otherwise)."""
        message = await self.receive(timeout)
        if message.tp != MSG_TEXT:
            raise TypeError(f"expected a text message, got {message.tp:#x}: {message.data!r}")
        return message.data  # type: ignore[no-any-return]

    async def receive_bytes(self, timeout: float | None = None) -> bytes:
        """The next message, which must be binary (``TypeError`` otherwise)."""
        message = await self.receive(timeout)
        if message.tp != MSG_BINARY:
            raise TypeError(f"expected a binary message, got {message.tp:#x}: {message.data!r}")
        return message.data  # type: ignore[no-any-return]

    def __aiter__(self) -> WebSocketConnection:
        return self

    async def __anext__(self) -> Message:
        message = await self.receive()
        if message.tp == MSG_CLOSE:
            raise StopAsyncIteration
        return message

    async def __aenter__(self) -> WebSocketConnection:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    # -- closing -----------------------------------------------------------------

    async def close(self, code: int = CLOSE_OK, message: bytes | str = b"") -> bool:
        """Close the connection: the close handshake of RFC 6455 section 7.

        Sends a Close frame with ``code`` and ``message``, waits up to
        ``close_timeout`` for the peer's Close, then closes the transport
        (a client first gives the server that long to end the TCP
        connection, section 7.1.1). Returns False if this end had already
        sent its Close (the peer's Close was answered, or close() was called
        before); it still waits for the end of the connection then.
        Cancelling it closes the transport.
        """
        if self._closed:
            return False
        first = not self._closing_self
        try:
            if first:
                self._send_close(code, message)
                self._inbox.drain_all()
            if self._close_message is None:
                await self._wait_close_frame()
            if self._client and not self._closed:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._close_timeout):
                        await self._transport_writer.wait_closed()
        finally:
            self._close_transport()
        return first

    async def _wait_close_frame(self) -> None:
        event = self._close_event
        if event is None:
            event = self._close_event = asyncio.Event()
        try:
            async with asyncio.timeout(self._close_timeout):
                await event.wait()
        except TimeoutError:
            websocket_log.debug("no Close frame from the peer within %s s", self._close_timeout)
            if self._close_message is None:
                self._close_message = Message(MSG_CLOSE, CLOSE_ABNORMAL, b"")

    def _send_close(self, code: int | None, reason: bytes | str = b"") -> None:
        if self._closing_self or self._closed:
            return
        self._closing_self = True
        try:
            if code is None:
                self._ws_writer.send_frame(OPCODE_CLOSE, b"")
            else:
                self._ws_writer.close(code, reason)
        except (OSError, RuntimeError) as exc:  # the transport is gone already
            websocket_log.debug("could not send a Close frame: %r", exc)

    def _close_transport(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cancel_timers()
        self._cork.flush()
        self._transport_writer.close()
        on_close = self._on_close
        if on_close is not None:
            self._on_close = None
            on_close()

    def _cancel_timers(self) -> None:
        for handle in (self._heartbeat_handle, self._pong_handle, self._close_handle):
            if handle is not None:
                handle.cancel()
        self._heartbeat_handle = self._pong_handle = self._close_handle = None

    def _wake_closers(self) -> None:
        if self._close_event is not None:
            self._close_event.set()

    # -- called by the inbox, as frames arrive -----------------------------------

    def _answer_ping(self, payload: bytes) -> None:
        # RFC 6455 section 5.5.3: a Pong with the Ping's payload, unless we
        # are closing (then nothing more is sent after our Close). A peer
        # that pings without reading our answers must not make us buffer
        # pongs without bound: past PONG_BACKLOG unsent bytes, pings go
        # unanswered (section 5.5.3 asks for a pong "as soon as practical").
        transport = self.transport
        if transport is not None and transport.get_write_buffer_size() > PONG_BACKLOG:
            websocket_log.debug("ping not answered: %d bytes wait to be sent",
                                transport.get_write_buffer_size())
            return
        if not self._closing_self and not self._closed:
            try:
                self._ws_writer.pong(payload)
            except (OSError, RuntimeError) as exc:
                websocket_log.debug("could not answer a ping: %r", exc)

    def _close_received(self, message: Message) -> None:
        """RFC 6455 section 5.5.1 and 7.1: answer a Close; the server ends TCP first."""
        if self._close_message is None:
            self._close_message = message
        code = message.data
        # Echo the code (none for none); section 7.4.1 codes only.
        self._send_close(None if code == CLOSE_NO_STATUS else code)
        if not self._client:
            self._close_transport()
        elif not self._closed and self._close_handle is None:
            # Give the server close_timeout to end the TCP connection.
            self._close_handle = self._loop.call_later(self._close_timeout,
                                                       self._close_transport)
        self._wake_closers()

    def _failed(self, exc: BaseException) -> None:
        """The parser failed (a protocol violation) or the connection broke."""
        if isinstance(exc, WebSocketError):
            websocket_log.debug("failing the WebSocket connection: %s", exc)
            if self._exception is None:
                self._exception = exc
            if self._close_message is None:
                self._close_message = Message(MSG_CLOSE, exc.code, b"")
            self._send_close(exc.code, _short_reason(exc.message))
        else:
            # The connection ended without a Close frame (section 7.1.5: 1006).
            if self._exception is None and not isinstance(exc, EofStream):
                self._exception = exc
            if self._close_message is None:
                self._close_message = Message(MSG_CLOSE, CLOSE_ABNORMAL, b"")
        self._close_transport()
        self._wake_closers()

    # -- heartbeat ---------------------------------------------------------------

    def _schedule_heartbeat(self) -> None:
        assert self._heartbeat is not None
        self._heartbeat_handle = self._loop.call_later(self._heartbeat, self._send_heartbeat)

    def _send_heartbeat(self) -> None:
        self._heartbeat_handle = None
        if (self._closing_self or self._closed or self._heartbeat is None
                or self._transport_writer.is_closing()):
            # Closed by us, or under us (a server closes the socket when the
            # handler returns): no more pings.
            return
        try:
            self._ws_writer.ping(b"")
        except (OSError, RuntimeError):
            return
        if self._pong_handle is None:
            self._pong_handle = self._loop.call_later(self._heartbeat / 2, self._pong_missing)
        self._schedule_heartbeat()

    def _pong_received(self) -> None:
        if self._pong_handle is not None:
            self._pong_handle.cancel()
            self._pong_handle = None

    def _pong_missing(self) -> None:
        self._pong_handle = None
        websocket_log.debug("no pong within %s s: closing the connection", self._heartbeat)
        self._exception = TimeoutError("no pong received in time (heartbeat)")
        if self._close_message is None:
            self._close_message = Message(MSG_CLOSE, CLOSE_ABNORMAL, b"")
        self._close_transport()
        self._inbox.feed_eof()
        self._wake_closers()


def _short_reason(text: str) -> bytes:
    """A close reason that fits a Close frame (123 bytes, whole UTF-8 characters)."""
    return text.encode("utf-8")[:123].decode("utf-8", "ignore").encode("utf-8")
