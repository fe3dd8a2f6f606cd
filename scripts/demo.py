"""The project's demo: what works today, shown over a real socket.

For now the toolkit's lowest layer (aiohttp-streams) is what exists, so the
demo runs a small line-based echo service on 127.0.0.1 built from it: the
server reads lines through ``StreamParser`` + ``LinesParser`` and answers
through the ``StreamWriter`` with backpressure; the client does the same from
the other end. The demo grows into the full HTTP/WebSocket demo as the other
packages land.

    hatch run demo [--port N] [--lines N] [--serve]

With ``--serve`` the echo server stays up after the demo until Ctrl-C, for
``nc 127.0.0.1 PORT`` or any other line-based client.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import time

from aiohttp.parsers import LinesParser, StreamProtocol
from aiohttp.streams import EofStream

COMPONENTS = {
    "aiohttp-streams": ["aiohttp.streams", "aiohttp.parsers", "aiohttp.errors", "aiohttp.log"],
    "aiohttp-protocol": ["aiohttp.protocol", "aiohttp.helpers"],
    "aiohttp-client": ["aiohttp.client", "aiohttp.connector"],
    "aiohttp-server": ["aiohttp.server", "aiohttp.wsgi", "aiohttp.worker"],
    "aiohttp-websocket": ["aiohttp.websocket"],
}


class EchoServer(StreamProtocol):
    """Answers every line with the same line, upper-cased."""

    #: Open connections, closed on shutdown: since Python 3.12 the server's
    #: wait_closed() waits for them.
    live: set[EchoServer] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.live.add(self)
        self._task = asyncio.ensure_future(self._serve())

    def connection_lost(self, exc: BaseException | None) -> None:
        self.live.discard(self)
        super().connection_lost(exc)

    async def _serve(self) -> None:
        lines = self.reader.set_parser(LinesParser())
        assert self.writer is not None
        try:
            while True:
                line: bytes = await lines.read()
                self.writer.write(line.upper())
                await self.writer.drain()
        except (EofStream, ConnectionError):
            pass
        finally:
            self.writer.close()


def print_components() -> None:
    print("Components in this environment:")
    for dist, modules in COMPONENTS.items():
        present = [m for m in modules if importlib.util.find_spec(m) is not None]
        state = "ready" if present == modules else "not implemented yet"
        print(f"  {dist:<18} {', '.join(modules):<55} {state}")


async def run_echo(port: int, count: int, serve: bool) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(EchoServer, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    print(f"\nLine echo server listening on 127.0.0.1:{bound}")

    transport, client = await loop.create_connection(StreamProtocol, "127.0.0.1", bound)
    replies = client.reader.set_parser(LinesParser())
    assert client.writer is not None
    started = time.perf_counter()
    for i in range(count):
        client.writer.write(b"hello %d\n" % i)
    await client.writer.drain()
    first = last = b""
    for i in range(count):
        last = await replies.read()
        first = first or last
    elapsed = time.perf_counter() - started
    print(f"client sent {count} lines and got them back: first {first!r}, last {last!r}")
    print(f"{count / elapsed:,.0f} lines/s round trip through StreamParser + LinesParser")
    transport.close()
    try:
        if serve:
            print(f"still serving: try `nc 127.0.0.1 {bound}` and type a line; Ctrl-C stops")
            await server.serve_forever()
        else:
            print("(run with --serve to keep the server open)")
    finally:
        server.close()
        for proto in list(EchoServer.live):
            if proto.transport is not None:
                proto.transport.close()
        await server.wait_closed()


def main() -> None:
    parser = argparse.ArgumentParser(description="aiohttp toolkit demo")
    parser.add_argument("--port", type=int, default=0, help="port for the echo server (0: any)")
    parser.add_argument("--lines", type=int, default=10000, help="how many lines to echo")
    parser.add_argument("--serve", action="store_true", help="keep serving until Ctrl-C")
    args = parser.parse_args()
    print_components()
    try:
        asyncio.run(run_echo(args.port, args.lines, args.serve))
    except KeyboardInterrupt:
        print("\nstopped")


if __name__ == "__main__":
    main()
