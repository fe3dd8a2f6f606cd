"""``python -m aiohttp.client``: the command line against real peers.

Each run is a real child process (``sys.executable -m aiohttp.client``)
with warnings as errors and asyncio's debug mode, so a traceback, an
unclosed transport or a runpy warning shows up on its stderr, which the
tests check. Peers: the private nginx, tinyproxy, and small asyncio
servers (``RawServer``) that record what they received. The progress bar
is checked under a real pseudo-terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import pty
import re
import select
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

import pytest
import trustme
from aiohttp._client_cli import (
    Streams,
    format_duration,
    format_progress,
    format_size,
    main,
    parse_header,
)
from client_peers import RawServer, Recorded, TinyProxy, read_request, response
from local_peers import free_port
from nginx_server import BIG_SIZE, PAGE_BODY, SMALL_BODY, NginxServer

#: The child's interpreter options: warnings are errors, asyncio's debug checks on.
CHILD = [sys.executable, "-W", "error", "-X", "dev", "-m", "aiohttp.client"]
#: A hang guard, never a timing assertion.
GUARD = 60.0


class Result(NamedTuple):
    code: int
    stdout: bytes
    stderr: str


async def cli(*args: str, stdin: bytes | Path | None = None) -> Result:
    """Run the command line to its end; stdout and stderr captured.

    ``stdin``: bytes through a pipe, a file opened as stdin, or /dev/null.
    """
    with contextlib.ExitStack() as stack:
        source: int | IO[bytes] = subprocess.DEVNULL
        if isinstance(stdin, bytes):
            source = subprocess.PIPE
        elif stdin is not None:
            source = stack.enter_context(stdin.open("rb"))
        process = await asyncio.create_subprocess_exec(
            *CHILD, *args, stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await asyncio.wait_for(
            process.communicate(stdin if isinstance(stdin, bytes) else None), GUARD)
    assert process.returncode is not None
    return Result(process.returncode, out, err.decode())


def assert_clean(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert "Warning" not in stderr
    assert "Exception ignored" not in stderr


def assert_one_error(result: Result, code: int, *words: str) -> None:
    """A failure: the exit code, and one line on stderr that says it."""
    assert result.code == code, result
    assert_clean(result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("aiohttp.client: ")
    for word in words:
        assert word in lines[0]


def echo(req: Recorded) -> bytes:
    """Answer with what was received, as JSON."""
    return response(200, json.dumps({
        "method": req.method, "target": req.target,
        "headers": dict(req.headers), "body_length": len(req.body),
    }).encode(), headers=(("Content-Type", "application/json"),))


@pytest.fixture
def big_file(nginx: NginxServer) -> Iterator[tuple[str, bytes]]:
    """An 8 MiB file served by nginx: (URL, content)."""
    content = os.urandom(8 * 2**20)
    path = nginx.root / f"cli-{os.getpid()}-big.bin"
    path.write_bytes(content)
    yield f"{nginx.url}/{path.name}", content
    path.unlink()


# -- starting -------------------------------------------------------------------------


async def test_help_with_warnings_as_errors() -> None:
    # -W error turns runpy's "found in sys.modules" warning into a failure.
    result = await cli("--help")
    assert result.code == 0
    assert result.stderr == ""
    text = result.stdout.decode()
    assert text.startswith("usage: python -m aiohttp.client")
    for option in ("--request", "--header", "--data", "--output", "--include", "--fail",
                   "--silent", "--unix-socket", "--proxy", "--timeout", "--verbose"):
        assert option in text


# -- bodies -------------------------------------------------------------------------


async def test_get_writes_the_body_byte_exact(nginx: NginxServer) -> None:
    big = (nginx.root / "big.bin").read_bytes()
    result = await cli(nginx.url + "/big.bin")
    assert result.code == 0
    assert len(result.stdout) == BIG_SIZE
    assert result.stdout == big
    assert result.stderr == ""


async def test_gzip_body_is_written_decoded(nginx: NginxServer) -> None:
    result = await cli(nginx.url + "/page.html")
    assert result.code == 0 and result.stderr == ""
    assert result.stdout == PAGE_BODY


async def test_scheme_defaults_to_http(nginx: NginxServer) -> None:
    result = await cli(f"127.0.0.1:{nginx.port}/small.txt")
    assert (result.code, result.stdout) == (0, SMALL_BODY)


async def test_method_headers_and_data_reach_the_server() -> None:
    async with RawServer(echo) as server:
        result = await cli("-X", "put", "-H", "X-Test: yes  ", "-H", "X-Empty:",
                           "-d", "a=1", "-d", "b=\xe9", server.url("/echo?q=1"))
        assert result.code == 0 and result.stderr == ""
        got = server.requests[0]
        assert (got.method, got.target) == ("PUT", "/echo?q=1")
        assert got.headers["X-Test"] == "yes"
        assert got.headers["X-Empty"] == ""
        assert got.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert got.body == b"a=1&b=\xc3\xa9"  # the command line's bytes, as typed (UTF-8)
        assert json.loads(result.stdout)["body_length"] == len(got.body)


async def test_data_means_post_and_a_header_replaces_the_default() -> None:
    async with RawServer(echo) as server:
        result = await cli("-d", '{"a": 1}', "-H", "Content-Type: application/json",
                           "-H", "Accept: text/plain", server.url("/"))
        assert result.code == 0
        got = server.requests[0]
        assert got.method == "POST"
        assert got.headers.getall("Content-Type") == ["application/json"]
        assert got.headers.getall("Accept") == ["text/plain"]
        assert got.body == b'{"a": 1}'


async def test_data_from_a_file_is_streamed_with_its_length(tmp_path: Path) -> None:
    content = os.urandom(3 * 2**20 + 17)
    upload = tmp_path / "upload.json"
    upload.write_bytes(content)
    async with RawServer(echo) as server:
        result = await cli("-d", f"@{upload}", server.url("/up"))
        assert result.code == 0 and result.stderr == ""
        got = server.requests[0]
        assert got.method == "POST"
        assert got.headers["Content-Length"] == str(len(content))
        assert got.headers["Content-Type"] == "application/json"  # guessed from the name
        assert got.body == content


async def test_data_from_a_stdin_pipe_is_sent_chunked() -> None:
    content = os.urandom(500_000)
    async with RawServer(echo) as server:
        result = await cli("-X", "PUT", "-d", "@-", server.url("/in"), stdin=content)
        assert result.code == 0 and result.stderr == ""
        got = server.requests[0]
        assert got.method == "PUT"
        assert got.headers["Transfer-Encoding"] == "chunked"
        assert got.body == content


async def test_data_from_stdin_redirected_from_a_file(tmp_path: Path) -> None:
    content = os.urandom(100_000)
    path = tmp_path / "stdin.bin"
    path.write_bytes(content)
    async with RawServer(echo) as server:
        result = await cli("-d", "@-", server.url("/file"), stdin=path)
        assert result.code == 0 and result.stderr == ""
        got = server.requests[0]
        assert got.headers["Content-Length"] == str(len(content))  # a regular file: sized
        assert got.body == content


async def test_data_from_stdin_on_dev_null() -> None:
    # /dev/null cannot be polled: it is read like a file, and is empty.
    async with RawServer(echo) as server:
        result = await cli("-d", "@-", server.url("/null"))
        assert result.code == 0 and result.stderr == ""
        got = server.requests[0]
        assert (got.method, got.body) == ("POST", b"")


async def test_data_from_a_missing_file(tmp_path: Path) -> None:
    result = await cli("-d", f"@{tmp_path / 'nope'}", "http://127.0.0.1:9/")
    assert_one_error(result, 26, "cannot read", "No such file")


async def test_output_file_without_a_terminal_draws_nothing(nginx: NginxServer,
                                                            tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    result = await cli("-o", str(target), nginx.url + "/big.bin")
    assert result.code == 0
    assert result.stdout == b""
    assert result.stderr == ""  # stderr is a pipe: no progress bar
    assert target.read_bytes() == (nginx.root / "big.bin").read_bytes()


async def test_output_dash_is_stdout(nginx: NginxServer) -> None:
    result = await cli("-o", "-", nginx.url + "/small.txt")
    assert (result.code, result.stdout, result.stderr) == (0, SMALL_BODY, "")


async def test_output_that_cannot_be_written(nginx: NginxServer, tmp_path: Path) -> None:
    result = await cli("-o", str(tmp_path / "no" / "such" / "dir"), nginx.url + "/small.txt")
    assert_one_error(result, 23, "cannot write")


# -- heads ----------------------------------------------------------------------------


async def test_include_writes_the_head_before_the_body(nginx: NginxServer) -> None:
    result = await cli("-i", nginx.url + "/small.txt")
    assert result.code == 0
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    assert f"Content-Length: {len(SMALL_BODY)}" in lines
    assert "Content-Type: text/plain" in lines
    assert body == SMALL_BODY


async def test_include_shows_every_response_of_a_redirect(nginx: NginxServer) -> None:
    result = await cli("-i", nginx.url + "/redirect")
    assert result.code == 0
    first, second, body = result.stdout.split(b"\r\n\r\n", 2)
    assert first.startswith(b"HTTP/1.1 302 Moved Temporarily\r\n")
    assert b"\r\nLocation: " in first
    assert second.startswith(b"HTTP/1.1 200 OK\r\n")
    assert body == SMALL_BODY


async def test_head_request_writes_only_the_head(nginx: NginxServer) -> None:
    result = await cli("-I", nginx.url + "/big.bin")
    assert result.code == 0
    assert result.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
    assert result.stdout.endswith(b"\r\n\r\n")
    assert f"Content-Length: {BIG_SIZE}\r\n".encode() in result.stdout
    assert (nginx.workdir / "access.log").read_text().count('"HEAD /big.bin HTTP/1.1" 200') >= 1


async def test_verbose_prints_both_heads_on_stderr(nginx: NginxServer) -> None:
    result = await cli("-v", nginx.url + "/redirect")
    assert result.code == 0
    assert result.stdout == SMALL_BODY
    lines = result.stderr.splitlines()
    assert_clean(result.stderr)
    sent = [line for line in lines if line.startswith("> ") and "HTTP/1.1" in line]
    received = [line for line in lines if line.startswith("< HTTP/")]
    assert sent == ["> GET /redirect HTTP/1.1", "> GET /small.txt HTTP/1.1"]
    assert received == ["< HTTP/1.1 302 Moved Temporarily", "< HTTP/1.1 200 OK"]
    # In the order they happened: request, its answer, the next request...
    heads = sorted(sent + received, key=lines.index)
    assert [line[:1] for line in heads] == [">", "<", ">", "<"]
    assert f"> Host: 127.0.0.1:{nginx.port}" in lines


async def test_verbose_shows_a_streamed_upload_head(tmp_path: Path) -> None:
    async with RawServer(echo) as server:
        result = await cli("-v", "-d", "@-", server.url("/v"), stdin=b"x" * 100_000)
        assert result.code == 0
        assert "> POST /v HTTP/1.1" in result.stderr.splitlines()
        assert "> Transfer-Encoding: chunked" in result.stderr.splitlines()
        assert server.requests[0].body == b"x" * 100_000


# -- redirects --------------------------------------------------------------------------


async def test_no_redirects_gives_the_3xx(nginx: NginxServer) -> None:
    result = await cli("-i", "--no-redirects", nginx.url + "/redirect")
    assert result.code == 0
    assert result.stdout.startswith(b"HTTP/1.1 302 ")
    assert result.stdout.count(b"HTTP/1.1 ") == 1


async def test_too_many_redirects(nginx: NginxServer) -> None:
    result = await cli("--max-redirects", "1", nginx.url + "/redirect-chain")
    assert_one_error(result, 47, "too many redirects")
    assert result.stdout == b""
    result = await cli("-L", "--max-redirects", "2", nginx.url + "/redirect-chain")
    assert (result.code, result.stdout) == (0, SMALL_BODY)


# -- failures ---------------------------------------------------------------------------


async def test_fail_exits_22_on_404(nginx: NginxServer) -> None:
    result = await cli("-f", nginx.url + "/missing.txt")
    assert_one_error(result, 22, "404")
    assert result.stdout == b""
    result = await cli(nginx.url + "/missing.txt")  # without -f: the error page, exit 0
    assert result.code == 0
    assert b"404" in result.stdout


async def test_silent_hides_errors_unless_show_error(nginx: NginxServer) -> None:
    result = await cli("-s", "-f", nginx.url + "/missing.txt")
    assert (result.code, result.stdout, result.stderr) == (22, b"", "")
    result = await cli("-sS", "-f", nginx.url + "/missing.txt")
    assert_one_error(result, 22, "404")


async def test_connection_refused() -> None:
    result = await cli(f"http://127.0.0.1:{free_port()}/")
    assert_one_error(result, 7, "cannot connect", "refused")
    assert result.stdout == b""


async def test_unknown_host() -> None:
    result = await cli("http://no-such-host.invalid/")  # RFC 6761: never resolves
    assert_one_error(result, 6, "could not resolve host no-such-host.invalid")


@pytest.mark.parametrize(("url", "words"), [
    ("ftp://127.0.0.1/", ("unsupported URL scheme",)),
    ("http:///path", ("no host",)),
    ("http://127.0.0.1:99999/", ("malformed URL",)),
])
async def test_malformed_url(url: str, words: tuple[str, ...]) -> None:
    assert_one_error(await cli(url), 3, *words)


async def test_timeout_closes_the_connection() -> None:
    closed = asyncio.Event()

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await read_request(reader) is not None
        assert await reader.read() == b""  # the client gave up and closed
        closed.set()

    async with RawServer(handler=stall) as server:
        result = await cli("--timeout", "0.5", server.url("/slow"))
        assert_one_error(result, 28, "timed out after 0.5 seconds")
        await asyncio.wait_for(closed.wait(), GUARD)


async def test_body_cut_short() -> None:
    async def short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await read_request(reader) is not None
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
        await writer.drain()  # then the handler ends: the connection closes

    async with RawServer(handler=short) as server:
        result = await cli(server.url("/short"))
        assert_one_error(result, 18, "before the whole body arrived")
        assert result.stdout == b"0123456789"  # what did arrive is written


async def test_ctrl_c_exits_130_and_closes_the_connection() -> None:
    closed = asyncio.Event()

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await read_request(reader) is not None
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nfirst")
        await writer.drain()
        assert await reader.read() == b""  # the client closed
        closed.set()

    with _sigint_handled():
        async with RawServer(handler=trickle) as server:
            process = await asyncio.create_subprocess_exec(
                *CHILD, server.url("/"), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            assert process.stdout is not None and process.stderr is not None
            # Once the first bytes are out, the child is inside the body loop.
            assert await asyncio.wait_for(process.stdout.readexactly(5), GUARD) == b"first"
            process.send_signal(signal.SIGINT)
            code = await asyncio.wait_for(process.wait(), GUARD)
            err = (await process.stderr.read()).decode()
            assert code == 130
            assert_clean(err)
            await asyncio.wait_for(closed.wait(), GUARD)


@contextlib.contextmanager
def _sigint_handled() -> Iterator[None]:
    """Children inherit an ignored SIGINT (from a background shell); make sure
    ours does not, so that the signal reaches the child's Python."""
    previous = signal.getsignal(signal.SIGINT)
    if previous == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if previous == signal.SIG_IGN:
            signal.signal(signal.SIGINT, previous)


