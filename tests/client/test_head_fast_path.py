"""The response head taken whole from the first chunk (``parse_whole``) or,
when it does not come whole, by the head parser as before: both give the
same responses on one keep-alive connection."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

import pytest
from aiohttp.client import ClientResponse, request
from aiohttp.connector import TCPConnector
from aiohttp.errors import ClientConnectionError
from aiohttp.protocol import HttpResponseParser
from client_peers import RawServer, read_request, response


class CountingParser(HttpResponseParser):
    """Counts the runs of the parser generator (the general path)."""

    runs = 0

    def __call__(self, out: Any, buf: Any) -> Generator[None, bytes, None]:
        CountingParser.runs += 1
        return super().__call__(out, buf)


class CountingResponse(ClientResponse):
    response_parser = CountingParser()


BIG = b"x" * (3 * 2**14)

# (what the server writes, with a pause between the pieces; status; body;
#  whether the parser generator runs).
CASES: list[tuple[list[bytes], int, bytes, bool]] = [
    ([response(200, b"Hello, world!\n")], 200, b"Hello, world!\n", False),
    ([response(404, b"")], 404, b"", False),
    ([b"HTTP/1.1 200 OK\r\nContent-Len", b"gth: 2\r\n\r\nok"], 200, b"ok", True),
    ([b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", b"late"], 200, b"late", False),
    ([b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + response(200, b"final")],
     200, b"final", True),
    ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"],
     200, b"ok", False),
    ([b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok"], 200, b"ok", True),  # bare LF: lenient path
    # A chunk over 16 KiB: the head is taken whole, the body goes to the
    # sink from the chunk itself.
    ([response(200, BIG)], 200, BIG, False),
    # The same with a head only the lenient parser takes (obs-fold): the
    # parser, and the chunk cut after the head (the split path).
    ([b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 49152\r\n\r\n" + BIG],
     200, BIG, True),
]


async def test_heads_whole_or_not_give_the_same_responses() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for pieces, _, _, _ in CASES:
            if await read_request(reader) is None:
                return
            for piece in pieces:
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.05)

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        for pieces, status, body, general in CASES:
            before = CountingParser.runs
            async with request("GET", server.url("/"), connector=connector,
                               response_class=CountingResponse) as resp:
                assert resp.status == status, pieces
                assert await asyncio.wait_for(resp.read(), 10) == body
            assert (CountingParser.runs > before) is general, pieces
        assert server.connections == 1


@pytest.mark.parametrize("extra", [b"HTTP/1.1 200 OK\r\n", b"junk"])
@pytest.mark.parametrize("first", [len(BIG), 2**15])
async def test_bytes_after_a_big_body_never_become_the_next_response(
        extra: bytes, first: int) -> None:
    """A chunk over 16 KiB with the head and the body (whole, or its first
    ``first`` bytes and the rest in a second chunk), the body's last chunk
    with bytes past its end: the body is exact, and the next request gets a
    new connection."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            whole = response(200, BIG) + extra
            end = len(whole) - len(BIG) - len(extra) + first
            if first < len(BIG):
                writer.write(whole[:end])
                await writer.drain()
                await asyncio.sleep(0.05)
                whole = whole[end:]
            writer.write(whole)
            await writer.drain()

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        for _ in range(2):
            async with request("GET", server.url("/"), connector=connector) as resp:
                assert await asyncio.wait_for(resp.read(), 10) == BIG
        assert server.connections == 2


@pytest.mark.parametrize("answer", [b"", b"HTTP/1.1 200 OK\r\nA: 1\r\n", b"SSH-2.0-OpenSSH\r\n\r\n"])
async def test_no_whole_head_before_the_end_is_an_error(answer: bytes) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()
        await asyncio.sleep(0.05)

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        with pytest.raises(ClientConnectionError):
            await request("GET", server.url("/"), connector=connector)


@pytest.mark.parametrize("first", [b"", b"HTTP/1.1 200 OK\r\nContent-Le"],
                         ids=["no-head-yet", "half-a-head"])
async def test_a_request_cancelled_while_its_head_is_due_leaves_the_pool_sound(
        first: bytes) -> None:
    """Cancelled on an idle pooled connection (the whole-head path was armed):
    that connection is closed, not reused, and the late answer read by nobody;
    the next requests get their own answers."""
    late = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            if late.is_set():
                writer.write(first)
                await writer.drain()
                await asyncio.sleep(0.3)
                writer.write(response(200, b"late") if not first else b"ngth: 4\r\n\r\nlate")
                await writer.drain()
            else:
                writer.write(response(200, b"ok"))
                await writer.drain()

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        async with request("GET", server.url("/"), connector=connector) as resp:
            assert await resp.read() == b"ok"  # a pooled connection, idle
        late.set()
        task = asyncio.ensure_future(request("GET", server.url("/"), connector=connector))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        late.clear()
        await asyncio.sleep(0.4)  # the late answer has come, to the closed connection
        for _ in range(2):
            async with request("GET", server.url("/"), connector=connector) as resp:
                assert await asyncio.wait_for(resp.read(), 10) == b"ok"
        assert server.connections == 2
