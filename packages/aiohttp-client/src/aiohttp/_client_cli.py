"""``python -m aiohttp.client URL``: a small curl-like command-line client.

It exists so that the client can be tried, and scripted, without writing a
program: one request, the body streamed to stdout or a file (never held in
memory), a progress bar when downloading to a file on a terminal, and a
one-line message with a curl-like exit code for every expected failure, so
that shell scripts can tell them apart:

====  ===========================================================
code  meaning
====  ===========================================================
0     success (any status, unless ``-f``)
2     bad option or argument (argparse's code)
3     malformed URL
6     the host name could not be resolved
7     could not connect (refused, unreachable, proxy unreachable)
18    the connection closed before the whole body arrived
22    ``-f`` and the status was 400 or more
23    the output could not be written
26    the ``-d @FILE`` could not be read
28    ``--timeout`` expired
35    the TLS handshake failed
47    more redirects than ``--max-redirects``
56    the connection failed while talking (reset, proxy refused CONNECT)
60    the server's TLS certificate was not trusted
77    the ``--cacert`` file could not be loaded
130   interrupted (Ctrl-C)
====  ===========================================================

``main()`` takes the argument list so that tests (and other programs) can
run it in-process. ``client.py`` calls it when run with ``python -m``; this
module imports ``aiohttp.client`` by name, so it never depends on the copy
of ``client.py`` that runs as ``__main__``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import ssl
import stat
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO, TextIO, TypeVar

from aiohttp._http_abnf import FORBIDDEN_IN_VALUE_RE, TOKEN_STR_RE
from aiohttp.client import ClientRequest, ClientResponse, TooManyRedirects, request
from aiohttp.connector import BaseConnector, ProxyConnector, TCPConnector, UnixConnector
from aiohttp.errors import ClientConnectionError
from aiohttp.errors import ConnectionError as HttpConnectionError
from aiohttp.errors import (
    HttpException,
    HttpProxyError,
    IncompleteRead,
    OsConnectionError,
    ProxyConnectionError,
)
from aiohttp.parsers import StreamParser

__all__ = ["format_progress", "format_size", "main", "parse_header"]

PROG = "python -m aiohttp.client"

EXIT_USAGE = 2
EXIT_URL = 3
EXIT_RESOLVE = 6
EXIT_CONNECT = 7
EXIT_PARTIAL = 18
EXIT_HTTP_ERROR = 22
EXIT_WRITE = 23
EXIT_READ = 26
EXIT_TIMEOUT = 28
EXIT_TLS = 35
EXIT_REDIRECTS = 47
EXIT_RECEIVE = 56
EXIT_CERTIFICATE = 60
EXIT_CA_FILE = 77
EXIT_INTERRUPTED = 130

#: How often the progress bar may be drawn (seconds between two draws).
PROGRESS_INTERVAL = 0.1


class OutputClosed(Exception):
    """stdout's reader went away (``| head``): the end, not an error worth a message."""


