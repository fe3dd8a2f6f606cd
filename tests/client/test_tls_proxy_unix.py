"""TLS with trustme certificates, tinyproxy (plain and CONNECT), Unix sockets."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest
from aiohttp.client import ClientRequest, request
from aiohttp.connector import (
    ProxyConnector,
    SocketConnector,
    TCPConnector,
    UnixConnector,
    UnixSocketConnector,
)
from aiohttp.errors import HttpProxyError, OsConnectionError, ProxyConnectionError
from aiohttp.helpers import BasicAuth
from aiohttp.protocol import HttpResponseParser, Request
from client_peers import RawServer, Recorded, TinyProxy, read_request, response
from local_peers import free_port


def hello(req: Recorded) -> bytes:
    return response(200, b"hello " + req.target.encode())


async def test_tls_with_a_private_ca(server_tls: ssl.SSLContext,
                                     client_tls: ssl.SSLContext) -> None:
    async with RawServer(hello, ssl_context=server_tls) as server, \
            TCPConnector(ssl_context=client_tls) as connector:
        for _ in range(2):
            async with request("GET", server.url("/tls"), connector=connector) as resp:
                assert await resp.read() == b"hello /tls"
        assert server.connections == 1  # TLS connections are pooled too
        assert connector.ssl_context is client_tls


async def test_tls_unknown_ca_is_refused(server_tls: ssl.SSLContext) -> None:
    async with RawServer(hello, ssl_context=server_tls) as server, TCPConnector() as connector:
        with pytest.raises(OsConnectionError) as info:
            await request("GET", server.url("/"), connector=connector)
        assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)


async def test_tls_without_verification(server_tls: ssl.SSLContext) -> None:
    async with RawServer(hello, ssl_context=server_tls) as server, \
            TCPConnector(verify_ssl=False) as connector:
        async with request("GET", server.url("/"), connector=connector) as resp:
            assert resp.status == 200
            await resp.read()
        context = connector.ssl_context
        assert context is connector.ssl_context  # built once
        assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname
        assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
        assert not connector.verify_ssl


async def test_default_context_verifies() -> None:
    connector = TCPConnector()
    assert connector.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert connector.ssl_context.check_hostname
    await connector.close()


async def test_plain_http_through_tinyproxy(tinyproxy: TinyProxy) -> None:
    async with RawServer(hello) as origin, ProxyConnector(tinyproxy.url) as connector:
        assert connector.proxy == tinyproxy.url
        async with request("GET", origin.url("/via?x=1"), connector=connector) as resp:
            assert resp.status == 200
            assert await resp.read() == b"hello /via?x=1"
        got = origin.requests[0]
        assert got.headers["Host"] == f"127.0.0.1:{origin.port}"
        assert "Proxy-Authorization" not in got.headers


async def test_proxy_auth_goes_to_the_proxy_only(tinyproxy_auth: TinyProxy) -> None:
    async with RawServer(hello) as origin:
        async with ProxyConnector(tinyproxy_auth.url) as connector:
            async with request("GET", origin.url("/"), connector=connector) as resp:
                assert resp.status == 407  # the proxy wants credentials
                await resp.read()
        assert not origin.requests
        async with ProxyConnector(tinyproxy_auth.url,
                                  proxy_auth=BasicAuth("user", "pass")) as connector:
            async with request("GET", origin.url("/in"), connector=connector) as resp:
                assert resp.status == 200
                assert await resp.read() == b"hello /in"
        url = tinyproxy_auth.url.replace("http://", "http://user:pass@")
        async with ProxyConnector(url) as connector:
            async with request("GET", origin.url("/url"), connector=connector) as resp:
                assert resp.status == 200
                await resp.read()
        assert [r.target for r in origin.requests] == ["/in", "/url"]
        for got in origin.requests:
            assert "Proxy-Authorization" not in got.headers


async def test_https_through_a_connect_tunnel(tinyproxy_auth: TinyProxy,
                                              server_tls: ssl.SSLContext,
                                              client_tls: ssl.SSLContext) -> None:
    async with RawServer(hello, ssl_context=server_tls) as origin:
        async with ProxyConnector(tinyproxy_auth.url, proxy_auth=BasicAuth("user", "pass"),
                                  ssl_context=client_tls) as connector:
            for _ in range(2):
                async with request("GET", origin.url("/secret"), connector=connector,
                                   headers={"Proxy-Authorization": "Basic bm86bGVhaw=="}
                                   ) as resp:
                    assert resp.status == 200
                    assert await resp.read() == b"hello /secret"
        assert origin.connections == 1  # the tunnel is pooled
        for got in origin.requests:
            assert got.target == "/secret"  # origin-form inside the tunnel
            assert "Proxy-Authorization" not in got.headers
    assert f"CONNECT 127.0.0.1:{origin.port}" in tinyproxy_auth.log


async def test_connect_refused_by_the_proxy(tinyproxy_auth: TinyProxy,
                                            server_tls: ssl.SSLContext,
                                            client_tls: ssl.SSLContext) -> None:
    async with RawServer(hello, ssl_context=server_tls) as origin, \
            ProxyConnector(tinyproxy_auth.url, ssl_context=client_tls) as connector:
        with pytest.raises(HttpProxyError) as info:
            await request("GET", origin.url("/"), connector=connector)
        assert info.value.code == 407
        assert connector._in_use == 0
        assert not origin.requests


async def test_tunnel_tls_honours_the_connector_settings(tinyproxy: TinyProxy,
                                                         server_tls: ssl.SSLContext) -> None:
    async with RawServer(hello, ssl_context=server_tls) as origin:
        async with ProxyConnector(tinyproxy.url) as connector:
            with pytest.raises(OsConnectionError):
                await request("GET", origin.url("/"), connector=connector)
        async with ProxyConnector(tinyproxy.url, verify_ssl=False) as connector:
            async with request("GET", origin.url("/"), connector=connector) as resp:
                assert resp.status == 200
                await resp.read()


async def test_ws_target_goes_through_a_tunnel(tinyproxy: TinyProxy) -> None:
    """What ws_connect builds on: connect() to a ws:// URL, then speak HTTP on the tunnel."""
    async with RawServer(hello) as origin, ProxyConnector(tinyproxy.url) as connector:
        req = ClientRequest("GET", origin.url("/chat").replace("http://", "ws://"))
        assert (req.scheme, req.port, req.ssl) == ("ws", origin.port, False)
        conn = await connector.connect(req)
        try:
            message = Request(conn.writer, "GET", req.path)
            message.add_header("Host", req.headers["Host"])
            message.send_headers()
            await message.write_eof()
            head = await conn.reader.set_parser(HttpResponseParser()).read()
            assert head.code == 200
        finally:
            conn.close()
        assert origin.requests[0].target == "/chat"
    assert f"CONNECT 127.0.0.1:{origin.port}" in tinyproxy.log


