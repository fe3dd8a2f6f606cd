"""Every kind of request body, as a raw server receives it."""

from __future__ import annotations

import asyncio
import io
import zlib
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest
from aiohttp import client as client_module
from aiohttp.client import request
from aiohttp.connector import TCPConnector
from aiohttp.errors import ClientConnectionError
from aiohttp.helpers import BasicAuth, FormData
from aiohttp.streams import DataQueue, StreamReader
from client_peers import RawServer, Recorded, response


def echo(req: Recorded) -> bytes:
    return response(200, req.body, (("Content-Type", "application/octet-stream"),))


async def test_bytes_body() -> None:
    async with RawServer(echo) as server:
        async with request("POST", server.url("/"), data=b"abc") as resp:
            assert await resp.read() == b"abc"
        (got,) = server.requests
        assert got.headers["Content-Length"] == "3"
        assert got.headers["Content-Type"] == "application/octet-stream"
        assert "Transfer-Encoding" not in got.headers


async def test_str_body_is_encoded() -> None:
    async with RawServer(echo) as server:
        async with request("PUT", server.url("/"), data="h\u00e9", encoding="latin-1") as resp:
            assert await resp.read() == "h\u00e9".encode("latin-1")
        assert server.requests[0].headers["Content-Type"] == "text/plain; charset=latin-1"


async def test_dict_is_urlencoded() -> None:
    async with RawServer(echo) as server:
        async with request("POST", server.url("/"), data={"a": "1", "b": "x y"}) as resp:
            assert await resp.read() == b"a=1&b=x+y"
        got = server.requests[0]
        assert got.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert got.headers["Content-Length"] == "9"


async def test_multipart_with_a_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"file body")
    async with RawServer(echo) as server:
        with path.open("rb") as file:
            form = FormData([("name", "value"), ("upload", file)])
            async with request("POST", server.url("/"), data=form) as resp:
                body = await resp.read()
        got = server.requests[0]
        assert got.headers["Transfer-Encoding"] == "chunked"
        boundary = got.headers["Content-Type"].split("boundary=")[1]
        assert body.startswith(f"--{boundary}\r\n".encode())
        assert b'name="name"\r\n\r\nvalue\r\n' in body
        assert b'filename="notes.txt"' in body
        assert b"file body" in body
        assert body.endswith(f"--{boundary}--\r\n".encode())


async def test_async_generator_is_chunked() -> None:
    async def gen() -> AsyncIterator[bytes]:
        for piece in (b"one ", b"two ", b"three"):
            await asyncio.sleep(0)
            yield piece
    async with RawServer(echo) as server:
        async with request("POST", server.url("/"), data=gen()) as resp:
            assert await resp.read() == b"one two three"
        assert server.requests[0].headers["Transfer-Encoding"] == "chunked"


async def test_sync_generator_with_futures_and_return_value() -> None:
    def gen() -> Generator[object, None, bytes]:
        yield b"first "
        yield asyncio.sleep(0)  # 0.9 generators yielded futures to wait for
        yield b"second "
        return b"last"
    async with RawServer(echo) as server, request("POST", server.url("/"), data=gen()) as resp:
        assert await resp.read() == b"first second last"


async def test_generator_yielding_text_fails_clearly() -> None:
    def gen() -> Iterator[object]:
        yield "not bytes"
    async with RawServer(echo) as server:
        with pytest.raises(ClientConnectionError, match="yielded a str, not bytes"):
            async with request("POST", server.url("/"), data=gen()) as resp:
                await resp.read()


async def test_stream_reader_body() -> None:
    stream = StreamReader()
    stream.feed_data(b"from a ")
    stream.feed_data(b"stream")
    stream.feed_eof()
    async with RawServer(echo) as server, request("POST", server.url("/"), data=stream) as resp:
        assert await resp.read() == b"from a stream"


async def test_asyncio_stream_reader_body() -> None:
    stream = asyncio.StreamReader()
    stream.feed_data(b"asyncio")
    stream.feed_eof()
    async with RawServer(echo) as server, request("POST", server.url("/"), data=stream) as resp:
        assert await resp.read() == b"asyncio"


