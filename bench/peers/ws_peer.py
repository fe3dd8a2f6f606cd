"""Echo servers and clients of ``bench/bench_websocket.py``, one per implementation.

Run by the driver with the interpreter of each implementation (ours: the
Hatch environment; ``websockets`` and ``aiohttp3``: their venvs under
``bench/.venvs``; ``raw``: any Python)::

    python bench/peers/ws_peer.py server --impl ours
    python bench/peers/ws_peer.py client --impl ours --port N --case rtt16 --count 5000

A server prints ``READY <port>`` and then answers each ``cpu`` line on stdin
with its process CPU seconds; it exits at EOF. A client connects, runs the
case once untimed (warm-up), then ``--repeat`` times timed, and prints one
JSON line: the wall seconds of each repetition and its own CPU seconds.

Every implementation echoes binary messages, without compression:

* ``ours``: ``aiohttp.server.ServerHttpProtocol`` + ``accept_websocket``;
  ``aiohttp.websocket_client.ws_connect``.
* ``websockets``: ``websockets.asyncio.server.serve`` / ``client.connect``.
* ``aiohttp3``: ``web.WebSocketResponse`` / ``ClientSession.ws_connect``
  (C extensions where installed).
* ``raw``: the ceiling, no WebSocket library, in the same programming
  model (a task per connection on asyncio streams): the client writes a
  prebuilt masked frame and ``readexactly()`` the echo; the server
  ``readexactly()`` each client frame (it knows their size) and writes a
  prebuilt server frame. No handshake, no parsing.
* ``rawproto``: the same with callbacks (``asyncio.Protocol``), no task
  switch at all: the floor of what asyncio itself costs per message.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import struct
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

CASES = {"rtt16": 16, "rtt64k": 65536, "pipe16": 16}
PIPELINE = 1000


def frame(payload: bytes, mask: bytes | None) -> bytes:
    """A final binary frame (RFC 6455 section 5.2), masked if ``mask``."""
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", 0x82, bit | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x82, bit | 126, n)
    else:
        head = struct.pack("!BBQ", 0x82, bit | 127, n)
    if not mask:
        return head + payload
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


# -- servers ------------------------------------------------------------------------


async def serve_ours() -> Any:
    server_mod: Any = importlib.import_module("aiohttp.server")
    websocket: Any = importlib.import_module("aiohttp.websocket")

    class Echo(server_mod.ServerHttpProtocol):  # type: ignore[misc]
        async def handle_request(self, message: Any, payload: Any) -> None:
            ws = websocket.accept_websocket(message, self.reader, self.writer, compress=False)
            send = ws.send_bytes
            async for msg in ws:
                send(msg.data)
            await ws.close()

    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: Echo(loop=loop, access_log=None), "127.0.0.1", 0)


async def serve_websockets() -> Any:
    server: Any = importlib.import_module("websockets.asyncio.server")

    async def echo(ws: Any) -> None:
        async for message in ws:
            await ws.send(message)

    return await server.serve(echo, "127.0.0.1", 0, compression=None, max_size=None)


async def serve_aiohttp3() -> Any:
    web: Any = importlib.import_module("aiohttp.web")

    async def handler(request: Any) -> Any:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0)
        await ws.prepare(request)
        async for msg in ws:
            await ws.send_bytes(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return site._server


class RawEcho(asyncio.Protocol):
    """Answers every complete client frame with the prebuilt server frame.

    The sizes come from the first two bytes of the connection: the client
    sends its payload size first.
    """

    transport: Any = None

    def __init__(self) -> None:
        self.buffer = b""
        self.in_size = 0
        self.reply = b""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        if not self.in_size:
            if len(buffer) < 4:
                self.buffer = buffer
                return
            size = int.from_bytes(buffer[:4], "big")
            buffer = buffer[4:]
            self.in_size = len(frame(b"x" * size, b"\x01\x02\x03\x04"))
            self.reply = frame(b"x" * size, None)
        count, rest = divmod(len(buffer), self.in_size)
        self.buffer = buffer[len(buffer) - rest:] if rest else b""
        if count:
            self.transport.write(self.reply * count)


async def serve_rawproto() -> Any:
    return await asyncio.get_running_loop().create_server(RawEcho, "127.0.0.1", 0)


async def serve_raw() -> Any:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        size = int.from_bytes(await reader.readexactly(4), "big")
        in_size = len(frame(b"x" * size, b"\x01\x02\x03\x04"))
        reply = frame(b"x" * size, None)
        try:
            while True:
                await reader.readexactly(in_size)
                writer.write(reply)
        except asyncio.IncompleteReadError:
            writer.close()

    return await asyncio.start_server(echo, "127.0.0.1", 0, limit=2**20)


SERVERS: dict[str, Callable[[], Awaitable[Any]]] = {
    "ours": serve_ours, "websockets": serve_websockets, "aiohttp3": serve_aiohttp3,
    "raw": serve_raw, "rawproto": serve_rawproto,
}


async def run_server(impl: str) -> None:
    server = await SERVERS[impl]()
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        if line.strip() == b"cpu":
            print(json.dumps({"cpu": time.process_time()}), flush=True)
    server.close()


# -- clients --------------------------------------------------------------------------
#
# Each returns (send, receive): send(payload) queues one message, receive()
# waits for one echoed message.

Client = tuple[Callable[[bytes], Any], Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]


async def client_ours(port: int) -> Client:
    client: Any = importlib.import_module("aiohttp.websocket_client")
    ws = await client.ws_connect(f"ws://127.0.0.1:{port}/", compress=False, max_msg_size=0)

    async def receive() -> Any:
        return (await ws.receive()).data

    return ws.send_bytes, receive, ws.close


async def client_websockets(port: int) -> Client:
    client: Any = importlib.import_module("websockets.asyncio.client")
    ws = await client.connect(f"ws://127.0.0.1:{port}/", compression=None, max_size=None)
    return ws.send, ws.recv, ws.close


async def client_aiohttp3(port: int) -> Client:
    aiohttp: Any = importlib.import_module("aiohttp")
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(f"ws://127.0.0.1:{port}/", compress=0, max_msg_size=0,
                                  autoping=True)

    async def receive() -> Any:
        return (await ws.receive()).data

    async def close() -> None:
        await ws.close()
        await session.close()

    return ws.send_bytes, receive, close


async def client_raw(port: int, size: int) -> Client:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    out_frame = frame(b"x" * size, os.urandom(4))
    in_size = len(frame(b"x" * size, None))
    writer.write(size.to_bytes(4, "big"))

    def send(_: bytes) -> None:
        writer.write(out_frame)

    async def receive() -> None:
        await reader.readexactly(in_size)

    async def close() -> None:
        writer.close()
        await writer.wait_closed()

    return send, receive, close


async def client_rawproto(port: int, size: int) -> Client:
    loop = asyncio.get_running_loop()
    out_frame = frame(b"x" * size, os.urandom(4))
    in_size = len(frame(b"x" * size, None))

    class Counter(asyncio.Protocol):
        def __init__(self) -> None:
            self.pending = 0
            self.waiter: asyncio.Future[None] | None = None

        def data_received(self, data: bytes) -> None:
            self.pending += len(data)
            if self.waiter is not None and self.pending >= in_size:
                self.waiter.set_result(None)
                self.waiter = None

    transport, protocol = await loop.create_connection(Counter, "127.0.0.1", port)
    transport.write(size.to_bytes(4, "big"))

    def send(_: bytes) -> None:
        transport.write(out_frame)

    async def receive() -> None:
        while protocol.pending < in_size:
            protocol.waiter = loop.create_future()
            await protocol.waiter
        protocol.pending -= in_size

    async def close() -> None:
        transport.close()

    return send, receive, close


async def run_client(impl: str, port: int, case: str, count: int, repeat: int) -> None:
    size = CASES[case]
    if impl == "raw":
        send, receive, close = await client_raw(port, size)
    elif impl == "rawproto":
        send, receive, close = await client_rawproto(port, size)
    else:
        factory = {"ours": client_ours, "websockets": client_websockets,
                   "aiohttp3": client_aiohttp3}[impl]
        send, receive, close = await factory(port)
    payload = os.urandom(size)
    is_async = asyncio.iscoroutinefunction(send)

    async def once() -> None:
        if case == "pipe16":
            for _ in range(count):
                for _ in range(PIPELINE):
                    sent = send(payload)
                    if is_async:
                        await sent
                for _ in range(PIPELINE):
                    await receive()
        else:
            for _ in range(count):
                sent = send(payload)
                if is_async:
                    await sent
                await receive()

    await once()  # warm-up, and a check that the echo works
    walls = []
    cpu0 = time.process_time()
    for _ in range(repeat):
        start = time.perf_counter()
        await once()
        walls.append(time.perf_counter() - start)
    cpu = time.process_time() - cpu0
    await close()
    print(json.dumps({"walls": walls, "cpu": cpu}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["server", "client"])
    parser.add_argument("--impl", choices=sorted(SERVERS), required=True)
    parser.add_argument("--port", type=int)
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.role == "server":
        asyncio.run(run_server(args.impl))
    else:
        asyncio.run(run_client(args.impl, args.port, args.case, args.count, args.repeat))


if __name__ == "__main__":
    main()
