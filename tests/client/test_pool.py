"""The connection pool: limits, reuse, stale connections, the one retry, close()."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp.client import request
from aiohttp.connector import BaseConnector, TCPConnector
from aiohttp.errors import ClientConnectionError, IncompleteRead, OsConnectionError
from client_peers import RawServer, Recorded, read_request, response
from local_peers import free_port


def ok(req: Recorded) -> bytes:
    return response(200, b"ok")


async def test_limit_bounds_open_connections() -> None:
    open_now = 0
    most = 0
    gate = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        try:
            while await read_request(reader) is not None:
                await gate.wait()
                writer.write(response(200, b"ok"))
                await writer.drain()
        finally:
            open_now -= 1

    async with RawServer(handler=handler) as server, TCPConnector(limit=2) as connector:
        async def fetch() -> bytes:
            async with request("GET", server.url("/"), connector=connector) as resp:
                body: bytes = await resp.read()
                return body
        tasks = [asyncio.ensure_future(fetch()) for _ in range(6)]
        while server.connections < 2:
            await asyncio.sleep(0.01)
        assert connector._in_use == 2
        assert len(connector._waiters) == 4
        gate.set()
        assert await asyncio.gather(*tasks) == [b"ok"] * 6
        assert most == 2
        assert server.connections == 2  # the waiters got the released connections


async def test_limit_per_host() -> None:
    async with RawServer(ok) as one, RawServer(ok) as two, \
            TCPConnector(limit=0, limit_per_host=1) as connector:
        async def fetch(server: RawServer) -> None:
            async with request("GET", server.url("/"), connector=connector) as resp:
                await resp.read()
        await asyncio.gather(*(fetch(s) for s in (one, two, one, two, one)))
        assert one.connections == 1
        assert two.connections == 1


async def test_default_limits_like_aiohttp3() -> None:
    connector = BaseConnector()
    assert connector.limit == 100
    assert connector.limit_per_host == 0
    await connector.close()


async def test_limit_closes_idle_connections_of_other_hosts() -> None:
    async with RawServer(ok) as one, RawServer(ok) as two, TCPConnector(limit=1) as connector:
        for server in (one, two, one):
            async with request("GET", server.url("/"), connector=connector) as resp:
                await resp.read()
            assert connector._idle_count == 1
        assert one.connections == 2


def _gated(gate: asyncio.Event, *more: asyncio.Event) -> RawServer:
    """Sends each response's head at once and its body once a gate is set:
    ``gate`` for the first connection, the gates in ``more`` for the next
    ones in turn (the last one for any further connection)."""
    gates = [gate, *more]
    accepted = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        gate = gates[min(accepted, len(gates) - 1)]
        accepted += 1
        while await read_request(reader) is not None:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")
            await writer.drain()
            await gate.wait()
            writer.write(b"body")
            await writer.drain()
    return RawServer(handler=handler)


async def test_lifo_reuse() -> None:
    # A connection goes back to the pool once its body has arrived: each
    # connection's bodies have their own gate, so that order is known.
    first_gate, second_gate = asyncio.Event(), asyncio.Event()
    async with _gated(first_gate, second_gate) as server, TCPConnector() as connector:
        first = await request("GET", server.url("/"), connector=connector)
        second = await request("GET", server.url("/"), connector=connector)
        assert first.connection is not None and second.connection is not None
        first_transport = first.connection.transport
        second_transport = second.connection.transport
        first_gate.set()
        await first.read()
        second_gate.set()
        await second.read()  # released last
        second_gate.clear()
        third = await request("GET", server.url("/"), connector=connector)
        assert third.connection is not None
        second_gate.set()
        assert third.connection.transport is second_transport
        assert third.connection.transport is not first_transport
        await third.read()


async def test_server_closed_idle_connection_is_not_reused() -> None:
    """A keep-alive connection the server closed is detected at checkout."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(response(200, b"once"))
        await writer.drain()
        # keep-alive was not refused, but the server closes anyway

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        for _ in range(3):
            async with request("GET", server.url("/"), connector=connector) as resp:
                assert await resp.read() == b"once"
            for _ in range(100):  # until the close has reached the client
                (entries,) = connector._idle.values() or [[]]
                if not entries or entries[0][0].transport is None:
                    break
                await asyncio.sleep(0.01)
        assert server.connections == 3


