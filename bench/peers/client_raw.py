"""bench_client.py's ceiling: a bare asyncio Protocol that writes a fixed GET and
counts the response by its Content-Length (no header parsing beyond that, no
decoding; chunked responses are not supported). One connection per worker,
kept alive, created on first use."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any
from urllib.parse import urlsplit

# The harness sits beside this script (its directory is on sys.path when run).
harness: Any = importlib.import_module("client_harness")
Fetch = Any


class RawClient(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[int] | None = None
        self.pieces: list[bytes] = []
        self.remaining = -1
        self.size = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.remaining < 0:
            self.buffer += data
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            start = head.index(b"content-length:") + 15
            stop = head.find(b"\r\n", start)
            self.size = int(head[start:stop if stop >= 0 else len(head)])
            data = bytes(self.buffer[end + 4:])
            self.buffer.clear()
            self.remaining = self.size
        self.pieces.append(data)
        self.remaining -= len(data)
        if self.remaining <= 0:
            body = b"".join(self.pieces)  # what a client hands its caller
            self.pieces.clear()
            self.remaining = -1
            waiter, self.waiter = self.waiter, None
            if waiter is not None:
                waiter.set_result(len(body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("lost"))


async def make_fetch(url: str) -> tuple[Fetch, Any]:
    parts = urlsplit(url)
    request = (f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
               f"Accept: */*\r\n\r\n").encode()
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    idle: list[RawClient] = []
    every: list[RawClient] = []

    async def fetch() -> int:
        if idle:
            client = idle.pop()
        else:
            _, client = await loop.create_connection(RawClient, host, port)
            every.append(client)
        client.waiter = loop.create_future()
        assert client.transport is not None
        client.transport.write(request)
        size = await client.waiter
        idle.append(client)
        return size

    async def close() -> None:
        for client in every:
            if client.transport is not None:
                client.transport.close()
    return fetch, close


if __name__ == "__main__":
    harness.main(make_fetch)
