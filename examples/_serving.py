"""What the server examples share: their command line and a clean run until Ctrl-C.

Not an example of its own (the leading underscore says so). Every server
example needs the same three things, written once here:

* ``--host``/``--port`` arguments (``--port 0`` asks the kernel for a free
  port, which is how the tests start them);
* one line, ``serving on http://HOST:PORT/``, printed and flushed once the
  socket listens, so a person or a test knows where to connect;
* a shutdown that leaves nothing behind on SIGINT (Ctrl-C) or SIGTERM: stop
  accepting, let each ``ServerHttpProtocol`` finish its request in flight
  and close its idle keep-alive connection (``closing()``), and wait until
  every connection is really gone before the event loop ends.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import weakref
from collections.abc import Awaitable, Callable

from aiohttp.server import ServerHttpProtocol

#: Hang guard for the shutdown: connections still open after this many
#: seconds (a client that never finishes its request) are aborted.
SHUTDOWN_GUARD = 10.0


def server_arguments(description: str, default_port: int = 8000) -> argparse.Namespace:
    """Parse ``--host`` and ``--port`` (``0``: any free port)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=default_port,
                        help="port to listen on; 0 picks a free one (default %(default)s)")
    return parser.parse_args()


async def serve(factory: Callable[[], ServerHttpProtocol], host: str, port: int, *,
                scheme: str = "http",
                on_shutdown: Callable[[], Awaitable[None]] | None = None) -> None:
    """Serve ``factory``'s protocol on ``host:port`` until SIGINT or SIGTERM.

    ``on_shutdown`` runs after the listener is closed and before the
    connections are asked to finish: the place to end long-lived
    connections (WebSockets) that ``closing()`` cannot end by itself.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    # Weak: a connection that ended by itself is simply forgotten.
    connections: weakref.WeakSet[ServerHttpProtocol] = weakref.WeakSet()

    def tracked() -> ServerHttpProtocol:
        protocol = factory()
        connections.add(protocol)
        return protocol

    server = await loop.create_server(tracked, host, port)
    bound_port = server.sockets[0].getsockname()[1]
    print(f"serving on {scheme}://{host}:{bound_port}/", flush=True)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        print("shutting down", flush=True)
        server.close()
        if on_shutdown is not None:
            await on_shutdown()
        await _close_connections(list(connections))
        await server.wait_closed()


async def _close_connections(protocols: list[ServerHttpProtocol]) -> None:
    """Ask every connection to finish, then wait until each is lost."""
    for protocol in protocols:
        protocol.closing()  # an idle one closes now, a busy one after its response
    waits = [protocol.writer.wait_closed() for protocol in protocols
             if protocol.transport is not None]
    if not waits:
        return
    try:
        async with asyncio.timeout(SHUTDOWN_GUARD):
            await asyncio.gather(*waits)
    except TimeoutError:
        for protocol in protocols:
            if protocol.transport is not None:
                protocol.transport.abort()