class CliError(Exception):
    """An expected failure: ``message`` goes to stderr, ``code`` is the exit status."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- the command line -------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Send one HTTP request with aiohttp.client and write the response body "
                    "to stdout (or to a file with -o).",
        epilog="Exit codes follow curl: 3 bad URL, 6 unknown host, 7 cannot connect, "
               "18 body cut short, 22 HTTP error with -f, 23 cannot write output, "
               "26 cannot read -d @FILE, 28 timeout, 35 TLS handshake failed, "
               "47 too many redirects, 56 connection failed, 60 untrusted certificate, "
               "77 bad --cacert, 130 interrupted.")
    parser.add_argument("url", metavar="URL",
                        help="http:// or https:// URL (http:// is assumed when no scheme "
                             "is given)")
    parser.add_argument("-X", "--request", metavar="METHOD", dest="method",
                        help="request method (default: GET, or POST with -d)")
    parser.add_argument("-H", "--header", metavar="'NAME: VALUE'", action="append",
                        default=[], dest="headers",
                        help="add a request header field (repeatable); a field given here "
                             "replaces the client's default of the same name")
    parser.add_argument("-d", "--data", metavar="DATA", action="append", default=[],
                        help="send DATA as the body, bytes as given (repeatable: joined with "
                             "'&'; Content-Type application/x-www-form-urlencoded unless -H "
                             "sets one). @FILE streams the file (Content-Type guessed from "
                             "its name), @- streams stdin; @ may only be used alone")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the body to FILE instead of stdout ('-' is stdout); a "
                             "progress bar is drawn when stderr is a terminal")
    parser.add_argument("-i", "--include", action="store_true",
                        help="write the status line and header fields before the body "
                             "(of every response, redirects included)")
    parser.add_argument("-I", "--head", action="store_true",
                        help="send HEAD and write only the status line and header fields")
    parser.add_argument("-L", "--location", action="store_true",
                        help="follow redirects (the default; accepted for curl habits)")
    parser.add_argument("--no-redirects", action="store_true",
                        help="do not follow redirects: the 3xx response is the answer")
    parser.add_argument("--max-redirects", metavar="N", type=_positive_int, default=10,
                        help="fail (exit 47) after more than N redirects (default: 10)")
    parser.add_argument("-f", "--fail", action="store_true",
                        help="exit 22 without writing the body when the status is 400 "
                             "or more")
    parser.add_argument("-s", "--silent", action="store_true",
                        help="no progress bar and no error messages")
    parser.add_argument("-S", "--show-error", action="store_true",
                        help="with -s, still print error messages")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print the request and response heads on stderr "
                             "('>' sent, '<' received)")
    parser.add_argument("--timeout", metavar="SECONDS", type=_positive_float,
                        help="give up (exit 28) when the whole transfer takes longer")
    connection = parser.add_mutually_exclusive_group()
    connection.add_argument("--unix-socket", metavar="PATH",
                            help="connect to the Unix socket PATH instead of the URL's host")
    connection.add_argument("--proxy", metavar="URL",
                            help="go through the HTTP proxy URL (http://[user:pass@]host:port); "
                                 "https URLs use a CONNECT tunnel")
    parser.add_argument("-k", "--insecure", action="store_true",
                        help="do not check the server's TLS certificate or host name")
    parser.add_argument("--cacert", metavar="FILE",
                        help="trust the CA certificates in the PEM FILE instead of the "
                             "system's")
    return parser


def _positive_int(text: str) -> int:
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _positive_float(text: str) -> float:
    value = _number(text, float, "a number")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


_N = TypeVar("_N", int, float)


def _number(text: str, kind: type[_N], what: str) -> _N:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` -> ``('Name', 'value')``; ``ValueError`` saying what is wrong.

    The name must be a token (RFC 9110 section 5.1) with no space before the
    colon; the value (stripped of surrounding blanks) must have no control
    character and be encodable as Latin-1, the charset of the wire.
    """
    name, colon, value = text.partition(":")
    if not colon:
        raise ValueError(f"malformed header {text!r}: expected 'Name: value'")
    if TOKEN_STR_RE.fullmatch(name) is None:
        raise ValueError(f"malformed header {text!r}: the name must be a token "
                         "(letters, digits, !#$%&'*+-.^_`|~) with no space before ':'")
    value = value.strip(" \t")
    if FORBIDDEN_IN_VALUE_RE.search(value) is not None:
        raise ValueError(f"malformed header {text!r}: the value has a control character")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"malformed header {text!r}: the value is not Latin-1") from None
    return name, value


