"""Our HTTP/1.x parsers and writers against real peers, over real sockets.

Unit tests can only check our parsers against our writers, which would agree
on the same mistake. Here each side of ours talks to an independent
implementation over 127.0.0.1:

* Server side: a small asyncio server built only from ``StreamProtocol``,
  ``HttpRequestParser``, ``HttpPayloadParser`` and our ``Response`` writer
  answers Python's ``http.client`` and ``curl``: Content-Length and chunked
  uploads, keep-alive reuse and pipelining, HEAD, ``Expect: 100-continue``,
  HTTP/1.0, and gzip responses from our compression filter that curl
  decodes. Smuggling attempts sent over a raw socket are refused with a 400
  built from the error's ``code`` and the connection is closed, so the
  smuggled request is never seen.
* Client side: our ``Request`` writer and ``HttpResponseParser`` +
  ``HttpPayloadParser`` (through ``StreamProtocol``/``StreamParser``) talk to
  the standard library's ``ThreadingHTTPServer``, whose handler writes
  fixed-length, hand-framed chunked (with extensions and trailers), HTTP/1.0
  until-close and gzip responses, and decodes our chunked and compressed
  request bodies with the standard library.

Every server and client is closed and waited for (pytest turns a
``ResourceWarning`` into an error), and every test runs under
``asyncio.timeout`` (plus socket and subprocess timeouts in the threads) so
that a bug fails instead of hanging. Nothing measures time.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import http.client
import importlib
import subprocess
import threading
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiohttp.errors import ConnectionError as AiohttpConnectionError
from aiohttp.errors import HttpException
from aiohttp.parsers import StreamProtocol
from aiohttp.protocol import (
    HttpPayloadParser,
    HttpRequestParser,
    HttpResponseParser,
    HttpVersion10,
    HttpVersion11,
    RawRequestMessage,
    RawResponseMessage,
    Request,
    Response,
)
from aiohttp.streams import EofStream
from multidict import CIMultiDictProxy

brotli: Any = importlib.import_module("brotli")

#: Bound on every test; a bug must fail, not hang.
TIMEOUT = 20
#: Bound on each blocking peer (http.client, curl, the handler threads).
PEER_TIMEOUT = 10
CURL = "/usr/bin/curl"

TEXT = b"".join(b"%06d the quick brown fox jumps over the lazy dog\n" % i for i in range(4000))
BINARY = (bytes(range(256)) * 64 + b"\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"
          + bytes(range(255, -1, -1)))


# ======================================================================================
# (a) Our server, real clients
# ======================================================================================


@dataclass
class Seen:
    """What the server saw of one request."""

    connection: int
    method: str
    path: str
    version: tuple[int, int]
    headers: CIMultiDictProxy[str]
    body: bytes


@dataclass
class ServerState:
    connections: int = 0
    requests: list[Seen] = field(default_factory=list)
    errors: list[HttpException] = field(default_factory=list)
    protocols: list[ServerConnection] = field(default_factory=list)


class ServerConnection(StreamProtocol):
    """One connection of the test server: request head, body, response; repeat
    while the connection is kept alive."""

    def __init__(self, state: ServerState) -> None:
        super().__init__()
        self.state = state
        state.connections += 1
        self.number = state.connections
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.task = asyncio.ensure_future(self.serve())

    async def serve(self) -> None:
        try:
            while True:
                try:
                    message = await self.reader.set_parser(HttpRequestParser()).read()
                except (EofStream, AiohttpConnectionError, ConnectionError):
                    return  # the client closed the connection between requests
                except HttpException as exc:
                    await self.refuse(exc)
                    return
                assert isinstance(message, RawRequestMessage)
                if message.headers.get("Expect", "").lower() == "100-continue":
                    interim = Response(self.stream_writer(), 100, message.version)
                    interim.send_headers()
                    await interim.write_eof()
                payload = self.reader.set_parser(HttpPayloadParser(message))
                body = bytearray()
                try:
                    while True:
                        body += await payload.read()
                except EofStream:
                    pass
                except HttpException as exc:
                    await self.refuse(exc)
                    return
                except (AiohttpConnectionError, ConnectionError):
                    return
                self.state.requests.append(Seen(
                    self.number, message.method, message.path,
                    (message.version.major, message.version.minor),
                    message.headers, bytes(body)))
                if not await self.answer(message, bytes(body)):
                    return
        finally:
            if self.transport is not None:
                self.transport.close()

    def stream_writer(self) -> Any:
        assert self.writer is not None
        return self.writer

    async def refuse(self, exc: HttpException) -> None:
        """Answer an unparseable request with the error's code, and close."""
        self.state.errors.append(exc)
        response = Response(self.stream_writer(), exc.code or 500, close=True)
        text = f"{type(exc).__name__}: {exc}".encode("utf-8", "backslashreplace")
        response.add_header("Content-Type", "text/plain; charset=utf-8")
        response.add_header("Content-Length", str(len(text)))
        response.write(text)
        await response.write_eof()

    async def answer(self, message: RawRequestMessage, body: bytes) -> bool:
        """Echo the request: method, path and framing in headers, the body as
        the body. ``/gzip`` answers TEXT through our gzip compression filter,
        ``/chunked`` echoes the body re-cut into 1000-byte chunks."""
        response = Response(self.stream_writer(), 200, message.version,
                            request_method=message.method)
        if message.should_close:
            response.force_close()
        elif message.version == HttpVersion10:
            response.add_header("Connection", "keep-alive")
        framing = ("chunked" if "Transfer-Encoding" in message.headers
                   else "length" if "Content-Length" in message.headers else "none")
        response.add_header("X-Method", message.method)
        response.add_header("X-Path", message.path)
        response.add_header("X-Framing", framing)
        response.add_header("X-Body-Sha256", hashlib.sha256(body).hexdigest())
        response.add_header("X-Request-Number", str(
            sum(1 for seen in self.state.requests if seen.connection == self.number)))
        if message.path.startswith("/gzip"):
            response.add_header("Content-Type", "text/plain")
            response.add_header("Content-Encoding", "gzip")
            response.add_compression_filter("gzip")
            for start in range(0, len(TEXT), 10_000):
                response.write(TEXT[start:start + 10_000])
        elif message.path.startswith("/text"):
            response.add_header("Content-Length", str(len(TEXT)))
            response.write(TEXT)  # dropped for HEAD
        elif message.path.startswith("/chunked"):
            response.add_chunking_filter(1000)
            response.write(body)
        else:
            response.add_header("Content-Length", str(len(body)))
            response.write(body)
        await response.write_eof()
        return response.keep_alive()