# -- TLS ------------------------------------------------------------------------------


def hello(req: Recorded) -> bytes:
    return response(200, b"hello " + req.target.encode())


async def test_tls_untrusted_then_trusted(server_tls: ssl.SSLContext, ca: trustme.CA,
                                          tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    async with RawServer(hello, ssl_context=server_tls) as server:
        result = await cli(server.url("/tls"))
        assert_one_error(result, 60, "not trusted", "certificate")
        result = await cli("--cacert", str(ca_file), server.url("/tls"))
        assert (result.code, result.stdout, result.stderr) == (0, b"hello /tls", "")
        result = await cli("-k", server.url("/insecure"))
        assert (result.code, result.stdout, result.stderr) == (0, b"hello /insecure", "")


async def test_tls_handshake_failure() -> None:
    async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Plain HTTP in answer to a TLS ClientHello.
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    async with RawServer(handler=plain) as server:
        result = await cli(server.url("/").replace("http://", "https://"))
        assert_one_error(result, 35, "TLS handshake")


async def test_bad_ca_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    result = await cli("--cacert", str(bad), "https://127.0.0.1:9/")
    assert_one_error(result, 77, "CA certificates")


# -- where to connect -------------------------------------------------------------------


async def test_unix_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "http.sock")
    got: list[Recorded] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        req = await read_request(reader)
        assert req is not None
        got.append(req)
        writer.write(response(200, b"over unix " + req.target.encode()))
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_unix_server(handler, path)
    try:
        result = await cli("--unix-socket", path, "http://localhost/x?y=1")
        assert (result.code, result.stdout, result.stderr) == (0, b"over unix /x?y=1", "")
        assert got[0].headers["Host"] == "localhost"
        missing = await cli("--unix-socket", str(tmp_path / "nope.sock"), "http://localhost/")
        assert_one_error(missing, 7, "cannot connect", "nope.sock")
    finally:
        server.close()
        await server.wait_closed()


