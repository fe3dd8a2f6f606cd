"""ServerHttpProtocol against real clients: curl, http.client, h11 and raw sockets."""

from __future__ import annotations

import asyncio
import http.client
import logging
import re
import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any

import h11
import pytest

from aiohttp import _read_allocations, errors
from aiohttp._server_writer import JOIN_LIMIT
from aiohttp.parsers import LinesParser
from aiohttp.protocol import RawRequestMessage, Response
from aiohttp.server import ServerHttpProtocol
from aiohttp.streams import StreamReader

GUARD = 10.0
Serve = Callable[..., Any]


def read_until_close(sock: socket.socket) -> bytes:
    data = bytearray()
    while chunk := sock.recv(65536):
        data += chunk
    return bytes(data)


def recv_until(sock: socket.socket, marker: bytes, data: bytes = b"") -> bytes:
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def parse_all(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """The responses in ``data``, in order (h11 checks the framing)."""
    out: list[tuple[int, dict[str, str], bytes]] = []
    conn = h11.Connection(h11.CLIENT)
    conn.receive_data(data)
    while True:
        conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
        conn.send(h11.EndOfMessage())
        event = conn.next_event()
        if event is h11.NEED_DATA or isinstance(event, h11.ConnectionClosed):
            return out
        assert isinstance(event, h11.Response), event
        status = event.status_code
        headers = {k.decode().lower(): v.decode() for k, v in event.headers}
        body = b""
        while not isinstance(event := conn.next_event(), h11.EndOfMessage):
            assert isinstance(event, h11.Data), event
            body += event.data
        out.append((status, headers, body))
        if conn.their_state is not h11.DONE or conn.our_state is not h11.DONE:
            return out
        try:
            conn.start_next_cycle()
        except h11.LocalProtocolError:
            return out


class Echo(ServerHttpProtocol):
    """Answers with the method, path and body it read."""

    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        body = await payload.read()
        text = f"{message.method} {message.path} {len(body)}\n".encode() + body
        response = Response(self.writer, 200, http_version=message.version,
                            request_method=message.method)
        response.add_header("Content-Type", "text/plain")
        response.add_header("Content-Length", str(len(text)))
        if message.version == (1, 0) and not message.should_close:
            response.add_header("Connection", "keep-alive")
        response.send_headers()
        response.write(text)
        await response.write_eof()


GET = b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n"


# -- the basics, with real clients --------------------------------------------------


def test_default_handler_answers_404_to_curl(serve: Serve) -> None:
    server = serve(lambda: ServerHttpProtocol())
    out = subprocess.run(["curl", "-s", "-i", f"http://127.0.0.1:{server.port}/missing"],
                         capture_output=True, timeout=GUARD, check=True).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404 Not Found")
    assert b"Content-Type: text/plain" in head
    assert body == b"Page Not Found!"


def test_http_client_keeps_the_connection_across_requests(serve: Serve) -> None:
    server = serve(Echo)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GUARD)
    for i in range(3):
        conn.request("POST", f"/{i}", body=b"x" * (i * 1000))
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.read() == f"POST /{i} {i * 1000}\n".encode() + b"x" * (i * 1000)
    conn.close()
    assert len(server.protocols) == 1  # one connection served all three


def test_curl_reuses_the_connection_and_sends_chunked_bodies(serve: Serve) -> None:
    server = serve(Echo)
    url = f"http://127.0.0.1:{server.port}"
    out = subprocess.run(
        ["curl", "-s", "-H", "Transfer-Encoding: chunked", "--data-binary", "hello", f"{url}/a",
         "--next", "-s", f"{url}/b"],
        capture_output=True, timeout=GUARD, check=True).stdout
    assert out == b"POST /a 5\nhelloGET /b 0\n"
    assert len(server.protocols) == 1


def test_h11_client_sees_well_framed_keep_alive_responses(serve: Serve) -> None:
    server = serve(Echo)
    sock = server.connect()
    conn = h11.Connection(h11.CLIENT)
    for i in range(2):
        sock.sendall(conn.send(h11.Request(method="PUT", target=f"/{i}",
                                           headers=[("Host", "x"), ("Content-Length", "3")])))
        sock.sendall(conn.send(h11.Data(data=b"abc")))
        sock.sendall(conn.send(h11.EndOfMessage()))
        body = b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(sock.recv(65536))
                continue
            if isinstance(event, h11.Response):
                assert event.status_code == 200
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
        assert body == f"PUT /{i} 3\nabc".encode()
        conn.start_next_cycle()
    sock.close()


