"""A real server on 127.0.0.1, run in its own thread, for blocking clients.

The tests talk to the server with real clients (curl, ``http.client``, h11,
raw sockets), which block; the server therefore runs its own event loop in
a background thread. ``serve(factory)`` starts one and stops it at the end
of the test: listener closed, every connection closed, every connection
task finished, loop closed, so nothing leaks into the next test.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

import pytest

from aiohttp.server import ServerHttpProtocol

_T = TypeVar("_T")

#: Hang guard of every blocking client call (never reached when things work).
GUARD = 10.0


class ServerThread:
    """An event loop in a thread running ``loop.create_server(factory)``."""

    def __init__(self, factory: Callable[[], ServerHttpProtocol],
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.factory = factory
        self.ssl_context = ssl_context
        self.protocols: list[ServerHttpProtocol] = []
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready: Future[None] = Future()
        self._clients: list[socket.socket] = []

    def _make(self) -> ServerHttpProtocol:
        protocol = self.factory()
        self.protocols.append(protocol)
        return protocol

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self._server = self.loop.run_until_complete(self.loop.create_server(
                self._make, "127.0.0.1", 0, ssl=self.ssl_context))
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        self.loop.run_forever()

    def start(self) -> ServerThread:
        self._thread.start()
        self._ready.result(GUARD)
        return self

    def call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` in the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(GUARD)

    def call_soon(self, func: Callable[[], _T]) -> _T:
        """Run ``func`` in the server's loop and return its result."""
        async def run() -> _T:
            return func()
        return self.call(run())

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=GUARD)
        self._clients.append(sock)  # closed by stop() if the test did not
        return sock

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for protocol in self.protocols:
            if protocol.transport is not None:
                protocol.transport.close()
        await self._server.wait_closed()
        for _ in range(100):
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            if not tasks and all(p.transport is None for p in self.protocols):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"tasks still running at shutdown: {tasks}")

    def stop(self) -> None:
        for sock in self._clients:
            sock.close()
        try:
            self.call(self._shutdown())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(GUARD)
            self.loop.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., ServerThread]]:
    """``serve(factory, ssl_context=None)`` starts a server, stopped after the test."""
    servers: list[ServerThread] = []

    def start(factory: Callable[[], ServerHttpProtocol],
              ssl_context: ssl.SSLContext | None = None) -> ServerThread:
        server = ServerThread(factory, ssl_context).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