async def test_proxy(tinyproxy_auth: TinyProxy) -> None:
    async with RawServer(hello) as origin:
        # Without credentials the proxy answers 407 itself: the origin sees nothing.
        refused = await cli("-f", "--proxy", tinyproxy_auth.url, origin.url("/via"))
        assert_one_error(refused, 22, "407")
        assert not origin.requests
        proxy = tinyproxy_auth.url.replace("http://", "http://user:pass@")
        result = await cli("--proxy", proxy, origin.url("/via?x=1"))
        assert (result.code, result.stdout, result.stderr) == (0, b"hello /via?x=1", "")
        (got,) = origin.requests
        assert "Proxy-Authorization" not in got.headers


async def test_https_through_the_proxy_tunnel(tinyproxy: TinyProxy, server_tls: ssl.SSLContext,
                                              ca: trustme.CA, tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    async with RawServer(hello, ssl_context=server_tls) as origin:
        result = await cli("--proxy", tinyproxy.url, "--cacert", str(ca_file),
                           origin.url("/tunnel"))
        assert (result.code, result.stdout, result.stderr) == (0, b"hello /tunnel", "")
        assert origin.connections == 1


async def test_unreachable_proxy() -> None:
    result = await cli("--proxy", f"http://127.0.0.1:{free_port()}", "http://example.invalid/")
    assert_one_error(result, 7, "proxy")


# -- the progress bar ---------------------------------------------------------------------


def run_on_a_terminal(*args: str) -> tuple[int, str]:
    """Run the command line with stderr on a new pseudo-terminal; (exit code, what it drew)."""
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen([*CHILD, *args], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=slave)
    finally:
        os.close(slave)
    drawn = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], GUARD)
            assert ready, "the command line hung"
            try:
                piece = os.read(master, 65536)
            except OSError:  # EIO: every copy of the slave side is closed
                break
            if not piece:
                break
            drawn += piece
    finally:
        os.close(master)
        code = process.wait(GUARD)
    return code, drawn.decode()


