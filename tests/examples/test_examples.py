"""Every program in examples/ run for real, as a user would run it.

Each example is started as its own process (``python examples/NAME.py
ARGS`` from the repository root) and its output is checked:

* the clients talk to the project's demo (``running_demo()``, one demo
  for the module, also listening on a Unix socket), the proxy client
  through a real tinyproxy;
* the servers are started with ``--port 0``, exercised with real clients
  (curl, ``http.client``, the ``websockets`` library) and stopped with
  SIGINT, after which they must exit 0 with a quiet stderr;
* the gunicorn application runs under the real gunicorn command line.

The examples run with ``PYTHONDEVMODE=1``, so an unclosed transport or an
unawaited coroutine shows up as a warning on their stderr, which fails
the test. ``EXAMPLE_TESTS`` at the bottom maps every example to its test;
``test_every_example_has_a_test`` fails when an example is added without one.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from client_peers import TinyProxy
from demo_process import REPO_ROOT, Demo, running_demo
from local_peers import free_port, stop_process, wait_listening
from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import ConnectionClosed

EXAMPLES = REPO_ROOT / "examples"
#: Hang guard of every example run and every wait (never reached when things work).
GUARD = 60.0
#: Words on an example's stderr that mean something went wrong.
ALARMS = ("Traceback", "Warning", "never retrieved", "was never awaited", "Unclosed")
ENV = {**os.environ, "PYTHONDEVMODE": "1", "PYTHONUNBUFFERED": "1"}


def assert_quiet(stderr: str) -> None:
    alarms = [word for word in ALARMS if word in stderr]
    assert not alarms, f"stderr has {alarms}:\n{stderr}"


def run_example(name: str, *args: str, expect_rc: int = 0) -> str:
    """Run ``examples/NAME`` to its end; return its stdout."""
    done = subprocess.run([sys.executable, f"examples/{name}", *args], cwd=REPO_ROOT, env=ENV,
                          capture_output=True, text=True, timeout=GUARD, check=False)
    output = f"--- stdout ---\n{done.stdout}--- stderr ---\n{done.stderr}"
    assert done.returncode == expect_rc, output
    if expect_rc == 0:
        assert_quiet(done.stderr)
    return done.stdout


async def run_example_async(name: str, *args: str) -> str:
    """``run_example`` without blocking the event loop (for tests that talk meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, f"examples/{name}", *args, cwd=REPO_ROOT, env=ENV,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(GUARD):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stdout, stderr = out.decode(), err.decode()
    assert process.returncode == 0, f"--- stdout ---\n{stdout}--- stderr ---\n{stderr}"
    assert_quiet(stderr)
    return stdout


class ExampleServer:
    """A server example started with ``--port 0``; ``url`` once it prints its line.

    Output goes to files (no pipe can fill up); ``stop()`` sends SIGINT and
    returns the exit status.
    """

    def __init__(self, tmp_path: Path, name: str, *args: str) -> None:
        self.name = name
        self.stdout_path = tmp_path / f"{name}.stdout"
        self.stderr_path = tmp_path / f"{name}.stderr"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, f"examples/{name}", "--port", "0", *args], cwd=REPO_ROOT,
                env=ENV, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.url = self._wait_serving()
        self.port = int(self.url.rstrip("/").rpartition(":")[2])

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def describe(self) -> str:
        return f"{self.name}:\n--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}"

    def _wait_serving(self) -> str:
        deadline = time.monotonic() + GUARD
        while True:
            match = re.search(r"^serving on (http://127\.0\.0\.1:\d+/)$", self.stdout, re.M)
            if match:
                return match.group(1)
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("no serving line\n" + self.describe())
            time.sleep(0.05)

    def stop(self) -> int:
        stop_process(self.process, signal.SIGINT, GUARD)
        rc = self.process.returncode
        assert rc is not None
        return rc

    def stop_cleanly(self) -> None:
        """SIGINT; the server must say so, exit 0 and leave stderr quiet."""
        rc = self.stop()
        assert rc == 0, self.describe()
        assert "shutting down" in self.stdout, self.describe()
        assert_quiet(self.stderr)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ExampleServer]]:
    """``start_server(name, *args)``; every server started is stopped after the test."""
    started: list[ExampleServer] = []

    def start(name: str, *args: str) -> ExampleServer:
        server = ExampleServer(tmp_path, name, *args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One demo for the client examples, on TCP and on a Unix socket."""
    socket_path = tmp_path_factory.mktemp("demo") / "demo.sock"
    with running_demo("--unix", str(socket_path)) as running:
        yield running


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def http_request(port: int, method: str, path: str, body: bytes | None = None,
                 conn: http.client.HTTPConnection | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    own = conn is None
    if conn is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GUARD)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        if own:
            conn.close()


# -- clients, against the demo --------------------------------------------------------


def test_client_get(demo: Demo) -> None:
    out = run_example("client_get.py", demo.url)
    assert out.startswith("200 OK\n"), out
    assert "Content-Type: text/html" in out
    assert 'id="chat-form"' in out and 'id="chat-log"' in out  # the demo's page


def test_client_get_shows_other_statuses_and_failures(demo: Demo) -> None:
    out = run_example("client_get.py", demo.url + "no-such-page")
    assert out.startswith("404 "), out
    # Nothing listens on a fresh free port: a connection error, exit status 1.
    port = free_port()
    done = subprocess.run([sys.executable, "examples/client_get.py",
                           f"http://127.0.0.1:{port}/"], cwd=REPO_ROOT, env=ENV,
                          capture_output=True, text=True, timeout=GUARD, check=False)
    assert done.returncode == 1, done
    assert f"cannot GET http://127.0.0.1:{port}/" in done.stderr
    assert "Traceback" not in done.stderr


def test_client_post(demo: Demo) -> None:
    out = run_example("client_post.py", demo.url + "echo")
    assert out.splitlines() == [
        "form: the server saw POST /echo",
        "  Content-Type: application/x-www-form-urlencoded",
        "  body (24 bytes): name=aiohttp&version=0.9",
        "json: the server saw POST /echo",
        "  Content-Type: application/json",
        '  body (43 bytes): {"greeting": "hello", "numbers": [1, 2, 3]}',
    ]


def test_client_upload(demo: Demo, tmp_path: Path) -> None:
    upload = tmp_path / "photo.bin"
    upload.write_bytes(os.urandom(300_000) + b"\r\n--not-a-boundary--\r\n")
    out = run_example("client_upload.py", demo.url + "upload", str(upload))
    assert out.splitlines() == [
        "status: 200",
        "filename: photo.bin",
        f"size: {upload.stat().st_size}",
        f"sha256: {sha256_file(upload)}",
        "note: sent by client_upload.py (photo.bin)",
        "matches the local file: yes",
    ]


def test_client_upload_of_its_default_file(demo: Demo) -> None:
    out = run_example("client_upload.py", demo.url + "upload")
    assert "filename: client_upload.py" in out
    assert f"sha256: {sha256_file(EXAMPLES / 'client_upload.py')}" in out
    assert out.endswith("matches the local file: yes\n")


@pytest.mark.parametrize(("query", "options", "size"), [
    ("", (), 16 * 2**20),  # the demo's default size, readany()
    ("?size=3000001", ("--chunk", "4096"), 3_000_001),  # read(4096)
])
def test_client_download(demo: Demo, tmp_path: Path, query: str, options: tuple[str, ...],
                         size: int) -> None:
    out_file = tmp_path / "download.bin"
    url = demo.url + "download" + query
    out = run_example("client_download.py", url, str(out_file), *options)
    # What the server says the body's digest is, asked separately.
    status, headers, _ = http_request(demo.port, "HEAD", "/download" + query)
    assert status == 200
    assert out_file.stat().st_size == size
    assert sha256_file(out_file) == headers["X-Content-SHA256"]
    assert out.splitlines() == [
        f"Content-Length: {size}",
        f"wrote {size} bytes to {out_file}",
        f"sha256: {headers['X-Content-SHA256']}",
        "matches X-Content-SHA256",
    ]


async def test_websocket_client(demo: Demo) -> None:
    message = f"hello from the examples test {os.getpid()}"
    # Another chat user: the example's text must reach it too (broadcast).
    async with websockets_connect(demo.ws_url) as observer:
        out = await run_example_async("websocket_client.py", demo.ws_url, "--message", message)
        async with asyncio.timeout(GUARD):
            while (seen := await observer.recv()) != message:
                pass
        assert seen == message
    lines = out.splitlines()
    assert lines[0] == f"connected to {demo.ws_url}"
    assert f"received text: {message}" in lines
    assert "received binary: b'\\x00\\x01 binary hello'" in lines
    assert lines[-1] == "closed with code 1000"


def test_unix_client(demo: Demo) -> None:
    assert demo.unix_path is not None
    out = run_example("unix_client.py", demo.unix_path, "/echo?over=unix")
    lines = out.splitlines()
    assert lines[0] == "200 OK"
    assert lines[1].startswith("Content-Type: application/json")
    assert '"path": "/echo"' in out and '"query": "over=unix"' in out


def test_proxy_client(demo: Demo, tmp_path: Path) -> None:
    proxy = TinyProxy(tmp_path / "tinyproxy")
    proxy.start()
    try:
        url = demo.url + "echo?via=proxy"
        out = run_example("proxy_client.py", proxy.url, url)
        log = proxy.log
    finally:
        proxy.stop()
    assert out.startswith("200 OK\n"), out
    assert '"query": "via=proxy"' in out
    # tinyproxy logs each request it forwards, with its absolute-form target.
    assert f"GET {url} HTTP/1.1" in log, log


# -- servers, with real clients ---------------------------------------------------------


def test_server_hello(start_server: Callable[..., ExampleServer]) -> None:
    server = start_server("server_hello.py")
    # curl sends both requests on one keep-alive connection.
    done = subprocess.run(["curl", "-sv", "--max-time", str(GUARD), server.url + "first",
                           server.url + "second"], capture_output=True, text=True,
                          timeout=GUARD, check=False)
    assert done.returncode == 0, done
    assert done.stdout == ("Hello, world! You asked for /first\n"
                           "Hello, world! You asked for /second\n")
    assert "Re-using existing connection" in done.stderr, done.stderr
    # A POST body is read; HTTP/1.0 gets an HTTP/1.0 answer.
    status, headers, body = http_request(server.port, "POST", "/post", b"x" * 100_000)
    assert (status, body) == (200, b"Hello, world! You asked for /post\n")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    done = subprocess.run(["curl", "-s0i", "--max-time", str(GUARD), server.url],
                          capture_output=True, text=True, timeout=GUARD, check=False)
    assert done.stdout.startswith("HTTP/1.0 200 OK\n"), done.stdout  # text mode: \r\n read as \n
    server.stop_cleanly()


def test_server_hello_shutdown_closes_idle_keep_alive_connections(
        start_server: Callable[..., ExampleServer]) -> None:
    server = start_server("server_hello.py")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GUARD)
    try:
        assert http_request(server.port, "GET", "/", conn=conn)[0] == 200
        server.stop_cleanly()  # the connection stays open until the server closes it
        assert conn.sock is not None
        assert conn.sock.recv(1) == b""  # closed by the server, not reset
    finally:
        conn.close()


def test_wsgi_app(start_server: Callable[..., ExampleServer]) -> None:
    server = start_server("wsgi_app.py")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GUARD)
    try:
        status, headers, body = http_request(server.port, "GET", "/?a=1&b=2", conn=conn)
        assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
        assert body.decode().splitlines() == [
            "Hello from WSGI! GET /", "SERVER_PROTOCOL: HTTP/1.1", "QUERY_STRING: a=1&b=2",
            "REMOTE_ADDR: 127.0.0.1", "wsgi.url_scheme: http"]
        # Same connection (keep-alive): the body comes back through wsgi.input.
        data = os.urandom(200_000)
        status, headers, body = http_request(server.port, "POST", "/echo", data, conn=conn,
                                             headers={"Content-Type": "image/png"})
        assert (status, headers["Content-Type"], body) == (200, "image/png", data)
        assert http_request(server.port, "GET", "/missing", conn=conn)[:3:2] == (
            404, b"not found\n")
    finally:
        conn.close()
    server.stop_cleanly()


async def test_websocket_server(start_server: Callable[..., ExampleServer]) -> None:
    server = start_server("websocket_server.py")
    base = f"ws://127.0.0.1:{server.port}"
    for path in ("/ws", "/ws-0.9"):
        async with websockets_connect(base + path) as ws:
            for message in ("hello", "✓" * 5000, b"\x00\xffbinary", os.urandom(300_000)):
                await ws.send(message)
                assert await ws.recv() == message, path
            async with asyncio.timeout(GUARD):
                await (await ws.ping(b"are you there"))
        assert ws.close_code == 1000, path
    # The client example talks to both kinds too (our client against our server).
    for path in ("/ws", "/ws-0.9"):
        out = await run_example_async("websocket_client.py", base + path, "--message", "hi")
        assert out.splitlines()[1:] == ["received text: hi",
                                        "received binary: b'\\x00\\x01 binary hello'",
                                        "closed with code 1000"], out
    # Other paths are not found; a plain GET of /ws is refused.
    status, _, _ = await asyncio.to_thread(http_request, server.port, "GET", "/")
    assert status == 404
    status, _, _ = await asyncio.to_thread(http_request, server.port, "GET", "/ws")
    assert 400 <= status < 500
    # Ctrl-C with a WebSocket of each kind open: both are closed with 1001.
    async with websockets_connect(base + "/ws") as modern, \
            websockets_connect(base + "/ws-0.9") as old_style:
        for ws in (modern, old_style):
            await ws.send("still here")
            assert await ws.recv() == "still here"
        await asyncio.to_thread(server.stop_cleanly)
        for ws in (modern, old_style):
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 1001
            assert ws.close_reason == "server shutting down"


@functools.cache
def _gunicorn_supports_no_control_socket() -> bool:
    """gunicorn 24+ opens a control socket in ~/.gunicorn, shared by every
    gunicorn of the user: tests running at the same time must not use it."""
    done = subprocess.run([sys.executable, "-m", "gunicorn", "--help"], capture_output=True,
                          text=True, timeout=GUARD, check=True)
    return "--no-control-socket" in done.stdout


@pytest.mark.parametrize("how", ["gunicorn command line", "python examples/gunicorn_app.py"])
def test_gunicorn_app(tmp_path: Path, how: str) -> None:
    port = free_port()
    if how == "gunicorn command line":
        # The command line of the example's docstring, with a free port.
        command = [sys.executable, "-m", "gunicorn", "-k", "aiohttp.worker.AsyncGunicornWorker",
                   "--bind", f"127.0.0.1:{port}", "--chdir", "examples", "gunicorn_app:app"]
        if _gunicorn_supports_no_control_socket():
            command.insert(-1, "--no-control-socket")
    else:
        command = [sys.executable, "examples/gunicorn_app.py", "--port", str(port),
                   "--workers", "2"]
    log = tmp_path / "gunicorn.log"
    env = dict(ENV)
    if how != "gunicorn command line" and _gunicorn_supports_no_control_socket():
        # gunicorn reads options from GUNICORN_CMD_ARGS too.
        env["GUNICORN_CMD_ARGS"] = "--no-control-socket"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, process, "gunicorn", detail=log.read_text, guard=GUARD)
        status, _, body = http_request(port, "GET", "/hello")
        assert status == 200, log.read_text()
        match = re.fullmatch(rb"Hello from gunicorn worker pid=(\d+): GET /hello, 0 body bytes\n",
                             body)
        assert match is not None, body
        assert int(match.group(1)) != process.pid  # a worker answered, not the arbiter
        status, _, body = http_request(port, "POST", "/upload", b"x" * 70_000)
        assert status == 200 and body.endswith(b": POST /upload, 70000 body bytes\n")
    finally:
        stop_process(process, signal.SIGTERM, GUARD)  # gunicorn's graceful stop
    text = log.read_text()
    assert process.returncode == 0, text
    assert "Traceback" not in text and "Booting worker" in text
    if how != "gunicorn command line":
        assert "--workers 2" in text  # the command line the example printed


# -- every example is tested ------------------------------------------------------------

#: Each example and the test that runs it.
EXAMPLE_TESTS: dict[str, Callable[..., Any]] = {
    "client_get.py": test_client_get,
    "client_post.py": test_client_post,
    "client_upload.py": test_client_upload,
    "client_download.py": test_client_download,
    "websocket_client.py": test_websocket_client,
    "unix_client.py": test_unix_client,
    "proxy_client.py": test_proxy_client,
    "server_hello.py": test_server_hello,
    "wsgi_app.py": test_wsgi_app,
    "websocket_server.py": test_websocket_server,
    "gunicorn_app.py": test_gunicorn_app,
}


def test_every_example_has_a_test() -> None:
    """examples/*.py, except the ``_``-prefixed helpers, are exactly the tested ones."""
    examples = {path.name for path in EXAMPLES.glob("*.py") if not path.name.startswith("_")}
    assert examples == set(EXAMPLE_TESTS)
    for test in EXAMPLE_TESTS.values():
        assert test.__name__.startswith("test_") and globals()[test.__name__] is test
