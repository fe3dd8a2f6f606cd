"""WebSockets served by aiohttp.server's ServerHttpProtocol, with the websockets client.

Two handlers: the modern one (``accept_websocket`` and the connection
object) and the 0.9 one (``do_handshake``, ``Response(101)``,
``reader.set_parser(parser)`` and a read loop).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.protocol import RawRequestMessage, Response
from aiohttp.server import ServerHttpProtocol
from aiohttp.streams import StreamReader
from aiohttp.websocket import (
    MSG_BINARY,
    MSG_TEXT,
    accept_websocket,
)
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.typing import Subprotocol
from ws_servers import echo_the_09_way

MiB = 1024 * 1024
COMPRESSION = pytest.mark.parametrize("compression", ["deflate", None])


class EchoServer(ServerHttpProtocol):
    """Echoes over the connection object; "close:<code>" closes with that code."""

    options: dict[str, Any] = {}

    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        assert self.writer is not None
        if message.path == "/plain":
            response = Response(self.writer, 200, request_method=message.method)
            response.add_headers(("Content-Length", "2"))
            response.send_headers()
            response.write(b"ok")
            await response.write_eof()
            return
        ws = accept_websocket(message, self.reader, self.writer, **self.options)
        async for msg in ws:
            if msg.tp == MSG_TEXT:
                if msg.data.startswith("close:"):
                    await ws.close(int(msg.data[6:]), "as asked")
                    return
                if msg.data == "fragments":
                    ws.send_fragments(["fr", "ag", "ments"])
                    continue
                ws.send_str(msg.data)
            elif msg.tp == MSG_BINARY:
                ws.send_bytes(msg.data)
        await ws.close()


class OldStyleServer(ServerHttpProtocol):
    """The 0.9 example server (examples/wssrv.py), unchanged but for await."""

    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        assert self.transport is not None and self.writer is not None
        await echo_the_09_way(message, self.reader, self.writer, self.transport)


@asynccontextmanager
async def running(protocol: type[ServerHttpProtocol], **options: Any) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    made: list[ServerHttpProtocol] = []

    def factory() -> ServerHttpProtocol:
        server = protocol(loop=loop)
        if options:
            server.options = options  # type: ignore[attr-defined]
        made.append(server)
        return server

    server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.close()
        await server.wait_closed()
        for proto in made:
            if proto.transport is not None:
                proto.transport.close()
        await asyncio.sleep(0.01)


@COMPRESSION
async def test_echo_through_the_server(compression: str | None) -> None:
    async with running(EchoServer) as url, connect(url, compression=compression,
                                                     max_size=2 * MiB) as client:
        assert client.response is not None
        extensions = client.response.headers.get("Sec-WebSocket-Extensions")
        assert (extensions is not None) == (compression is not None)
        assert "Transfer-Encoding" not in client.response.headers
        for message in ["hello", "✓" * 1000, "x" * MiB]:
            await client.send(message)
            assert await client.recv() == message
        data = os.urandom(MiB)
        await client.send(data)
        assert await client.recv() == data
        await client.send(["frag", "ment", "ed"])
        assert await client.recv() == "fragmented"
        await client.send("fragments")
        assert [f async for f in client.recv_streaming()] == ["fr", "ag", "ments"]
        await asyncio.wait_for(await client.ping(b"ping payload"), 10)


async def test_close_codes_both_ways() -> None:
    async with running(EchoServer) as url:
        async with connect(url) as client:
            await client.send("close:4009")
            await client.wait_closed()
            assert client.close_code == 4009
            assert client.close_reason == "as asked"
        client = await connect(url)
        await client.close(4010, "from client")
        assert client.close_code == 4010


async def test_limits_and_subprotocol_options() -> None:
    async with running(EchoServer, protocols=["chat"], max_msg_size=1000) as url:
        async with connect(url, subprotocols=[Subprotocol("chat")]) as client:
            assert client.subprotocol == "chat"
            await client.send("y" * 1001)
            with pytest.raises(ConnectionClosedError):
                await client.recv()
            assert client.close_code == 1009


async def test_bad_handshakes_are_answered_by_the_server() -> None:
    async with running(EchoServer) as url:
        with pytest.raises(InvalidStatus) as info:
            await connect(url, additional_headers={"Sec-WebSocket-Version": "12"})
        assert info.value.response.status_code == 426
        assert info.value.response.headers["Sec-WebSocket-Version"] == "13"
        host, port = url[5:-1].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        head = await asyncio.wait_for(reader.read(), 10)
        assert head.startswith(b"HTTP/1.1 405 ")
        writer.close()
        await writer.wait_closed()


@COMPRESSION
async def test_the_0_9_handler(compression: str | None) -> None:
    async with running(OldStyleServer) as url, connect(url, compression=compression,
                                                         subprotocols=[Subprotocol("chat")]) as client:
        assert client.subprotocol == "chat"
        await client.send("hello")
        assert await client.recv() == "hello"
        await client.send(b"\x01\x02")
        assert await client.recv() == b"\x01\x02"
        await client.send(["a", "b", "c"])
        assert await client.recv() == "abc"
        await asyncio.wait_for(await client.ping(b"0.9"), 10)
    assert client.close_code == 1000
