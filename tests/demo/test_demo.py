"""The demo (scripts/demo.py) as a user meets it: a real process, real peers.

Every route is exercised over 127.0.0.1 by programs that are not ours
(curl, ``http.client``, raw sockets, the ``websockets`` library) and by our
own client. The demo's clean exit (status 0, no traceback or warning on
stderr) is checked by ``running_demo`` at the end of each use.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from demo_process import DEMO_SCRIPT, REPO_ROOT, Demo, running_demo
from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import ConnectionClosed

from aiohttp import client
from aiohttp.connector import UnixConnector

MAX_UPLOAD = 64 * 2**20


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with running_demo() as running:
        yield running


# -- helpers ---------------------------------------------------------------------------


class _TextById(HTMLParser):
    """The text content of every element with an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, str] = {}
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("meta", "input", "br", "link"):
            return
        element_id = dict(attrs).get("id")
        self._open.append(element_id)
        if element_id is not None:
            self.texts[element_id] = ""

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element_id in self._open:
            if element_id is not None:
                self.texts[element_id] += data


def texts_by_id(page: str) -> dict[str, str]:
    parser = _TextById()
    parser.feed(page)
    parser.close()
    return parser.texts


def expected_pattern_digest(size: int) -> str:
    """The demo's /download body, from its definition: byte i of each 64 KiB
    period is (i * 7 + i // 256) mod 256."""
    period = bytes((i * 7 + i // 256) % 256 for i in range(65536))
    digest = hashlib.sha256()
    whole, rest = divmod(size, len(period))
    for _ in range(whole):
        digest.update(period)
    digest.update(period[:rest])
    return digest.hexdigest()


def curl(*args: str, input_bytes: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["curl", "--silent", "--show-error", "--max-time", "60", *args],
                          input=input_bytes, capture_output=True, timeout=90, check=False)


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` on a fresh connection and read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        received = bytearray()
        while data := sock.recv(65536):
            received += data
    return bytes(received)


# -- the page ---------------------------------------------------------------------------


def test_index_page_has_the_contract_ids(demo: Demo) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=30)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        page = resp.read().decode()
        assert resp.status == 200
        assert resp.getheader("Content-Type") == "text/html; charset=utf-8"
        for element in ('<form id="chat-form"', 'id="chat-input"', 'id="chat-send"',
                        '<ul id="chat-log"', '<span id="ws-status"',
                        '<form id="upload-form" method="post" action="/upload" '
                        'enctype="multipart/form-data"',
                        '<input type="file" name="file" id="upload-file"',
                        '<input type="text" name="note" id="upload-note"',
                        'id="upload-submit"', '<a id="stream-link" href="/stream"',
                        '<a id="download-link" href="/download"'):
            assert element in page
        assert "http://" not in page and "https://" not in page  # no external resource
        # The same connection serves a HEAD: the head of the GET, no body.
        conn.request("HEAD", "/")
        head = conn.getresponse()
        assert head.status == 200 and head.read() == b""
        assert head.getheader("Content-Length") == str(len(page.encode()))
    finally:
        conn.close()


def test_unknown_path_is_404_and_wrong_method_405(demo: Demo) -> None:
    result = curl("-o", "/dev/null", "-w", "%{http_code}", demo.url + "no/such/thing")
    assert result.stdout == b"404", result.stderr
    result = curl("-X", "DELETE", "-D", "-", "-o", "/dev/null", demo.url + "stream")
    assert result.stdout.startswith(b"HTTP/1.1 405"), result.stdout
    assert b"Allow: GET, HEAD" in result.stdout


# -- /echo ------------------------------------------------------------------------------


def test_echo_with_curl(demo: Demo) -> None:
    result = curl("-X", "PUT", "-H", "X-Demo-Test: curl", "--data-binary", "h\xe9llo",
                  demo.url + "echo?a=1&b=two")
    answer = json.loads(result.stdout)
    assert answer["method"] == "PUT"
    assert answer["path"] == "/echo" and answer["query"] == "a=1&b=two"
    assert answer["body"] == "h\xe9llo" and answer["body_length"] == len("h\xe9llo".encode())
    assert answer["headers"]["X-Demo-Test"] == "curl"


async def test_echo_with_our_client_replaces_bad_utf8(demo: Demo) -> None:
    async with client.request("POST", demo.url + "echo", data=b"ok \xff\xfe end") as resp:
        answer = await resp.json()
    assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"
    assert answer["body"] == "ok \ufffd\ufffd end" and answer["body_length"] == 9


def test_echo_body_over_1_mib_is_413(demo: Demo) -> None:
    result = curl("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@-",
                  demo.url + "echo", input_bytes=b"x" * (2**20 + 1))
    assert result.stdout == b"413", result.stderr


# -- /ws ---------------------------------------------------------------------------------


async def test_chat_broadcast_reaches_every_client(demo: Demo) -> None:
    async with websockets_connect(demo.ws_url) as alice, \
            websockets_connect(demo.ws_url) as bob:
        await alice.send("hello, everyone")
        assert await asyncio.wait_for(alice.recv(), 30) == "hello, everyone"
        assert await asyncio.wait_for(bob.recv(), 30) == "hello, everyone"
        # Binary goes back to its sender only: bob's next message is alice's text.
        await bob.send(b"\x01\x02 binary")
        assert await asyncio.wait_for(bob.recv(), 30) == b"\x01\x02 binary"
        await alice.send("second")
        assert await asyncio.wait_for(bob.recv(), 30) == "second"
        assert await asyncio.wait_for(alice.recv(), 30) == "second"


async def test_a_closed_client_leaves_the_chat(demo: Demo) -> None:
    async with websockets_connect(demo.ws_url) as stays:
        async with websockets_connect(demo.ws_url) as leaves:
            await leaves.send("bye")
            assert await asyncio.wait_for(stays.recv(), 30) == "bye"
        await stays.send("still here")
        assert await asyncio.wait_for(stays.recv(), 30) == "still here"


async def test_a_client_that_does_not_read_is_dropped_not_waited_for(demo: Demo) -> None:
    """The hub never waits for a slow client: one whose backlog passes its bound
    (1 MiB unsent) is closed with 1008, while the others go on."""
    text = os.urandom(30000).hex()  # 60 KB, sent uncompressed
    async with websockets_connect(demo.ws_url, compression=None, max_queue=1) as slow, \
            websockets_connect(demo.ws_url, compression=None) as fast:
        # `slow` stops reading once one message waits unread; `fast` sends
        # in rounds of ten and reads each round back before the next.
        for _ in range(40):
            for _ in range(10):
                await fast.send(text)
            for _ in range(10):
                assert await asyncio.wait_for(fast.recv(), 30) == text
        await fast.send("after the burst")
        assert await asyncio.wait_for(fast.recv(), 30) == "after the burst"
        received = 0
        with pytest.raises(ConnectionClosed):
            while True:
                message = await asyncio.wait_for(slow.recv(), 30)
                assert message == text  # what it did get is whole and in order
                received += 1
        assert slow.close_code == 1008 and slow.close_reason == "too slow"
        assert received < 400


# -- /upload ----------------------------------------------------------------------------


def test_upload_with_curl(demo: Demo, tmp_path: Path) -> None:
    content = os.urandom(3 * 2**20 + 17)
    path = tmp_path / "r\xe9sum\xe9.bin"
    path.write_bytes(content)
    result = curl("-F", f"file=@{path}", "-F", "note=caf\xe9 & <b>friends</b>",
                  "-w", "\n%{http_code}", demo.url + "upload")
    page, _, status = result.stdout.decode().rpartition("\n")
    assert status == "200", result.stderr
    found = texts_by_id(page)
    assert found["result-filename"] == "r\xe9sum\xe9.bin"
    assert found["result-size"] == str(len(content))
    assert found["result-sha256"] == hashlib.sha256(content).hexdigest()
    assert found["result-note"] == "caf\xe9 & <b>friends</b>"


async def test_upload_with_our_client_and_an_empty_file(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with path.open("rb") as file:
        async with client.request("POST", demo.url + "upload",
                                  data={"file": file, "note": ""}) as resp:
            page = await resp.text()
    assert resp.status == 200
    found = texts_by_id(page)
    assert found["result-filename"] == "empty.txt"
    assert found["result-size"] == "0"
    assert found["result-sha256"] == hashlib.sha256(b"").hexdigest()
    assert found["result-note"] == ""


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", b"file=nothing"),
    ("multipart/form-data", b"--x\r\n\r\n--x--\r\n"),  # no boundary parameter
    ("multipart/form-data; boundary=x", b"no boundary anywhere in here"),
    ("multipart/form-data; boundary=x",  # cut off before the closing delimiter
     b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc'),
    ("multipart/form-data; boundary=x",  # a form without the file field
     b'--x\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--x--\r\n'),
    ("multipart/form-data; boundary=x",  # a part that is not form-data
     b'--x\r\nContent-Disposition: attachment; name="file"\r\n\r\nhi\r\n--x--\r\n'),
])
def test_upload_of_a_bad_form_is_400(demo: Demo, content_type: str, body: bytes) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=30)
    try:
        conn.request("POST", "/upload", body=body, headers={"Content-Type": content_type})
        resp = conn.getresponse()
        assert resp.status == 400
        assert b"Bad Request" in resp.read()
    finally:
        conn.close()


def test_upload_with_get_is_405(demo: Demo) -> None:
    result = curl("-D", "-", "-o", "/dev/null", demo.url + "upload")
    assert result.stdout.startswith(b"HTTP/1.1 405")
    assert b"Allow: POST" in result.stdout


def test_upload_announced_over_the_limit_is_413(demo: Demo) -> None:
    head = (f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {MAX_UPLOAD + 1}\r\n\r\n").encode()
    answer = raw_exchange(demo.port, head + b"--x\r\n")
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"Connection: close" in answer


def test_upload_found_over_the_limit_is_413(demo: Demo) -> None:
    """A chunked body (no length announced) is counted as it comes."""
    with socket.create_connection(("127.0.0.1", demo.port), timeout=30) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: multipart/form-data; boundary=x\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        piece = b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n\r\n"
        sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        block = b"\0" * 2**20
        chunk = b"%x\r\n%s\r\n" % (len(block), block)
        try:
            for _ in range(MAX_UPLOAD // len(block) + 2):
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop listening once it has answered
        answer = bytearray()
        while data := sock.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


# -- /stream ----------------------------------------------------------------------------


def test_stream_sends_each_line_as_its_own_chunk(demo: Demo) -> None:
    """Read the raw response: the framing shows one chunk per line, and the
    body comes in several reads (the lines are made 20 ms apart)."""
    reads: list[bytes] = []
    with socket.create_connection(("127.0.0.1", demo.port), timeout=30) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        while data := sock.recv(65536):
            reads.append(data)
    raw = b"".join(reads)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"\r\nTransfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    chunks = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            assert body == b"\r\n"
            break
        chunks.append(body[:size])
        assert body[size:size + 2] == b"\r\n"
        body = body[size + 2:]
    assert chunks == [b"chunk %d of 10\n" % n for n in range(1, 11)]
    assert len(reads) > 2  # it was not sent in one piece


def test_stream_with_http_client_and_head(demo: Demo) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=30)
    try:
        conn.request("GET", "/stream")
        resp = conn.getresponse()
        lines = [resp.readline() for _ in range(10)]
        assert resp.read() == b""
        assert lines == [b"chunk %d of 10\n" % n for n in range(1, 11)]
        conn.request("HEAD", "/stream")
        head = conn.getresponse()
        assert head.status == 200 and head.read() == b""
    finally:
        conn.close()


# -- /download --------------------------------------------------------------------------


def test_download_default_with_curl(demo: Demo, tmp_path: Path) -> None:
    target = tmp_path / "demo.bin"
    result = curl("-D", "-", "-o", str(target), demo.url + "download")
    head = result.stdout.decode()
    assert head.startswith("HTTP/1.1 200 "), result.stderr
    fields = {name.lower(): value.strip() for name, _, value in
              (line.partition(":") for line in head.split("\r\n")[1:] if line)}
    size = 16 * 2**20
    assert fields["content-length"] == str(size)
    assert fields["content-type"] == "application/octet-stream"
    assert fields["content-disposition"] == 'attachment; filename="demo.bin"'
    data = target.read_bytes()
    assert len(data) == size
    assert hashlib.sha256(data).hexdigest() == fields["x-content-sha256"]
    assert fields["x-content-sha256"] == expected_pattern_digest(size)


@pytest.mark.parametrize("size", [0, 1, 65537, 5 * 2**20 + 3])
def test_download_sizes_with_http_client(demo: Demo, size: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=30)
    try:
        conn.request("GET", f"/download?size={size}")
        resp = conn.getresponse()
        data = resp.read()
        assert resp.status == 200
        assert resp.getheader("Content-Length") == str(size) and len(data) == size
        digest = hashlib.sha256(data).hexdigest()
        assert resp.getheader("X-Content-SHA256") == digest == expected_pattern_digest(size)
        conn.request("HEAD", f"/download?size={size}")
        head = conn.getresponse()
        assert head.read() == b""
        assert head.getheader("Content-Length") == str(size)
        assert head.getheader("X-Content-SHA256") == digest
    finally:
        conn.close()


def test_download_reads_slowly_with_backpressure(demo: Demo) -> None:
    """A client that reads slowly still gets every byte in order."""
    size = 8 * 2**20
    with socket.create_connection(("127.0.0.1", demo.port), timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.sendall(f"GET /download?size={size} HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n".encode())
        time.sleep(0.5)  # let the server fill every buffer and wait on drain
        received = bytearray()
        while data := sock.recv(65536):
            received += data
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert len(body) == size
    assert hashlib.sha256(body).hexdigest() == expected_pattern_digest(size)


@pytest.mark.parametrize("query", ["size=-1", "size=abc", f"size={2**30 + 1}"])
def test_download_bad_size_is_400(demo: Demo, query: str) -> None:
    result = curl("-o", "/dev/null", "-w", "%{http_code}", demo.url + "download?" + query)
    assert result.stdout == b"400"


# -- Unix socket, shutdown, --check ---------------------------------------------------


async def test_unix_socket_serving(tmp_path: Path) -> None:
    path = str(tmp_path / "demo.sock")
    with running_demo("--unix", path) as unix_demo:
        assert unix_demo.unix_path == path
        result = curl("--unix-socket", path, "http://localhost/echo?via=unix")
        answer = json.loads(result.stdout)
        assert answer["query"] == "via=unix" and answer["headers"]["Host"] == "localhost"
        connector = UnixConnector(path)
        try:
            async with client.request("GET", "http://localhost/download?size=1000",
                                      connector=connector) as resp:
                data = await resp.read()
            assert resp.headers["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
        finally:
            connector.close()
        # TCP is served at the same time.
        tcp = curl("-o", "/dev/null", "-w", "%{http_code}", unix_demo.url)
        assert tcp.stdout == b"200"
    assert not os.path.exists(path)  # removed at shutdown


async def test_sigterm_closes_websockets_with_1001() -> None:
    with running_demo() as term_demo:
        async with websockets_connect(term_demo.ws_url) as ws:
            await ws.send("before the end")
            assert await asyncio.wait_for(ws.recv(), 30) == "before the end"
            loop = asyncio.get_running_loop()
            stopped = loop.run_in_executor(None, term_demo.stop, signal.SIGTERM)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 30)
            assert ws.close_code == 1001
            rc = await stopped
        assert rc == 0
        assert "demo: shutting down" in term_demo.stdout


def test_sigint_lets_a_request_in_flight_finish() -> None:
    with running_demo() as int_demo:
        idle = http.client.HTTPConnection("127.0.0.1", int_demo.port, timeout=30)
        with contextlib.closing(idle):
            idle.request("GET", "/")
            idle.getresponse().read()  # an idle keep-alive connection stays open
            with socket.create_connection(("127.0.0.1", int_demo.port), timeout=30) as sock:
                sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                first = sock.recv(65536)
                assert first.startswith(b"HTTP/1.1 200 ")
                int_demo.process.send_signal(signal.SIGINT)
                received = bytearray(first)
                while data := sock.recv(65536):
                    received += data
            assert received.endswith(b"chunk 10 of 10\n\r\n0\r\n\r\n")
            # The demo may still be winding down: this second SIGINT must not
            # turn its clean exit into a KeyboardInterrupt.
            assert int_demo.stop() == 0


def test_check_mode_passes() -> None:
    result = subprocess.run([sys.executable, str(DEMO_SCRIPT), "--check"], cwd=REPO_ROOT,
                            capture_output=True, timeout=120, check=False,
                            env=dict(os.environ, PYTHONDEVMODE="1"))
    output = result.stdout.decode()
    assert result.returncode == 0, output + result.stderr.decode()
    assert output.count("demo check ok ") == 7
    assert "FAIL" not in output
    assert result.stderr == b"", result.stderr.decode()
