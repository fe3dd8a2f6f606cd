"""DNS cache with a TTL, IPv4 and IPv6, and HttpClient's failover.

This machine has IPv6 loopback (::1); the IPv6 tests use it.
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp.client import HttpClient, request
from aiohttp.connector import TCPConnector
from aiohttp.errors import ConnectionError, OsConnectionError
from client_peers import RawServer, response
from local_peers import free_port


def named(name: bytes) -> RawServer:
    return RawServer(lambda req: response(200, name))


async def test_resolve_caches_with_a_ttl() -> None:
    async with named(b"v4") as server, TCPConnector(resolve=True, ttl_dns_cache=None) as connector:
        assert connector.resolve
        url = f"http://localhost:{server.port}/"
        async with request("GET", url, connector=connector) as resp:
            assert await resp.read() == b"v4"
        cached = connector.resolved_hosts[("localhost", server.port)]
        assert {entry["host"] for entry in cached} >= {"127.0.0.1"}
        assert all(entry["hostname"] == "localhost" for entry in cached)
        # a copy: changing it changes nothing
        connector.resolved_hosts.clear()
        assert ("localhost", server.port) in connector.resolved_hosts
        connector.clear_resolved_hosts("localhost", server.port)
        assert connector.resolved_hosts == {}


async def test_dns_entries_expire() -> None:
    lookups = 0
    async with named(b"x") as server, TCPConnector(resolve=True, ttl_dns_cache=60,
                                                           force_close=True) as connector:
        loop = asyncio.get_running_loop()
        real = loop.getaddrinfo

        async def counting(*args: object, **kwargs: object) -> object:
            nonlocal lookups
            lookups += 1
            return await real(*args, **kwargs)  # type: ignore[arg-type]
        loop.getaddrinfo = counting  # type: ignore[method-assign, assignment]
        try:
            url = f"http://localhost:{server.port}/"
            for _ in range(3):
                async with request("GET", url, connector=connector) as resp:
                    await resp.read()
            assert lookups == 1
            key = ("localhost", server.port)
            hosts, _ = connector._resolved[key]
            connector._resolved[key] = (hosts, loop.time() - 1)  # the TTL has passed
            async with request("GET", url, connector=connector) as resp:
                await resp.read()
            assert lookups == 2
        finally:
            del loop.getaddrinfo


async def test_ipv6_literal() -> None:
    async with RawServer(lambda r: response(200, r.headers["Host"].encode()), host="::1") \
            as server, request("GET", f"http://[::1]:{server.port}/") as resp:
        assert await resp.read() == f"[::1]:{server.port}".encode()


async def test_default_family_reaches_an_ipv6_only_server() -> None:
    """0.9's AF_INET default could not reach an IPv6-only server."""
    async with RawServer(lambda r: response(200, b"six"), host="::1") as v6:
        url = f"http://[::1]:{v6.port}/"
        for connector in (TCPConnector(), TCPConnector(resolve=True)):
            assert connector.family == socket.AF_UNSPEC
            async with connector, request("GET", url, connector=connector) as resp:
                assert await resp.read() == b"six"
        async with TCPConnector(family=socket.AF_INET6, resolve=True) as connector:
            async with request("GET", url, connector=connector) as resp:
                assert await resp.read() == b"six"
            assert [e["family"] for e in connector.resolved_hosts[("::1", v6.port)]] == [
                socket.AF_INET6]
        async with TCPConnector(family=socket.AF_INET) as connector:
            with pytest.raises(OsConnectionError):
                await request("GET", url, connector=connector)


async def test_http_client_failover() -> None:
    dead = free_port()
    async with named(b"alive") as alive:
        client = HttpClient([f"127.0.0.1:{dead}", ("127.0.0.1", alive.port)], method="GET",
                            path="/p", failed_timeout=60)
        try:
            # Hosts are picked at random: go on until the dead one was tried
            # (100 picks of the alive one in a row: a 2**-100 chance).
            count = 0
            while not client._failed and count < 100:
                resp = await client.request()
                assert await resp.read() == b"alive"
                count += 1
            assert client._live == [("127.0.0.1", alive.port)]
            assert [host for host, _ in client._failed] == [("127.0.0.1", dead)]
            assert [r.target for r in alive.requests] == ["/p"] * count
        finally:
            await client.close()


async def test_http_client_all_hosts_down() -> None:
    client = HttpClient([f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"],
                        conn_pool=False)
    try:
        with pytest.raises(ConnectionError, match="All hosts are unreachable"):
            await client.request("GET", "/")
        # the oldest failed host is tried again on the next call
        with pytest.raises(ConnectionError):
            await client.request("GET", "/")
    finally:
        client.close()


async def test_http_client_resurrects_hosts() -> None:
    port = free_port()
    client = HttpClient([f"127.0.0.1:{port}"], failed_timeout=0.05)
    try:
        with pytest.raises(ConnectionError):
            await client.request("GET", "/")
        assert client._live == []
        while not client._live:  # the resurrection timer puts it back
            await asyncio.sleep(0.02)
        assert client._live == [("127.0.0.1", port)]
    finally:
        await client.close()


def test_http_client_arguments() -> None:
    with pytest.raises(ValueError, match="Hosts are required"):
        HttpClient([])
    with pytest.raises(ValueError, match="port"):
        HttpClient(["h:x"])
    client = HttpClient("example.com", ssl=True, conn_pool=False)
    assert client._hosts == [("example.com", None)]
    assert client._scheme == "https"
    client.close()


async def test_http_client_server_errors_clear_dns() -> None:
    async with RawServer(lambda r: response(503, b"busy")) as server:
        client = HttpClient(f"localhost:{server.port}", resolve=True)
        try:
            resp = await client.request("GET", "/")
            assert resp.status == 503
            await resp.read()
            connector = client.connector
            assert isinstance(connector, TCPConnector)
            assert connector.resolved_hosts == {}
            assert client._live  # a 5xx does not mark the host failed
        finally:
            await client.close()


