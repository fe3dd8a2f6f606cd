"""The ceiling of ``bench/bench_server.py``: a bare asyncio Protocol that answers
every request head with a fixed response (no parsing, no routing).

Usage: ``python server_raw.py PORT``. Only meaningful for the hello-world
workload (it counts blank lines, so it cannot skip a body).
"""

from __future__ import annotations

import asyncio
import signal
import sys

RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
            b"Hello, World!")


class Fixed(asyncio.Protocol):
    transport: asyncio.Transport

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(RESPONSE * data.count(b"\r\n\r\n"))


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Fixed, "127.0.0.1", port, backlog=2048)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