async def test_data_queue_body() -> None:
    queue: DataQueue[bytes] = DataQueue()
    queue.feed_data(b"queued ")
    queue.feed_data(b"items")
    queue.feed_eof()
    async with RawServer(echo) as server, request("POST", server.url("/"), data=queue) as resp:
        assert await resp.read() == b"queued items"


async def test_file_object_body_has_a_length(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    content = b'{"x": 1}' * 20000
    path.write_bytes(content)
    async with RawServer(echo) as server:
        with path.open("rb") as file:
            async with request("POST", server.url("/"), data=file) as resp:
                assert await resp.read() == content
        got = server.requests[0]
        assert got.headers["Content-Length"] == str(len(content))
        assert got.headers["Content-Type"] == "application/json"


async def test_bytesio_body() -> None:
    async with RawServer(echo) as server:
        async with request("POST", server.url("/"), data=io.BytesIO(b"in memory")) as resp:
            assert await resp.read() == b"in memory"
        assert server.requests[0].headers["Content-Length"] == "9"


async def test_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("x")
    with path.open() as file, pytest.raises(ValueError, match="binary"):
        await request("POST", "http://127.0.0.1:9/", data=file)


async def test_compress_deflate_is_zlib_format() -> None:
    async with RawServer(echo) as server:
        async with request("POST", server.url("/"), data=b"x" * 1000, compress=True) as resp:
            sent = await resp.read()
        got = server.requests[0]
        assert got.headers["Content-Encoding"] == "deflate"
        assert got.headers["Transfer-Encoding"] == "chunked"
        assert zlib.decompress(sent) == b"x" * 1000


async def test_compress_gzip() -> None:
    async with RawServer(echo) as server:
        async with request("POST", server.url("/"), data=b"y" * 1000, compress="gzip") as resp:
            sent = await resp.read()
        assert zlib.decompress(sent, 16 + zlib.MAX_WBITS) == b"y" * 1000


async def test_chunked_with_a_size_recuts_the_body() -> None:
    chunk_sizes: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        while size := int((await reader.readuntil(b"\r\n"))[:-2], 16):
            chunk_sizes.append(size)
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
        writer.write(response(204))
        await writer.drain()

    async with RawServer(handler=handler) as server:
        async with request("POST", server.url("/"), data=b"z" * 25, chunked=10) as resp:
            assert resp.status == 204
    assert chunk_sizes == [10, 10, 5]


async def test_expect_100_continue() -> None:
    async with RawServer(echo) as server:
        async with request("PUT", server.url("/"), data=b"after continue",
                           expect100=True) as resp:
            assert resp.status == 200
            assert await resp.read() == b"after continue"
        assert server.requests[0].headers["Expect"] == "100-continue"


async def test_expect_100_refused_body_never_sent() -> None:
    received = bytearray()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(response(417, b"no", reason="Expectation Failed"))
        await writer.drain()
        try:
            received.extend(await asyncio.wait_for(reader.read(100), 0.2))
        except TimeoutError:
            pass

    async with RawServer(handler=handler) as server, TCPConnector() as connector:
        async with request("PUT", server.url("/"), data=b"secret body", expect100=True,
                           connector=connector) as resp:
            assert resp.status == 417
            assert await resp.read() == b"no"
        assert connector._idle_count == 0  # not reusable: the body was promised
    assert b"secret body" not in received


async def test_basic_auth_and_url_credentials() -> None:
    async with RawServer(echo) as server:
        async with request("GET", server.url("/"), auth=BasicAuth("u", "p")) as resp:
            await resp.read()
        url = server.url("/").replace("http://", "http://us%40er:pa%3Ass@")
        async with request("GET", url) as resp:
            await resp.read()
    first, second = server.requests
    assert BasicAuth.decode(first.headers["Authorization"]) == BasicAuth("u", "p")
    assert BasicAuth.decode(second.headers["Authorization"]) == BasicAuth("us@er", "pa:ss")
    assert second.headers["Host"] == f"127.0.0.1:{server.port}"


async def test_params_headers_cookies_and_fragment() -> None:
    async with RawServer(echo) as server:
        async with request("GET", server.url("/p a?x=1#frag"), params={"y": "2"},
                           headers={"X-Custom": "v"}, cookies={"c": "d"}) as resp:
            await resp.read()
        async with request("GET", server.url("/raw"), params=b"a=1&b") as resp:
            await resp.read()
    first, second = server.requests
    assert first.target == "/p%20a?x=1&y=2"
    assert first.headers["X-Custom"] == "v"
    assert first.headers["Cookie"] == "c=d"
    assert first.headers["Accept"] == "*/*"
    assert "gzip" in first.headers["Accept-Encoding"]
    assert first.headers["User-Agent"].startswith("Python/")
    assert second.target == "/raw?a=1&b"


async def test_backpressure_on_upload() -> None:
    """A producer is not driven faster than the server reads."""
    produced = 0
    release = asyncio.Event()

    async def gen() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(2000):
            produced += 65536
            yield b"\0" * 65536

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await release.wait()
        writer.write(response(200, b"done"))
        writer.close()

    async with RawServer(handler=handler) as server:
        task = asyncio.ensure_future(request("POST", server.url("/"), data=gen()))
        for _ in range(200):
            await asyncio.sleep(0.01)
        # 2000 pieces would be 125 MiB; the socket buffers hold only a few MiB.
        assert produced < 32 * 2**20
        release.set()
        try:
            resp = await task
            resp.close()
        except Exception:
            pass  # the server closed mid-upload; only the bound mattered


async def test_content_encoding_header_compresses_unless_compress_false() -> None:
    raw = b"plain " * 100
    encoded = zlib.compress(raw)
    async with RawServer(echo) as server:
        async with request("POST", server.url("/"), data=encoded, compress=False,
                           headers={"Content-Encoding": "deflate"}) as resp:
            assert await resp.read() == encoded
        async with request("POST", server.url("/"), data=raw,
                           headers={"Content-Encoding": "deflate"}) as resp:
            assert zlib.decompress(await resp.read()) == raw  # 0.9: the header asks for it
    first, second = server.requests
    assert first.headers["Content-Length"] == str(len(encoded))
    assert second.headers["Transfer-Encoding"] == "chunked"


async def test_heads_of_bodiless_requests_are_remembered_and_still_checked() -> None:
    """A bodiless request's head is written by aiohttp.protocol once and then
    reused: the same request gives the same bytes, a different one its own,
    an invalid field fails every time, and credentials are never kept."""
    async with RawServer(echo) as server, TCPConnector() as connector:
        for _ in range(2):
            async with request("GET", server.url("/same"), headers={"X-A": "1"},
                               connector=connector) as resp:
                await resp.read()
        async with request("GET", server.url("/same"), headers={"X-A": "2"},
                           connector=connector) as resp:
            await resp.read()
        async with request("DELETE", server.url("/same"), connector=connector) as resp:
            await resp.read()
        async with request("GET", server.url("/same"), auth=BasicAuth("u", "secret"),
                           connector=connector) as resp:
            await resp.read()
        for _ in range(2):
            with pytest.raises(ValueError):
                await request("GET", server.url("/bad"), headers={"X-B": "a\r\nInjected: 1"},
                              connector=connector)
    first, second, third, delete, authorized = server.requests
    assert first.raw_head == second.raw_head
    assert first.headers["X-A"] == "1" and third.headers["X-A"] == "2"
    assert third.raw_head == first.raw_head.replace(b"X-A: 1", b"X-A: 2")
    assert delete.method == "DELETE" and delete.headers["Content-Length"] == "0"
    assert "Authorization" in authorized.headers
    assert not any(b"secret" in head or b"dTpzZWNyZXQ=" in head
                   for head in client_module._HEADS.values())
