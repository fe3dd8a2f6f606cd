"""Our ``aiohttp.server`` for ``bench/bench_server.py`` (run in the Hatch environment).

Usage: ``python server_ours.py PORT [KEEP_ALIVE]``. Routes: ``GET /`` hello
world, ``GET /big`` 1 MiB, ``POST /upload`` reads the whole body and
answers its length. A ``ServerHttpProtocol`` subclass written the 0.9 way,
access log off (the peers run without one too).
"""

from __future__ import annotations

import asyncio
import resource
import signal
import sys

from aiohttp.protocol import RawRequestMessage, Response
from aiohttp.server import ServerHttpProtocol
from aiohttp.streams import StreamReader

HELLO = b"Hello, World!"
BIG = b"x" * 2**20


class Bench(ServerHttpProtocol):
    async def handle_request(self, message: RawRequestMessage, payload: StreamReader) -> None:
        path = message.path
        if path == "/upload":
            size = 0
            while chunk := await payload.readany():
                size += len(chunk)
            body = str(size).encode()
        elif path == "/big":
            body = BIG
        else:
            body = HELLO
        response = Response(self.writer, 200, http_version=message.version)
        response.add_header("Content-Type", "text/plain")
        response.add_header("Content-Length", str(len(body)))
        response.send_headers()
        response.write(body)
        await response.write_eof()


async def main(port: int, keep_alive: float) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Bench(access_log=None, keep_alive=keep_alive),
                                      "127.0.0.1", port, backlog=2048)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 5.0))