def test_progress_bar_on_a_terminal(big_file: tuple[str, bytes], tmp_path: Path) -> None:
    url, content = big_file
    target = tmp_path / "download.bin"
    code, drawn = run_on_a_terminal("-o", str(target), url)
    assert code == 0
    assert target.read_bytes() == content
    assert "Traceback" not in drawn
    draws = [part for part in drawn.replace("\x1b[K", "").split("\r") if part.strip()]
    assert draws, drawn
    for line in draws:
        assert re.match(r"^ *\d{1,3}% \[[#-]+\] ", line), line
    last = draws[-1].rstrip("\n")
    assert last.startswith("100% [")
    assert "8.0 MiB/8.0 MiB" in last
    assert drawn.endswith("\n")  # the line is finished
    assert "-" not in last.split("[")[1].split("]")[0]  # the bar is full


def test_progress_bar_without_a_length(nginx: NginxServer, tmp_path: Path) -> None:
    # page.html comes gzip-encoded and chunked: bytes and rate, no percent.
    target = tmp_path / "page.html"
    code, drawn = run_on_a_terminal("-o", str(target), nginx.url + "/page.html")
    assert code == 0
    assert target.read_bytes() == PAGE_BODY
    last = [part for part in drawn.replace("\x1b[K", "").split("\r") if part.strip()][-1]
    assert "%" not in last
    assert last.startswith(format_size(len(PAGE_BODY)) + "  ")
    assert "/s" in last


