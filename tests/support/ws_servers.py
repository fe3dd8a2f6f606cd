"""A minimal WebSocket server made of our own pieces, for tests/websocket.

tests/websocket runs with aiohttp-websocket alone installed, so it cannot
use aiohttp.server. This is the server-less path of our packages:
``StreamProtocol`` reads, ``HttpRequestParser`` parses the request,
``accept_websocket`` answers it (``do_handshake`` + ``Response``), and the
handler gets the ``WebSocketConnection``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp.errors import HttpException
from aiohttp.parsers import StreamParser, StreamProtocol
from aiohttp.protocol import HttpRequestParser, RawRequestMessage, Response
from aiohttp.streams import StreamWriter
from aiohttp.websocket import (
    MSG_BINARY,
    MSG_CLOSE,
    MSG_PING,
    MSG_TEXT,
    WebSocketConnection,
    accept_websocket,
    do_handshake,
)
from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as websockets_serve
from websockets.exceptions import ConnectionClosed

Handler = Callable[[WebSocketConnection], Awaitable[None]]


async def echo(ws: WebSocketConnection) -> None:
    """Echo every text and binary message until the peer closes."""
    async for message in ws:
        if message.tp == MSG_TEXT:
            ws.send_str(message.data)
        elif message.tp == MSG_BINARY:
            ws.send_bytes(message.data)
    await ws.close()


async def echo_the_09_way(message: RawRequestMessage, reader: StreamParser,
                          response_writer: StreamWriter, transport: asyncio.WriteTransport,
                          protocols: tuple[str, ...] = ("chat",)) -> None:
    """The 0.9 handler pattern: ``do_handshake``, ``Response(101)``,
    ``reader.set_parser(parser)``, then a read loop that echoes messages and
    answers pings and the Close frame by hand."""
    code, headers, parser, writer = do_handshake(
        message.method, message.headers, transport, protocols=protocols)
    response = Response(response_writer, code, http_version=message.version)
    response.add_headers(*headers)
    response.send_headers()
    dataqueue = reader.set_parser(parser)
    while True:
        msg = await dataqueue.read()
        if msg.tp == MSG_PING:
            writer.pong(msg.data)
        elif msg.tp == MSG_TEXT:
            writer.send(msg.data)
        elif msg.tp == MSG_BINARY:
            writer.send(msg.data, binary=True)
        elif msg.tp == MSG_CLOSE:
            writer.close(msg.data)
            break


async def websockets_echo(ws: ServerConnection) -> None:
    """The ``websockets`` library's side of an echo: every message back."""
    try:
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed:
        pass


@contextlib.asynccontextmanager
async def websockets_peer(handler: Callable[[ServerConnection], Awaitable[None]] = websockets_echo,
                          **options: Any) -> AsyncIterator[int]:
    """A ``websockets`` library server on 127.0.0.1; yields its port."""
    async with websockets_serve(handler, "127.0.0.1", 0, **options) as server:
        yield next(iter(server.sockets)).getsockname()[1]


class WebSocketServerProtocol(StreamProtocol):
    """One connection: read the handshake request, accept it, run ``handler``."""

    def __init__(self, handler: Handler, tasks: set[asyncio.Task[None]], **options: Any) -> None:
        super().__init__()
        self._handler = handler
        self._options = options
        self._tasks = tasks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        task = asyncio.get_running_loop().create_task(self._run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        assert self.transport is not None and self.writer is not None
        transport = self.transport
        try:
            message = await self.reader.set_parser(HttpRequestParser()).read()
            try:
                ws = accept_websocket(message, self.reader, self.writer, **self._options)
            except HttpException as exc:
                response = Response(self.writer, exc.code or 400, close=True)
                response.add_headers(*exc.headers, ("Content-Length", "0"))
                response.send_headers()
                await response.write_eof()
                return
            await self._handler(ws)
        except Exception:  # pragma: no cover - shown by the failing test
            import traceback
            traceback.print_exc()
            raise
        finally:
            transport.close()


@contextlib.asynccontextmanager
async def serve(handler: Handler = echo, **options: Any) -> AsyncIterator[str]:
    """Serve WebSockets on 127.0.0.1; yields the ws:// URL."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    server = await loop.create_server(
        lambda: WebSocketServerProtocol(handler, tasks, **options), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.close()
        for task in list(tasks):
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), 5)
        for task in list(tasks):
            task.cancel()
        await server.wait_closed()