def _dies_on_second_request() -> RawServer:
    """Answers the first request of a connection; closes on the second without a byte."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served = 0
        while (req := await read_request(reader)) is not None:
            server.requests.append(req)
            if served:
                return  # the race every keep-alive client meets: closed before answering
            served += 1
            writer.write(response(200, b"fine"))
            await writer.drain()
    server = RawServer(handler=handler)
    return server


async def test_idempotent_request_retried_once_on_dead_reused_connection() -> None:
    async with _dies_on_second_request() as server, TCPConnector() as connector:
        async with request("GET", server.url("/"), connector=connector) as resp:
            assert await resp.read() == b"fine"
        async with request("GET", server.url("/"), connector=connector) as resp:
            assert await resp.read() == b"fine"
        assert server.connections == 2
        assert len(server.requests) == 3


async def test_post_is_not_retried() -> None:
    async with _dies_on_second_request() as server, TCPConnector() as connector:
        async with request("POST", server.url("/"), data=b"x", connector=connector) as resp:
            assert await resp.read() == b"fine"
        with pytest.raises(ClientConnectionError):
            await request("POST", server.url("/"), data=b"x", connector=connector)
        assert len(server.requests) == 2
        assert connector._in_use == 0


async def test_fresh_connection_failure_is_not_retried() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        with pytest.raises(ClientConnectionError):
            await request("GET", server.url("/"), connector=connector)
        assert server.connections == 1


async def test_bytes_after_a_complete_response_are_not_the_next_response() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            writer.write(response(200, b"real") + response(200, b"smuggled"))
            await writer.drain()

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        for _ in range(3):
            async with request("GET", server.url("/"), connector=connector) as resp:
                assert await resp.read() == b"real"
        assert server.connections == 3


async def test_body_shorter_than_content_length() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        await writer.drain()

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        resp = await request("GET", server.url("/"), connector=connector)
        with pytest.raises(IncompleteRead):
            await resp.read()
        assert resp.connection is None
        assert connector._in_use == 0 and connector._idle_count == 0


async def test_connection_close_is_honoured() -> None:
    async with RawServer(lambda r: response(200, b"x", (("Connection", "close"),))) as server, \
            TCPConnector() as connector:
        async with request("GET", server.url("/"), connector=connector) as resp:
            await resp.read()
        assert connector._idle_count == 0


async def test_force_close() -> None:
    async with RawServer(ok) as server, TCPConnector(force_close=True) as connector:
        for _ in range(2):
            async with request("GET", server.url("/"), connector=connector) as resp:
                await resp.read()
        assert server.connections == 2
        assert connector._idle_count == 0


async def test_keepalive_timeout_expires_idle_connections() -> None:
    async with RawServer(ok) as server, TCPConnector(keepalive_timeout=0.05) as connector:
        async with request("GET", server.url("/"), connector=connector) as resp:
            await resp.read()
        assert connector._idle_count == 1
        while connector._idle_count:  # the cleanup timer closes it
            await asyncio.sleep(0.02)
        async with request("GET", server.url("/"), connector=connector) as resp:
            await resp.read()
        assert server.connections == 2


async def test_unread_body_closes_on_exit() -> None:
    body = b"x" * 2**20
    async with RawServer(lambda r: response(200, body)) as server, TCPConnector() as connector:
        async with request("GET", server.url("/"), connector=connector) as resp:
            assert resp.status == 200
        assert connector._in_use == 0


async def test_release_drains_and_pools() -> None:
    async with RawServer(lambda r: response(200, b"y" * 300000)) as server, \
            TCPConnector() as connector:
        resp = await request("GET", server.url("/"), connector=connector)
        await resp.release()
        assert connector._idle_count == 1
        async with request("GET", server.url("/"), connector=connector) as resp:
            assert len(await resp.read()) == 300000
        assert server.connections == 1


async def test_close_is_idempotent_and_waits() -> None:
    gate = asyncio.Event()
    async with _gated(gate) as server:
        connector = TCPConnector()
        held = await request("GET", server.url("/"), connector=connector)
        assert held.connection is not None
        writer = held.connection.writer
        await connector.close()
        assert writer._lost  # connection_lost has run
        assert connector.closed
        await connector.close()
        connector.close()  # the 0.9 way: not awaited
        with pytest.raises(ClientConnectionError, match="closed"):
            await request("GET", server.url("/"), connector=connector)
        held.close()


async def test_waiters_fail_when_the_connector_closes() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(30)

    async with RawServer(handler=handler) as server:
        connector = TCPConnector(limit=1)
        first = asyncio.ensure_future(request("GET", server.url("/"), connector=connector))
        second = asyncio.ensure_future(request("GET", server.url("/"), connector=connector))
        while not connector._waiters:
            await asyncio.sleep(0.01)
        await connector.close()
        for task in (first, second):
            with pytest.raises(ClientConnectionError):
                await task


async def test_refused_connection() -> None:
    with pytest.raises(OsConnectionError):
        await request("GET", f"http://127.0.0.1:{free_port()}/")


async def test_connect_timeout_is_a_timeout_error() -> None:
    """A listener whose accept queue is full never completes a connect."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        async with TCPConnector(conn_timeout=0.3) as connector:
            with pytest.raises(TimeoutError):
                await request("GET", f"http://127.0.0.1:{port}/", connector=connector)
            assert connector._in_use == 0
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_unclosed_connector_warns_and_closes() -> None:
    async with RawServer(ok) as server:
        connector = TCPConnector()
        async with request("GET", server.url("/"), connector=connector) as resp:
            await resp.read()
        (entries,) = connector._idle.values()
        transport = entries[0][0].transport
        assert transport is not None
        with pytest.warns(ResourceWarning, match="Unclosed connector"):
            connector.__del__()
        assert transport.is_closing()
        connector.__del__()  # once only


async def test_back_to_back_reuse_of_one_connection_with_large_bodies() -> None:
    """Each body completes while the next request waits for the one connection."""
    body = bytes(range(256)) * 1200
    async with RawServer(lambda r: response(200, body)) as server, \
            TCPConnector(limit=1) as connector:
        async def fetch() -> bytes:
            resp = await request("GET", server.url("/"), connector=connector)
            data: bytes = await resp.read()
            return data
        results = await asyncio.wait_for(asyncio.gather(*(fetch() for _ in range(20))), 30)
        assert results == [body] * 20
        assert server.connections == 1


async def test_reading_content_directly_while_others_wait_for_the_connection() -> None:
    """A reader of ``content`` woken by the end of the body must not pause the
    stream of the request that takes the connection next."""
    body = bytes(range(256)) * 1200
    async with RawServer(lambda r: response(200, body)) as server, \
            TCPConnector(limit=1) as connector:
        async def fetch() -> bytes:
            resp = await request("GET", server.url("/"), connector=connector)
            assert resp.content is not None
            pieces = []
            while piece := await resp.content.read(65536):
                pieces.append(piece)
            resp.close()
            return b"".join(pieces)
        results = await asyncio.wait_for(asyncio.gather(*(fetch() for _ in range(20))), 30)
        assert results == [body] * 20
        assert server.connections == 1
