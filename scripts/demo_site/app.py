"""The demo's server: one protocol class that routes every request, and its lifecycle.

``DemoProtocol`` is a ``WSGIServerHttpProtocol``: ``POST /upload`` goes
through the real WSGI server path (``super().handle_request``) to the
``upload`` application; every other route is answered by a handler of its
own here, writing ``aiohttp.protocol.Response`` objects directly:

* ``GET /``: the page; ``GET /ws``: the chat (``aiohttp.websocket``);
* ``GET /stream``: ten lines, each its own HTTP chunk, 20 ms apart;
* ``GET /download[?size=N]``: the deterministic body, with backpressure;
* ``/echo``: the request as JSON; anything else: 404.

``DemoServer`` listens (TCP, and a Unix socket if asked) and shuts down in
order: stop listening, close the WebSockets with 1001, let requests in
flight finish for up to ``GRACE`` seconds, then close what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import stat
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from aiohttp import errors
from aiohttp.protocol import RawRequestMessage, Response
from aiohttp.streams import StreamReader
from aiohttp.websocket import MSG_BINARY, MSG_TEXT, accept_websocket
from aiohttp.wsgi import WSGIServerHttpProtocol

from . import download
from .chat import ChatHub
from .page import INDEX_HTML
from .upload import upload_app

__all__ = ["DemoProtocol", "DemoServer"]

#: Seconds requests in flight get to finish at shutdown.
GRACE = 2.0
#: The largest chat message accepted.
MAX_CHAT_MESSAGE = 2**16
STREAM_LINES = 10
STREAM_DELAY = 0.02

Handler = Callable[["DemoProtocol", RawRequestMessage, StreamReader], Awaitable[None]]


class DemoState:
    """What the connections of one server share."""

    def __init__(self) -> None:
        self.hub = ChatHub()
        self.digests = download.DigestCache()
        self.connections: set[DemoProtocol] = set()
        self.all_closed = asyncio.Event()
        self.all_closed.set()

    def add(self, protocol: DemoProtocol) -> None:
        self.connections.add(protocol)
        self.all_closed.clear()

    def remove(self, protocol: DemoProtocol) -> None:
        self.connections.discard(protocol)
        if not self.connections:
            self.all_closed.set()


class DemoProtocol(WSGIServerHttpProtocol):
    """Routes the demo's requests (see the module docstring)."""

    def __init__(self, state: DemoState) -> None:
        super().__init__(upload_app, readpayload=False, access_log=None)
        self.state = state

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.state.add(self)
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        super().connection_lost(exc)
        self.state.remove(self)

    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        path = message.path.partition("?")[0]
        if path == "/upload":
            await super().handle_request(message, payload)  # the WSGI application
            return
        route = ROUTES.get(path)
        if route is None:
            await self.send_text(message, 404, b"404: nothing here\n")
            return
        methods, handler = route
        if methods and message.method not in methods:
            raise errors.HttpErrorException(405, headers=(("Allow", ", ".join(methods)),))
        await handler(self, message, payload)

    # -- helpers ---------------------------------------------------------------------

    def response(self, message: RawRequestMessage, status: int,
                 *headers: tuple[str, str]) -> Response:
        response = Response(self.writer, status, http_version=message.version,
                            close=message.should_close, request_method=message.method)
        response.add_headers(*headers)
        return response

    async def send_text(self, message: RawRequestMessage, status: int, body: bytes,
                        content_type: str = "text/plain; charset=utf-8") -> None:
        response = self.response(message, status, ("Content-Type", content_type),
                                 ("Content-Length", str(len(body))))
        response.send_headers()
        response.write(body)
        await response.write_eof()
        self.keep_alive(response.keep_alive())

    # -- routes ----------------------------------------------------------------------

    async def index(self, message: RawRequestMessage, payload: StreamReader) -> None:
        await self.send_text(message, 200, INDEX_HTML, "text/html; charset=utf-8")

    async def echo(self, message: RawRequestMessage, payload: StreamReader) -> None:
        # The WSGI server's own bounded read (``readpayload_limit``, 1 MiB):
        # a larger body is answered 413 by the server.
        body = (await self._read_whole_body(message, payload)).getvalue()
        path, _, query = message.path.partition("?")
        headers: dict[str, str] = {}
        for name, value in message.headers.items():
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        answer = {
            "method": message.method,
            "path": path,
            "query": query,
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
            "body_length": len(body),
        }
        text = json.dumps(answer, indent=2).encode() + b"\n"
        await self.send_text(message, 200, text, "application/json")

    async def stream(self, message: RawRequestMessage, payload: StreamReader) -> None:
        response = self.response(message, 200, ("Content-Type", "text/plain; charset=utf-8"),
                                 ("Cache-Control", "no-store"),
                                 ("X-Content-Type-Options", "nosniff"))
        # No Content-Length: on HTTP/1.1 the body is chunked, and each write
        # below leaves as one chunk (before the handler sleeps, the server
        # writes what it holds).
        response.force_chunked()
        response.send_headers()
        if message.method != "HEAD":
            for number in range(1, STREAM_LINES + 1):
                if number > 1:
                    await asyncio.sleep(STREAM_DELAY)
                await response.write(f"chunk {number} of {STREAM_LINES}\n".encode())
        await response.write_eof()
        self.keep_alive(response.keep_alive())

    async def download(self, message: RawRequestMessage, payload: StreamReader) -> None:
        query = parse_qs(message.path.partition("?")[2])
        size = download.DEFAULT_SIZE
        if "size" in query:
            text = query["size"][-1]
            if not text.isdigit() or int(text) > download.MAX_SIZE:
                await self.send_text(message, 400, b"size must be a whole number of bytes "
                                     b"from 0 to 1073741824\n")
                return
            size = int(text)
        digest = await self.state.digests.get(size)
        response = self.response(
            message, 200, ("Content-Type", "application/octet-stream"),
            ("Content-Length", str(size)),
            ("Content-Disposition", 'attachment; filename="demo.bin"'),
            ("X-Content-SHA256", digest))
        response.send_headers()
        if message.method != "HEAD":
            for data, count in download.body_blocks(size):
                for _ in range(count):
                    # Every write waits for the connection's buffer to drain.
                    response.write(data)
                    await self.writer.drain()
        await response.write_eof()
        self.keep_alive(response.keep_alive())

    async def chat(self, message: RawRequestMessage, payload: StreamReader) -> None:
        ws = accept_websocket(message, self.reader, self.writer,
                              max_msg_size=MAX_CHAT_MESSAGE, close_timeout=GRACE)
        hub = self.state.hub
        hub.join(ws)
        try:
            async for received in ws:
                if received.tp == MSG_TEXT:
                    hub.broadcast(received.data)
                elif received.tp == MSG_BINARY:
                    await ws.send_bytes(received.data)
        finally:
            hub.leave(ws)
            await ws.close()


