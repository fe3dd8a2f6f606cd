"""Our client side against the ``websockets`` library's server.

The connection is opened with plain asyncio (``StreamProtocol``) and the
handshake run by ``client_handshake``, the core of ``ws_connect`` that needs
no aiohttp.client (tests/integration/test_websocket_client.py runs it over
the client's connectors).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp._ws_client import client_handshake
from aiohttp.parsers import StreamProtocol
from aiohttp.websocket import (
    MSG_BINARY,
    MSG_CLOSE,
    MSG_PONG,
    MSG_TEXT,
    Message,
    WebSocketConnection,
    WebSocketError,
    WebSocketHandshakeError,
)
from websockets.asyncio.server import ServerConnection
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from ws_servers import websockets_peer as peer

MiB = 1024 * 1024
COMPRESSION = pytest.mark.parametrize("compression", ["deflate", None])


@asynccontextmanager
async def connect(port: int, **options: Any) -> AsyncIterator[WebSocketConnection]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(StreamProtocol, "127.0.0.1", port)
    assert protocol.writer is not None
    try:
        ws = await client_handshake(protocol.reader, protocol.writer,
                                    host=f"127.0.0.1:{port}", path="/", **options)
    except BaseException:
        transport.close()
        raise
    try:
        yield ws
    finally:
        await ws.close()
        assert transport.is_closing()


@COMPRESSION
async def test_echo(compression: str | None) -> None:
    async with peer(compression=compression) as port, connect(port) as ws:
        assert (ws.compress is not None) == (compression is not None)
        for text in ["hello", "", "ünïcödé ✓"]:
            ws.send_str(text)
            assert await ws.receive_str() == text
        for data in [b"\x00\xff", b""]:
            ws.send_bytes(data)
            assert await ws.receive_bytes() == data


@COMPRESSION
async def test_we_offer_compression_only_when_asked(compression: str | None) -> None:
    async with peer(compression=compression) as port, connect(port, compress=False) as ws:
        assert ws.compress is None
        ws.send_str("plain")
        assert await ws.receive_str() == "plain"


@COMPRESSION
async def test_one_mib_messages(compression: str | None) -> None:
    text = "y" * MiB
    data = os.urandom(MiB)
    async with peer(compression=compression, max_size=2 * MiB) as port, connect(port) as ws:
        ws.send_str(text)
        assert await ws.receive_str() == text
        await ws.send_bytes(data)
        assert await ws.receive_bytes() == data


@COMPRESSION
async def test_fragments_both_ways(compression: str | None) -> None:
    async def handler(ws: ServerConnection) -> None:
        fragments = [fragment async for fragment in ws.recv_streaming()]
        await ws.send(fragments)  # the fragments we sent, sent back as fragments
        await ws.send(iter([b"a", b"b", b"c"]))
        await ws.wait_closed()

    async with peer(handler, compression=compression) as port, connect(port) as ws:
        ws.send_fragments(["one ", "two ", "three"])
        assert await ws.receive() == Message(MSG_TEXT, "one two three", "")
        assert await ws.receive() == Message(MSG_BINARY, b"abc", "")


@pytest.mark.parametrize("options", [
    {"server_no_context_takeover": True, "client_no_context_takeover": True},
    {"server_max_window_bits": 10, "client_max_window_bits": 10},
    {"client_max_window_bits": 9, "client_no_context_takeover": True},
])
async def test_deflate_parameters_chosen_by_the_server(options: dict[str, Any]) -> None:
    # The server imposes them: with client_max_window_bits we must compress
    # with that window (websockets inflates with exactly that many bits).
    text = "".join(f"record {i}: the same words over and over\n" for i in range(3000))
    factory = ServerPerMessageDeflateFactory(**options)
    async with peer(extensions=[factory], compression=None) as port, connect(port) as ws:
        assert ws.compress is not None
        if "client_max_window_bits" in options:
            assert ws.compress.local_max_window_bits == options["client_max_window_bits"]
        assert ws.compress.local_no_context_takeover == bool(
            options.get("client_no_context_takeover"))
        for _ in range(3):
            ws.send_str(text)
            assert await ws.receive_str() == text


async def test_pings_both_ways() -> None:
    async def handler(ws: ServerConnection) -> None:
        await asyncio.wait_for(await ws.ping(b"from server"), 10)
        await ws.send("server ping answered")
        await ws.wait_closed()

    async with peer(handler) as port, connect(port, autoping=False) as ws:
        # Without autoping the pong is left to us: it must be answered.
        message = await ws.receive()
        assert message.tp == 0x9 and message.data == b"from server"
        ws.pong(message.data)
        assert await ws.receive_str() == "server ping answered"
        ws.ping(b"from client")
        assert await ws.receive() == Message(MSG_PONG, b"from client", "")


async def test_autoping_answers_the_servers_ping() -> None:
    async def handler(ws: ServerConnection) -> None:
        await asyncio.wait_for(await ws.ping(b"x"), 10)
        await ws.send("ok")
        await ws.wait_closed()

    async with peer(handler) as port, connect(port) as ws:
        assert await ws.receive_str() == "ok"


async def test_heartbeat_against_a_real_server() -> None:
    async def handler(ws: ServerConnection) -> None:
        await asyncio.sleep(1.2)
        await ws.send("after heartbeats")
        await ws.wait_closed()

    async with peer(handler) as port, connect(port, heartbeat=0.4) as ws:
        assert await ws.receive_str() == "after heartbeats"


@COMPRESSION
async def test_server_closes_with_a_code(compression: str | None) -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.close(4003, "server bye")

    async with peer(handler, compression=compression) as port, connect(port) as ws:
        message = await ws.receive()
        assert message == Message(MSG_CLOSE, 4003, b"server bye")
        assert ws.close_code == 4003 and ws.close_reason == "server bye"
        assert await ws.receive() == message  # and again


async def test_client_closes_with_a_code() -> None:
    codes: asyncio.Future[tuple[int | None, str | None]] = (
        asyncio.get_running_loop().create_future())

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()
        codes.set_result((ws.close_code, ws.close_reason))

    async with peer(handler) as port, connect(port) as ws:
        assert await ws.close(4004, "client bye")
        assert ws.close_code == 4004  # echoed by the server
    assert await asyncio.wait_for(codes, 10) == (4004, "client bye")


async def test_subprotocol_negotiation() -> None:
    async with peer(subprotocols=["b", "a"]) as port:
        async with connect(port, protocols=["a", "b"]) as ws:
            assert ws.protocol in ("a", "b")
    # (websockets answers 400 when it has subprotocols and we share none.)
    async with peer() as port, connect(port, protocols=["c"]) as ws:
        assert ws.protocol is None


async def test_masked_frames_are_what_the_server_wants() -> None:
    # websockets fails an unmasked client frame with 1002; a long exchange
    # of every size proves every frame was masked.
    async with peer(compression=None) as port, connect(port) as ws:
        for size in (0, 1, 125, 126, 65535, 65536, 100_000):
            data = os.urandom(size)
            ws.send_bytes(data)
            assert await ws.receive_bytes() == data


async def test_server_too_big_for_us_is_1009() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send("z" * 2000)
        await ws.wait_closed()

    async with peer(handler) as port, connect(port, max_msg_size=1000) as ws:
        with pytest.raises(WebSocketError) as info:
            await ws.receive()
        assert info.value.code == 1009
        assert ws.close_code == 1009


async def test_handshake_refused() -> None:
    async def handler(ws: ServerConnection) -> None:  # pragma: no cover - never runs
        pass

    def reject(connection: ServerConnection, request: Any) -> Any:
        return connection.respond(403, "no\n")

    async with peer(handler, process_request=reject) as port:
        with pytest.raises(WebSocketHandshakeError) as info:
            async with connect(port):
                pass  # pragma: no cover
        assert info.value.status == 403


async def test_pipelined_messages() -> None:
    async with peer(compression=None) as port, connect(port) as ws:
        for i in range(1000):
            ws.send_str(f"m{i}")
        for i in range(1000):
            assert await ws.receive_str() == f"m{i}"
