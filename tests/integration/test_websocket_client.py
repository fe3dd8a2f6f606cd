"""ws_connect over the client's connectors, against the websockets library's server.

TCP (ws://), TLS (wss://, certificates from trustme), an HTTP proxy
(tinyproxy, CONNECT tunnel) and a Unix socket.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp.connector import ProxyConnector, TCPConnector, UnixConnector
from aiohttp.websocket import MSG_CLOSE, MSG_PONG, Message
from aiohttp.websocket_client import WebSocketHandshakeError, ws_connect
from client_peers import TinyProxy
from websockets.asyncio.server import ServerConnection, unix_serve
from ws_servers import websockets_echo as echo
from ws_servers import websockets_peer as peer

MiB = 1024 * 1024
COMPRESSION = pytest.mark.parametrize("compression", ["deflate", None])


@COMPRESSION
async def test_ws_echo(compression: str | None) -> None:
    async with peer(compression=compression, max_size=2 * MiB) as port:
        ws = await ws_connect(f"ws://127.0.0.1:{port}/chat?x=1")
        try:
            assert (ws.compress is not None) == (compression is not None)
            ws.send_str("hello")
            assert await ws.receive_str() == "hello"
            data = os.urandom(MiB)
            await ws.send_bytes(data)
            assert await ws.receive_bytes() == data
            ws.send_fragments([b"a", b"b"])
            assert await ws.receive_bytes() == b"ab"
            ws.ping(b"hb")
        finally:
            assert await ws.close(4000, "done")
        assert ws.close_code == 4000
        assert ws.transport.is_closing()


async def test_request_line_and_fields() -> None:
    seen: dict[str, Any] = {}

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        seen["path"] = ws.request.path
        seen["headers"] = ws.request.headers
        await ws.close()

    async with peer(handler) as port:
        async with await ws_connect(f"ws://127.0.0.1:{port}/a/b?q=1", protocols=["chat"],
                                    headers={"X-Token": "t"}, origin="http://example",
                                    ) as ws:
            assert await ws.receive() == Message(MSG_CLOSE, 1000, b"")
    assert seen["path"] == "/a/b?q=1"
    headers = seen["headers"]
    assert headers["X-Token"] == "t"
    assert headers["Origin"] == "http://example"
    assert headers["Host"] == f"127.0.0.1:{port}"
    assert headers["Sec-WebSocket-Protocol"] == "chat"
    assert headers.get_all("Sec-WebSocket-Key") and len(headers.get_all("Upgrade")) == 1


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


async def test_wss_with_a_private_ca(ca: trustme.CA) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    async with peer(ssl=server_context) as port:
        connector = TCPConnector(ssl_context=client_context)
        try:
            async with await ws_connect(f"wss://localhost:{port}/", connector=connector) as ws:
                assert ws.get_extra_info("sslcontext") is not None
                ws.send_str("over tls")
                assert await ws.receive_str() == "over tls"
        finally:
            await connector.close()


async def test_wss_refuses_an_unknown_ca(ca: trustme.CA) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_context)
    async with peer(ssl=server_context) as port:
        with pytest.raises((ssl.SSLError, OSError)):
            await ws_connect(f"wss://localhost:{port}/", timeout=10)


async def test_through_an_http_proxy(tmp_path: Path) -> None:
    proxy = TinyProxy(tmp_path)
    await asyncio.to_thread(proxy.start)
    try:
        async with peer() as port:
            connector = ProxyConnector(proxy.url)
            try:
                async with await ws_connect(f"ws://127.0.0.1:{port}/",
                                            connector=connector) as ws:
                    ws.send_str("tunnelled")
                    assert await ws.receive_str() == "tunnelled"
            finally:
                await connector.close()
        assert "CONNECT" in proxy.log
    finally:
        await asyncio.to_thread(proxy.stop)


async def test_wss_through_an_http_proxy(tmp_path: Path, ca: trustme.CA) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    proxy = TinyProxy(tmp_path)
    await asyncio.to_thread(proxy.start)
    try:
        async with peer(ssl=server_context) as port:
            connector = ProxyConnector(proxy.url, ssl_context=client_context)
            try:
                async with await ws_connect(f"wss://localhost:{port}/",
                                            connector=connector) as ws:
                    ws.send_str("tls in a tunnel")
                    assert await ws.receive_str() == "tls in a tunnel"
            finally:
                await connector.close()
        assert f"CONNECT localhost:{port}" in proxy.log
    finally:
        await asyncio.to_thread(proxy.stop)


async def test_over_a_unix_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "ws.sock")
    async with unix_serve(echo, path):
        connector = UnixConnector(path)
        try:
            async with await ws_connect("ws://localhost/", connector=connector) as ws:
                ws.send_str("unix")
                assert await ws.receive_str() == "unix"
                ws.ping(b"p")
        finally:
            await connector.close()


async def test_refused_handshake_closes_the_connection() -> None:
    def reject(connection: ServerConnection, request: Any) -> Any:
        return connection.respond(403, "go away\n")

    async with peer(process_request=reject) as port:
        connector = TCPConnector()
        try:
            with pytest.raises(WebSocketHandshakeError) as info:
                await ws_connect(f"ws://127.0.0.1:{port}/", connector=connector)
            assert info.value.status == 403
        finally:
            await connector.close()


async def test_handshake_timeout() -> None:
    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()  # never answers; returns when the client gives up
        finally:
            writer.close()
            await writer.wait_closed()
            done.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(TimeoutError):
            await ws_connect(f"ws://127.0.0.1:{port}/", timeout=0.2)
        await asyncio.wait_for(done.wait(), 10)  # the client closed its connection
    finally:
        server.close()
        await server.wait_closed()


async def test_user_connector_keeps_working() -> None:
    async with peer() as port:
        connector = TCPConnector(limit=1)
        try:
            first = await ws_connect(f"ws://127.0.0.1:{port}/", connector=connector)
            # The first WebSocket does not hold the connector's only slot.
            second = await asyncio.wait_for(
                ws_connect(f"ws://127.0.0.1:{port}/", connector=connector), 10)
            for ws in (first, second):
                ws.send_str("x")
                assert await ws.receive_str() == "x"
                await ws.close()
        finally:
            await connector.close()


async def test_not_a_websocket_url() -> None:
    with pytest.raises(ValueError):
        await ws_connect("http://127.0.0.1:1/")


async def test_client_pong_and_heartbeat() -> None:
    async def handler(ws: ServerConnection) -> None:
        await asyncio.sleep(1.0)
        await ws.send("alive")
        await ws.wait_closed()

    async with peer(handler) as port:
        async with await ws_connect(f"ws://127.0.0.1:{port}/", heartbeat=0.3,
                                    autoping=False) as ws:
            message = await ws.receive()
            while message.tp == MSG_PONG:  # our heartbeat's pongs, shown without autoping
                message = await ws.receive()
            assert message.data == "alive"