def test_head_request_gets_no_body(serve: Serve) -> None:
    server = serve(Echo)
    sock = server.connect()
    sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = read_until_close(sock)
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Content-Length: 9" in head and body == b""


# -- keep-alive -----------------------------------------------------------------------


def test_http10_closes_unless_keep_alive_is_asked(serve: Serve) -> None:
    server = serve(Echo)
    sock = server.connect()
    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    assert read_until_close(sock).endswith(b"GET / 0\n")
    sock.close()
    sock = server.connect()
    sock.sendall(b"GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    data = recv_until(sock, b"GET /1 0\n")
    assert b"Connection: keep-alive" in data
    sock.sendall(b"GET /2 HTTP/1.0\r\n\r\n")
    assert read_until_close(sock).endswith(b"GET /2 0\n")
    sock.close()


def test_connection_close_from_the_client_is_honoured(serve: Serve) -> None:
    server = serve(Echo)
    sock = server.connect()
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + GET % 2)
    data = read_until_close(sock)
    sock.close()
    assert [r[2] for r in parse_all(data)] == [b"GET / 0\n"]  # the second is never read


def test_keep_alive_none_serves_one_request_per_connection(serve: Serve) -> None:
    server = serve(lambda: Echo(keep_alive=None))
    sock = server.connect()
    sock.sendall(GET % 1 + GET % 2)
    data = read_until_close(sock)
    sock.close()
    assert [r[2] for r in parse_all(data)] == [b"GET /1 0\n"]


class OptOut(Echo):
    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        await super().handle_request(message, payload)
        self.keep_alive(message.path != "/last")


def test_handler_decides_with_keep_alive(serve: Serve) -> None:
    server = serve(OptOut)
    sock = server.connect()
    sock.sendall(GET % 1 + b"GET /last HTTP/1.1\r\nHost: x\r\n\r\n" + GET % 3)
    data = read_until_close(sock)
    sock.close()
    assert [r[2] for r in parse_all(data)] == [b"GET /1 0\n", b"GET /last 0\n"]


class CloseResponse(ServerHttpProtocol):
    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        # No Content-Length on HTTP/1.0: the body runs until the connection closes.
        response = Response(self.writer, 200, http_version=message.version)
        response.send_headers()
        response.write(b"until close")
        await response.write_eof()


def test_response_that_closes_ends_the_connection(serve: Serve) -> None:
    server = serve(CloseResponse)
    sock = server.connect()
    sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    data = read_until_close(sock)  # would hang if the server kept it open
    sock.close()
    assert data.endswith(b"\r\n\r\nuntil close")


def test_idle_keep_alive_connection_is_closed(serve: Serve) -> None:
    server = serve(lambda: Echo(keep_alive=0.2))
    sock = server.connect()
    sock.sendall(GET % 1)
    data = recv_until(sock, b"GET /1 0\n")
    start = time.monotonic()
    rest = read_until_close(sock)  # the server closes after 0.2 s idle
    sock.close()
    assert rest == b"" and data.endswith(b"GET /1 0\n")
    assert time.monotonic() - start < GUARD / 2


# -- pipelining -------------------------------------------------------------------------


def test_pipelined_requests_are_answered_in_order(serve: Serve) -> None:
    server = serve(Echo)
    sock = server.connect()
    requests = b"".join(GET % i for i in range(200))
    requests += b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"
    requests += b"GET /end HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    sock.sendall(requests)
    data = read_until_close(sock)
    sock.close()
    bodies = [r[2] for r in parse_all(data)]
    assert bodies == ([f"GET /{i} 0\n".encode() for i in range(200)]
                      + [b"POST /body 4\nbody", b"GET /end 0\n"])


class Gate(Echo):
    """Holds the first request until ``gate`` is set."""

    gate: asyncio.Event

    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        if message.path == "/0":
            await self.gate.wait()
        await super().handle_request(message, payload)


def gated(gates: list[asyncio.Event]) -> Callable[[], Gate]:
    """A protocol factory whose every ``Gate`` appends its event to ``gates``."""
    def factory() -> Gate:
        protocol = Gate()
        protocol.gate = asyncio.Event()
        gates.append(protocol.gate)
        return protocol
    return factory