@asynccontextmanager
async def http_server() -> AsyncIterator[tuple[int, ServerState]]:
    loop = asyncio.get_running_loop()
    state = ServerState()

    def make() -> ServerConnection:
        state.protocols.append(ServerConnection(state))
        return state.protocols[-1]

    server = await loop.create_server(make, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, state
    finally:
        server.close()
        for proto in state.protocols:
            if proto.transport is not None:
                proto.transport.abort()
        tasks = [proto.task for proto in state.protocols if proto.task is not None]
        await asyncio.gather(*tasks)
        for proto in state.protocols:
            if proto.writer is not None:
                await proto.writer.wait_closed()
        await server.wait_closed()


# -- http.client ------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    version: int
    headers: dict[str, str]
    body: bytes


#: (method, path, body, headers, encode_chunked)
ClientRequest = tuple[str, str, Any, dict[str, str], bool]


def http_client(port: int, requests: list[ClientRequest]) -> list[Reply]:
    """Send ``(method, path, body, headers, encode_chunked)`` requests over ONE
    http.client connection (a blocking peer, run in a thread)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PEER_TIMEOUT)
    replies = []
    sockets = set()
    try:
        for method, path, body, headers, encode_chunked in requests:
            conn.request(method, path, body=body, headers=headers, encode_chunked=encode_chunked)
            sockets.add(id(conn.sock))
            resp = conn.getresponse()
            data = resp.read()
            replies.append(Reply(resp.status, resp.version, {k.lower(): v for k, v in
                                                             resp.getheaders()}, data))
    finally:
        conn.close()
    assert len(sockets) == 1, "http.client opened a new connection"
    return replies


async def test_http_client_get_post_chunked_head_on_one_connection() -> None:
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        requests: list[ClientRequest] = [
            ("GET", "/first?q=1", None, {}, False),
            ("POST", "/upload", BINARY, {"Content-Type": "application/octet-stream"}, False),
            ("POST", "/chunked-upload", iter([b"abc", b"", b"de", BINARY]),
             {"Transfer-Encoding": "chunked"}, True),
            ("HEAD", "/text", None, {}, False),
            ("GET", "/after-head", None, {"X-Custom": "value"}, False),
            ("PUT", "/chunked", BINARY, {}, False),
            ("GET", "/gzip", None, {}, False),
            ("DELETE", "/last", b"", {}, False),
        ]
        replies = await asyncio.to_thread(http_client, port, requests)

    assert state.connections == 1
    assert state.errors == []
    assert [(s.method, s.path, s.body) for s in state.requests] == [
        ("GET", "/first?q=1", b""),
        ("POST", "/upload", BINARY),
        ("POST", "/chunked-upload", b"abcde" + BINARY),
        ("HEAD", "/text", b""),
        ("GET", "/after-head", b""),
        ("PUT", "/chunked", BINARY),
        ("GET", "/gzip", b""),
        ("DELETE", "/last", b""),
    ]
    assert state.requests[4].headers["x-custom"] == "value"
    assert all(r.status == 200 and r.version == 11 for r in replies)
    assert [r.headers["x-framing"] for r in replies] == [
        "none", "length", "chunked", "none", "none", "length", "none", "length"]
    assert [r.headers["x-request-number"] for r in replies] == [str(n) for n in range(1, 9)]
    get, post, chunked_post, head, after_head, chunked_reply, gzipped, delete = replies
    assert get.body == b"" and get.headers["content-length"] == "0"
    assert post.body == BINARY and post.headers["content-length"] == str(len(BINARY))
    assert chunked_post.body == b"abcde" + BINARY
    # HEAD: the headers a GET would get, and no body (else the next reply breaks).
    assert head.body == b"" and head.headers["content-length"] == str(len(TEXT))
    assert head.headers["x-method"] == "HEAD"
    assert after_head.headers["x-path"] == "/after-head"
    assert chunked_reply.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in chunked_reply.headers
    assert chunked_reply.body == BINARY
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(gzipped.body) == TEXT
    assert delete.body == b""
    for reply in replies:
        assert "date" in reply.headers and reply.headers["server"].startswith("Python/")
        assert "connection" not in reply.headers


async def test_http_client_connection_close() -> None:
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        (reply,) = await asyncio.to_thread(
            http_client, port, [("POST", "/bye", b"data", {"Connection": "close"}, False)])
    assert reply.headers["connection"] == "close"
    assert reply.body == b"data"
    assert state.requests[0].headers["Connection"] == "close"


# -- curl -------------------------------------------------------------------------------


@dataclass
class CurlResult:
    blocks: list[list[str]]  # every header block curl received (1xx included)
    body: bytes
    stderr: str
    stdout: str

    @property
    def status_line(self) -> str:
        return self.blocks[-1][0]

    @property
    def headers(self) -> dict[str, str]:
        fields = {}
        for line in self.blocks[-1][1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        return fields


def run_curl(tmp_path: Path, *args: str) -> CurlResult:
    headers, body = tmp_path / "curl-headers", tmp_path / "curl-body"
    done = subprocess.run(
        [CURL, "--silent", "--show-error", "--fail-with-body", "--max-time", str(PEER_TIMEOUT),
         "--dump-header", str(headers), "--output", str(body), *args],
        capture_output=True, timeout=PEER_TIMEOUT + 5, check=False)
    assert done.returncode == 0, done.stderr.decode()
    text = headers.read_bytes().decode("latin1")
    blocks = [block.split("\r\n") for block in text.split("\r\n\r\n") if block]
    return CurlResult(blocks, body.read_bytes(), done.stderr.decode(), done.stdout.decode())


async def curl(tmp_path: Path, *args: str) -> CurlResult:
    return await asyncio.to_thread(run_curl, tmp_path, *args)


async def test_curl_get_and_data_binary(tmp_path: Path) -> None:
    upload = tmp_path / "upload.bin"
    upload.write_bytes(BINARY)
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        got = await curl(tmp_path, f"http://127.0.0.1:{port}/get/path?x=%20y")
        posted = await curl(tmp_path, "--data-binary", f"@{upload}",
                            f"http://127.0.0.1:{port}/post")
    assert got.status_line == "HTTP/1.1 200 OK"
    assert got.headers["x-path"] == "/get/path?x=%20y"
    assert got.body == b""
    assert posted.status_line == "HTTP/1.1 200 OK"
    assert posted.headers["x-method"] == "POST"
    assert posted.headers["x-framing"] == "length"
    assert posted.body == BINARY
    assert [(s.method, s.body) for s in state.requests] == [("GET", b""), ("POST", BINARY)]
    assert state.requests[1].headers["Content-Type"] == "application/x-www-form-urlencoded"


async def test_curl_head(tmp_path: Path) -> None:
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        # --next: a second transfer (a GET) on the same connection.
        head = await curl(tmp_path, "--head", f"http://127.0.0.1:{port}/text",
                          "--next", "--output", str(tmp_path / "get"),
                          f"http://127.0.0.1:{port}/text")
    assert [block[0] for block in head.blocks] == ["HTTP/1.1 200 OK"]
    assert head.headers["x-method"] == "HEAD"
    assert head.headers["content-length"] == str(len(TEXT))
    # With --head curl writes the header block as the output: nothing follows it.
    assert head.body.endswith(b"\r\n\r\n") and head.body.count(b"\r\n\r\n") == 1
    assert (tmp_path / "get").read_bytes() == TEXT
    assert [s.method for s in state.requests] == ["HEAD", "GET"]
    assert state.connections == 1


async def test_curl_chunked_upload(tmp_path: Path) -> None:
    upload = tmp_path / "upload.bin"
    upload.write_bytes(BINARY * 3)
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        result = await curl(tmp_path, "-H", "Transfer-Encoding: chunked",
                            "--data-binary", f"@{upload}", f"http://127.0.0.1:{port}/chunked")
    assert state.requests[0].headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in state.requests[0].headers
    assert state.requests[0].body == BINARY * 3
    assert result.headers["x-framing"] == "chunked"
    assert result.headers["transfer-encoding"] == "chunked"
    assert result.body == BINARY * 3


async def test_curl_expect_100_continue(tmp_path: Path) -> None:
    """curl asks for 100-continue before a large body; with a long
    --expect100-timeout it would only send the body (within --max-time) if
    our interim 100 response reached it and was understood."""
    upload = tmp_path / "big.bin"
    data = BINARY * 200  # over a megabyte: curl sends Expect: 100-continue
    upload.write_bytes(data)
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        result = await curl(tmp_path, "--expect100-timeout", "600", "-H",
                            "Expect: 100-continue", "--data-binary", f"@{upload}",
                            f"http://127.0.0.1:{port}/big")
    assert state.requests[0].headers["Expect"] == "100-continue"
    assert [block[0] for block in result.blocks] == ["HTTP/1.1 100 Continue", "HTTP/1.1 200 OK"]
    assert not any(line.lower().startswith("transfer-encoding") for line in result.blocks[0])
    assert result.body == data


async def test_curl_compressed_gzip_response(tmp_path: Path) -> None:
    async with asyncio.timeout(TIMEOUT), http_server() as (port, _):
        result = await curl(tmp_path, "--compressed", f"http://127.0.0.1:{port}/gzip")
        raw = await curl(tmp_path, f"http://127.0.0.1:{port}/gzip")
    assert result.headers["content-encoding"] == "gzip"
    assert result.headers["transfer-encoding"] == "chunked"
    assert result.body == TEXT
    # Without --compressed curl hands over the bytes our filter wrote.
    assert raw.body != TEXT and gzip.decompress(raw.body) == TEXT


async def test_curl_http10(tmp_path: Path) -> None:
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        plain = await curl(tmp_path, "--http1.0", "--data-binary", "hello",
                           f"http://127.0.0.1:{port}/ten")
        compressed = await curl(tmp_path, "--http1.0", "--compressed",
                                f"http://127.0.0.1:{port}/gzip")
    assert plain.status_line == "HTTP/1.0 200 OK"
    assert plain.headers["connection"] == "close"
    assert plain.body == b"hello"
    # HTTP/1.0 has no chunked coding: the gzip body runs until the close.
    assert compressed.status_line == "HTTP/1.0 200 OK"
    assert "transfer-encoding" not in compressed.headers
    assert "content-length" not in compressed.headers
    assert compressed.headers["connection"] == "close"
    assert compressed.body == TEXT
    assert [s.version for s in state.requests] == [(1, 0), (1, 0)]
    assert state.connections == 2


async def test_curl_reuses_the_connection(tmp_path: Path) -> None:
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        # The first URL's body goes to the helper's --output, the others to theirs.
        result = await curl(tmp_path, "--write-out", "%{num_connects}\n",
                            f"http://127.0.0.1:{port}/one",
                            "--output", str(tmp_path / "two"), f"http://127.0.0.1:{port}/two",
                            "--output", str(tmp_path / "three"), "--compressed",
                            f"http://127.0.0.1:{port}/gzip")
    assert [s.path for s in state.requests] == ["/one", "/two", "/gzip"]
    assert (tmp_path / "three").read_bytes() == TEXT
    assert state.connections == 1
    assert result.stdout.split() == ["1", "0", "0"]


# -- raw sockets: pipelining and smuggling ----------------------------------------------------


async def exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` and read until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


def split_responses(data: bytes) -> list[tuple[bytes, dict[bytes, bytes], bytes]]:
    """Split pipelined Content-Length responses: (status line, headers, body)."""
    responses = []
    while data:
        head, sep, data = data.partition(b"\r\n\r\n")
        assert sep, data
        status, *lines = head.split(b"\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        responses.append((status, headers, data[:length]))
        data = data[length:]
    return responses


async def test_pipelined_requests_are_answered_in_order() -> None:
    pipelined = (
        b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2;ext=1\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
        b"\r\n"  # RFC 9112 section 2.2: a stray CRLF between requests is ignored
        b"GET /c HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        b"GET /never HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        data = await exchange(port, pipelined)
    responses = split_responses(data)
    assert [r[0] for r in responses] == [b"HTTP/1.1 200 OK"] * 4
    assert [(r[1][b"x-path"], r[2]) for r in responses] == [
        (b"/a", b"abc"), (b"/b", b"de"), (b"/c", b""), (b"/d", b"")]
    assert responses[-1][1][b"connection"] == b"close"
    assert [s.path for s in state.requests] == ["/a", "/b", "/c", "/d"]


async def test_http10_keep_alive_then_close() -> None:
    requests = (b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                b"POST /b HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi"
                b"GET /never HTTP/1.0\r\n\r\n")
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        data = await exchange(port, requests)
    responses = split_responses(data)
    assert [(r[0], r[1][b"connection"], r[2]) for r in responses] == [
        (b"HTTP/1.0 200 OK", b"keep-alive", b""), (b"HTTP/1.0 200 OK", b"close", b"hi")]
    assert [s.path for s in state.requests] == ["/a", "/b"]


SMUGGLING = [
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                 b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                 id="cl-te"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 b"Content-Length: 44\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                 id="te-cl"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 b"Transfer-Encoding: identity\r\n\r\n0\r\n\r\n"
                 b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                 id="te-twice"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n"
                 b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="te-xchunked"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
                 b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="te-not-last"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"
                 b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="space-before-colon"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
                 b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="obs-fold"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 39\r\n\r\n"
                 b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="cl-twice"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +39\r\n\r\n"
                 b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="cl-sign"),
    pytest.param(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="te-in-http10"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="bare-lf"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0x5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                 id="chunk-size-0x"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"5\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                 id="chunk-size-bare-lf"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"3\r\nabcXX0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                 id="chunk-data-overrun"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"
                 b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="host-twice"),
    pytest.param(b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n"
                 b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", id="nul-in-target"),
]


@pytest.mark.parametrize("attack", SMUGGLING)
async def test_smuggling_attempts_get_400_and_close(attack: bytes) -> None:
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        data = await exchange(port, attack)
    # Exactly one response, a 400 built from the error, then the close.
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n"), data
    ((status, headers, body),) = split_responses(data)
    assert headers[b"connection"] == b"close"
    assert body.startswith(type(state.errors[0]).__name__.encode())
    assert len(state.errors) == 1 and state.errors[0].code == 400
    assert all(seen.path != "/smuggled" for seen in state.requests)
    assert state.requests == []


async def test_too_many_headers_get_431() -> None:
    attack = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n"
    async with asyncio.timeout(TIMEOUT), http_server() as (port, state):
        data = await exchange(port, attack)
    assert data.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"), data
    assert state.requests == []


# ======================================================================================
# (b) Our client, a real server: http.server.ThreadingHTTPServer
# ======================================================================================


#: The body of the hand-framed chunked response: sizes in both cases, an
#: extension, and a chunk that contains what looks like a chunk end.
CHUNKS = [b"Hello", b", ", BINARY, b"0\r\n\r\n", b"x" * 4096]
FIXED = BINARY + TEXT


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = PEER_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output quiet

    # -- reading our requests ---------------------------------------------------------------

    def read_body(self) -> bytes:
        """The request body, framed as the headers say; chunked decoded by hand, strictly."""
        if self.headers.get("Transfer-Encoding") is not None:
            assert self.headers["Transfer-Encoding"] == "chunked"
            assert self.headers.get("Content-Length") is None
            body = bytearray()
            while True:
                line = self.rfile.readline(100)
                assert line.endswith(b"\r\n"), line
                size = int(line[:-2], 16)
                assert line[:-2] == b"%x" % size, line  # our writer's exact form
                if size == 0:
                    assert self.rfile.readline(100) == b"\r\n"
                    break
                assert size > 0
                body += self.rfile.read(size)
                assert self.rfile.read(2) == b"\r\n"
            return bytes(body)
        length = self.headers.get("Content-Length")
        return self.rfile.read(int(length)) if length is not None else b""

    def decoded_body(self) -> bytes:
        body = self.read_body()
        coding = self.headers.get("Content-Encoding")
        if coding == "gzip":
            return gzip.decompress(body)
        if coding == "deflate":
            return zlib.decompress(body)  # RFC 9110 8.4.1.2: the zlib format
        if coding == "br":
            return bytes(brotli.decompress(body))
        assert coding is None
        return body

    # -- answers -----------------------------------------------------------------------

    def send_fixed(self, body: bytes, *extra: tuple[str, str]) -> None:
        self.send_response(200)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_chunked(self) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Trailer", "X-Checksum")
        self.end_headers()
        wire = bytearray()
        for index, chunk in enumerate(CHUNKS):
            size = b"%x" % len(chunk) if index % 2 else b"%X" % len(chunk)
            ext = b';name="quoted value";flag' if index == 1 else b""
            wire += size + ext + b"\r\n" + chunk + b"\r\n"
        wire += b"0\r\nX-Checksum: " + hashlib.sha256(b"".join(CHUNKS)).hexdigest().encode()
        wire += b"\r\nX-Other: 1\r\n\r\n"
        # Written in small, odd pieces so that the framing arrives split.
        for start in range(0, len(wire), 333):
            self.wfile.write(wire[start:start + 333])
            self.wfile.flush()

    def send_http10(self) -> None:
        # An HTTP/1.0 answer without a length: the body ends with the connection.
        self.protocol_version = "HTTP/1.0"
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        for start in range(0, len(FIXED), 5000):
            self.wfile.write(FIXED[start:start + 5000])

    def do_GET(self) -> None:
        self.handle_any()

    def do_HEAD(self) -> None:
        self.handle_any()

    def do_POST(self) -> None:
        body = self.decoded_body()
        self.send_fixed(body, ("X-Request-Framing",
                               "chunked" if "Transfer-Encoding" in self.headers else "length"),
                        ("X-User-Agent", self.headers.get("User-Agent", "")))

    def handle_any(self) -> None:
        assert self.read_body() == b""
        if self.path == "/fixed":
            self.send_fixed(FIXED, ("Content-Type", "application/octet-stream"))
        elif self.path == "/chunked":
            self.send_chunked()
        elif self.path == "/http10":
            self.send_http10()
        elif self.path == "/gzip":
            self.send_fixed(gzip.compress(TEXT), ("Content-Encoding", "gzip"))
        elif self.path == "/deflate":
            self.send_fixed(zlib.compress(TEXT), ("Content-Encoding", "deflate"))
        elif self.path == "/br":
            self.send_fixed(bytes(brotli.compress(TEXT)), ("Content-Encoding", "br"))
        elif self.path == "/no-content":
            self.send_response(204)
            self.end_headers()
        elif self.path == "/not-modified":
            self.send_response(304)
            self.send_header("Content-Length", "1000")  # of the full response: no body here
            self.end_headers()
        else:
            self.send_error(404)


@asynccontextmanager
async def threaded_server() -> AsyncIterator[tuple[int, list[tuple[str, int]]]]:
    clients: list[tuple[str, int]] = []

    class Server(ThreadingHTTPServer):
        daemon_threads = False  # so that server_close() joins the handler threads

        def verify_request(self, request: Any, client_address: Any) -> bool:
            clients.append(client_address)
            return True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1], clients
    finally:
        await asyncio.to_thread(server.shutdown)
        await asyncio.to_thread(server.server_close)
        await asyncio.to_thread(thread.join, PEER_TIMEOUT)
        assert not thread.is_alive()


class Client:
    """Our client side over one asyncio connection: ``Request`` out,
    ``HttpResponseParser`` + ``HttpPayloadParser`` in."""

    def __init__(self, port: int, transport: asyncio.Transport, proto: StreamProtocol) -> None:
        self.port = port
        self.transport = transport
        self.proto = proto

    def writer(self) -> Any:
        assert self.proto.writer is not None
        return self.proto.writer

    async def fetch(self, method: str, path: str, body: bytes | None = None, *,
                    chunked: bool = False, coding: str | None = None,
                    version: Any = HttpVersion11,
                    ) -> tuple[RawResponseMessage, bytes, CIMultiDictProxy[str]]:
        request = Request(self.writer(), method, path, version)
        request.add_header("Host", f"127.0.0.1:{self.port}")
        if coding is not None:
            request.add_header("Content-Encoding", coding)
            request.add_compression_filter(coding)
        if chunked:
            request.add_header("Transfer-Encoding", "chunked")
            request.add_chunking_filter(3000)
        elif body is not None:
            request.add_header("Content-Length", str(len(body)))
        request.send_headers()
        if body:
            for start in range(0, len(body), 7000):
                await request.write(body[start:start + 7000])
        await request.write_eof()

        message = await self.proto.reader.set_parser(HttpResponseParser()).read()
        assert isinstance(message, RawResponseMessage)
        parser = HttpPayloadParser(message, readall=True, response_with_body=method != "HEAD")
        payload = self.proto.reader.set_parser(parser)
        data = bytearray()
        try:
            while True:
                data += await payload.read()
        except EofStream:
            pass
        return message, bytes(data), parser.trailers


@asynccontextmanager
async def client(port: int) -> AsyncIterator[Client]:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_connection(StreamProtocol, "127.0.0.1", port)
    try:
        yield Client(port, transport, proto)
    finally:
        transport.close()
        assert proto.writer is not None
        await proto.writer.wait_closed()


async def test_our_client_keep_alive_against_http_server() -> None:
    async with asyncio.timeout(TIMEOUT), threaded_server() as (port, clients):
        async with client(port) as c:
            fixed = await c.fetch("GET", "/fixed")
            chunked = await c.fetch("GET", "/chunked")
            head = await c.fetch("HEAD", "/fixed")
            gzipped = await c.fetch("GET", "/gzip")
            no_content = await c.fetch("GET", "/no-content")
            not_modified = await c.fetch("GET", "/not-modified")
            again = await c.fetch("GET", "/fixed")
    assert len(clients) == 1, "one connection for every request"

    message, body, trailers = fixed
    assert (message.version, message.code, message.reason) == (HttpVersion11, 200, "OK")
    assert not message.should_close
    assert message.headers["Content-Length"] == str(len(FIXED))
    assert message.headers["Server"].startswith("BaseHTTP/")
    assert body == FIXED
    assert dict(trailers) == {}

    message, body, trailers = chunked
    assert message.headers["Transfer-Encoding"] == "chunked"
    assert body == b"".join(CHUNKS)
    assert trailers["x-checksum"] == hashlib.sha256(body).hexdigest()
    assert trailers["X-OTHER"] == "1"

    message, body, _ = head
    assert message.headers["Content-Length"] == str(len(FIXED))
    assert body == b""

    message, body, _ = gzipped
    assert message.compression == "gzip"
    assert body == TEXT

    assert (no_content[0].code, no_content[1]) == (204, b"")
    assert (not_modified[0].code, not_modified[1]) == (304, b"")
    assert again[1] == FIXED


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
async def test_our_client_decodes_compressed_responses(coding: str) -> None:
    async with asyncio.timeout(TIMEOUT), threaded_server() as (port, clients):
        async with client(port) as c:
            message, body, _ = await c.fetch("GET", f"/{coding}")
            after = await c.fetch("GET", "/fixed")
    assert message.compression == coding
    assert message.headers["Content-Encoding"] == coding
    assert body == TEXT
    assert after[1] == FIXED
    assert len(clients) == 1


async def test_our_client_reads_an_http10_body_until_close() -> None:
    async with asyncio.timeout(TIMEOUT), threaded_server() as (port, _), client(port) as c:
        message, body, _ = await c.fetch("GET", "/http10")
        assert message.version == HttpVersion10
        assert message.should_close
        assert "Content-Length" not in message.headers
        assert body == FIXED
        assert c.proto.reader.at_eof()


@pytest.mark.parametrize("coding", [None, "gzip", "deflate", "br"])
@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
async def test_our_client_uploads(coding: str | None, chunked: bool) -> None:
    data = BINARY * 3 + TEXT
    async with asyncio.timeout(TIMEOUT), threaded_server() as (port, clients):
        async with client(port) as c:
            if coding is not None and not chunked:
                # A Content-Length must be that of the compressed body.
                encoded = {"gzip": gzip.compress, "deflate": zlib.compress,
                           "br": brotli.compress}[coding](data)
                request = Request(c.writer(), "POST", "/upload")
                request.add_header("Host", "x")
                request.add_header("Content-Encoding", coding)
                request.add_header("Content-Length", str(len(encoded)))
                await request.write(bytes(encoded))
                await request.write_eof()
                message = await c.proto.reader.set_parser(HttpResponseParser()).read()
                payload = c.proto.reader.set_parser(HttpPayloadParser(message))
                body = bytearray()
                with pytest.raises(EofStream):
                    while True:
                        body += await payload.read()
            else:
                message, body_bytes, _ = await c.fetch("POST", "/upload", data,
                                                       chunked=chunked, coding=coding)
                body = bytearray(body_bytes)
            # The same connection still works afterwards.
            after = await c.fetch("GET", "/fixed")
    assert message.code == 200
    assert bytes(body) == data
    assert message.headers["X-Request-Framing"] == ("chunked" if chunked else "length")
    assert message.headers["X-User-Agent"].startswith("Python/")
    assert after[1] == FIXED
    assert len(clients) == 1


async def test_our_client_sees_the_server_close() -> None:
    """``Connection: close`` from us: the server answers and closes; the next
    read on our side is a clean end of stream."""
    async with asyncio.timeout(TIMEOUT), threaded_server() as (port, _), client(port) as c:
        request = Request(c.writer(), "GET", "/fixed", close=True)
        request.add_header("Host", "x")
        await request.write_eof()
        message = await c.proto.reader.set_parser(HttpResponseParser()).read()
        assert message.code == 200
        payload = c.proto.reader.set_parser(HttpPayloadParser(message))
        body = bytearray()
        with pytest.raises(EofStream):
            while True:
                body += await payload.read()
        assert bytes(body) == FIXED
        with pytest.raises(AiohttpConnectionError):
            await c.proto.reader.set_parser(HttpResponseParser()).read()
