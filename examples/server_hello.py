"""A "Hello, world!" HTTP server on ``aiohttp.server.ServerHttpProtocol``.

    python examples/server_hello.py [--host 127.0.0.1] [--port 8000]

then ``curl -v http://127.0.0.1:8000/``. Ctrl-C stops it.

The server protocol reads each request of a connection and calls
``handle_request(message, payload)``; the handler writes its answer with
``aiohttp.protocol.Response`` over ``self.writer``. Connections are
kept alive between requests (HTTP/1.1 persistence) for as long as the
client wants and the response allows: a response with a Content-Length
leaves the connection reusable, so curl or a browser can send the next
request on the same socket.
"""

from __future__ import annotations

import asyncio

from _serving import serve, server_arguments
from aiohttp.protocol import RawRequestMessage, Response
from aiohttp.server import ServerHttpProtocol
from aiohttp.streams import StreamReader


class HelloServer(ServerHttpProtocol):
    """Answers every request with ``Hello, world!`` and the path asked for."""

    async def handle_request(self, message: RawRequestMessage, payload: StreamReader) -> None:
        # Read the body even if we do not use it: the next request on this
        # keep-alive connection starts right after it.
        await payload.read()
        body = f"Hello, world! You asked for {message.path}\n".encode()
        # http_version=message.version answers an HTTP/1.0 client in HTTP/1.0.
        response = Response(self.writer, 200, http_version=message.version,
                            request_method=message.method)
        response.add_header("Content-Type", "text/plain; charset=utf-8")
        # A known length keeps the connection alive after the response.
        response.add_header("Content-Length", str(len(body)))
        response.send_headers()
        response.write(body)
        await response.write_eof()


def main() -> None:
    args = server_arguments(__doc__.splitlines()[0] if __doc__ else "")
    asyncio.run(serve(HelloServer, args.host, args.port))


if __name__ == "__main__":
    main()
