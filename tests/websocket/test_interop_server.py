"""Our server side against the ``websockets`` library's client (version 14+).

The server is built from our own packages only (``ws_servers``: StreamProtocol,
HttpRequestParser, accept_websocket); tests/integration runs the same
exchange through aiohttp.server.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.typing import Subprotocol
from ws_servers import echo, serve

from aiohttp.websocket import (
    MSG_BINARY,
    MSG_PONG,
    MSG_TEXT,
    WebSocketConnection,
)

MiB = 1024 * 1024
COMPRESSION = pytest.mark.parametrize("compression", ["deflate", None])


@COMPRESSION
async def test_text_and_binary_echo(compression: str | None) -> None:
    async with serve() as url, connect(url, compression=compression) as client:
        assert client.response is not None
        extensions = client.response.headers.get("Sec-WebSocket-Extensions")
        assert (extensions == "permessage-deflate") == (compression is not None)
        messages: list[str | bytes] = ["hello", "", "ünïcödé ✓", b"\x00\x01\xff", b""]
        for message in messages:
            await client.send(message)
            assert await client.recv() == message


@COMPRESSION
async def test_one_mib_messages(compression: str | None) -> None:
    text = "x" * MiB
    data = os.urandom(MiB)
    async with serve() as url, connect(url, compression=compression, max_size=2 * MiB) as client:
        await client.send(text)
        assert await client.recv() == text
        await client.send(data)
        assert await client.recv() == data


@COMPRESSION
async def test_fragmented_from_the_client(compression: str | None) -> None:
    async with serve() as url, connect(url, compression=compression) as client:
        await client.send(["frag", "ment", "ed ✓"])  # websockets sends one frame per item
        assert await client.recv() == "fragmented ✓"
        await client.send([b"\x01", b"\x02", b"", b"\x03"])
        assert await client.recv() == b"\x01\x02\x03"


async def fragmenting_handler(ws: WebSocketConnection) -> None:
    async for message in ws:
        if message.tp == MSG_TEXT:
            ws.send_fragments([message.data[:3], message.data[3:6], message.data[6:]])
        else:
            ws.send_fragments([message.data[:1], message.data[1:]])
    await ws.close()


@COMPRESSION
async def test_fragmented_from_the_server(compression: str | None) -> None:
    async with serve(fragmenting_handler) as url, connect(url, compression=compression) as client:
        await client.send("abcdefghij")
        fragments = [fragment async for fragment in client.recv_streaming()]
        assert fragments == ["abc", "def", "ghij"]
        await client.send(b"xyz")
        assert await client.recv() == b"xyz"


@COMPRESSION
async def test_client_ping_gets_its_payload_back(compression: str | None) -> None:
    async with serve() as url, connect(url, compression=compression) as client:
        pong = await client.ping(b"are you there?")
        await asyncio.wait_for(pong, 10)
        pong = await client.ping(b"")
        await asyncio.wait_for(pong, 10)


async def pinging_handler(ws: WebSocketConnection) -> None:
    await ws.ping(b"server ping")
    message = await ws.receive()
    assert message.tp == MSG_PONG
    ws.send_str(f"pong:{message.data.decode()}")
    await ws.close()


async def test_server_ping_answered_by_the_client() -> None:
    async with serve(pinging_handler, autoping=False) as url, connect(url) as client:
        assert await client.recv() == "pong:server ping"


async def test_client_closes_with_a_code() -> None:
    seen: asyncio.Future[tuple[int | None, str]] = asyncio.get_running_loop().create_future()

    async def handler(ws: WebSocketConnection) -> None:
        async for _ in ws:
            pass
        seen.set_result((ws.close_code, ws.close_reason))
        assert ws.closed
        assert not await ws.close()  # already closed: nothing to do

    async with serve(handler) as url:
        client = await connect(url)
        await client.close(4001, "client says bye")
        assert client.close_code == 4001  # the server echoed it
        assert await asyncio.wait_for(seen, 10) == (4001, "client says bye")


@COMPRESSION
async def test_server_closes_with_a_code(compression: str | None) -> None:
    async def handler(ws: WebSocketConnection) -> None:
        assert await ws.receive_str() == "close please"
        assert await ws.close(4002, "server says bye")
        assert ws.close_code == 4002  # the client's echo

    async with serve(handler) as url, connect(url, compression=compression) as client:
        await client.send("close please")
        await client.wait_closed()
        assert client.close_code == 4002
        assert client.close_reason == "server says bye"


@pytest.mark.parametrize("options", [
    {"server_no_context_takeover": True, "client_no_context_takeover": True},
    {"server_max_window_bits": 10, "client_max_window_bits": 9},
    {"server_no_context_takeover": True, "server_max_window_bits": 9},
])
async def test_deflate_parameters_offered_by_the_client(options: dict[str, Any]) -> None:
    text = "".join(f"line {i} of a log that repeats itself\n" for i in range(2000))
    factory = ClientPerMessageDeflateFactory(**options)
    async with serve() as url, connect(url, extensions=[factory], compression=None) as client:
        assert client.response is not None
        answer = client.response.headers["Sec-WebSocket-Extensions"]
        for name, value in options.items():
            if name.startswith("server_"):  # what the server must honour is in the answer
                assert (name if value is True else f"{name}={value}") in answer
        for _ in range(3):  # context takeover (or not) across messages
            await client.send(text)
            assert await client.recv() == text


async def test_subprotocol() -> None:
    async def handler(ws: WebSocketConnection) -> None:
        ws.send_str(f"protocol={ws.protocol}")
        await ws.close()

    async with serve(handler, protocols=["v2.chat", "chat"]) as url:
        async with connect(url, subprotocols=[Subprotocol("chat"), Subprotocol("v2.chat")]) as client:
            assert client.subprotocol == "v2.chat"
            assert await client.recv() == "protocol=v2.chat"
        async with connect(url, subprotocols=[Subprotocol("other")]) as client:
            assert client.subprotocol is None
            assert await client.recv() == "protocol=None"


async def test_server_without_compression_declines() -> None:
    async with serve(compress=False) as url, connect(url) as client:
        assert client.response is not None
        assert "Sec-WebSocket-Extensions" not in client.response.headers
        await client.send("plain")
        assert await client.recv() == "plain"


async def test_too_big_message_closes_with_1009() -> None:
    async with serve(max_msg_size=1000) as url, connect(url) as client:
        await client.send("x" * 1000)
        assert await client.recv() == "x" * 1000
        await client.send("x" * 1001)
        with pytest.raises(ConnectionClosedError):
            await client.recv()
        assert client.close_code == 1009


async def test_compressed_bomb_closes_with_1009() -> None:
    async with serve(max_msg_size=100_000) as url, connect(url) as client:
        await client.send(b"\x00" * 1_000_000)  # compresses to about 1 KB
        with pytest.raises(ConnectionClosedError):
            await client.recv()
        assert client.close_code == 1009


async def test_heartbeat_keeps_the_connection() -> None:
    async def handler(ws: WebSocketConnection) -> None:
        await asyncio.sleep(1.2)  # several heartbeats; the client answers each
        ws.send_str("still here")
        await ws.close()

    async with serve(handler, heartbeat=0.4) as url, connect(url) as client:
        assert await client.recv() == "still here"


async def test_rejected_handshake() -> None:
    async with serve() as url:
        with pytest.raises(InvalidStatus) as info:
            async with connect(url, additional_headers={"Sec-WebSocket-Version": "13"},
                               open_timeout=10):
                pass  # pragma: no cover
        assert info.value.response.status_code in (400, 426)


async def test_pipelined_messages_in_order() -> None:
    async with serve() as url, connect(url, compression=None) as client:
        for i in range(1000):
            await client.send(f"m{i}")
        for i in range(1000):
            assert await client.recv() == f"m{i}"


async def test_binary_message_types() -> None:
    seen: list[int] = []

    async def handler(ws: WebSocketConnection) -> None:
        async for message in ws:
            seen.append(message.tp)
        await ws.close()

    async with serve(handler) as url:
        async with connect(url) as client:
            await client.send("t")
            await client.send(b"b")
    assert seen == [MSG_TEXT, MSG_BINARY]
