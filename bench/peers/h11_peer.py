"""h11 contestants of ``bench/bench_protocol.py``.

Runs in ``bench/.venvs/h11`` (see ``bench/setup_peers.sh``). Standalone use::

    bench/.venvs/h11/bin/python bench/peers/h11_peer.py --case head

h11 is a pure-Python sans-I/O HTTP/1.1 implementation. Its ``Connection``
serves one message at a time: a second request is only parsed after the
response has been sent and ``start_next_cycle()`` called. So every parse here
builds a fresh ``Connection(SERVER)`` (the cost of which is part of the row, as
a new generator and buffer are part of ours), and every written response goes
through a connection that was brought to ``SEND_RESPONSE`` untimed.
"""

from __future__ import annotations

import importlib
import sys
import time
import zlib
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[2]))
from bench.peers import workload
from bench.peers.workload import Contestant, Summary

# Imported by name at run time: h11 is not installed where mypy runs, so it is
# typed ``Any`` rather than ignored.
h11: Any = importlib.import_module("h11")

#: Responses written per untimed setup batch in the write case.
WRITE_BATCH = 1000


def head_contestant() -> Contestant:
    """``Connection(SERVER)``, ``receive_data(head)``, ``next_event()``: the
    ``Request`` event (method, target, version, headers) is the message."""
    data = workload.BROWSER_HEAD
    connection = h11.Connection
    server = h11.SERVER
    request_type = h11.Request
    last: list[Any] = []

    def run(n: int) -> int:
        count = 0
        event: Any = None
        for _ in range(n):
            conn = connection(server)
            conn.receive_data(data)
            event = conn.next_event()
            count += type(event) is request_type
        last[:] = [event]
        return count

    def summary() -> Summary:
        event = last[0]
        return workload.head_summary(
            event.method.decode("ascii"), event.target.decode("ascii"),
            event.http_version.decode("ascii"),
            [(name.decode("latin-1"), value.decode("latin-1"))
             for name, value in event.headers])

    return Contestant("h11 (fresh Connection)", summary, run=run)


def body_contestant(body: workload.BodyInput, gzip: bool) -> Contestant:
    """The whole request in one ``receive_data``, then ``next_event()`` until
    ``EndOfMessage``, keeping every ``Data``. h11 does not decode
    Content-Encoding: for the gzip body each ``Data`` goes through a
    ``zlib.decompressobj``, as an application on h11 has to do."""
    request = body.request
    twin = body.twin_head
    connection = h11.Connection
    server = h11.SERVER
    data_type = h11.Data
    end_type = h11.EndOfMessage
    request_type = h11.Request
    last: list[bytes] = []

    def run(n: int) -> int:
        count = 0
        pieces: list[bytes] = []
        for _ in range(n):
            conn = connection(server)
            conn.receive_data(request)
            next_event = conn.next_event
            if type(next_event()) is not request_type:
                raise RuntimeError("no Request event")
            pieces = []
            inflate = zlib.decompressobj(wbits=31) if gzip else None
            while True:
                event = next_event()
                kind = type(event)
                if kind is data_type:
                    if inflate is None:
                        pieces.append(event.data)
                    else:
                        pieces.append(inflate.decompress(event.data))
                elif kind is end_type:
                    if inflate is not None:
                        pieces.append(inflate.flush())
                        if not inflate.eof:
                            raise RuntimeError("gzip stream not complete")
                    count += 1
                    break
                else:
                    raise RuntimeError(f"unexpected event {event!r}")
        last[:] = pieces
        return count

    def head_run(n: int) -> int:
        count = 0
        for _ in range(n):
            conn = connection(server)
            conn.receive_data(twin)
            count += type(conn.next_event()) is request_type
        return count

    label = "h11 + zlib (fresh Connection)" if gzip else "h11 (fresh Connection)"
    return Contestant(label, lambda: workload.body_summary(last), run=run, head_run=head_run)


def write_contestant() -> Contestant:
    """``conn.send(Response(...))`` into a collecting list. h11 adds neither
    Date nor Server, so it is handed both (Date formatted once, untimed) as
    bytes pairs, its native form, with the four headers."""
    headers = [(name.encode(), value.encode()) for name, value in workload.RESPONSE_HEADERS]
    headers += [(b"Date", workload.http_date().encode()), (b"Server", b"h11")]
    request = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
    connection = h11.Connection
    server = h11.SERVER
    response = h11.Response
    written: list[bytes] = []

    def ready(count: int) -> list[Any]:
        conns = []
        for _ in range(count):
            conn = connection(server)
            conn.receive_data(request)
            conn.next_event()
            conns.append(conn)
        return conns

    def run(n: int) -> tuple[float, int]:
        written.clear()
        write = written.append
        elapsed = 0.0
        done = 0
        while done < n:
            conns = ready(min(WRITE_BATCH, n - done))
            start = time.perf_counter()
            for conn in conns:
                write(conn.send(response(status_code=200, reason=b"OK", headers=headers)))
            elapsed += time.perf_counter() - start
            done += len(conns)
        return elapsed, len(written)

    return Contestant("h11 Connection.send(Response)",
                      lambda: workload.write_summary(written[-1]), self_timed=run)


def build(case: str) -> list[Contestant]:
    if case == "head":
        return [head_contestant()]
    if case == "chunked":
        return [body_contestant(workload.chunked_input(), gzip=False)]
    if case == "gzip":
        return [body_contestant(workload.gzip_input(), gzip=True)]
    if case == "write":
        return [write_contestant()]
    return []


PEER = workload.PeerScript(name="h11", distributions=("h11",), build=build,
                           cases=workload.CASES)

if __name__ == "__main__":
    workload.run_peer(PEER)