async def test_proxy_unreachable() -> None:
    async with ProxyConnector(f"http://127.0.0.1:{free_port()}") as connector:
        with pytest.raises(ProxyConnectionError):
            await request("GET", "http://127.0.0.1:1/", connector=connector)


def test_proxy_url_checked() -> None:
    with pytest.raises(ValueError, match="http://"):
        ProxyConnector("https://proxy.example")
    with pytest.raises(TypeError):
        ProxyConnector("http://proxy.example", proxy_auth=("u", "p"))  # type: ignore[arg-type]


async def test_unix_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "http.sock")
    requests: list[Recorded] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (req := await read_request(reader)) is not None:
            requests.append(req)
            writer.write(response(200, b"over unix"))
            await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(handler, path)
    try:
        async with UnixConnector(path) as connector:
            assert connector.path == path
            for _ in range(2):
                async with request("GET", "http://unix.example/u", connector=connector) as resp:
                    assert await resp.read() == b"over unix"
        assert [r.headers["Host"] for r in requests] == ["unix.example"] * 2
    finally:
        server.close()
        await server.wait_closed()


def test_aliases() -> None:
    assert SocketConnector is TCPConnector
    assert UnixSocketConnector is UnixConnector


async def test_request_without_connector_verifies(server_tls: ssl.SSLContext) -> None:
    async with RawServer(hello, ssl_context=server_tls) as server:
        for _ in range(2):
            with pytest.raises(OsConnectionError) as info:
                await request("GET", server.url("/"))
            assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)


async def test_connection_contract_for_upgrades() -> None:
    """What the WebSocket client builds on: connect(), the Connection's parts, detach()."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        req = await read_request(reader)
        assert req is not None
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\n"
                     b"Connection: upgrade\r\n\r\nafter the upgrade")
        await writer.drain()
        await reader.read()

    async with RawServer(handler=handler) as server, TCPConnector(limit=1) as connector:
        req = ClientRequest("GET", server.url("/up").replace("http://", "ws://"),
                            headers={"Upgrade": "test", "Connection": "upgrade"})
        conn = await connector.connect(req)
        assert conn.transport is conn.protocol.transport
        assert conn.reader is conn.protocol.reader
        assert conn.writer is conn.protocol.writer
        assert conn.loop is asyncio.get_running_loop()
        resp = req.send(conn.writer, conn.reader)
        await resp.start(conn)
        assert resp.status == 101
        assert resp.connection is conn and resp.content is None
        resp.connection = None  # taken over
        conn.detach()
        assert connector._in_use == 0  # out of the limits...
        assert not conn.transport.is_closing()  # ...and still open
        assert conn.reader.buffer == b"after the upgrade"
        await connector.close()
        assert not conn.transport.is_closing()  # the connector no longer owns it
        conn.transport.close()


async def test_http_1_0_request() -> None:
    async with RawServer(lambda r: response(200, r.version.encode())) as server:
        async with request("POST", server.url("/"), data=b"x", version="1.0") as resp:
            assert await resp.read() == b"HTTP/1.0"
        with pytest.raises(ValueError, match="HTTP/1.0"):
            await request("POST", server.url("/"), data=b"x", version="1.0", chunked=True)