def test_pipelining_client_cannot_make_the_server_buffer_without_bound(serve: Serve) -> None:
    gate: list[asyncio.Event] = []
    factory = gated(gate)
    server = serve(factory)
    sock = server.connect()
    sock.setblocking(False)
    request = GET % 1
    stream = request * (2**21 // len(request))
    sent = 0
    sock.sendall(GET % 0)
    deadline = time.monotonic() + GUARD
    while not server.protocols and time.monotonic() < deadline:
        time.sleep(0.01)
    # Write until the kernel buffers are full: the server stopped reading.
    idle_rounds = 0
    while idle_rounds < 20 and sent < len(stream) and time.monotonic() < deadline:
        try:
            sent += sock.send(stream[sent:sent + 2**16])
            idle_rounds = 0
        except BlockingIOError:
            idle_rounds += 1
            time.sleep(0.02)
    sock.setblocking(True)
    time.sleep(0.2)  # let the server read all it is willing to
    protocol = server.protocols[0]
    buffered = server.call_soon(lambda: len(protocol.reader.buffer))
    # Twice the StreamParser limit, plus one read of the transport (at most 256 KiB).
    bound = 2 * 2**16 + 2**18
    assert buffered <= bound, (sent, buffered)
    assert sent > 2 * bound  # the rest waits in the kernel, not in the server
    server.call_soon(gate[0].set)
    partial = sent % len(request)
    if partial:
        sock.sendall(request[partial:])  # complete the last request
    sock.shutdown(socket.SHUT_WR)
    # Every request is still answered, in order.
    data = read_until_close(sock)
    sock.close()
    assert data.count(b"HTTP/1.1 200 OK") == 1 + (sent + len(request) - 1) // len(request)
    assert data.count(b"GET /1 0\n") == (sent + len(request) - 1) // len(request)


def test_pipelined_heads_and_bodies_then_eof_while_a_handler_waits(serve: Serve) -> None:
    # The end of the input arrives while the first handler waits, with heads
    # and bodies behind it in the buffer: each request is still parsed only
    # once its turn comes, then answered in order, and the incomplete head
    # at the end closes the connection without an answer.
    gate: list[asyncio.Event] = []
    factory = gated(gate)
    server = serve(factory)
    sock = server.connect()
    sock.sendall(GET % 0 + GET % 1
                 + b"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                 + GET % 3
                 + b"POST /4 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"2\r\nde\r\n0\r\n\r\n"
                 + GET % 5 + b"GET /6 HTTP/1.1\r\nHo")
    sock.shutdown(socket.SHUT_WR)
    deadline = time.monotonic() + GUARD
    while not gate and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # the end of the input reaches the server first
    server.call_soon(gate[0].set)
    data = read_until_close(sock)
    sock.close()
    bodies = [r[2] for r in parse_all(data)]
    assert bodies == [b"GET /0 0\n", b"GET /1 0\n", b"POST /2 3\nabc", b"GET /3 0\n",
                      b"POST /4 2\nde", b"GET /5 0\n"]


# -- timeouts ---------------------------------------------------------------------------


def test_slow_head_is_cut_off(serve: Serve) -> None:
    server = serve(lambda: Echo(timeout=0.3))
    sock = server.connect()
    start = time.monotonic()
    sock.sendall(b"GET / HTTP/1.1\r\n")
    for _ in range(50):  # a slowloris client: one header line every 0.1 s
        try:
            sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            break
        time.sleep(0.1)
        if sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
            break
    assert time.monotonic() - start < 4
    assert read_until_close(sock) == b""
    sock.close()


def test_slow_head_of_a_later_request_is_cut_off(serve: Serve) -> None:
    server = serve(lambda: Echo(timeout=0.3, keep_alive=30))
    sock = server.connect()
    sock.sendall(GET % 1)
    assert recv_until(sock, b"GET /1 0\n").endswith(b"GET /1 0\n")
    start = time.monotonic()
    sock.sendall(b"GET /2 HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    assert read_until_close(sock) == b""
    assert time.monotonic() - start < GUARD / 2
    sock.close()


class Slow(Echo):
    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        await asyncio.sleep(0.6)
        await super().handle_request(message, payload)


def test_no_timeout_runs_while_the_handler_works(serve: Serve) -> None:
    server = serve(lambda: Slow(timeout=0.2, keep_alive=0.2))
    sock = server.connect()
    sock.sendall(GET % 1)
    assert recv_until(sock, b"GET /1 0\n").endswith(b"GET /1 0\n")
    sock.close()


# -- errors -----------------------------------------------------------------------------


MALFORMED = [
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
    (b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nFold: a\r\n b\r\n\r\n", 400),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),  # TLS sent to a plain port
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 200 + b"\r\n", 431),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    (b"CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
]


@pytest.mark.parametrize(("request_bytes", "status"), MALFORMED)
def test_malformed_requests_get_4xx_without_error_logs(
        serve: Serve, caplog: pytest.LogCaptureFixture, request_bytes: bytes, status: int) -> None:
    server = serve(Echo)
    sock = server.connect()
    with caplog.at_level(logging.DEBUG, logger="aiohttp"):
        sock.sendall(request_bytes)
        data = read_until_close(sock)
    sock.close()
    assert data.startswith(f"HTTP/1.1 {status} ".encode()), data[:100]
    assert b"Connection: close" in data
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# Those whose head is complete: the prefix check of a connection's first
# bytes (a TLS handshake) is not made again for later requests.
@pytest.mark.parametrize(("request_bytes", "status"),
                         [case for case in MALFORMED if b"\r\n\r\n" in case[0]])
def test_malformed_request_after_a_good_one_gets_the_same_4xx(
        serve: Serve, caplog: pytest.LogCaptureFixture, request_bytes: bytes, status: int) -> None:
    # A later request of a keep-alive connection, arriving whole on an empty
    # buffer, takes the server's shortcut (HttpRequestParser.parse_whole):
    # it must be refused exactly as the first request of a connection is.
    server = serve(Echo)
    sock = server.connect()
    with caplog.at_level(logging.DEBUG, logger="aiohttp"):
        sock.sendall(GET % 1)
        first = recv_until(sock, b"GET /1 0\n")
        sock.sendall(request_bytes)
        data = read_until_close(sock)
    sock.close()
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert data.startswith(f"HTTP/1.1 {status} ".encode()), data[:100]
    assert b"Connection: close" in data
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(server.protocols) == 1


def test_keep_alive_requests_sent_whole_or_in_pieces_get_the_same_answers(serve: Serve) -> None:
    server = serve(Echo)
    heads = [b"GET /a?x=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
             b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
             b"GET /c HTTP/1.1\r\nhost: x\r\nConnection: keep-alive\r\n\r\n",
             b"GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"]
    bodies = [b"GET /a?x=1 0\n", b"POST /b 3\nabc", b"GET /c 0\n", b"GET /d 0\n"]
    answers = []
    for split in (False, True):
        sock = server.connect()
        got = []
        for head, body in zip(heads, bodies):
            if split:  # the head arrives in two pieces: the parser generator takes it
                sock.sendall(head[:5])
                time.sleep(0.02)
                sock.sendall(head[5:])
            else:
                sock.sendall(head)
            data = recv_until(sock, b"\r\n\r\n" + body)
            assert data.endswith(b"\r\n\r\n" + body)
            got.append(re.sub(rb"Date: [^\r]*", b"", data))
        sock.close()
        answers.append(got)
    assert answers[0] == answers[1]
    assert [answer.split(b" ", 1)[0] for answer in answers[0]] == [
        b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0"]
    assert len(server.protocols) == 2


def test_body_over_max_body_size_gets_413(serve: Serve) -> None:
    server = serve(lambda: Echo(max_body_size=100))
    sock = server.connect()
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"x" * 1000)
    data = read_until_close(sock)
    sock.close()
    assert data.startswith(b"HTTP/1.1 413 ")


def test_method_not_allowed_gets_405_with_allow(serve: Serve) -> None:
    server = serve(lambda: Echo(allowed_methods=("GET", "HEAD")))
    sock = server.connect()
    sock.sendall(b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, _ = parse_all(read_until_close(sock))[0]
    sock.close()
    assert status == 405 and headers["allow"] == "GET, HEAD"


class Failing(ServerHttpProtocol):
    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        if message.path == "/forbidden":
            raise errors.HttpErrorException(403, headers=(("X-Why", "no"),))
        if message.path == "/weird":
            raise errors.HttpErrorException(999)
        if message.path == "/late":
            response = Response(self.writer, 200)
            response.add_header("Content-Length", "10")
            response.send_headers()
            response.write(b"12345")
        raise ValueError("<script>alert(1)</script>")


def test_handler_exception_gives_500_logged_once(serve: Serve,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    server = serve(Failing)
    sock = server.connect()
    with caplog.at_level(logging.ERROR, logger="aiohttp"):
        sock.sendall(GET % 1)
        data = read_until_close(sock)
    sock.close()
    assert data.startswith(b"HTTP/1.1 500 Internal Server Error")
    assert b"<script>" not in data and b"Traceback" not in data  # no debug page
    errors_logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors_logged) == 1 and errors_logged[0].exc_info is not None


def test_debug_traceback_is_html_escaped(serve: Serve) -> None:
    server = serve(lambda: Failing(debug=True, log=logging.getLogger("test.quiet")))
    sock = server.connect()
    sock.sendall(GET % 1)
    data = read_until_close(sock)
    sock.close()
    assert b"Traceback" in data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in data and b"<script>" not in data


def test_http_exception_status_and_headers(serve: Serve) -> None:
    server = serve(Failing)
    sock = server.connect()
    sock.sendall(b"GET /forbidden HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = parse_all(read_until_close(sock))[0]
    sock.close()
    assert status == 403 and headers["x-why"] == "no" and b"403 Forbidden" in body


def test_unknown_status_becomes_500(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    server = serve(Failing)
    sock = server.connect()
    with caplog.at_level(logging.CRITICAL, logger="aiohttp"):
        sock.sendall(b"GET /weird HTTP/1.1\r\nHost: x\r\n\r\n")
        data = read_until_close(sock)
    sock.close()
    assert data.startswith(b"HTTP/1.1 500 ")


def test_error_after_the_response_began_closes_the_connection(
        serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    server = serve(Failing)
    sock = server.connect()
    with caplog.at_level(logging.CRITICAL, logger="aiohttp"):
        sock.sendall(b"GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
        data = read_until_close(sock)
    sock.close()
    # One response only, cut short: the client can tell it is incomplete.
    assert data.count(b"HTTP/1.1") == 1 and data.endswith(b"\r\n\r\n12345")


class Async404(ServerHttpProtocol):
    async def handle_error(self, status: int = 500, message: Any = None,
                           payload: Any = None, exc: Any = None, headers: Any = None,
                           reason: str | None = None) -> None:
        await asyncio.sleep(0)
        result = super().handle_error(status, message, payload, exc, headers, reason)
        if result is not None:
            await result


def test_handle_error_may_be_a_coroutine(serve: Serve) -> None:
    server = serve(Async404)
    sock = server.connect()
    sock.sendall(b"BAD REQUEST\r\n\r\n")
    assert read_until_close(sock).startswith(b"HTTP/1.1 400 ")
    sock.close()


# -- bodies: Expect: 100-continue, disconnects -------------------------------------------


class Picky(Echo):
    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        if message.path == "/reject":
            response = Response(self.writer, 403, http_version=message.version)
            response.add_header("Content-Length", "0")
            response.send_headers()
            await response.write_eof()
            return
        await super().handle_request(message, payload)


def test_expect_100_continue_is_answered_when_the_body_is_read(serve: Serve) -> None:
    server = serve(Picky)
    sock = server.connect()
    sock.sendall(b"POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                 b"Expect: 100-continue\r\n\r\n")
    assert recv_until(sock, b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(b"hello")
    assert recv_until(sock, b"hello").endswith(b"POST /ok 5\nhello")
    # Refused without reading: no 100, and the unread body ends the connection.
    sock.sendall(b"POST /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                 b"Expect: 100-continue\r\n\r\n")
    data = read_until_close(sock)
    sock.close()
    assert data.startswith(b"HTTP/1.1 403 ") and b"100 Continue" not in data


def test_curl_expect_100_continue(serve: Serve) -> None:
    server = serve(Echo)
    out = subprocess.run(["curl", "-s", "-v", "-H", "Expect: 100-continue", "--data-binary",
                          "x" * 5000, f"http://127.0.0.1:{server.port}/up"],
                         capture_output=True, timeout=GUARD, check=True)
    assert b"HTTP/1.1 100 Continue" in out.stderr
    assert out.stdout == b"POST /up 5000\n" + b"x" * 5000


class Reader(ServerHttpProtocol):
    outcome: asyncio.Future[BaseException | None]

    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        if message.method == "GET":
            await super().handle_request(message, payload)  # type: ignore[misc]
            return
        try:
            await payload.read()
        except BaseException as exc:
            self.outcome.set_result(exc)
            raise
        self.outcome.set_result(None)


def test_client_disconnecting_mid_body(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    protocols: list[Reader] = []

    def factory() -> Reader:
        protocol = Reader()
        protocol.outcome = asyncio.get_running_loop().create_future()
        protocols.append(protocol)
        return protocol

    server = serve(factory)
    with caplog.at_level(logging.WARNING, logger="aiohttp"):
        sock = server.connect()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 500)
        time.sleep(0.1)
        sock.close()

        async def outcome() -> BaseException | None:
            return await protocols[0].outcome
        exc = server.call(outcome())
    # The handler learns it (an error on read, or its cancellation).
    assert isinstance(exc, (errors.ConnectionError, ConnectionError, asyncio.CancelledError))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # And the server keeps serving.
    out = subprocess.run(["curl", "-s", f"http://127.0.0.1:{server.port}/"],
                         capture_output=True, timeout=GUARD, check=True).stdout
    assert out == b"Page Not Found!"


# -- upgrade (the WebSocket contract) -----------------------------------------------------


class LineEcho(ServerHttpProtocol):
    """Upgrades to a line-echo protocol, the way a WebSocket handler does."""

    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        response = Response(self.writer, 101, http_version=message.version)
        response.add_header("Upgrade", "lines")
        response.add_header("Connection", "Upgrade")
        response.send_headers()
        lines = self.reader.set_parser(LinesParser())
        while True:
            line = await lines.read()
            assert self.writer is not None
            self.writer.write(b"echo " + line)
            if line == b"bye\n":
                return


def test_upgraded_connection_is_not_timed_out_nor_parsed_as_http(serve: Serve) -> None:
    server = serve(lambda: LineEcho(timeout=0.2, keep_alive=0.2))
    sock = server.connect()
    sock.sendall(b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n")
    head = recv_until(sock, b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"Upgrade: lines" in head and b"Connection: upgrade" in head.replace(
        b"Connection: Upgrade", b"Connection: upgrade")
    sock.sendall(b"one\n")
    assert recv_until(sock, b"echo one\n") == b"echo one\n"
    time.sleep(0.6)  # longer than both timeouts
    sock.sendall(b"GET / HTTP/1.1\r\n")  # not HTTP any more: just a line
    assert recv_until(sock, b"\n") == b"echo GET / HTTP/1.1\r\n"
    sock.sendall(b"bye\n")
    # The handler returned: the connection is closed, never parsed as HTTP again.
    assert read_until_close(sock) == b"echo bye\n"
    sock.close()


# -- closing, TCP keep-alive ---------------------------------------------------------------


def test_closing_closes_idle_connections_and_finishes_busy_ones(serve: Serve) -> None:
    server = serve(lambda: Slow(keep_alive=30))
    idle = server.connect()
    idle.sendall(GET % 1)
    assert recv_until(idle, b"GET /1 0\n").endswith(b"GET /1 0\n")
    busy = server.connect()
    busy.sendall(GET % 2)
    time.sleep(0.2)  # the slow handler is at work

    def close_all() -> None:
        for protocol in server.protocols:
            protocol.closing()
    server.call_soon(close_all)
    assert read_until_close(idle) == b""
    assert read_until_close(busy).endswith(b"GET /2 0\n")
    idle.close()
    busy.close()


def test_tcp_keepalive_is_set(serve: Serve) -> None:
    server = serve(Echo)
    sock = server.connect()
    sock.sendall(GET % 1)
    recv_until(sock, b"GET /1 0\n")
    protocol = server.protocols[0]

    def keepalive() -> int:
        assert protocol.transport is not None
        raw = protocol.transport.get_extra_info("socket")
        return int(raw.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
    assert server.call_soon(keepalive) == 1
    sock.close()


# -- access log -------------------------------------------------------------------------


class Logged(Echo):
    async def handle_request(self, message: RawRequestMessage,
                             payload: StreamReader) -> None:
        start = time.monotonic()
        body = await payload.read()
        response = Response(self.writer, 201, http_version=message.version)
        response.add_header("X-Out", 'said "hi"')
        response.add_header("Content-Length", str(len(body)))
        response.send_headers()
        response.write(body)
        # Logged before the response leaves (it is held until write_eof's
        # drain), so the client cannot see it before the log line exists.
        self.log_access(message, None, response, time.monotonic() - start + 1.5)
        await response.write_eof()


def test_access_log_atoms(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    fmt = ('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(T)s %(D)s %(p)s '
           '%({user-agent}i)s %({x-OUT}o)s %(nope)s')
    server = serve(lambda: Logged(access_log_format=fmt))
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        sock = server.connect()
        sock.sendall(b'POST /p?q=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: agent "007"\r\n'
                     b"Referer: http://r/\r\nAuthorization: Basic dXNlcjpwdw==\r\n"
                     b"Content-Length: 5\r\nConnection: close\r\n\r\nhello")
        read_until_close(sock)
        sock.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 1
    match = re.fullmatch(
        r'127\.0\.0\.1 - user \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] '
        r'"POST /p\?q=1 HTTP/1\.1" 201 5 "http://r/" "agent \\"007\\"" 1 (\d+) <\d+> '
        r'agent \\"007\\" said \\"hi\\" -', lines[0])
    assert match is not None, lines[0]
    assert 1_500_000 <= int(match.group(1)) < 60_000_000  # microseconds


def test_access_log_failure_is_logged_not_raised(serve: Serve,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    server = serve(lambda: Logged(access_log_format="%(h)d"))
    with caplog.at_level(logging.INFO, logger="aiohttp"):
        sock = server.connect()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        assert recv_until(sock, b"ok").endswith(b"\r\n\r\nok")  # the request still succeeds
        sock.close()
    assert any(r.getMessage() == "Error in logging" for r in caplog.records)


def test_default_handler_logs_access_in_clf(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    server = serve(lambda: ServerHttpProtocol())
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        subprocess.run(["curl", "-s", "-A", "curl-test", f"http://127.0.0.1:{server.port}/x"],
                       capture_output=True, timeout=GUARD, check=True)

        async def settle() -> None:
            await asyncio.sleep(0.05)
        server.call(settle())
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 1
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "GET /x HTTP/1\.1" 404 15 "-" "curl-test"',
                        lines[0]), lines[0]


# -- a head held back is never stuck --------------------------------------------------------


class Streaming(ServerHttpProtocol):
    """Writes the head and a first chunk, then waits for the client to say it saw them."""

    seen: asyncio.Event
    other_task = False

    async def handle_request(self, message: RawRequestMessage, payload: StreamReader) -> None:
        async def respond() -> None:
            response = Response(self.writer, 200, http_version=message.version)
            response.send_headers()  # chunked: no Content-Length
            response.write(b"first")
            await self.seen.wait()
            response.write(b"second")
            await response.write_eof()
        if self.other_task:  # written by a task of its own: not the request loop's
            await asyncio.get_running_loop().create_task(respond())
        else:
            await respond()


@pytest.mark.parametrize("other_task", [False, True])
def test_head_and_first_chunk_leave_while_the_handler_waits(serve: Serve,
                                                            other_task: bool) -> None:
    events: list[asyncio.Event] = []

    def factory() -> Streaming:
        protocol = Streaming()
        protocol.seen = asyncio.Event()
        protocol.other_task = other_task
        events.append(protocol.seen)
        return protocol

    server = serve(factory)
    sock = server.connect()
    sock.sendall(GET % 1)
    data = recv_until(sock, b"5\r\nfirst\r\n")  # would hang if the head were held back
    assert data.startswith(b"HTTP/1.1 200 OK\r\n") and b"Transfer-Encoding: chunked" in data
    server.call_soon(events[0].set)
    data = recv_until(sock, b"0\r\n\r\n", data)
    assert data.endswith(b"5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n")
    # The connection is still usable: the request loop parked again after the task.
    sock.sendall(GET % 2)  # (the connection's event is set by now: no wait)
    assert recv_until(sock, b"0\r\n\r\n").endswith(b"5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n")
    sock.close()


# -- the request loop's driver ------------------------------------------------------------


class FakeTransport(asyncio.Transport):
    """Just enough of a transport to drive a protocol by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Sleepy(Echo):
    started = 0

    async def handle_request(self, message: RawRequestMessage, payload: StreamReader) -> None:
        self.started += 1
        await asyncio.sleep(0.01)
        await super().handle_request(message, payload)


def running_task(protocol: ServerHttpProtocol) -> bool:
    """Whether a task runs the connection's request loop (a function: mypy
    would otherwise keep the attribute narrowed across awaits)."""
    return protocol._task is not None


async def test_requests_alternate_between_inline_and_task_and_cancel_cleanly() -> None:
    protocol = Sleepy(keep_alive=30)
    transport = FakeTransport()
    protocol.connection_made(transport)
    for i in range(3):
        protocol.data_received(GET % i)
        assert running_task(protocol)  # the handler waits: a task runs it
        await asyncio.sleep(0.05)
        assert not running_task(protocol)  # parked again, no task while idle
        assert bytes(transport.written).endswith(f"GET /{i} 0\n".encode())
    # A handler task cancelled before it ever ran still ends the request loop.
    protocol.data_received(GET % 9)
    assert running_task(protocol)
    transport.closed = True
    protocol.connection_lost(None)
    for _ in range(3):
        await asyncio.sleep(0)
    assert not running_task(protocol) and protocol._coro is None
    assert protocol.started == 4


@pytest.mark.parametrize("first", [b"GET /0 HTTP/1.1\r\nHost: x\r\n\r\n",
                                   b"POST /0 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"])
async def test_heads_taken_whole_then_bodies_in_later_pieces(first: bytes) -> None:
    # Each head arrives alone while the request loop waits on an empty
    # buffer: data_received takes it whole (parse_whole). Its body comes in
    # the next pieces, as http.client sends them, and a body parser replaces
    # the head parser for it: every request of the connection is answered,
    # in order, and the connection stays open.
    protocol = Echo(keep_alive=30)
    transport = FakeTransport()
    protocol.connection_made(transport)
    taken = []
    parse_whole = protocol._parse_whole

    def counting(data: bytes) -> RawRequestMessage | None:
        message = parse_whole(data)
        taken.append(message is not None)
        return message

    protocol._parse_whole = counting

    async def settle() -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        assert protocol._heads.waiting and not protocol.reader.buffer

    protocol.data_received(first)
    await settle()
    expected = [f"{first.split()[0].decode()} /0 0\n".encode()]
    for i in range(1, 4):
        body = b"x" * (i * 100)
        protocol.data_received(
            b"POST /%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (i, len(body)))
        protocol.data_received(body[:50])
        protocol.data_received(body[50:])
        await settle()
        for _ in range(2):  # the same head twice: the second is the remembered message
            protocol.data_received(GET % (i + 10))
            await settle()
        expected += [b"POST /%d %d\n" % (i, len(body)) + body] + [b"GET /%d 0\n" % (i + 10)] * 2
    assert taken == [True] * 9
    assert not transport.closed
    bodies = [answer[2] for answer in parse_all(bytes(transport.written))]
    assert bodies == expected
    transport.closed = True
    protocol.connection_lost(None)
    await asyncio.sleep(0)


class WriteRecorder(FakeTransport):
    """Keeps each write apart, to see how a response is cut into sends."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        super().write(data)
        self.writes.append(bytes(data))


class BigBody(ServerHttpProtocol):
    async def handle_request(self, message: RawRequestMessage, payload: StreamReader) -> None:
        body = b"x" * int(message.path[1:])
        response = Response(self.writer, 200, http_version=message.version)
        response.add_header("Content-Length", str(len(body)))
        response.send_headers()
        response.write(body)
        await response.write_eof()


async def responded(transport: WriteRecorder, size: int) -> None:
    deadline = time.monotonic() + GUARD
    while not transport.written.endswith(b"x" * size) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("size", [2**14, JOIN_LIMIT])
async def test_a_large_body_leaves_in_one_write_with_its_head(size: int) -> None:
    protocol = BigBody(keep_alive=30)
    transport = WriteRecorder()
    protocol.connection_made(transport)
    protocol.data_received(GET % size)
    await responded(transport, size)
    assert len(transport.writes) == 1
    (status, headers, body), = parse_all(bytes(transport.written))
    assert status == 200 and body == b"x" * size
    transport.closed = True
    protocol.connection_lost(None)


async def test_a_body_over_the_join_limit_follows_its_head_uncopied() -> None:
    protocol = BigBody(keep_alive=30)
    transport = WriteRecorder()
    protocol.connection_made(transport)
    protocol.data_received(GET % (JOIN_LIMIT + 1))
    await responded(transport, JOIN_LIMIT + 1)
    head, body = transport.writes
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    assert body == b"x" * (JOIN_LIMIT + 1)
    transport.closed = True
    protocol.connection_lost(None)


async def test_connections_prepare_the_allocator_for_reads() -> None:
    """Like ``StreamProtocol``'s, the server's own ``connection_made`` makes
    receive buffers come from the heap (``aiohttp._read_allocations``)."""
    _read_allocations._prepared.clear()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(ServerHttpProtocol, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
    finally:
        server.close()
        await server.wait_closed()
    assert answer.startswith(b"HTTP/1.1 404 ")
    # asyncio's own client protocol does not prepare: the server did.
    assert _read_allocations._prepared == {_read_allocations.DEFAULT_READ_SIZE}