def test_no_progress_bar_when_silent_or_to_stdout(big_file: tuple[str, bytes],
                                                  tmp_path: Path) -> None:
    url, content = big_file
    target = tmp_path / "silent.bin"
    assert run_on_a_terminal("-s", "-o", str(target), url) == (0, "")
    assert target.read_bytes() == content
    assert run_on_a_terminal(url) == (0, "")  # the body to stdout: no bar


def test_format_progress_with_a_total() -> None:
    line = format_progress(2 * 2**20, 8 * 2**20, 2.0, width=80)
    assert line.startswith(" 25% [")
    assert line.endswith("] 2.0 MiB/8.0 MiB  1.0 MiB/s  ETA 0:06")
    assert len(line) == 79
    bar = line.split("[")[1].split("]")[0]
    assert bar.count("#") == len(bar) // 4
    done = format_progress(8 * 2**20, 8 * 2**20, 4.0, width=60)
    assert done.startswith("100% [") and done.endswith("2.0 MiB/s  in 0:04")
    assert "-" not in done.split("[")[1].split("]")[0]
    assert len(done) == 59


def test_format_progress_edges() -> None:
    assert format_progress(0, 1000, 0.0, width=80).endswith("0 B/1000 B  0 B/s  ETA --:--")
    assert format_progress(0, 0, 0.0).startswith("100% [")  # an empty body is complete
    assert format_progress(5000, 1000, 1.0).startswith("100% ")  # more than announced
    narrow = format_progress(500, 1000, 1.0, width=30)
    assert "[" not in narrow and narrow.startswith(" 50% ") and len(narrow) <= 29
    assert format_progress(1536, None, 3.0) == "1.5 KiB  512 B/s  0:03"
    assert len(format_progress(10**12, None, 1.0, width=10)) == 9


