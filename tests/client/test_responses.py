"""Responses: content codings and their limit, framing, interim and bodiless statuses."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import brotli  # type: ignore[import-untyped]
import pytest
from aiohttp.client import ClientResponse, request
from aiohttp.connector import TCPConnector
from aiohttp.errors import (
    ClientConnectionError,
    ContentEncodingError,
    IncompleteRead,
    PayloadTooLarge,
    TransferEncodingError,
)
from client_peers import RawServer, Recorded, read_request, response

TEXT = b"compress me " * 1000


@pytest.mark.parametrize(("coding", "encode"), [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw DEFLATE, as 0.9 servers sent
    ("br", brotli.compress),
])
async def test_content_codings(coding: str, encode: object) -> None:
    assert callable(encode)
    body = encode(TEXT)

    def respond(req: Recorded) -> bytes:
        assert "br" in req.headers["Accept-Encoding"]
        return response(200, body, (("Content-Encoding", coding),))
    async with RawServer(respond) as server, request("GET", server.url("/")) as resp:
        assert await resp.read() == TEXT


async def test_chunked_gzip() -> None:
    body = gzip.compress(TEXT)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 100]), body[i:i + 100])
                       for i in range(0, len(body), 100)) + b"0\r\n\r\n"

    def respond(req: Recorded) -> bytes:
        return response(200, chunked, (("Content-Encoding", "gzip"),
                                       ("Transfer-Encoding", "chunked")), length=False)
    async with RawServer(respond) as server, TCPConnector() as connector:
        for _ in range(2):
            async with request("GET", server.url("/"), connector=connector) as resp:
                assert await resp.read() == TEXT
        assert server.connections == 1


async def test_decompression_bomb_is_stopped() -> None:
    bomb = gzip.compress(b"\0" * (8 * 2**20))

    class Small(ClientResponse):
        max_decompressed_size = 2**20

    async with RawServer(lambda r: response(200, bomb, (("Content-Encoding", "gzip"),))) \
            as server:
        resp = await request("GET", server.url("/"), response_class=Small)
        with pytest.raises(PayloadTooLarge):
            await resp.read()
        assert resp.connection is None


async def test_default_decompressed_limit() -> None:
    assert ClientResponse.max_decompressed_size == 32 * 2**20


async def test_corrupt_gzip() -> None:
    async with RawServer(lambda r: response(200, b"\x1f\x8bnot really gzip",
                                            (("Content-Encoding", "gzip"),))) as server:
        resp = await request("GET", server.url("/"))
        with pytest.raises(ContentEncodingError):
            await resp.read()


async def test_bad_chunk_size() -> None:
    async with RawServer(lambda r: response(200, b"zz\r\nabc\r\n0\r\n\r\n",
                                            (("Transfer-Encoding", "chunked"),),
                                            length=False)) as server:
        resp = await request("GET", server.url("/"))
        with pytest.raises(TransferEncodingError):
            await resp.read()


async def test_chunked_body_cut_short() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")

    async with RawServer(handler=handler) as server:
        resp = await request("GET", server.url("/"))
        with pytest.raises(IncompleteRead):
            await resp.read()


async def test_read_until_eof() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")

    async with RawServer(handler=handler) as server:
        async with request("GET", server.url("/")) as resp:
            assert await resp.read() == b"until the end"
        async with request("GET", server.url("/"), read_until_eof=False) as resp:
            assert await resp.read() == b""


@pytest.mark.parametrize("status", [204, 304])
async def test_bodiless_statuses_are_not_read_to_eof(status: int) -> None:
    """A keep-alive server sends nothing after a 204/304 head: reading must not hang."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader) is not None:
            writer.write(f"HTTP/1.1 {status} X\r\nETag: \"e\"\r\n\r\n".encode())
            await writer.drain()

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        for _ in range(2):
            async with request("GET", server.url("/"), connector=connector) as resp:
                assert resp.status == status
                assert await asyncio.wait_for(resp.read(), 10) == b""
        assert server.connections == 1


async def test_interim_responses_are_skipped() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
                     + response(200, b"final"))
        await writer.drain()

    async with RawServer(handler=handler) as server, request("GET", server.url("/")) as resp:
        assert resp.status == 200
        assert await resp.read() == b"final"


async def test_garbage_status_line() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH\r\n\r\n")

    async with RawServer(handler=handler) as server:
        with pytest.raises(ClientConnectionError):
            await request("GET", server.url("/"))


async def test_closed_before_any_answer() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with RawServer(handler=handler) as server:
        with pytest.raises(ClientConnectionError):
            await request("GET", server.url("/"))


