"""A WSGI server on ``ServerHttpProtocol``: ``aiohttp.wsgi`` of aiohttp 0.9.

``WSGIServerHttpProtocol(app)`` runs a PEP 3333 application for every
request, in the event loop's thread (as 0.9 did: an application that blocks
blocks the loop; run several processes with ``aiohttp.worker`` to scale).
It keeps 0.9's asynchronous extension: an application may return an
awaitable, and the iterable it returns may yield awaitables; both are
awaited.

Fixed against 0.9 (section 15 row 17 of the behaviour reference):

* a request header cannot set ``SCRIPT_NAME``; header names containing
  ``_`` are dropped, as gunicorn and nginx do, so ``X_Forwarded_For``
  cannot pass for ``X-Forwarded-For`` (both would be
  ``HTTP_X_FORWARDED_FOR``);
* ``REMOTE_ADDR``/``REMOTE_PORT`` come from the socket's peer;
* ``PATH_INFO`` is the percent-decoded path as bytes, decoded as latin-1
  (PEP 3333), so the application can re-decode it as UTF-8;
* ``readpayload=True`` buffers the body into a ``BytesIO`` only up to
  ``readpayload_limit`` bytes (1 MiB by default; 413 beyond);
* ``wsgi.file_wrapper`` sends regular files with ``loop.sendfile``
  (``os.sendfile`` on plain TCP; asyncio falls back to reads elsewhere).

``wsgi.input`` with the default ``readpayload=False`` is 0.9's: the
connection's ``StreamReader``, read with ``await environ['wsgi.input'].read()``.
That is not PEP 3333 (whose ``read()`` is synchronous): use
``readpayload=True`` for ordinary WSGI applications (Flask, Django...); the
gunicorn worker does.
"""

from __future__ import annotations

import asyncio
import http
import io
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from . import errors
from .protocol import RawRequestMessage, Response
from .server import ServerHttpProtocol
from .streams import StreamReader

__all__ = ["WSGIServerHttpProtocol"]

#: Default cap of a body buffered for ``readpayload=True``.
DEFAULT_READPAYLOAD_LIMIT = 2**20

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]

# "200 OK" -> (200, None) when the reason is the standard one (Response
# then uses its prebuilt status line), else (code, reason).
_STATUS_CACHE: dict[str, tuple[int, str | None]] = {}
_REASONS = {status.value: status.phrase for status in http.HTTPStatus}


def _parse_status(status: str) -> tuple[int, str | None]:
    cached = _STATUS_CACHE.get(status)
    if cached is not None:
        return cached
    if not isinstance(status, str):
        raise TypeError(f"status must be a str, not {type(status).__name__}")
    code_text, _, reason = status.partition(" ")
    if len(code_text) != 3 or not code_text.isdigit():
        raise ValueError(f"invalid WSGI status {status!r}")
    code = int(code_text)
    result = (code, None if _REASONS.get(code) == reason else reason)
    if len(_STATUS_CACHE) < 256:
        _STATUS_CACHE[status] = result
    return result


class FileWrapper:
    """``wsgi.file_wrapper``: a file to send as the response body.

    Iterating reads ``chunk_size`` blocks; the server sends a regular file
    it finds here with ``loop.sendfile`` instead.
    """

    def __init__(self, fobj: Any, chunk_size: int = 8192) -> None:
        self.fobj = fobj
        self.chunk_size = chunk_size
        if hasattr(fobj, "close"):
            self.close = fobj.close

    def __iter__(self) -> Iterator[bytes]:
        read = self.fobj.read
        size = self.chunk_size
        while True:
            data = read(size)
            if not data:
                return
            yield data


