"""Large bodies that ``read()`` collects are received in place (``_body_receiver``).

The rest of a body of known length goes straight from the socket into the
``bytes`` that ``read()`` returns; then the transport goes back to the
connection's protocol. Checked against nginx and raw servers, over plain TCP
and TLS: the body is exact, the connection is reused afterwards, bytes past
the body never become the next response, an early end or a cancellation
closes the connection, and without the C module the usual path gives the
same bodies.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import ssl
from collections.abc import Iterator

import pytest
from aiohttp import _body_receiver
from aiohttp.client import request
from aiohttp.connector import ClientProtocol, TCPConnector
from aiohttp.errors import IncompleteRead
from client_peers import Handler, RawServer, read_request, response
from extensions import run_without_extensions
from nginx_server import NginxServer

needs_c = pytest.mark.skipif(not _body_receiver.AVAILABLE,
                             reason="aiohttp._body_buffer is not in use here")

BODY = os.urandom(3 * 2**20 + 12345)


@pytest.fixture
def receivers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[_body_receiver.BodyReceiver]]:
    """Every BodyReceiver started during the test."""
    started: list[_body_receiver.BodyReceiver] = []
    start = _body_receiver.BodyReceiver.start

    def spy(self: _body_receiver.BodyReceiver, transport: asyncio.Transport) -> None:
        started.append(self)
        start(self, transport)

    monkeypatch.setattr(_body_receiver.BodyReceiver, "start", spy)
    yield started


def serve(body: bytes, extra: bytes = b"", *, pause_at: int | None = None,
          then_close: bool = False) -> Handler:
    """A handler that answers every request with ``body`` (Content-Length), then ``extra``.

    ``pause_at``: write that much, wait a moment, then the rest (so that
    ``read()`` is already waiting). ``then_close``: write only up to
    ``pause_at`` and close.
    """
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            whole = response(200, body) + extra
            if pause_at is not None:
                cut = len(whole) - len(body) - len(extra) + pause_at
                writer.write(whole[:cut])
                await writer.drain()
                await asyncio.sleep(0.1)
                if then_close:
                    return
                whole = whole[cut:]
            writer.write(whole)
            await writer.drain()
    return handler


async def connections_for_two_reads(handler: Handler, *,
                                    server_tls: ssl.SSLContext | None = None,
                                    client_tls: ssl.SSLContext | None = None) -> int:
    """GET twice on one pooled connector, read() each body (it must be BODY);
    how many connections the server accepted."""
    async with RawServer(handler=handler, ssl_context=server_tls) as server, \
            TCPConnector(ssl_context=client_tls) as connector:
        for _ in range(2):
            async with request("GET", server.url("/"), connector=connector) as resp:
                assert await asyncio.wait_for(resp.read(), 10) == BODY
                assert resp.content is not None
                assert resp.content.total_bytes == len(BODY)
        return server.connections


@needs_c
async def test_nginx_bodies_are_exact_and_the_connection_is_reused(
        nginx: NginxServer, receivers: list[_body_receiver.BodyReceiver]) -> None:
    expected = hashlib.sha256((nginx.root / "big.bin").read_bytes()).hexdigest()
    async with TCPConnector() as connector:
        protocols = set()
        for _ in range(5):
            async with request("GET", nginx.url + "/big.bin", connector=connector) as resp:
                assert resp.connection is not None
                protocol = resp.connection._protocol
                body = await asyncio.wait_for(resp.read(), 10)
                assert type(body) is bytes
                assert hashlib.sha256(body).hexdigest() == expected
                assert resp.content is not None
                assert resp.content.total_bytes == len(body)
                # The transport went back to the connection's protocol.
                assert protocol.transport is not None
                assert protocol.transport.get_protocol() is protocol
                protocols.add(protocol)
            # A small request on the same connection after it.
            async with request("GET", nginx.url + "/small.txt", connector=connector) as resp:
                assert await resp.read() == (nginx.root / "small.txt").read_bytes()
                assert resp.connection is None or resp.connection._protocol is protocol
        assert len(receivers) == 5
        assert len(protocols) == 1


@needs_c
@pytest.mark.parametrize("pause_at", [None, 100, 2**19])
async def test_raw_server_bodies_arriving_in_any_pieces(
        pause_at: int | None, receivers: list[_body_receiver.BodyReceiver]) -> None:
    assert await connections_for_two_reads(serve(BODY, pause_at=pause_at)) == 1
    assert len(receivers) == 2


@needs_c
async def test_over_tls(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext,
                        receivers: list[_body_receiver.BodyReceiver]) -> None:
    assert await connections_for_two_reads(serve(BODY, pause_at=2**16), server_tls=server_tls,
                                           client_tls=client_tls) == 1
    assert len(receivers) == 2


@needs_c
@pytest.mark.parametrize("extra", [b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil", b"junk"])
async def test_bytes_past_the_body_never_become_the_next_response(
        extra: bytes, receivers: list[_body_receiver.BodyReceiver]) -> None:
    assert await connections_for_two_reads(serve(BODY, extra, pause_at=2**16)) == 2
    assert len(receivers) == 2


@needs_c
async def test_a_body_cut_short_is_an_error_and_the_connection_is_closed(
        receivers: list[_body_receiver.BodyReceiver]) -> None:
    async with RawServer(handler=serve(BODY, pause_at=2**19, then_close=True)) as server, \
            TCPConnector() as connector:
        async with request("GET", server.url("/"), connector=connector) as resp:
            protocol = resp.connection._protocol if resp.connection is not None else None
            with pytest.raises(IncompleteRead) as caught:
                await asyncio.wait_for(resp.read(), 10)
            assert caught.value.expected == len(BODY) - 2**19
        assert isinstance(protocol, ClientProtocol)
        # Closed (or closing), not back in the pool.
        assert protocol.transport is None or protocol.transport.is_closing()
        async with request("GET", server.url("/"), connector=connector) as resp:
            assert resp.status == 200
        assert server.connections == 2
    assert len(receivers) == 1


@needs_c
async def test_a_cancelled_read_closes_the_connection(
        receivers: list[_body_receiver.BodyReceiver]) -> None:
    closed = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(response(200, BODY)[:2**19])
        await writer.drain()
        await reader.read()  # until the client closes
        closed.set()

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        resp = await request("GET", server.url("/"), connector=connector)
        task = asyncio.ensure_future(resp.read())
        await asyncio.sleep(0.2)
        assert len(receivers) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(closed.wait(), 5)
        assert resp.connection is None


def test_no_extensions_turns_receiving_in_place_off() -> None:
    assert run_without_extensions(
        "from aiohttp import _body_receiver as m; print(m.AVAILABLE)") == ["False"]


async def test_without_the_c_module_the_usual_path_gives_the_same_body(
        monkeypatch: pytest.MonkeyPatch, receivers: list[_body_receiver.BodyReceiver]) -> None:
    monkeypatch.setattr(_body_receiver, "AVAILABLE", False)
    assert await connections_for_two_reads(serve(BODY, pause_at=2**16)) == 1
    assert receivers == []


@needs_c
async def test_small_rests_and_streamed_bodies_take_the_usual_path(
        receivers: list[_body_receiver.BodyReceiver]) -> None:
    small = os.urandom(_body_receiver.DIRECT_MIN - 1)
    async with RawServer(handler=serve(small, pause_at=10)) as server, \
            TCPConnector() as connector:
        async with request("GET", server.url("/"), connector=connector) as resp:
            assert await asyncio.wait_for(resp.read(), 10) == small
        # Read piece by piece: content.read(), not read(): no receiver.
        async with request("GET", server.url("/"), connector=connector) as resp:
            pieces = []
            assert resp.content is not None
            while chunk := await asyncio.wait_for(resp.content.read(2**16), 10):
                pieces.append(chunk)
            assert b"".join(pieces) == small
    assert receivers == []