def test_format_size_and_duration() -> None:
    assert [format_size(n) for n in (0, 1023, 1024, 1536, 10 * 2**20, 3 * 2**30, 2**50)] == [
        "0 B", "1023 B", "1.0 KiB", "1.5 KiB", "10.0 MiB", "3.0 GiB", "1024.0 TiB"]
    assert [format_duration(s) for s in (0, 5.4, 59.6, 754, 3723)] == [
        "0:00", "0:05", "1:00", "12:34", "1:02:03"]


# -- in-process: the arguments ----------------------------------------------------------


def run_main(*args: str) -> tuple[int, str]:
    stderr = io.StringIO()
    code = main(list(args), streams=Streams(io.BytesIO(), stderr))
    return code, stderr.getvalue()


@pytest.mark.parametrize(("header", "words"), [
    ("NoColon", "expected 'Name: value'"),
    ("Bad Name: x", "must be a token"),
    ("Name : x", "must be a token"),
    ("X: a\rb", "control character"),
    ("X: \u20ac", "not Latin-1"),
])
def test_malformed_header_is_refused(header: str, words: str) -> None:
    code, err = run_main("-H", header, "http://127.0.0.1:9/")
    assert code == 2
    assert err.startswith("aiohttp.client: malformed header") and words in err


def test_parse_header() -> None:
    assert parse_header("X-A:  b c \t") == ("X-A", "b c")
    assert parse_header("X-A:") == ("X-A", "")
    assert parse_header("X-A: b: c") == ("X-A", "b: c")


@pytest.mark.parametrize("args", [
    ("-d", "@a", "-d", "b", "http://x/"),
    ("-d", "@", "http://x/"),
    ("-I", "-d", "x", "http://x/"),
    ("-X", "GET POST", "http://x/"),
    ("--proxy", "ftp://proxy", "http://x/"),
])
def test_bad_combinations(args: tuple[str, ...]) -> None:
    code, err = run_main(*args)
    assert code == 2
    assert err.startswith("aiohttp.client: ") and err.count("\n") == 1


@pytest.mark.parametrize("args", [
    (), ("--timeout", "0", "http://x/"), ("--timeout", "soon", "http://x/"),
    ("--max-redirects", "0", "http://x/"), ("--unix-socket", "a", "--proxy", "b", "http://x/"),
    ("--no-such-option", "http://x/"),
])
def test_argparse_errors_return_2(args: tuple[str, ...],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(list(args)) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m aiohttp.client")


def test_main_in_process_against_a_refused_port() -> None:
    out = io.BytesIO()
    err = io.StringIO()
    code = main([f"http://127.0.0.1:{free_port()}/"], streams=Streams(out, err))
    assert code == 7
    assert out.getvalue() == b""
    assert "refused" in err.getvalue()