def _normalize_url(url: str) -> str:
    """Check the URL before connecting; ``http://`` is assumed without a scheme."""
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise CliError(EXIT_URL, f"malformed URL {url!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise CliError(EXIT_URL, f"unsupported URL scheme {parts.scheme!r} (http or https)")
    if not parts.hostname:
        raise CliError(EXIT_URL, f"malformed URL {url!r}: no host")
    return url


@dataclass
class Plan:
    """What to do, checked and decoded from the arguments before any connection."""

    url: str
    method: str
    headers: list[tuple[str, str]]
    data: bytes | None
    data_file: str | None  # "@FILE" without the "@"; "-" is stdin
    output: str | None  # None: stdout
    include: bool
    allow_redirects: bool
    max_redirects: int
    fail: bool
    quiet: bool  # no error messages
    progress: bool  # -o FILE, and not -s (whether stderr is a terminal is checked later)
    verbose: bool
    timeout: float | None
    unix_socket: str | None
    proxy: str | None
    insecure: bool
    cacert: str | None
    notes: list[str] = field(default_factory=list)


def make_plan(args: argparse.Namespace) -> Plan:
    """Turn parsed arguments into a ``Plan``; ``CliError`` for a bad combination."""
    url = _normalize_url(args.url)
    headers: list[tuple[str, str]] = []
    for text in args.headers:
        try:
            headers.append(parse_header(text))
        except ValueError as exc:
            raise CliError(EXIT_USAGE, str(exc)) from None
    data: bytes | None = None
    data_file: str | None = None
    if args.data:
        files = [item for item in args.data if item.startswith("@")]
        if files and len(args.data) > 1:
            raise CliError(EXIT_USAGE, "-d @FILE (or @-) cannot be combined with another -d")
        if files:
            data_file = files[0][1:]
            if not data_file:
                raise CliError(EXIT_USAGE, "-d @ needs a file name (or @- for stdin)")
        else:
            # os.fsencode gives back the bytes of the command line as typed.
            data = b"&".join(os.fsencode(item) for item in args.data)
            if not any(name.lower() == "content-type" for name, _ in headers):
                headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    if args.head and args.data:
        raise CliError(EXIT_USAGE, "-I (HEAD) cannot send a body (-d)")
    method = args.method or ("HEAD" if args.head else "POST" if args.data else "GET")
    if TOKEN_STR_RE.fullmatch(method) is None:
        raise CliError(EXIT_USAGE, f"invalid method {method!r}: it must be a token")
    output = None if args.output in (None, "-") else args.output
    quiet = args.silent and not args.show_error
    return Plan(url=url, method=method.upper(), headers=headers, data=data, data_file=data_file,
                output=output, include=args.include or args.head,
                allow_redirects=not args.no_redirects, max_redirects=args.max_redirects,
                fail=args.fail, quiet=quiet, progress=output is not None and not args.silent,
                verbose=args.verbose, timeout=args.timeout, unix_socket=args.unix_socket,
                proxy=args.proxy, insecure=args.insecure, cacert=args.cacert)


# -- the progress bar -------------------------------------------------------------------


def format_size(size: float) -> str:
    """Bytes in binary units: ``'512 B'``, ``'1.5 KiB'``, ``'20.0 MiB'``."""
    if size < 1024:
        return f"{int(size)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024
        if size < 1024 or unit == "TiB":
            break
    return f"{size:.1f} {unit}"


def format_duration(seconds: float) -> str:
    """``'0:05'``, ``'12:34'``, ``'1:02:03'``."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_progress(received: int, total: int | None, elapsed: float, width: int = 80) -> str:
    """One line of the progress bar, at most ``width - 1`` characters.

    With a known ``total``: percent, a bar, bytes received of total, the
    average rate and the time left. Without it: bytes received, the rate
    and the time spent. A pure function of its arguments, so that it can be
    tested without a terminal.
    """
    rate = received / elapsed if elapsed > 0 else 0.0
    speed = f"{format_size(rate)}/s"
    if total is None:
        line = f"{format_size(received)}  {speed}  {format_duration(elapsed)}"
        return line[: max(width - 1, 0)]
    done = min(received, total)
    fraction = done / total if total else 1.0
    percent = f"{int(fraction * 100):3d}%"
    if done >= total:
        eta = f"in {format_duration(elapsed)}"
    elif rate > 0:
        eta = f"ETA {format_duration((total - done) / rate)}"
    else:
        eta = "ETA --:--"
    tail = f" {format_size(done)}/{format_size(total)}  {speed}  {eta}"
    room = width - 1 - len(percent) - len(tail) - 3  # " [" and "]"
    if room < 10:
        return (percent + tail)[: max(width - 1, 0)]
    filled = int(fraction * room)
    return f"{percent} [{'#' * filled}{'-' * (room - filled)}]{tail}"


class ProgressBar:
    """Draws ``format_progress`` on a terminal, at most every ``PROGRESS_INTERVAL`` seconds."""

    def __init__(self, stream: TextIO, total: int | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._total = total
        self._clock = clock
        self._start = clock()
        self._last = float("-inf")
        self._received = 0
        self._finished = False
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):
            columns = 0
        self._width = columns or 80  # a new pseudo-terminal reports 0 columns

    def update(self, received: int) -> None:
        self._received = received
        now = self._clock()
        if now - self._last >= PROGRESS_INTERVAL:
            self._draw(now)

    def finish(self) -> None:
        """Draw the last state and end the line (once)."""
        if not self._finished:
            self._finished = True
            self._draw(self._clock())
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self, now: float) -> None:
        self._last = now
        line = format_progress(self._received, self._total, now - self._start, self._width)
        self._stream.write(f"\r{line}\x1b[K")
        self._stream.flush()


# -- tracing (-v) ----------------------------------------------------------------------


class _HeadTap:
    """Stands between a request and its connection's writer to see the head it sends.

    The head is shown once its empty line has passed; what follows (the
    body) goes straight through. Anything else is the writer's own.
    """

    def __init__(self, writer: Any, show: Callable[[bytes], None]) -> None:
        self._writer = writer
        self._show = show
        self._head: bytearray | None = bytearray()

    def write(self, data: bytes, /) -> None:
        self._see(data)
        self._writer.write(data)

    def writelines(self, data: Iterable[bytes], /) -> None:
        pieces = list(data)
        for piece in pieces:
            self._see(piece)
        self._writer.writelines(pieces)

    def drain(self) -> Awaitable[None]:
        drained: Awaitable[None] = self._writer.drain()
        return drained

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)

    def _see(self, data: bytes) -> None:
        head = self._head
        if head is None:
            return
        head += data
        end = head.find(b"\r\n\r\n")
        if end >= 0:
            self._head = None
            self._show(bytes(head[:end]))


class _CliResponse(ClientResponse):
    #: A command line writes the body out as it comes, so a large gzip body
    #: is no threat to memory: no cap on its decoded size (curl has none).
    max_decompressed_size = None


def _traced_classes(stream: TextIO) -> tuple[type[ClientRequest], type[ClientResponse]]:
    """Request and response classes that print their heads on ``stream`` (-v).

    They print at the moment the head is sent or read, so the heads of the
    requests and responses of a redirect chain come out in order.
    """

    def show(prefix: str, lines: list[str]) -> None:
        stream.write("".join(f"{prefix} {line}\n" for line in lines) + f"{prefix}\n")
        stream.flush()

    class TracedRequest(ClientRequest):
        def send(self, writer: Any, reader: StreamParser,
                 loop: asyncio.AbstractEventLoop | None = None) -> ClientResponse:
            tap = _HeadTap(writer, lambda head: show(">", head.decode("latin-1").split("\r\n")))
            return super().send(tap, reader, loop)

    class TracedResponse(_CliResponse):
        async def start(self, connection: Any, read_until_eof: bool = False) -> ClientResponse:
            await super().start(connection, read_until_eof)
            show("<", _head_lines(self))
            return self

    return TracedRequest, TracedResponse


def _head_lines(resp: ClientResponse) -> list[str]:
    version = f"{resp.version[0]}.{resp.version[1]}" if resp.version else "1.1"
    status = f"HTTP/{version} {resp.status} {resp.reason}".rstrip()
    return [status, *(f"{name}: {value}" for name, value in resp.headers.items())]


# -- the transfer -----------------------------------------------------------------------


@dataclass
class Streams:
    """Where output goes: stdout's bytes, stderr as text (replaceable by tests)."""

    stdout: BinaryIO
    stderr: TextIO
    stdin_fd: int = 0


def _ssl_context(plan: Plan) -> ssl.SSLContext | None:
    if plan.insecure or plan.cacert is None:
        return None
    try:
        return ssl.create_default_context(cafile=plan.cacert)
    except (OSError, ssl.SSLError) as exc:
        raise CliError(EXIT_CA_FILE, f"cannot load the CA certificates of {plan.cacert}: "
                                     f"{_reason(exc)}") from None


def _make_connector(plan: Plan) -> BaseConnector:
    if plan.unix_socket is not None:
        return UnixConnector(plan.unix_socket)
    tls: dict[str, Any] = {"verify_ssl": not plan.insecure, "ssl_context": _ssl_context(plan)}
    if plan.proxy is not None:
        try:
            return ProxyConnector(plan.proxy, **tls)
        except (TypeError, ValueError) as exc:
            raise CliError(EXIT_USAGE, f"bad --proxy: {exc}") from None
    return TCPConnector(**tls)


@contextlib.asynccontextmanager
async def _body_source(plan: Plan, streams: Streams) -> AsyncIterator[Any]:
    """The ``data`` to send: bytes, an open regular file (sent with its
    length), or a stream reader for a pipe or terminal (sent chunked, and
    read without a thread, so that Ctrl-C is never stuck behind a read)."""
    if plan.data_file is None:
        yield plan.data
        return
    name = "stdin" if plan.data_file == "-" else plan.data_file
    try:
        if plan.data_file == "-":
            file: BinaryIO = os.fdopen(os.dup(streams.stdin_fd), "rb", buffering=0)
        else:
            file = open(plan.data_file, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CliError(EXIT_READ, f"cannot read {name}: {_reason(exc)}") from None
    with file:
        mode = os.fstat(file.fileno()).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(file.fileno())):
            # A regular file (its length is known), or a device that epoll
            # refuses (/dev/null...): read in pieces by the client's thread.
            yield file
            return
        blocking = os.get_blocking(file.fileno())
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), file)
        try:
            yield reader
        finally:
            transport.close()
            with contextlib.suppress(OSError, ValueError):
                os.set_blocking(file.fileno(), blocking)


