"""What ``bench/bench_protocol.py`` measures, shared by the driver and the peers.

Standard library only: this module is imported both by the driver (in the
Hatch environment, next to our ``aiohttp``) and by the peer scripts beside it
(each in its own virtual environment under ``bench/.venvs/``, next to the
peer's packages). It holds

* the fixed inputs (the request heads, the chunked and the gzip bodies, the
  response headers), so every contestant parses exactly the same bytes;
* the canonical *summaries* a contestant reports of what it produced, and the
  expected ones, so the driver can refuse a wrong result;
* the timing loop (collector off, warm-up first), so ours and every peer are
  timed by the same code;
* the command line and JSON output of a peer script.

Import it as ``bench.peers.workload`` with the repository root on
``sys.path`` (what mypy sees, too); the peer scripts and the driver add it.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import hashlib
import importlib.metadata
import json
import platform
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

KIB = 1024
CRLF = b"\r\n"
#: Fixed seed: the bodies are the same bytes in every run and every process.
SEED = 0x0A11

#: A JSON-serialisable description of what one contestant produced.
Summary = dict[str, object]

# -- 1. a browser's request head -------------------------------------------------------

#: A Chrome-like top-level navigation: 417 bytes, 11 headers, CRLFCRLF-terminated.
BROWSER_HEAD = CRLF.join([
    b"GET /search?q=shoes HTTP/1.1",
    b"Host: example.com",
    b"Connection: keep-alive",
    b'sec-ch-ua: "Chromium";v="124"',
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
    b"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    b"Accept: text/html,*/*;q=0.8",
    b"Sec-Fetch-Site: none",
    b"Sec-Fetch-Mode: navigate",
    b"Sec-Fetch-Dest: document",
    b"Accept-Encoding: gzip, deflate, br",
    b"Accept-Language: en-US,en;q=0.9",
    b"Cookie: sid=7d3f9a1c2b",
]) + CRLF + CRLF


def split_head(head: bytes) -> tuple[str, str, str, list[list[str]]]:
    """Method, target, version and headers (names lower-cased) of a head we
    wrote ourselves: the expected result, computed without any HTTP library."""
    request_line, *lines = head.decode("latin-1").removesuffix("\r\n\r\n").split("\r\n")
    method, path, version = request_line.split(" ")
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append([name.lower(), value.strip(" \t")])
    return method, path, version.removeprefix("HTTP/"), headers


def head_summary(method: str, path: str, version: str,
                 headers: Iterable[tuple[str, str]]) -> Summary:
    """The canonical form of a parsed head: every contestant reduces its own
    message object to this (outside the timed loop) for the check."""
    return {"method": method, "path": path, "version": version,
            "headers": [[name.lower(), value] for name, value in headers]}


def expected_head(head: bytes) -> Summary:
    method, path, version, headers = split_head(head)
    return head_summary(method, path, version, [(n, v) for n, v in headers])


# -- 2. request bodies -----------------------------------------------------------------

#: 16 chunks of 4 KiB: a 64 KiB body.
CHUNK_COUNT = 16
CHUNK_SIZE = 4 * KIB
#: Decompressed size of the gzip body.
GZIP_PLAIN_SIZE = 256 * KIB


def _printable(size: int, rng: random.Random) -> bytes:
    printable = bytes(range(0x20, 0x7F))
    table = bytes(printable[i % len(printable)] for i in range(256))
    return rng.randbytes(size).translate(table)


def _json_text(size: int, rng: random.Random) -> bytes:
    """A JSON array of event records, padded with spaces to exactly ``size``
    bytes: the kind of text a gzip-compressed API upload carries."""
    users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
    events = ["click", "view", "scroll", "purchase", "login", "logout", "search"]
    tags = ["mobile", "desktop", "beta", "eu", "us", "returning", "new", "promo"]
    records: list[str] = []
    used = 2  # the brackets
    while True:
        record = json.dumps({
            "id": rng.randrange(10**9),
            "user": rng.choice(users),
            "event": rng.choice(events),
            "ts": f"2024-05-{rng.randint(1, 31):02d}T{rng.randrange(24):02d}:"
                  f"{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
            "value": round(rng.uniform(0, 1000), 2),
            "tags": rng.sample(tags, rng.randint(0, 3)),
            "path": "/" + "/".join(rng.choice(events) for _ in range(rng.randint(1, 3))),
        }, separators=(",", ":"))
        if used + len(record) + 1 > size:
            break
        records.append(record)
        used += len(record) + 1
    text = ("[" + ",".join(records) + "]").encode()
    return text + b" " * (size - len(text))


@dataclass(frozen=True)
class BodyInput:
    """One body case: the head announcing it, a *twin* head of the same length
    and header count that announces no body (for the head cost to subtract,
    see ``bench/README.md``), the body as sent on the wire and the bytes a
    parser must deliver."""

    head: bytes
    twin_head: bytes
    wire_body: bytes
    plain: bytes

    @property
    def request(self) -> bytes:
        return self.head + self.wire_body


def _twin(head: bytes, *framing: bytes) -> bytes:
    """The head with each framing header renamed ``X-...`` (same length):
    nothing announces a body, everything else is parsed alike."""
    for name in framing:
        assert name in head, name
        head = head.replace(CRLF + name + b":", CRLF + b"X-" + name[2:] + b":")
    return head


def chunked_input() -> BodyInput:
    rng = random.Random(SEED)
    chunks = [_printable(CHUNK_SIZE, rng) for _ in range(CHUNK_COUNT)]
    wire = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    head = CRLF.join([
        b"POST /upload HTTP/1.1",
        b"Host: example.com",
        b"Content-Type: application/octet-stream",
        b"Transfer-Encoding: chunked",
    ]) + CRLF + CRLF
    return BodyInput(head, _twin(head, b"Transfer-Encoding"), wire, b"".join(chunks))


def gzip_input() -> BodyInput:
    plain = _json_text(GZIP_PLAIN_SIZE, random.Random(SEED + 1))
    wire = gzip.compress(plain, compresslevel=6, mtime=0)
    head = CRLF.join([
        b"POST /api/events HTTP/1.1",
        b"Host: example.com",
        b"Content-Type: application/json",
        b"Content-Encoding: gzip",
        b"Content-Length: %d" % len(wire),
    ]) + CRLF + CRLF
    return BodyInput(head, _twin(head, b"Content-Encoding", b"Content-Length"), wire, plain)


def body_summary(pieces: Iterable[bytes | bytearray]) -> Summary:
    """The canonical form of a delivered body: its size and digest."""
    body = b"".join(pieces)
    return {"nbytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}


# -- 3. a response head ----------------------------------------------------------------

#: The four headers every writer is given; ours and aiohttp 3.x add Date and
#: Server themselves, h11 is handed them (see ``WRITE_EXTRA``).
RESPONSE_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Length", "1234"),
    ("Cache-Control", "no-cache"),
    ("X-Request-Id", "abc123"),
)


def http_date(when: float | None = None) -> str:
    """An RFC 9110 IMF-fixdate (always 29 characters)."""
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(when))


def write_summary(head: bytes) -> Summary:
    """The canonical form of one written response head."""
    text = head.decode("latin-1")
    status_line, _, rest = text.partition("\r\n")
    headers = []
    for line in rest.removesuffix("\r\n\r\n").split("\r\n"):
        name, _, value = line.partition(":")
        headers.append([name.lower(), value.strip(" \t")])
    return {"status_line": status_line, "headers": headers,
            "ends_with_blank_line": text.endswith("\r\n\r\n") and "\r\n\r\n" not in text[:-4],
            "nbytes": len(head)}


def check_write(summary: Summary) -> list[str]:
    """What is wrong with a written head (empty: nothing). Date and Server
    differ between writers, so this checks their presence, not their value."""
    problems = []
    if summary.get("status_line") not in ("HTTP/1.1 200 OK",):
        problems.append(f"status line {summary.get('status_line')!r}")
    if summary.get("ends_with_blank_line") is not True:
        problems.append("the head does not end with exactly one blank line")
    raw = summary.get("headers")
    headers: dict[str, list[str]] = {}
    if isinstance(raw, list):
        for pair in raw:
            if isinstance(pair, list) and len(pair) == 2:
                headers.setdefault(str(pair[0]), []).append(str(pair[1]))
    for name, value in RESPONSE_HEADERS:
        if headers.get(name.lower()) != [value]:
            problems.append(f"{name}: {headers.get(name.lower())!r}, expected [{value!r}]")
    dates = headers.get("date", [])
    if len(dates) != 1 or len(dates[0]) != 29 or not dates[0].endswith(" GMT"):
        problems.append(f"Date: {dates!r}")
    if len(headers.get("server", [])) != 1:
        problems.append(f"Server: {headers.get('server')!r}")
    return problems


# -- timing ----------------------------------------------------------------------------


#: ``run(n)`` does the operation ``n`` times and returns how many complete
#: results (messages, bodies, heads) it produced: the driver checks it is ``n``.
Run = Callable[[int], int]
#: A run that times itself (excluding per-batch setup) and returns
#: ``(seconds, results)``.
SelfTimedRun = Callable[[int], tuple[float, int]]


@dataclass
class Contestant:
    """One implementation on one case.

    ``run`` is timed as a whole unless ``self_timed`` is given instead.
    ``head_run``, for body cases, parses the twin head alone; its time is what
    the driver subtracts. ``summary`` describes the last result ``run``
    produced.
    """

    label: str
    summary: Callable[[], Summary]
    run: Run | None = None
    self_timed: SelfTimedRun | None = None
    head_run: Run | None = None


@dataclass
class Measurement:
    """One repetition of one contestant: what the driver tabulates."""

    label: str
    seconds: float
    iterations: int
    results: int
    summary: Summary
    head_seconds: float | None = None
    head_results: int | None = None

    def to_json(self) -> dict[str, object]:
        return {"label": self.label, "seconds": self.seconds, "iterations": self.iterations,
                "results": self.results, "summary": self.summary,
                "head_seconds": self.head_seconds, "head_results": self.head_results}


def _timed(run: Run, n: int) -> tuple[float, int]:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        results = run(n)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    return elapsed, results


def _self_timed(run: SelfTimedRun, n: int) -> tuple[float, int]:
    gc.collect()
    gc.disable()
    try:
        return run(n)
    finally:
        gc.enable()


def warmup_count(iterations: int) -> int:
    """Untimed iterations before each timed loop, so that a fresh peer process
    and our warm one both start timing with specialised bytecode and hot caches."""
    return max(1, min(iterations // 5, 500))


def measure(contestant: Contestant, iterations: int) -> Measurement:
    """Warm up, then time one loop of ``iterations`` (and the twin head loop,
    if any). The collector is off while timing, as in ``timeit``."""
    warm = warmup_count(iterations)
    if contestant.self_timed is not None:
        contestant.self_timed(warm)
        seconds, results = _self_timed(contestant.self_timed, iterations)
    elif contestant.run is not None:
        contestant.run(warm)
        seconds, results = _timed(contestant.run, iterations)
    else:
        raise ValueError(f"{contestant.label}: nothing to run")
    summary = contestant.summary()
    head_seconds = head_results = None
    if contestant.head_run is not None:
        contestant.head_run(warm)
        head_seconds, head_results = _timed(contestant.head_run, iterations)
    return Measurement(contestant.label, seconds, iterations, results, summary,
                       head_seconds, head_results)


# -- the peer side ---------------------------------------------------------------------

CASES = ("head", "chunked", "gzip", "write")


def distribution_versions(names: Sequence[str]) -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in names}


@dataclass
class PeerScript:
    """A peer script's identity: its name, the distributions whose versions
    it reports, and its contestants for each case it takes part in."""

    name: str
    distributions: Sequence[str]
    build: Callable[[str], list[Contestant]]
    cases: Sequence[str]
    notes: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, object]:
        return {"peer": self.name, "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "versions": distribution_versions(self.distributions),
                "cases": list(self.cases), "notes": self.notes}


def peer_main(peer: PeerScript, argv: Sequence[str] | None = None) -> int:
    """A peer script's command line. With ``--json`` (what the driver uses) it
    prints one JSON object; otherwise a short human-readable report."""
    parser = argparse.ArgumentParser(description=f"{peer.name} contestants of bench_protocol.py")
    parser.add_argument("--case", choices=CASES, help="the case to measure")
    parser.add_argument("--iterations", type=int, default=1000, help="timed iterations")
    parser.add_argument("--json", action="store_true", help="print JSON for the driver")
    parser.add_argument("--describe", action="store_true",
                        help="print versions and the cases taken part in, measure nothing")
    args = parser.parse_args(argv)
    if args.describe:
        print(json.dumps(peer.describe()))
        return 0
    if args.case is None:
        parser.error("--case is required unless --describe is given")
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")
    contestants = peer.build(args.case) if args.case in peer.cases else []
    measurements = [measure(c, args.iterations) for c in contestants]
    if args.json:
        print(json.dumps({**peer.describe(), "case": args.case,
                          "measurements": [m.to_json() for m in measurements]}))
        return 0
    print(f"{peer.name}, case {args.case}, {args.iterations} iterations, Python "
          f"{platform.python_version()}: {peer.describe()['versions']}")
    for m in measurements:
        extra = ""
        if m.head_seconds is not None:
            extra = f" (head alone {m.head_seconds / m.iterations * 1e6:.2f} us)"
        print(f"  {m.label:<40} {m.seconds / m.iterations * 1e6:10.2f} us/op{extra}  "
              f"results={m.results}")
    return 0


def run_peer(peer: PeerScript) -> None:
    """``sys.exit(peer_main(peer))``, for the peer scripts' ``__main__``."""
    sys.exit(peer_main(peer))
