"""``demo.py --check``: every route, exercised with the toolkit's own clients.

The HTTP requests go through ``aiohttp.client.request`` and the chat
through ``aiohttp.websocket_client.ws_connect``, against a demo server
running in the same process. One line per check; the result is True when
all passed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Awaitable, Callable

from aiohttp import client
from aiohttp.helpers import FormData
from aiohttp.websocket import MSG_TEXT
from aiohttp.websocket_client import ws_connect

from . import download

__all__ = ["run_checks"]

#: Seconds one check may take before it counts as failed.
CHECK_TIMEOUT = 30.0


class CheckFailed(AssertionError):
    pass


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


async def check_index(base: str) -> str:
    async with client.request("GET", base) as resp:
        body = await resp.text()
    expect(resp.status == 200, f"status {resp.status}")
    for needle in ('id="chat-form"', 'id="upload-form"', 'id="ws-status"'):
        expect(needle in body, f"the page has no {needle}")
    return f"{resp.status}, {len(body)} characters of HTML"


async def check_echo(base: str) -> str:
    async with client.request("POST", base + "echo?x=1", data=b"hello echo",
                              headers={"X-Demo": "check"}) as resp:
        answer = await resp.json()
    expect(resp.status == 200, f"status {resp.status}")
    expect(answer["method"] == "POST" and answer["path"] == "/echo"
           and answer["query"] == "x=1", f"echoed {answer}")
    expect(answer["body"] == "hello echo" and answer["body_length"] == 10, "body")
    expect({k.lower(): v for k, v in answer["headers"].items()}.get("x-demo") == "check",
           "headers")
    return "method, path, query, headers and body echoed"


async def check_upload(base: str) -> str:
    content = bytes(range(256)) * 1000
    form = FormData()
    form.add_field("note", "checked by --check")
    form.add_field("file", io.BytesIO(content), filename="check.bin",
                   contenttype="application/octet-stream")
    async with client.request("POST", base + "upload", data=form) as resp:
        page = await resp.text()
    expect(resp.status == 200, f"status {resp.status}")
    digest = hashlib.sha256(content).hexdigest()
    for value in (f'id="result-size">{len(content)}<', f'id="result-sha256">{digest}<',
                  'id="result-filename">check.bin<', 'id="result-note">checked by --check<'):
        expect(value in page, f"the result page lacks {value}")
    async with client.request("POST", base + "upload", data=b"not a form",
                              headers={"Content-Type": "text/plain"}) as resp:
        expect(resp.status == 400, f"a bad form got {resp.status}")
    return f"{len(content)} bytes, sha256 matches; a bad form gets 400"


async def read_pieces(resp: client.ClientResponse) -> list[bytes]:
    """The body of ``resp`` as the reads that returned it."""
    content = resp.content
    assert content is not None
    pieces: list[bytes] = []
    while data := await content.readany():
        pieces.append(data)
    return pieces


async def check_stream(base: str) -> str:
    async with client.request("GET", base + "stream") as resp:
        expect(resp.status == 200, f"status {resp.status}")
        expect(resp.headers.get("Transfer-Encoding", "").lower() == "chunked", "not chunked")
        reads = await read_pieces(resp)
    text = b"".join(reads).decode()
    expected = "".join(f"chunk {n} of 10\n" for n in range(1, 11))
    expect(text == expected, f"got {text!r}")
    expect(len(reads) > 1, "the whole body arrived at once")
    return f"10 lines in {len(reads)} separate reads"


async def check_download(base: str) -> str:
    size = 3 * 2**20 + 12345
    async with client.request("GET", base + f"download?size={size}") as resp:
        expect(resp.status == 200, f"status {resp.status}")
        announced = resp.headers.get("X-Content-SHA256")
        expect(resp.headers.get("Content-Length") == str(size), "Content-Length")
        digest = hashlib.sha256()
        received = 0
        for data in await read_pieces(resp):
            received += len(data)
            digest.update(data)
    expect(received == size, f"{received} bytes, not {size}")
    expect(digest.hexdigest() == announced == download.digest_of(size), "digest mismatch")
    async with client.request("HEAD", base + "download") as resp:
        expect(resp.status == 200 and resp.headers.get("Content-Length")
               == str(download.DEFAULT_SIZE), "HEAD")
    return f"{size} bytes, sha256 matches X-Content-SHA256; HEAD ok"


async def check_ws(base: str) -> str:
    url = "ws" + base[len("http"):] + "ws"
    first = await ws_connect(url)
    try:
        second = await ws_connect(url)
        try:
            await first.send_str("hello from the check")
            for ws in (first, second):
                message = await ws.receive(timeout=10)
                expect(message.tp == MSG_TEXT and message.data == "hello from the check",
                       f"received {message}")
            await second.send_bytes(b"\x00binary")
            expect(await second.receive_bytes(timeout=10) == b"\x00binary", "binary echo")
        finally:
            await second.close()
    finally:
        await first.close()
    return "a text message reached both clients; binary echoed to its sender"


async def check_not_found(base: str) -> str:
    async with client.request("GET", base + "no/such/page") as resp:
        await resp.read()
    expect(resp.status == 404, f"status {resp.status}")
    return "404"


CHECKS: list[tuple[str, Callable[[str], Awaitable[str]]]] = [
    ("GET /", check_index),
    ("POST /echo", check_echo),
    ("POST /upload", check_upload),
    ("GET /stream", check_stream),
    ("GET /download", check_download),
    ("GET /ws", check_ws),
    ("GET /no/such/page", check_not_found),
]


async def run_checks(base: str) -> bool:
    """Run every check against the demo at ``base`` (``http://host:port/``)."""
    passed = True
    for name, check in CHECKS:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                detail = await check(base)
        except Exception as exc:
            passed = False
            print(f"demo check FAIL {name}: {exc!r}", flush=True)
        else:
            print(f"demo check ok   {name}: {detail}", flush=True)
    return passed