async def fetch(plan: Plan, streams: Streams) -> int:
    """Send the request and write the answer; the exit status, or an exception."""
    request_class: type[ClientRequest] | None = None
    response_class: type[ClientResponse] = _CliResponse
    if plan.verbose:
        request_class, response_class = _traced_classes(streams.stderr)
    connector = _make_connector(plan)
    try:
        async with asyncio.timeout(plan.timeout), _body_source(plan, streams) as data:
            async with request(plan.method, plan.url, headers=plan.headers, data=data,
                               allow_redirects=plan.allow_redirects,
                               max_redirects=plan.max_redirects, connector=connector,
                               request_class=request_class,
                               response_class=response_class) as resp:
                return await _deliver(resp, plan, streams)
    finally:
        await connector.close()


async def _deliver(resp: ClientResponse, plan: Plan, streams: Streams) -> int:
    if plan.fail and resp.status >= 400:
        raise CliError(EXIT_HTTP_ERROR, f"the requested URL returned error: "
                                        f"{resp.status} {resp.reason}".rstrip())
    with _open_output(plan, streams) as out:
        if plan.include:
            for each in (*resp.history, resp):
                _write(out, "".join(f"{line}\r\n" for line in _head_lines(each))
                       .encode("latin-1", "replace") + b"\r\n")
        if resp.method == "HEAD":
            return 0
        content = resp.content
        assert content is not None
        bar = None
        if plan.progress and streams.stderr.isatty():
            bar = ProgressBar(streams.stderr, _known_length(resp))
        received = 0
        try:
            while piece := await content.readany():
                _write(out, piece)
                received += len(piece)
                if bar is not None:
                    bar.update(received)
        finally:
            if bar is not None:
                bar.finish()
    return 0


