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
from aiohttp.parsers import StreamProtocol
from aiohttp.protocol import HttpRequestParser, Response
from aiohttp.websocket import MSG_BINARY, MSG_TEXT, WebSocketConnection, accept_websocket

Handler = Callable[[WebSocketConnection], Awaitable[None]]


async def echo(ws: WebSocketConnection) -> None:
    """Echo every text and binary message until the peer closes."""
    async for message in ws:
        if message.tp == MSG_TEXT:
            ws.send_str(message.data)
        elif message.tp == MSG_BINARY:
            ws.send_bytes(message.data)
    await ws.close()


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
