"""gunicorn workers running ``WSGIServerHttpProtocol``: ``aiohttp.worker`` of aiohttp 0.9.

``gunicorn -w 4 -k aiohttp.worker.AsyncGunicornWorker module:app`` runs a
WSGI application in four processes, each serving its connections on an
asyncio loop. Needs gunicorn (``pip install aiohttp-server[gunicorn]``).

What the worker does for current gunicorn (section 13 and row 23 of section
15 of the behaviour reference):

* **signals through the event loop** (``loop.add_signal_handler``): TERM
  (and HUP, which the arbiter turns into TERM for old workers) is a
  graceful stop; INT and QUIT a quick one; USR1 reopens the log files;
* **graceful stop**: listeners close at once, idle keep-alive connections
  are closed, requests in flight may finish; whatever is still open after
  ``graceful_timeout`` seconds is closed;
* **max_requests** (with gunicorn's jitter): the worker stops gracefully
  after that many requests and the arbiter starts a fresh one;
* **TLS** when gunicorn has ``certfile``/``keyfile`` (gunicorn's own
  ``ssl_context``, so ``ssl_context`` hooks apply); ``wsgi.url_scheme`` is
  then ``https``;
* gunicorn's **access log** (``--access-logfile``) with gunicorn's
  ``access_log_format``: its atoms are those of ``aiohttp.server``;
* ``keepalive`` seconds from gunicorn; the WSGI body is buffered
  (``readpayload=True``, ``WSGIServerHttpProtocol.readpayload_limit``) so
  ordinary PEP 3333 applications can read it; no ``cfg.debug`` (gone from
  gunicorn): error pages never show tracebacks.

``PortMapperWorker`` serves several applications: the loaded application is
a mapping ``{port: wsgi_app}`` and each listener gets the one for its port.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import socket
import ssl
import sys
from types import FrameType
from typing import Any

from gunicorn import sock as gunicorn_sock
from gunicorn.workers import base

from .protocol import RawRequestMessage
from .streams import StreamReader
from .wsgi import WSGIServerHttpProtocol

__all__ = ["AsyncGunicornWorker", "PortMapperWorker"]

#: How often the worker tells the arbiter it is alive (gunicorn kills a
#: worker silent for ``timeout`` seconds).
HEARTBEAT = 1.0


class WorkerProtocol(WSGIServerHttpProtocol):
    """``WSGIServerHttpProtocol`` that reports its connections and requests to a worker."""

    def __init__(self, worker: AsyncGunicornWorker, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.worker = worker

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.worker.connections[id(self)] = self
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.worker.connections.pop(id(self), None)
        super().connection_lost(exc)

    async def handle_request(self, message: RawRequestMessage, payload: StreamReader) -> None:
        self.worker.request_started()
        await super().handle_request(message, payload)


class AsyncGunicornWorker(base.Worker):  # type: ignore[misc]
    """A gunicorn worker serving WSGI over asyncio (see the module docstring)."""

    #: Buffer request bodies for the application (PEP 3333 ``wsgi.input``).
    readpayload = True

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.servers: list[asyncio.Server] = []
        self.connections: dict[int, WorkerProtocol] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.exit_code = 0
        self._wakeup: asyncio.Event | None = None
        self._quick = False

    # -- process set-up ------------------------------------------------------------

    def init_process(self) -> None:
        # A fresh loop for this process: nothing of the arbiter's may be reused.
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        super().init_process()  # ends by calling run()

    def init_signals(self) -> None:
        """Signals are handled by the loop, not by interrupting it."""
        assert self.loop is not None
        for sig in self.SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        loop = self.loop
        loop.add_signal_handler(signal.SIGTERM, self._graceful_stop, signal.SIGTERM)
        loop.add_signal_handler(signal.SIGHUP, self._graceful_stop, signal.SIGHUP)
        loop.add_signal_handler(signal.SIGQUIT, self._quick_stop, signal.SIGQUIT)
        loop.add_signal_handler(signal.SIGINT, self._quick_stop, signal.SIGINT)
        loop.add_signal_handler(signal.SIGABRT, self._abort)
        loop.add_signal_handler(signal.SIGUSR1, self.log.reopen_files)
        loop.add_signal_handler(signal.SIGWINCH, lambda: None)  # as gunicorn's workers do
        signal.siginterrupt(signal.SIGTERM, False)
        signal.siginterrupt(signal.SIGUSR1, False)

    def handle_quit(self, sig: int, frame: FrameType | None) -> None:
        self._quick_stop(sig)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._graceful_stop(sig)

    def _graceful_stop(self, sig: int) -> None:
        self.alive = False
        self._wake()

    def _quick_stop(self, sig: int) -> None:
        self.alive = False
        self._quick = True
        self.cfg.worker_int(self)
        self._wake()

    def _abort(self) -> None:
        self.alive = False
        self.cfg.worker_abort(self)
        sys.exit(1)

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def request_started(self) -> None:
        """Count a request; at ``max_requests`` the worker stops gracefully."""
        self.nr += 1
        if self.nr >= self.max_requests and self.alive:
            self.log.info("Autorestarting worker after current request.")
            self.alive = False
            self._stop_accepting()  # at once: the next connections go to another worker
            self._wake()

    # -- serving -------------------------------------------------------------------

    def run(self) -> None:
        assert self.loop is not None
        try:
            self.loop.run_until_complete(self._run())
        finally:
            self.loop.close()
        sys.exit(self.exit_code)

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.cfg.is_ssl:
            return None
        return gunicorn_sock.ssl_context(self.cfg)  # type: ignore[no-any-return]

    def factory(self, wsgi: Any, host: str, port: int | str) -> WSGIServerHttpProtocol:
        """The protocol of one connection to ``wsgi`` (listening on host:port)."""
        cfg = self.cfg
        return WorkerProtocol(
            self, wsgi, readpayload=self.readpayload, is_ssl=cfg.is_ssl,
            keep_alive=cfg.keepalive, log=self.log,
            access_log=self.log.access_log if cfg.accesslog else None,
            access_log_format=cfg.access_log_format,
            max_line_size=cfg.limit_request_line or 8190,
            max_field_size=cfg.limit_request_field_size or 8190,
            max_header_count=cfg.limit_request_fields or 100)

    def app_for(self, port: int | str) -> Any:
        """The WSGI application a listener on ``port`` serves."""
        return self.wsgi

    def get_factory(self, sock: Any, host: str, port: int | str) -> Any:
        return functools.partial(self.factory, self.app_for(port), host, port)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        context = self.ssl_context()
        for listener in self.sockets:
            raw: socket.socket = getattr(listener, "sock", listener)
            name = raw.getsockname()
            host, port = (name[0], name[1]) if isinstance(name, tuple) else (str(name), "")
            server = await loop.create_server(self.get_factory(raw, host, port), sock=raw,
                                              ssl=context, backlog=self.cfg.backlog)
            self.servers.append(server)
        pid = os.getpid()
        try:
            while self.alive:
                self.notify()
                if pid == os.getpid() and self.ppid != os.getppid():
                    self.log.info("Parent changed, shutting down: %s", self)
                    self.alive = False
                    break
                try:
                    await asyncio.wait_for(self._wakeup.wait(), HEARTBEAT)
                except TimeoutError:
                    pass
        finally:
            await self.close()

    def _stop_accepting(self) -> None:
        """Accept no more connections, without closing the listeners yet.

        A connection accepted just before must still get its transport, and
        asyncio refuses to attach one to a closed ``Server`` (it closes the
        socket: the client sees a reset). So the listening sockets are only
        taken off the loop here; ``close()`` closes them once the
        connections accepted by then are set up.
        """
        assert self.loop is not None
        for server in self.servers:
            for sock in server.sockets:
                self.loop.remove_reader(sock.fileno())

    async def close(self) -> None:
        """Stop listening, let requests in flight finish, then close what is left."""
        loop = asyncio.get_running_loop()
        self._stop_accepting()
        await asyncio.sleep(0.05)  # connections accepted just before get their protocol
        deadline = loop.time() + (0 if self._quick else self.cfg.graceful_timeout)
        while loop.time() < deadline:
            for protocol in list(self.connections.values()):
                if not protocol._closing:
                    protocol.closing()
            if not self.connections:
                # A connection accepted just before the listener closed may
                # not have its protocol yet: look once more before leaving.
                await asyncio.sleep(0.05)
                if not self.connections:
                    break
                continue
            self.notify()
            await asyncio.sleep(0.05)
        for protocol in list(self.connections.values()):
            if protocol.transport is not None:
                protocol.transport.abort()
        for _ in range(3):  # let connection_lost run and the cancelled tasks end
            await asyncio.sleep(0)
        for server in self.servers:
            server.close()
        for server in self.servers:
            await server.wait_closed()
        await self.close_apps()

    async def close_apps(self) -> None:
        close = getattr(self.wsgi, "close", None)
        if close is not None:
            result = close()
            if hasattr(result, "__await__"):
                await result


class PortMapperWorker(AsyncGunicornWorker):
    """Serves ``{port: wsgi_app}``: each listener the application of its port."""

    def app_for(self, port: int | str) -> Any:
        apps = self.wsgi
        if not isinstance(apps, dict):
            raise TypeError("PortMapperWorker needs a dict {port: wsgi_app} as application")
        app = apps.get(port, apps.get(str(port)))
        if app is None:
            try:
                app = apps.get(int(port))
            except ValueError:
                app = None
        if app is None:
            raise KeyError(f"no application for port {port}")
        return app

    async def close_apps(self) -> None:
        for app in self.wsgi.values():
            close = getattr(app, "close", None)
            if close is not None:
                result = close()
                if hasattr(result, "__await__"):
                    await result
