"""httptools contestants of ``bench/bench_protocol.py``.

Runs in ``bench/.venvs/httptools`` (see ``bench/setup_peers.sh``). Standalone
use::

    bench/.venvs/httptools/bin/python bench/peers/httptools_peer.py --case head

httptools wraps llhttp (C) behind callbacks; it is what uvicorn parses with.
One ``HttpRequestParser`` serves a whole keep-alive connection, so it is built
once and fed one message per iteration, and the callbacks build the message a
server needs: method, URL, version and the header list, all ``bytes`` except
the version (what httptools hands out; uvicorn keeps them so).
"""

from __future__ import annotations

import importlib
import sys
import zlib
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[2]))
from bench.peers import workload
from bench.peers.workload import Contestant, Summary

# Imported by name at run time: httptools is not installed where mypy runs,
# so it is typed ``Any`` rather than ignored.
httptools: Any = importlib.import_module("httptools")


class Collector:
    """The parser's callback object: one message (and body) per request."""

    def __init__(self, gzip: bool = False) -> None:
        self.parser: Any = None
        self.gzip = gzip
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.message: tuple[bytes, bytes, str, list[tuple[bytes, bytes]]] | None = None
        self.body: list[bytes] = []
        self.inflate: Any = None
        self.complete = 0

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.body = []
        if self.gzip:
            self.inflate = zlib.decompressobj(wbits=31)

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        self.message = (parser.get_method(), self.url, parser.get_http_version(), self.headers)

    def on_body(self, body: bytes) -> None:
        if self.inflate is None:
            self.body.append(body)
        else:
            self.body.append(self.inflate.decompress(body))

    def on_message_complete(self) -> None:
        if self.inflate is not None:
            self.body.append(self.inflate.flush())
            if not self.inflate.eof:
                raise RuntimeError("gzip stream not complete")
        self.complete += 1


def new_parser(collector: Collector) -> Any:
    parser = httptools.HttpRequestParser(collector)
    collector.parser = parser
    return parser


def feeding_run(data: bytes, collector: Collector, feed: Any) -> workload.Run:
    """``feed(data)`` n times; one complete message each."""

    def run(n: int) -> int:
        before = collector.complete
        for _ in range(n):
            feed(data)
        return collector.complete - before

    return run


def head_contestant() -> Contestant:
    collector = Collector()
    feed = new_parser(collector).feed_data

    def summary() -> Summary:
        assert collector.message is not None
        method, url, version, headers = collector.message
        return workload.head_summary(
            method.decode("ascii"), url.decode("ascii"), version,
            [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers])

    return Contestant("httptools (llhttp)", summary,
                      run=feeding_run(workload.BROWSER_HEAD, collector, feed))


def body_contestant(body: workload.BodyInput, gzip: bool) -> Contestant:
    """The whole request per ``feed_data``, the body pieces kept by
    ``on_body`` (inflated there for the gzip body: httptools does not decode
    Content-Encoding). The twin head goes through its own parser."""
    collector = Collector(gzip)
    feed = new_parser(collector).feed_data
    head_collector = Collector()
    head_feed = new_parser(head_collector).feed_data
    label = "httptools + zlib" if gzip else "httptools (llhttp)"
    return Contestant(label, lambda: workload.body_summary(collector.body),
                      run=feeding_run(body.request, collector, feed),
                      head_run=feeding_run(body.twin_head, head_collector, head_feed))


def build(case: str) -> list[Contestant]:
    if case == "head":
        return [head_contestant()]
    if case == "chunked":
        return [body_contestant(workload.chunked_input(), gzip=False)]
    if case == "gzip":
        return [body_contestant(workload.gzip_input(), gzip=True)]
    return []


PEER = workload.PeerScript(name="httptools", distributions=("httptools",), build=build,
                           cases=("head", "chunked", "gzip"))

if __name__ == "__main__":
    workload.run_peer(PEER)