class WsgiResponse:
    """The ``start_response`` of one request, and the ``Response`` it creates."""

    def __init__(self, writer: Any, message: RawRequestMessage) -> None:
        self.writer = writer
        self.message = message
        self.status: str | None = None
        self.response: Response | None = None

    def start_response(self, status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], Awaitable[None]]:
        if exc_info is not None:
            try:
                if self.response is not None and self.response.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.response is not None:
            raise RuntimeError("start_response() called twice without exc_info")
        code, reason = _parse_status(status)
        message = self.message
        response = Response(self.writer, code, message.version, message.should_close,
                            reason=reason, request_method=message.method)
        response.add_headers(*headers)
        self.status = status
        self.response = response
        if code == 101 and response.upgrade:
            response.send_headers()
        return response.write


class WSGIServerHttpProtocol(ServerHttpProtocol):
    """Runs the WSGI application ``app`` for each request (see the module docstring).

    ``readpayload``: give the application the whole body as a ``BytesIO``
    (PEP 3333) instead of the asynchronous reader. ``is_ssl``: the
    connection is TLS (``wsgi.url_scheme`` is ``https``; also detected from
    the transport). Other keywords go to ``ServerHttpProtocol``.
    """

    SCRIPT_NAME = os.environ.get("SCRIPT_NAME", "")

    def __init__(self, app: WSGIApp, readpayload: bool = False, is_ssl: bool = False,
                 *args: Any, readpayload_limit: int = DEFAULT_READPAYLOAD_LIMIT,
                 **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.wsgi = app
        self.is_ssl = is_ssl
        self.readpayload = readpayload
        self.readpayload_limit = readpayload_limit
        self._base_environ: dict[str, Any] | None = None

    def _connection_environ(self) -> dict[str, Any]:
        """The environ entries that are the same for every request of the connection."""
        base = self._base_environ
        if base is not None:
            return base
        transport = self.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        sock = transport.get_extra_info("sockname") if transport is not None else None
        is_ssl = self.is_ssl or (transport is not None
                                 and transport.get_extra_info("sslcontext") is not None)
        scheme = "https" if is_ssl else "http"
        if isinstance(peer, tuple) and len(peer) >= 2:
            remote_addr, remote_port = str(peer[0]), str(peer[1])
        else:  # a Unix socket
            remote_addr, remote_port = "", ""
        if isinstance(sock, tuple) and len(sock) >= 2:
            server_name, server_port = str(sock[0]), str(sock[1])
        else:
            server_name, server_port = "localhost", "443" if is_ssl else "80"
        base = self._base_environ = {
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.async": True,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.file_wrapper": FileWrapper,
            "wsgi.url_scheme": scheme,
            "SERVER_SOFTWARE": Response.SERVER_SOFTWARE,
            "REMOTE_ADDR": remote_addr,
            "REMOTE_PORT": remote_port,
            "SERVER_NAME": server_name,
            "SERVER_PORT": server_port,
        }
        return base

    def create_wsgi_environ(self, message: RawRequestMessage,
                            payload: Any) -> dict[str, Any]:
        """The PEP 3333 environ of a request."""
        environ = self._connection_environ().copy()
        target = message.path
        if target[0] != "/" and "://" in target:  # absolute-form: keep the path
            rest = target.partition("://")[2]
            slash = rest.find("/")
            target = rest[slash:] if slash >= 0 else "/"
        path, _, query = target.partition("?")
        environ["wsgi.input"] = payload
        environ["REQUEST_METHOD"] = message.method
        environ["QUERY_STRING"] = query
        environ["RAW_URI"] = message.path
        environ["SERVER_PROTOCOL"] = f"HTTP/{message.version[0]}.{message.version[1]}"
        for name, value in message.headers.items():
            if "_" in name:
                continue  # X_Foo would pass for X-Foo: dropped, as gunicorn does
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
                environ[key] = value
                continue
            key = "HTTP_" + key
            if key in environ:
                separator = "; " if key == "HTTP_COOKIE" else ","
                environ[key] = environ[key] + separator + value
            else:
                environ[key] = value
        host = environ.get("HTTP_HOST")
        if host:
            if host.startswith("["):  # an IPv6 literal
                name, _, port = host[1:].partition("]")
                port = port[1:]
            else:
                name, _, port = host.rpartition(":") if ":" in host else (host, "", "")
            environ["SERVER_NAME"] = name
            if port:
                environ["SERVER_PORT"] = port
            else:
                environ["SERVER_PORT"] = "443" if environ["wsgi.url_scheme"] == "https" else "80"
        # PEP 3333: PATH_INFO is the decoded bytes as latin-1.
        path_info = (unquote_to_bytes(path).decode("latin-1") if "%" in path else path)
        script_name = self.SCRIPT_NAME
        if script_name and (path_info == script_name
                            or path_info.startswith(script_name.rstrip("/") + "/")):
            path_info = path_info[len(script_name.rstrip("/")):]
        environ["SCRIPT_NAME"] = script_name
        environ["PATH_INFO"] = path_info
        environ["async.reader"] = self.reader
        environ["async.writer"] = self.writer
        return environ

    def create_wsgi_response(self, message: RawRequestMessage) -> WsgiResponse:
        return WsgiResponse(self.writer, message)

    async def _read_whole_body(self, message: RawRequestMessage,
                               payload: StreamReader) -> io.BytesIO:
        limit = self.readpayload_limit
        length = message.headers.get("Content-Length")
        if length is not None and int(length) > limit:
            raise errors.PayloadTooLarge("the request body", limit)
        body = bytearray()
        while True:
            chunk = await payload.readany()
            if not chunk:
                break
            body += chunk
            if len(body) > limit:
                raise errors.PayloadTooLarge("the request body", limit)
        return io.BytesIO(bytes(body))

    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        """Run the application for one request and write what it returns."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        wsgi_input: Any = payload
        if self.readpayload:
            wsgi_input = await self._read_whole_body(message, payload)
        environ = self.create_wsgi_environ(message, wsgi_input)
        wsgi_response = self.create_wsgi_response(message)
        result: Any = self.wsgi(environ, wsgi_response.start_response)
        try:
            if hasattr(result, "__await__"):
                result = await result
            response = wsgi_response.response
            if (type(result) is FileWrapper and response is not None
                    and not response.headers_sent):
                await self._send_file(response, result)
            else:
                for item in result:
                    if hasattr(item, "__await__"):
                        item = await item
                    if item:
                        response = wsgi_response.response
                        if response is None:
                            raise RuntimeError("the application returned data "
                                               "before calling start_response()")
                        await response.write(item)
                response = wsgi_response.response
                if response is None:
                    raise RuntimeError("the application never called start_response()")
                await response.write_eof()
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self.keep_alive(response.keep_alive() and not response.upgrade)
        if self._access_log_enabled:
            self.log_access(message, environ, response, loop.time() - now)

    async def _send_file(self, response: Response, wrapper: FileWrapper) -> None:
        """Send a ``wsgi.file_wrapper`` body with ``loop.sendfile`` when it is a regular file."""
        fobj = wrapper.fobj
        try:
            fileno = fobj.fileno()
            offset = fobj.tell()
            size = os.fstat(fileno).st_size - offset
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            size = -1
        if size < 0 or response.chunked or response.filter:
            for chunk in wrapper:
                await response.write(chunk)
            await response.write_eof()
            return
        count = size if response.length is None else min(size, response.length)
        if response.length is None:
            response.add_header("Content-Length", str(count))
        response.send_headers()
        writer = self.writer
        transport = self.transport
        if (response.request_method == "HEAD" or response.writer is None
                or count == 0 or transport is None):
            await response.write_eof()
            return
        writer.flush()  # the head goes out first: the file bypasses the writer
        await writer.drain()
        loop = asyncio.get_running_loop()
        sent = await loop.sendfile(transport, fobj, offset, count, fallback=True)
        response.output_length += sent
        if sent < count:
            raise errors.IncompleteRead(b"", count - sent)