ROUTES: dict[str, tuple[tuple[str, ...], Handler]] = {
    "/": (("GET", "HEAD"), DemoProtocol.index),
    "/echo": ((), DemoProtocol.echo),
    "/stream": (("GET", "HEAD"), DemoProtocol.stream),
    "/download": (("GET", "HEAD"), DemoProtocol.download),
    "/ws": (("GET",), DemoProtocol.chat),
}


class DemoServer:
    """The listening sockets and the shared state; ``start()``, then ``stop()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8080,
                 unix_path: str | None = None) -> None:
        self.host = host
        self.port = port
        self.unix_path = unix_path
        self.state: DemoState | None = None
        self._servers: list[asyncio.AbstractServer] = []

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        state = self.state = DemoState()
        server = await loop.create_server(lambda: DemoProtocol(state), self.host, self.port)
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]
        if self.unix_path is not None:
            _remove_stale_socket(self.unix_path)
            self._servers.append(
                await loop.create_unix_server(lambda: DemoProtocol(state), self.unix_path))

    async def stop(self) -> None:
        """Shut down (see the module docstring); safe to call twice."""
        servers, self._servers = self._servers, []
        state = self.state
        for server in servers:
            server.close()
        if state is not None:
            await state.hub.close_all(GRACE)
            for protocol in list(state.connections):
                protocol.closing()  # idle ones close now, busy ones after their request
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(GRACE):
                    await state.all_closed.wait()
            for protocol in list(state.connections):
                if protocol.transport is not None:
                    protocol.transport.abort()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(GRACE):
                    await state.all_closed.wait()
        for server in servers:
            await server.wait_closed()
        if self.unix_path is not None and servers:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.unix_path)


def _remove_stale_socket(path: str) -> None:
    """Remove a Unix socket left by an earlier run (nothing else: that is an error)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise FileExistsError(f"{path} exists and is not a socket")
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # nobody listens: stale
            return
    raise OSError(f"something already listens on {path}")

