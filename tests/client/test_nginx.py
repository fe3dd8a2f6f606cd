"""The client against a real nginx: static files, gzip, keep-alive, redirects."""

from __future__ import annotations

import asyncio

from aiohttp.client import request
from aiohttp.connector import TCPConnector
from nginx_server import BIG_SIZE, PAGE_BODY, SMALL_BODY, NginxServer


async def test_get_small_file(nginx: NginxServer) -> None:
    resp = await request("GET", nginx.url + "/small.txt")
    assert resp.status == 200
    assert resp.reason == "OK"
    assert resp.headers["content-type"] == "text/plain"
    assert await resp.read() == SMALL_BODY
    assert await resp.text() == SMALL_BODY.decode()
    assert resp.connection is None  # given back (closed: no connector was passed)


async def test_async_with_both_forms(nginx: NginxServer) -> None:
    async with request("GET", nginx.url + "/small.txt") as resp:
        assert await resp.read() == SMALL_BODY
    async with await request("GET", nginx.url + "/small.txt") as resp:
        assert await resp.read() == SMALL_BODY


async def test_gzip_is_decoded(nginx: NginxServer) -> None:
    async with request("GET", nginx.url + "/page.html") as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        assert "Content-Length" not in resp.headers  # nginx streams gzip chunked
        assert await resp.read() == PAGE_BODY


async def test_gzip_as_sent_when_asked_for_identity(nginx: NginxServer) -> None:
    async with request("GET", nginx.url + "/page.html",
                       headers={"Accept-Encoding": "identity"}) as resp:
        assert "Content-Encoding" not in resp.headers
        assert int(resp.headers["Content-Length"]) == len(PAGE_BODY)
        assert await resp.read() == PAGE_BODY


async def test_one_mebibyte_download(nginx: NginxServer) -> None:
    big = (nginx.root / "big.bin").read_bytes()
    async with request("GET", nginx.url + "/big.bin") as resp:
        assert int(resp.headers["Content-Length"]) == BIG_SIZE
        assert await resp.read() == big


async def test_streamed_download_through_content(nginx: NginxServer) -> None:
    big = (nginx.root / "big.bin").read_bytes()
    async with request("GET", nginx.url + "/big.bin") as resp:
        assert resp.content is not None
        pieces = []
        while piece := await resp.content.read(65536):
            pieces.append(piece)
        assert b"".join(pieces) == big


async def test_keep_alive_reuses_one_connection(nginx: NginxServer) -> None:
    async with TCPConnector() as connector:
        transports = set()
        for _ in range(5):
            async with request("GET", nginx.url + "/small.txt", connector=connector) as resp:
                assert await resp.read() == SMALL_BODY
            (entries,) = connector._idle.values()
            transports.add(id(entries[0][0].transport))
        assert len(transports) == 1


async def test_concurrent_requests_share_the_pool(nginx: NginxServer) -> None:
    async with TCPConnector(limit=10) as connector:
        async def fetch() -> bytes:
            async with request("GET", nginx.url + "/small.txt", connector=connector) as resp:
                body: bytes = await resp.read()
                return body
        bodies = await asyncio.gather(*(fetch() for _ in range(50)))
        assert bodies == [SMALL_BODY] * 50
        assert connector._idle_count <= 10


async def test_redirect_chain(nginx: NginxServer) -> None:
    async with request("GET", nginx.url + "/redirect-chain") as resp:
        assert resp.status == 200
        assert [r.status for r in resp.history] == [301, 302]
        assert resp.url == nginx.url + "/small.txt"
        assert await resp.read() == SMALL_BODY


async def test_head_has_no_body(nginx: NginxServer) -> None:
    async with TCPConnector() as connector:
        async with request("HEAD", nginx.url + "/big.bin", connector=connector) as resp:
            assert int(resp.headers["Content-Length"]) == BIG_SIZE
            assert await resp.read() == b""
        # the connection is reusable: no body bytes were left on it
        async with request("GET", nginx.url + "/small.txt", connector=connector) as resp:
            assert await resp.read() == SMALL_BODY


async def test_json(nginx: NginxServer) -> None:
    async with request("GET", nginx.url + "/json") as resp:
        assert await resp.json() == {"ok": True}


async def test_404(nginx: NginxServer) -> None:
    async with request("GET", nginx.url + "/missing") as resp:
        assert resp.status == 404
        assert b"404" in await resp.read()


async def test_nginx_counts_one_connection_for_kept_alive_requests(nginx: NginxServer) -> None:
    # bench_client.py relies on these counters to show that a client reuses
    # its connections; each counters() read is one connection and one request.
    accepted, served = nginx.counters()
    async with TCPConnector() as connector:
        for path in ("/small.txt", "/big.bin", "/small.txt", "/json"):
            async with request("GET", nginx.url + path, connector=connector) as resp:
                await resp.read()
    after_accepted, after_served = nginx.counters()
    assert after_accepted - accepted == 2
    assert after_served - served == 5


async def test_nginx_counts_a_connection_per_request_without_a_connector(
        nginx: NginxServer) -> None:
    accepted, _ = nginx.counters()
    for _ in range(3):
        async with request("GET", nginx.url + "/small.txt") as resp:
            await resp.read()
    after_accepted, _ = nginx.counters()
    assert after_accepted - accepted == 4
