"""aiohttp 3.x contestants of ``bench/bench_protocol.py``.

Runs in ``bench/.venvs/aiohttp3`` (see ``bench/setup_peers.sh``), never in a
Hatch environment: aiohttp 3.x is imported as ``aiohttp``, the name our
micro-packages share. Standalone use::

    bench/.venvs/aiohttp3/bin/python bench/peers/aiohttp3_peer.py --case head

Contestants: ``HttpRequestParserPy`` (aiohttp's pure-Python parser) and
``HttpRequestParserC`` (its Cython extension over llhttp), for the head and
both body cases; ``StreamWriter.write_headers`` + ``send_headers`` with the C
and with the pure-Python header serialiser for the write case.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[2]))
from bench.peers import workload
from bench.peers.workload import Contestant, Summary

# Imported by name at run time: mypy (in our environment) would resolve
# ``aiohttp.*`` to our own namespace package, whose ``aiohttp.helpers`` is not
# aiohttp 3's. Everything from these modules is therefore typed ``Any``.
http_parser: Any = importlib.import_module("aiohttp.http_parser")
http_writer: Any = importlib.import_module("aiohttp.http_writer")
helpers: Any = importlib.import_module("aiohttp.helpers")
aiohttp_http: Any = importlib.import_module("aiohttp.http")
multidict: Any = importlib.import_module("multidict")

#: aiohttp's default read limit: its StreamReader pauses above twice this,
#: and DeflateBuffer inflates at most this much per step.
LIMIT = 2**16


class NoFlowControl:
    """The protocol a parser hands its payload ``StreamReader``s.

    A real ``BaseProtocol`` would pause the parser once a body holds more than
    ``2 * LIMIT`` bytes, until the handler reads it; our parser's output has no
    flow control either, so both are measured as a consumer that keeps up.
    """

    transport: Any = None
    connected = True
    _reading_paused = False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self, resume_parser: bool = True) -> None:
        pass


class CollectingTransport:
    """Keeps what is written; never closing."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def writelines(self, data: list[bytes]) -> None:
        self.chunks.extend(data)

    def is_closing(self) -> bool:
        return False


def parser_classes() -> list[tuple[str, Any]]:
    """Both request parsers; the C one only if the extension is importable."""
    classes = [("aiohttp3 Py parser", http_parser.HttpRequestParserPy)]
    c_class = getattr(http_parser, "HttpRequestParserC", None)
    if c_class is None:
        raise SystemExit("aiohttp 3.x was installed without its C extension "
                         "(or AIOHTTP_NO_EXTENSIONS is set): no C parser to measure")
    classes.append(("aiohttp3 C parser", c_class))
    return classes


def new_parser(cls: Any, loop: asyncio.AbstractEventLoop) -> Any:
    """A request parser as aiohttp's server builds one per connection:
    ``(protocol, loop, limit)`` and the default size limits."""
    return cls(NoFlowControl(), loop, LIMIT)


def head_contestant(label: str, cls: Any, loop: asyncio.AbstractEventLoop) -> Contestant:
    """One parser, built once and fed one complete head per iteration: after a
    complete message without a body it is ready for the next one."""
    parser = new_parser(cls, loop)
    data = workload.BROWSER_HEAD
    last: list[Any] = []

    def run(n: int) -> int:
        feed = parser.feed_data
        count = 0
        messages: list[Any] = []
        for _ in range(n):
            messages, _upgraded, _tail = feed(data)
            count += len(messages)
        last[:] = messages
        return count

    def summary() -> Summary:
        message = last[0][0]
        version = message.version
        return workload.head_summary(message.method, message.path,
                                     f"{version.major}.{version.minor}",
                                     message.headers.items())

    return Contestant(label, summary, run=run)


def body_contestant(label: str, cls: Any, loop: asyncio.AbstractEventLoop,
                    body: workload.BodyInput) -> Contestant:
    """Head and body in one ``feed_data`` per iteration; the twin head alone
    is timed as well so that the driver can subtract the head."""
    parser = new_parser(cls, loop)
    request = body.request
    twin = body.twin_head
    last: list[Any] = []

    def run(n: int) -> int:
        feed = parser.feed_data
        count = 0
        messages: list[Any] = []
        for _ in range(n):
            messages = []  # the previous body is freed before the next is parsed
            messages, _upgraded, _tail = feed(request)
            count += len(messages)
        last[:] = messages
        return count

    def head_run(n: int) -> int:
        feed = parser.feed_data
        count = 0
        for _ in range(n):
            messages, _upgraded, _tail = feed(twin)
            count += len(messages)
        return count

    def summary() -> Summary:
        payload = last[0][1]
        if not payload.is_eof():
            return {"error": "payload not at EOF after the whole body was fed"}
        return workload.body_summary([payload.read_nowait(-1)])

    return Contestant(label, summary, run=run, head_run=head_run)


def write_contestant(label: str, serializer: Any,
                     loop: asyncio.AbstractEventLoop) -> Contestant:
    """What ``web.Response`` does for its head at the writer level: a
    ``CIMultiDict`` of the headers plus Date (aiohttp's per-second cached
    formatter) and Server, a ``StreamWriter``, ``await write_headers(...)``
    (driven without a loop: it never suspends) and ``send_headers()``."""
    transport = CollectingTransport()
    protocol = importlib.import_module("aiohttp.base_protocol").BaseProtocol(loop)
    protocol.transport = transport
    stream_writer = http_writer.StreamWriter
    cimultidict = multidict.CIMultiDict
    date = helpers.rfc822_formatted_time
    server = aiohttp_http.SERVER_SOFTWARE
    headers_in = workload.RESPONSE_HEADERS
    status_line = "HTTP/1.1 200 OK"

    def run(n: int) -> int:
        saved = http_writer._serialize_headers
        http_writer._serialize_headers = serializer
        transport.chunks.clear()
        try:
            for _ in range(n):
                headers = cimultidict(headers_in)
                headers["Date"] = date()
                headers["Server"] = server
                writer = stream_writer(protocol, loop)
                coro = writer.write_headers(status_line, headers)
                try:
                    coro.send(None)
                except StopIteration:
                    pass
                else:
                    raise RuntimeError("write_headers suspended")
                writer.send_headers()
        finally:
            http_writer._serialize_headers = saved
        return len(transport.chunks)

    def summary() -> Summary:
        return workload.write_summary(transport.chunks[-1])

    return Contestant(label, summary, run=run)


def build(case: str) -> list[Contestant]:
    loop = asyncio.new_event_loop()
    if case == "head":
        return [head_contestant(label, cls, loop) for label, cls in parser_classes()]
    if case in ("chunked", "gzip"):
        body = workload.chunked_input() if case == "chunked" else workload.gzip_input()
        return [body_contestant(label, cls, loop, body) for label, cls in parser_classes()]
    if case == "write":
        return [
            write_contestant("aiohttp3 StreamWriter, C serializer",
                             http_writer._c_serialize_headers, loop),
            write_contestant("aiohttp3 StreamWriter, Py serializer",
                             http_writer._py_serialize_headers, loop),
        ]
    return []


PEER = workload.PeerScript(
    name="aiohttp3",
    distributions=("aiohttp", "multidict", "yarl"),
    build=build,
    cases=workload.CASES,
)

if __name__ == "__main__":
    workload.run_peer(PEER)