async def test_cookies_text_charset_and_repr() -> None:
    def respond(req: Recorded) -> bytes:
        return response(200, "caf\u00e9".encode("latin-1"), (
            ("Content-Type", "text/plain; charset=latin-1"),
            ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2")))
    async with RawServer(respond) as server, request("GET", server.url("/r")) as resp:
        assert await resp.text() == "caf\u00e9"
        assert resp.cookies["a"].value == "1" and resp.cookies["b"].value == "2"
        assert repr(resp) == f"<ClientResponse({server.url('/r')}) [200 OK]>"
        assert resp.version == (1, 1)


async def test_json_of_empty_body_and_wrong_type() -> None:
    async with RawServer(lambda r: response(200, b"  ")) as server:
        async with request("GET", server.url("/")) as resp:
            assert await resp.json() is None
    async with RawServer(lambda r: response(200, b"[1]",
                                            (("Content-Type", "text/plain"),))) as server:
        async with request("GET", server.url("/")) as resp:
            assert await resp.json() == [1]  # logged, not refused (0.9)


async def test_unclosed_response_warns() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        await reader.read()

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        resp = await request("GET", server.url("/"), connector=connector)
        assert resp.connection is not None
        with pytest.warns(ResourceWarning, match="closed explicitly"):
            resp.__del__()
        assert connector._in_use == 0
        assert resp.connection is None


async def test_unread_large_body_pauses_the_transport() -> None:
    """A body of known length goes straight to ``content``; while nobody reads
    it, at most 512 KiB (the limit, 256 KiB, and one more read of the
    transport) are taken in and the socket is not read."""
    body = bytes(range(256)) * 16384  # 4 MiB
    async with RawServer(lambda r: response(200, body)) as server, \
            request("GET", server.url("/")) as resp:
        assert resp.content is not None and resp.connection is not None
        transport = resp.connection.transport
        for _ in range(100):  # until the client stops reading (hang guard: 5 s)
            if not transport.is_reading():
                break
            await asyncio.sleep(0.05)
        assert not transport.is_reading()
        assert resp.content.total_bytes <= 2**19
        assert await resp.read() == body


async def test_known_length_body_read_in_pieces_across_chunks() -> None:
    """Lines and exact reads of a body that arrives in several small writes."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\nfirst")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b" line\nsecond")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"\n")
        await writer.drain()
        await asyncio.sleep(30)  # keeps the connection open: the length ends the body

    async with RawServer(handler=handler) as server, \
            request("GET", server.url("/")) as resp:
        assert resp.content is not None
        assert await resp.content.readline() == b"first line\n"
        assert await resp.content.readexactly(3) == b"sec"
        assert await resp.content.read() == b"ond\n"
        assert resp.connection is None  # complete: given back (and closed, no pool)


async def test_small_body_through_content_read_and_release() -> None:
    # A small body comes whole with its head: content, read() and release()
    # must still see it as a stream would, in any order.
    async with RawServer(lambda req: response(200, b"small body")) as server, \
            TCPConnector() as connector:
        resp = await request("GET", server.url("/"), connector=connector)
        assert resp.connection is None  # complete: the connection is back already
        assert resp.content is not None
        assert await resp.content.read(5) == b"small"
        assert await resp.content.read() == b" body"
        assert resp.content.at_eof()
        assert await resp.read() == b""  # content took it all

        resp = await request("GET", server.url("/"), connector=connector)
        assert await resp.read() == b"small body"
        assert await resp.read() == b"small body"  # cached
        assert resp.content is not None and resp.content.at_eof()
        assert await resp.content.read() == b""

        resp = await request("GET", server.url("/"), connector=connector)
        await resp.release()
        assert resp.content is not None
        assert await resp.content.read() == b"small body"  # release() had nothing to read
        resp.close()
        assert server.connections == 1


async def test_empty_body_has_a_content_at_eof() -> None:
    async with RawServer(lambda req: response(204, b"")) as server, \
            request("GET", server.url("/")) as resp:
        assert resp.status == 204
        assert resp.content is not None and resp.content.at_eof()
        assert await resp.read() == b""


async def test_large_body_sent_with_its_head_in_one_write() -> None:
    # Head and a 200 KiB body leave in one write and usually arrive in one
    # read: the body part goes to content without being cut off the chunk.
    body = bytes(range(256)) * 800

    async with RawServer(lambda req: response(200, body)) as server, \
            TCPConnector() as connector:
        for _ in range(3):
            resp = await request("GET", server.url("/"), connector=connector)
            assert await resp.read() == body
        resp = await request("GET", server.url("/"), connector=connector)
        assert resp.content is not None
        pieces = [await resp.content.read(1000)]
        while piece := await resp.content.read(70000):
            assert type(piece) is bytes
            pieces.append(piece)
        assert b"".join(pieces) == body
        resp.close()
        assert server.connections == 1