def _known_length(resp: ClientResponse) -> int | None:
    """The body's size as it will be written: Content-Length, unless a
    content coding (decoded on the way) makes it the size of something else."""
    if resp.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None
    value = resp.headers.get("Content-Length", "")
    return int(value) if value.isascii() and value.isdigit() else None


@contextlib.contextmanager
def _open_output(plan: Plan, streams: Streams) -> Any:
    if plan.output is None:
        yield streams.stdout
        return
    try:
        file = open(plan.output, "wb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CliError(EXIT_WRITE, f"cannot write {plan.output}: {_reason(exc)}") from None
    with file:
        yield file


def _write(out: IO[bytes], data: bytes) -> None:
    try:
        out.write(data)
        out.flush()
    except BrokenPipeError:
        raise OutputClosed from None
    except OSError as exc:
        raise CliError(EXIT_WRITE, f"cannot write the output: {_reason(exc)}") from None


# -- errors ---------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return str(exc.verify_message)
    if isinstance(exc, OSError) and not isinstance(exc, socket.gaierror) and exc.errno:
        return os.strerror(exc.errno)  # asyncio's own text names the address again
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def describe(exc: BaseException, plan: Plan) -> CliError | None:
    """The exit status and message of an expected failure; None for a bug."""
    target = plan.unix_socket or urllib.parse.urlsplit(plan.url).netloc
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, TimeoutError):
        return CliError(EXIT_TIMEOUT, f"timed out after {plan.timeout:g} seconds"
                        if plan.timeout else "timed out")
    if isinstance(exc, TooManyRedirects):
        return CliError(EXIT_REDIRECTS, f"too many redirects (more than {plan.max_redirects})")
    if isinstance(exc, HttpProxyError):
        return CliError(EXIT_RECEIVE, f"the proxy refused the tunnel: {exc.code} {exc.message}")
    if isinstance(exc, ProxyConnectionError):
        return CliError(EXIT_CONNECT, str(exc))
    if isinstance(exc, IncompleteRead):
        return CliError(EXIT_PARTIAL, "the connection closed before the whole body arrived")
    if isinstance(exc, OsConnectionError):
        for cause in _causes(exc):
            if isinstance(cause, socket.gaierror):
                host = urllib.parse.urlsplit(plan.url).hostname
                return CliError(EXIT_RESOLVE, f"could not resolve host {host}: {_reason(cause)}")
            if isinstance(cause, ssl.SSLCertVerificationError):
                return CliError(EXIT_CERTIFICATE, f"TLS certificate of {target} not trusted: "
                                                  f"{_reason(cause)}")
            if isinstance(cause, ssl.SSLError):
                return CliError(EXIT_TLS, f"TLS handshake with {target} failed: "
                                          f"{_reason(cause)}")
            if isinstance(cause, OSError) and not isinstance(cause, OsConnectionError):
                return CliError(EXIT_CONNECT, f"cannot connect to {target}: {_reason(cause)}")
        return CliError(EXIT_CONNECT, f"cannot connect to {target}: {exc}")
    if isinstance(exc, (ClientConnectionError, HttpConnectionError, OSError)):
        return CliError(EXIT_RECEIVE, f"connection to {target} failed: {_reason(exc)}")
    if isinstance(exc, HttpException):
        return CliError(EXIT_RECEIVE, f"invalid response from {target}: {exc}")
    if isinstance(exc, ValueError) and ("URL" in str(exc) or "redirect" in str(exc)):
        return CliError(EXIT_URL, str(exc))  # a bad URL, or a Location to another scheme
    return None


# -- entry point ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, streams: Streams | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    if streams is None:
        streams = Streams(sys.stdout.buffer, sys.stderr)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    quiet = args.silent and not args.show_error
    try:
        plan = make_plan(args)
    except CliError as exc:
        return _report(exc, quiet, streams)
    try:
        return asyncio.run(fetch(plan, streams))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except OutputClosed:
        _silence_stdout(streams)
        return EXIT_WRITE
    except Exception as exc:
        error = describe(exc, plan)
        if error is None:
            raise  # not an expected failure: a bug, and its traceback is wanted
        return _report(error, plan.quiet, streams)


def _report(error: CliError, quiet: bool, streams: Streams) -> int:
    if not quiet:
        streams.stderr.write(f"aiohttp.client: {error.message}\n")
        streams.stderr.flush()
    return error.code


def _silence_stdout(streams: Streams) -> None:
    """After EPIPE, point stdout at /dev/null so that the flush at exit is quiet."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, streams.stdout.fileno())
        os.close(devnull)
