"""WSGIServerHttpProtocol: PEP 3333 (under wsgiref.validate), Flask, environ, files."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import logging
import os
import socket
import subprocess
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import flask
import pytest

from aiohttp.wsgi import WSGIServerHttpProtocol

GUARD = 10.0
Serve = Callable[..., Any]
Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def read_until_close(sock: socket.socket) -> bytes:
    data = bytearray()
    while chunk := sock.recv(65536):
        data += chunk
    return bytes(data)


def get(port: int, method: str, path: str, body: bytes | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GUARD)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


# -- PEP 3333 -------------------------------------------------------------------------


def environ_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Answers with the environ's str values as JSON, and the body it read."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    shown = {k: v for k, v in environ.items() if isinstance(v, str)}
    shown["wsgi.url_scheme"] = environ["wsgi.url_scheme"]
    shown["body"] = body.decode("latin-1")
    data = json.dumps(shown).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(data)))])
    return [data]


def test_app_under_the_pep3333_validator(serve: Serve) -> None:
    server = serve(lambda: WSGIServerHttpProtocol(validator(environ_app), readpayload=True))
    status, _, data = get(server.port, "POST", "/a/b?x=1&y=2", b"payload",
                          {"Content-Type": "text/plain"})
    assert status == 200
    env = json.loads(data)
    assert env["REQUEST_METHOD"] == "POST"
    assert env["PATH_INFO"] == "/a/b" and env["SCRIPT_NAME"] == ""
    assert env["QUERY_STRING"] == "x=1&y=2"
    assert env["CONTENT_TYPE"] == "text/plain" and env["CONTENT_LENGTH"] == "7"
    assert "HTTP_CONTENT_TYPE" not in env and "HTTP_CONTENT_LENGTH" not in env
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["SERVER_NAME"] == "127.0.0.1" and env["SERVER_PORT"] == str(server.port)
    assert env["HTTP_HOST"] == f"127.0.0.1:{server.port}"
    assert env["wsgi.url_scheme"] == "http"
    assert env["body"] == "payload"
    # Chunked request bodies and responses without Content-Length, still validated.
    status, headers, data = get(server.port, "GET", "/", None)
    assert status == 200 and json.loads(data)["body"] == ""


def test_remote_addr_and_port_are_the_peer(serve: Serve) -> None:
    server = serve(lambda: WSGIServerHttpProtocol(environ_app, readpayload=True))
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=GUARD)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    data = read_until_close(sock)
    port = sock.getsockname()[1]
    sock.close()
    env = json.loads(data.partition(b"\r\n\r\n")[2])
    assert env["REMOTE_ADDR"] == "127.0.0.1" and env["REMOTE_PORT"] == str(port)
    assert env["SERVER_NAME"] == "h" and env["SERVER_PORT"] == "80"


def test_request_headers_cannot_spoof_the_environ(serve: Serve) -> None:
    server = serve(lambda: WSGIServerHttpProtocol(environ_app, readpayload=True))
    status, _, data = get(server.port, "GET", "/app/x", None, {
        "SCRIPT_NAME": "/evil", "X_Forwarded_For": "6.6.6.6", "X-Real": "1",
        "Cookie": "a=1"})
    env = json.loads(data)
    assert env["SCRIPT_NAME"] == "" and env["PATH_INFO"] == "/app/x"
    assert "HTTP_X_FORWARDED_FOR" not in env and "HTTP_SCRIPT_NAME" not in env
    assert env["HTTP_X_REAL"] == "1" and env["HTTP_COOKIE"] == "a=1"


def test_path_info_is_decoded_as_latin1(serve: Serve) -> None:
    server = serve(lambda: WSGIServerHttpProtocol(environ_app, readpayload=True))
    _, _, data = get(server.port, "GET", "/caf%C3%A9/a%2Fb?q=%C3%A9")
    env = json.loads(data)
    assert env["PATH_INFO"] == "/caf\u00c3\u00a9/a/b"
    assert env["PATH_INFO"].encode("latin-1").decode("utf-8") == "/café/a/b"
    assert env["QUERY_STRING"] == "q=%C3%A9"  # left encoded, as PEP 3333 says
    assert env["RAW_URI"] == "/caf%C3%A9/a%2Fb?q=%C3%A9"


class Mounted(WSGIServerHttpProtocol):
    SCRIPT_NAME = "/app"


def test_script_name_is_split_off_path_info(serve: Serve) -> None:
    server = serve(lambda: Mounted(environ_app, readpayload=True))
    env = json.loads(get(server.port, "GET", "/app/page")[2])
    assert env["SCRIPT_NAME"] == "/app" and env["PATH_INFO"] == "/page"
    env = json.loads(get(server.port, "GET", "/application")[2])
    assert env["PATH_INFO"] == "/application"  # not a path segment of /app


def test_readpayload_is_bounded(serve: Serve) -> None:
    server = serve(lambda: WSGIServerHttpProtocol(environ_app, readpayload=True,
                                                  readpayload_limit=1000))
    assert get(server.port, "POST", "/", b"x" * 1000)[0] == 200
    assert get(server.port, "POST", "/", b"x" * 1001)[0] == 413
    # Chunked: the length is only known while reading.
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                          "Transfer-Encoding: chunked", "--data-binary", "x" * 5000,
                          f"http://127.0.0.1:{server.port}/"],
                         capture_output=True, timeout=GUARD, check=True).stdout
    assert out == b"413"


# -- 0.9's asynchronous WSGI -------------------------------------------------------------


def async_app(environ: Environ, start_response: StartResponse) -> Any:
    """0.9 style: the app returns an awaitable and reads the streaming input."""
    async def run() -> list[Any]:
        body = await environ["wsgi.input"].read()
        start_response("201 Created", [("Content-Type", "text/plain")])

        async def later() -> bytes:
            await asyncio.sleep(0)
            return b"|later"
        return [hashlib.sha256(body).hexdigest().encode(), later()]
    return run()


def test_default_input_is_the_streaming_reader(serve: Serve) -> None:
    server = serve(lambda: WSGIServerHttpProtocol(async_app))
    body = os.urandom(300_000)
    status, headers, data = get(server.port, "POST", "/", body)
    assert status == 201 and headers["transfer-encoding"] == "chunked"
    assert data == hashlib.sha256(body).hexdigest().encode() + b"|later"


def no_start(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    return [b"oops"]


def test_app_that_never_calls_start_response_gets_500(
        serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    server = serve(lambda: WSGIServerHttpProtocol(no_start))
    with caplog.at_level(logging.CRITICAL, logger="aiohttp"):
        assert get(server.port, "GET", "/")[0] == 500


class Closing:
    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b"a"
        yield b"b"

    def close(self) -> None:
        self.closed = True


def test_iterable_close_is_called_and_keep_alive_works(serve: Serve) -> None:
    results: list[Closing] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", "2")])
        results.append(Closing())
        return results[-1]

    server = serve(lambda: WSGIServerHttpProtocol(app))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GUARD)
    for _ in range(2):
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"ab"
    conn.close()

    async def closed() -> list[bool]:  # asked in the server's loop: after close() ran
        await asyncio.sleep(0.05)
        return [r.closed for r in results]
    assert server.call(closed()) == [True, True]
    assert len(server.protocols) == 1


def test_exc_info_after_headers_were_sent_reraises(serve: Serve,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"partial")
        try:
            raise KeyError("boom")
        except KeyError:
            import sys
            start_response("500 Oops", [], sys.exc_info())
        yield b"never"

    server = serve(lambda: WSGIServerHttpProtocol(app))
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=GUARD)
    with caplog.at_level(logging.CRITICAL, logger="aiohttp"):
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        data = read_until_close(sock)
    sock.close()
    # The 200 had begun: it is cut short (no final chunk), never followed by a 500.
    assert data.startswith(b"HTTP/1.1 200 OK") and b"500" not in data
    assert not data.endswith(b"0\r\n\r\n")


# -- wsgi.file_wrapper -------------------------------------------------------------------


def file_app(path: Path) -> Callable[[Environ, StartResponse], Any]:
    def app(environ: Environ, start_response: StartResponse) -> Any:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        fobj = path.open("rb")
        fobj.seek(10)
        return environ["wsgi.file_wrapper"](fobj, 4096)
    return app


def test_file_wrapper_sends_the_file(serve: Serve, tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(os.urandom(2**20 + 123))
    sent_with: list[str] = []

    server = serve(lambda: WSGIServerHttpProtocol(file_app(path), readpayload=True))
    loop = server.loop
    original: Any = loop.sendfile

    async def spy(*args: Any, **kwargs: Any) -> int:
        sent_with.append("sendfile")
        return int(await original(*args, **kwargs))
    setattr(loop, "sendfile", spy)  # noqa: B010 - an instance attribute shadows the method
    status, headers, data = get(server.port, "GET", "/")
    assert status == 200 and data == path.read_bytes()[10:]
    assert headers["content-length"] == str(2**20 + 113)
    assert sent_with == ["sendfile"]
    # HEAD: the length, no body.
    status, headers, data = get(server.port, "HEAD", "/")
    assert status == 200 and headers["content-length"] == str(2**20 + 113) and data == b""
    # And twice on one connection.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GUARD)
    for _ in range(2):
        conn.request("GET", "/")
        assert conn.getresponse().read() == path.read_bytes()[10:]
    conn.close()


def test_file_wrapper_without_fileno_is_iterated(serve: Serve) -> None:
    import io

    def app(environ: Environ, start_response: StartResponse) -> Any:
        start_response("200 OK", [])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"z" * 10000), 1000)

    server = serve(lambda: WSGIServerHttpProtocol(app))
    assert get(server.port, "GET", "/")[2] == b"z" * 10000


# -- a real framework: Flask ---------------------------------------------------------------


def make_flask() -> flask.Flask:
    app = flask.Flask("aiohttp_server_test")

    @app.post("/form")
    def form() -> str:
        return f"hello {flask.request.form['name']} ({flask.request.form['lang']})"

    @app.route("/json", methods=["POST"])
    def echo_json() -> flask.Response:
        data = flask.request.get_json()
        return flask.jsonify(received=data, path=flask.request.path,
                             remote=flask.request.remote_addr)

    @app.get("/items/<int:item>")
    def item(item: int) -> tuple[str, int]:
        return f"item {item}", 200 if item < 10 else 404

    return app


def test_flask_form_post_and_json(serve: Serve) -> None:
    app = make_flask()
    server = serve(lambda: WSGIServerHttpProtocol(app, readpayload=True))
    form = urllib.parse.urlencode({"name": "Zoë", "lang": "fr"}).encode()
    status, _, data = get(server.port, "POST", "/form", form,
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and data.decode() == "hello Zoë (fr)"
    out = subprocess.run(["curl", "-s", "-H", "Content-Type: application/json", "--data",
                          '{"a": [1, 2]}', f"http://127.0.0.1:{server.port}/json"],
                         capture_output=True, timeout=GUARD, check=True).stdout
    assert json.loads(out) == {"received": {"a": [1, 2]}, "path": "/json",
                               "remote": "127.0.0.1"}
    status, _, data = get(server.port, "GET", "/items/3")
    assert (status, data) == (200, b"item 3")
    assert get(server.port, "GET", "/items/30")[0] == 404
    assert get(server.port, "GET", "/nothing")[0] == 404
