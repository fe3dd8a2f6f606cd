"""Micro-benchmark of aiohttp-protocol against aiohttp 3.x, h11 and httptools.

Four cases, each with our pure-Python implementation and its peers timed
alternately within every repetition:

1. ``head``: parse a ~400-byte browser request head into a message (method,
   path, version, headers). Peers: aiohttp 3.x's pure-Python and C parsers,
   h11, httptools.
2. ``chunked``: parse a 64 KiB chunked request body (16 chunks of 4 KiB).
3. ``gzip``: parse and decompress a gzip request body (256 KiB of JSON,
   Content-Length framed).
4. ``write``: write a 200 response head with four headers (plus Date and
   Server) into a transport that collects bytes. Peers: h11, aiohttp 3.x's
   ``StreamWriter``.

Ours runs in this process; aiohttp 3.x shares our import name ``aiohttp``, so
every peer runs in its own virtual environment under ``bench/.venvs/`` as a
subprocess (``bench/peers/*_peer.py``) that prints its timings as JSON. Create
those environments once with ``bash bench/setup_peers.sh``. Then, from the
repository root::

    hatch run python bench/bench_protocol.py [--quick] [--repeat N] [--only TEXT]

See ``bench/README.md`` for what each row means and the goals it checks.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / "bench" / ".venvs"
PEERS_DIR = ROOT / "bench" / "peers"
SETUP = "bash bench/setup_peers.sh"

sys.path.append(str(ROOT))
from bench.peers import workload  # noqa: E402
from bench.peers.workload import BodyInput, Contestant, Measurement, Summary  # noqa: E402

MB = 1_000_000
US = 1e-6

#: glibc malloc, pinned in every process of a run (see ``pin_malloc``): no
#: mmap below 4 MiB, no trimming of the heap below 64 MiB.
MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
              "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD)}


def pin_malloc() -> bool:
    """Fix glibc's mmap and trim thresholds in this process, as ``MALLOC_ENV``
    does in the peers'. By default glibc moves the mmap threshold as blocks
    are freed, so whether a 256 KiB inflated body costs a fresh ``mmap`` and
    its page faults depends on each process's history: that alone moved the
    gzip rows by 25% between processes doing identical work. Returns whether
    the thresholds are pinned (False on a libc without ``mallopt``)."""
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)
                    and libc.mallopt(m_trim_threshold, TRIM_THRESHOLD))
    except (OSError, AttributeError):
        return False


# -- configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Iterations per timed loop, per case, and repetitions per case."""

    head: int
    chunked: int
    gzip: int
    write: int
    repeats: int


DEFAULT = Config(head=20_000, chunked=3_000, gzip=300, write=20_000, repeats=7)
QUICK = Config(head=4_000, chunked=600, gzip=60, write=4_000, repeats=3)


# -- our side --------------------------------------------------------------------------


class OursMissing(Exception):
    """aiohttp-protocol cannot be imported or does not work yet."""


class Out:
    """A parser's ``out``: keeps what it is fed, like a ``DataQueue`` with no
    waiter, so the per-item ``feed_data`` call the contract requires is in
    the timing but no queue machinery is."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[object] = []

    def feed_data(self, item: object, /) -> None:
        self.items.append(item)

    def feed_eof(self) -> None:
        pass

    def set_exception(self, exc: BaseException, /) -> None:
        raise exc


class Ready:
    """What ``drain()`` returns: an awaitable that is already done."""

    def __await__(self) -> Generator[None, None, None]:
        return
        yield  # pragma: no cover - makes this a generator


class CollectingTransport:
    """A transport that keeps every chunk written and never pushes back."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def writelines(self, data: Iterable[bytes]) -> None:
        self.chunks.extend(data)

    def drain(self) -> Ready:
        return Ready()

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default


#: How our parsers get their input:
#: ``send``: the generator is started on an empty buffer (``next``) and the
#: bytes are sent in, as ``StreamParser`` does for data arriving after
#: ``set_parser`` (a new connection, a keep-alive request after the response);
#: ``buffered``: the bytes are already in the buffer when the generator starts,
#: as when ``set_parser`` follows a read that brought them (the body after its
#: head, a pipelined request).
Mode = Literal["send", "buffered"]


def ours_head(mode: Mode) -> Contestant:
    """``HttpRequestParser()`` and, in ``send`` mode, one ``ParserBuffer``
    once, as a server has them once per connection (``StreamParser`` owns the
    buffer for the connection's life; the head parser leaves it empty); per
    parse a fresh ``out`` and generator, driven until it returns after
    emitting exactly one ``RawRequestMessage``."""
    from aiohttp.parsers import ParserBuffer
    from aiohttp.protocol import HttpRequestParser

    parser = HttpRequestParser()
    data = workload.BROWSER_HEAD
    last: list[object] = []

    def run_send(n: int) -> int:
        count = 0
        out = Out()
        buf = ParserBuffer()
        for _ in range(n):
            out = Out()
            gen = parser(out, buf)
            next(gen)
            try:
                gen.send(data)
            except StopIteration:
                pass
            else:
                raise RuntimeError("HttpRequestParser did not return after a complete head")
            count += len(out.items)
        last[:] = out.items
        return count

    def run_buffered(n: int) -> int:
        count = 0
        out = Out()
        for _ in range(n):
            out = Out()
            gen = parser(out, ParserBuffer(data))
            try:
                next(gen)
            except StopIteration:
                pass
            else:
                raise RuntimeError("HttpRequestParser did not return after a complete head")
            count += len(out.items)
        last[:] = out.items
        return count

    def summary() -> Summary:
        return message_summary(last[0])

    return Contestant(f"ours, {mode}", summary,
                      run=run_send if mode == "send" else run_buffered)


def message_summary(message: object) -> Summary:
    """The canonical summary of our ``RawRequestMessage``."""
    from aiohttp.protocol import RawRequestMessage

    if not isinstance(message, RawRequestMessage):
        return {"error": f"emitted {message!r}, not a RawRequestMessage"}
    version = message.version
    return workload.head_summary(message.method, message.path,
                                 f"{version[0]}.{version[1]}", message.headers.items())


def parse_head_once(head: bytes) -> object:
    """Our message for ``head``, parsed outside any timing."""
    from aiohttp.parsers import ParserBuffer
    from aiohttp.protocol import HttpRequestParser

    out = Out()
    gen = HttpRequestParser()(out, ParserBuffer(head))
    try:
        next(gen)
    except StopIteration:
        pass
    else:
        gen.send(b"")
    if len(out.items) != 1:
        raise OursMissing(f"HttpRequestParser emitted {out.items!r} for a complete head")
    return out.items[0]


def ours_body(body: BodyInput, mode: Mode) -> Contestant:
    """The body alone: the message comes from parsing the head once, untimed;
    per iteration a fresh ``ParserBuffer``, ``out``, ``HttpPayloadParser`` and
    generator, driven until it returns. ``out`` receives the (decoded) body
    in pieces."""
    from aiohttp.parsers import ParserBuffer
    from aiohttp.protocol import HttpPayloadParser, RawRequestMessage

    message = parse_head_once(body.head)
    if not isinstance(message, RawRequestMessage):
        raise OursMissing(f"HttpRequestParser emitted {message!r}")
    wire = body.wire_body
    last: list[object] = []

    def run_send(n: int) -> int:
        count = 0
        out = Out()
        for _ in range(n):
            out = Out()
            gen = HttpPayloadParser(message)(out, ParserBuffer())
            next(gen)
            try:
                gen.send(wire)
            except StopIteration:
                count += 1
        last[:] = out.items
        return count

    def run_buffered(n: int) -> int:
        count = 0
        out = Out()
        for _ in range(n):
            out = Out()
            gen = HttpPayloadParser(message)(out, ParserBuffer(wire))
            try:
                next(gen)
            except StopIteration:
                count += 1
        last[:] = out.items
        return count

    def summary() -> Summary:
        pieces = [p for p in last if isinstance(p, bytes | bytearray)]
        if len(pieces) != len(last):
            return {"error": f"out received non-bytes items: {last[:3]!r}"}
        return workload.body_summary(pieces)

    return Contestant(f"ours, {mode}", summary,
                      run=run_send if mode == "send" else run_buffered)


def zlib_ceiling(body: BodyInput) -> Contestant:
    """Not a peer: ``zlib.decompressobj(wbits=31)`` over the wire body with no
    HTTP at all, what any gzip row could reach if parsing cost nothing."""
    wire = body.wire_body
    last: list[bytes] = []

    def run(n: int) -> int:
        count = 0
        pieces: list[bytes] = []
        for _ in range(n):
            pieces = []
            inflate = zlib.decompressobj(wbits=31)
            pieces.append(inflate.decompress(wire))
            pieces.append(inflate.flush())
            count += inflate.eof
        last[:] = pieces
        return count

    return Contestant("zlib alone (ceiling, not a peer)", lambda: workload.body_summary(last),
                      run=run)


def ours_write() -> Contestant:
    """``Response(transport, 200)``, ``add_headers`` with the four headers,
    ``send_headers()`` (which adds Date and Server), per response."""
    from aiohttp.protocol import Response

    transport = CollectingTransport()
    headers = workload.RESPONSE_HEADERS

    def run(n: int) -> int:
        transport.chunks.clear()
        for _ in range(n):
            response = Response(transport, 200)
            response.add_headers(*headers)
            response.send_headers()
        return len(transport.chunks)

    def summary() -> Summary:
        transport.chunks.clear()
        run(1)
        return workload.write_summary(b"".join(transport.chunks))

    return Contestant("ours", summary, run=run)


def ours_description() -> str:
    """Our distributions' versions, or why ours cannot run."""
    try:
        versions = [f"{name} {importlib.metadata.version(name)}"
                    for name in ("aiohttp-protocol", "aiohttp-streams", "multidict")]
    except importlib.metadata.PackageNotFoundError as exc:
        raise OursMissing(f"{exc.name} is not installed in this environment") from exc
    return ", ".join(versions)


# -- the peers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    """A peer's virtual environment (``bench/.venvs/NAME``) and script."""

    name: str
    script: str
    #: Extra environment of the peer processes (``MALLOC_ENV`` when pinned).
    env: tuple[tuple[str, str], ...] = ()

    @property
    def python(self) -> Path:
        return VENVS / self.name / "bin" / "python"

    @property
    def ready(self) -> bool:
        """Set up completely by ``setup_peers.sh`` (which marks the end)."""
        return self.python.exists() and (VENVS / self.name / ".complete").exists()

    def call(self, *args: str) -> dict[str, object]:
        """Run the peer script with ``--json`` and return what it printed."""
        command = [str(self.python), str(PEERS_DIR / self.script), "--json", *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False,
                              env={**os.environ, **dict(self.env)})
        if done.returncode != 0:
            raise RuntimeError(f"peer {self.name} failed ({' '.join(command[1:])}):\n"
                               f"{done.stderr.strip()[-3000:]}")
        answer = json.loads(done.stdout)
        if not isinstance(answer, dict):
            raise RuntimeError(f"peer {self.name} printed {done.stdout[:200]!r}")
        return answer

    def measure(self, case: str, iterations: int) -> list[Measurement]:
        answer = self.call("--case", case, "--iterations", str(iterations))
        raw = answer.get("measurements")
        if not isinstance(raw, list):
            raise RuntimeError(f"peer {self.name} printed no measurements")
        return [measurement_from_json(item) for item in raw]


PEERS = (Peer("aiohttp3", "aiohttp3_peer.py"), Peer("h11", "h11_peer.py"),
         Peer("httptools", "httptools_peer.py"))


def measurement_from_json(item: object) -> Measurement:
    """A peer's measurement, type-checked field by field."""
    if not isinstance(item, dict):
        raise RuntimeError(f"bad measurement {item!r}")
    label, seconds, iterations = item.get("label"), item.get("seconds"), item.get("iterations")
    results, summary = item.get("results"), item.get("summary")
    head_seconds, head_results = item.get("head_seconds"), item.get("head_results")
    if not (isinstance(label, str) and isinstance(seconds, float)
            and isinstance(iterations, int) and isinstance(results, int)
            and isinstance(summary, dict)
            and (head_seconds is None or isinstance(head_seconds, float))
            and (head_results is None or isinstance(head_results, int))):
        raise RuntimeError(f"bad measurement {item!r}")
    return Measurement(label, seconds, iterations, results, summary, head_seconds, head_results)


def describe_peers(peers: Sequence[Peer]) -> dict[str, dict[str, object]]:
    """Each peer's versions and the cases it takes part in (one call each)."""
    return {peer.name: peer.call("--describe") for peer in peers}


def missing_peers_message(missing: Sequence[Peer]) -> str:
    names = ", ".join(f"bench/.venvs/{peer.name}" for peer in missing)
    return (f"The peer environments are not set up: {names} missing or incomplete.\n"
            f"Create them (a minute, from PyPI) with:\n\n    {SETUP}\n\n"
            "or measure ours alone with --ours-only.")


# -- cases, goals and timings ----------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    """A target the table checks: ``ratio``: peer time / our time at least
    ``value`` against the peer labelled ``peer`` (shown as our time / peer
    time when ``inverse``); ``under_us``: our time below ``value``
    microseconds."""

    text: str
    kind: Literal["ratio", "under_us"]
    value: float
    peer: str = ""
    inverse: bool = False

    def judge(self, ours: Series, peer: Series | None) -> tuple[str, bool | None]:
        """The figure reached (medians) and whether it meets the goal (None:
        the peer was not measured)."""
        if self.kind == "under_us":
            return f"{ours.median / US:.2f} us", ours.median < self.value * US
        if peer is None:
            return "not measured", None
        ratio = peer.median / ours.median
        shown = f"{ours.median / peer.median:.2f}" if self.inverse else f"{ratio:.2f}x"
        return shown, ratio >= self.value


@dataclass
class Case:
    """One group of rows: ours (possibly in two modes) and the peers."""

    key: str
    title: str
    iterations: int
    #: Bytes delivered per operation, for MB/s (body cases only).
    nbytes: int | None
    #: The contestant whose times the goals are judged on.
    ours: Contestant
    #: Other contestants timed in this process: ours in another mode, a ceiling.
    also_here: tuple[Contestant, ...]
    check: Callable[[Summary], list[str]]
    goals: tuple[Goal, ...] = ()
    #: Whether peers' body times are (head + body) minus the twin head.
    subtract_head: bool = False


def equal_to(expected: Summary) -> Callable[[Summary], list[str]]:
    def check(summary: Summary) -> list[str]:
        if summary == expected:
            return []
        wrong = {k: summary.get(k) for k in sorted(set(expected) | set(summary))
                 if summary.get(k) != expected.get(k)}
        return [f"{key}: got {value!r}, expected {expected.get(key)!r}"
                for key, value in wrong.items()]
    return check


@dataclass
class Series:
    """Per-operation seconds of every repetition of one contestant."""

    label: str
    per_op: list[float] = field(default_factory=list)
    head_per_op: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.per_op)

    @property
    def median(self) -> float:
        return statistics.median(self.per_op)


def build_cases(config: Config) -> list[Case]:
    """Every case, inputs and our contestants built up front (never timed)."""
    head = workload.BROWSER_HEAD
    chunked, gzipped = workload.chunked_input(), workload.gzip_input()
    n_headers = head.count(b"\r\n") - 2
    return [
        Case("head", f"parse a browser request head (GET, {len(head)} B, {n_headers} headers)",
             config.head, None, ours_head("send"), (ours_head("buffered"),),
             equal_to(workload.expected_head(head)),
             goals=(Goal(">= 3x faster than aiohttp3 Py", "ratio", 3.0, "aiohttp3 Py parser"),
                    Goal(">= 4x faster than h11", "ratio", 4.0, "h11 (fresh Connection)"),
                    Goal("ours/C time <= 1.5", "ratio", 1 / 1.5, "aiohttp3 C parser",
                         inverse=True))),
        Case("chunked", f"parse a chunked body ({workload.CHUNK_COUNT} x "
             f"{workload.CHUNK_SIZE // 1024} KiB = {len(chunked.plain) // 1024} KiB)",
             config.chunked, len(chunked.plain), ours_body(chunked, "send"),
             (ours_body(chunked, "buffered"),),
             equal_to(workload.body_summary([chunked.plain])), subtract_head=True),
        Case("gzip", f"parse a gzip body ({len(gzipped.wire_body) // 1024} KiB -> "
             f"{len(gzipped.plain) // 1024} KiB JSON, Content-Length)",
             config.gzip, len(gzipped.plain), ours_body(gzipped, "send"),
             (ours_body(gzipped, "buffered"), zlib_ceiling(gzipped)),
             equal_to(workload.body_summary([gzipped.plain])), subtract_head=True),
        Case("write", f"write a 200 response head ({len(workload.RESPONSE_HEADERS)} headers "
             "+ Date, Server)", config.write, None, ours_write(), (), workload.check_write,
             goals=(Goal("ours < 3 us per head", "under_us", 3.0),)),
    ]


def record(case: Case, series: dict[str, Series], m: Measurement) -> None:
    """Check one measurement, then add it to its contestant's series."""
    problems = case.check(m.summary)
    if m.results != m.iterations:
        problems.append(f"{m.results} results from {m.iterations} iterations")
    if case.subtract_head and m.head_seconds is not None and m.head_results != m.iterations:
        problems.append(f"twin head: {m.head_results} results from {m.iterations} iterations")
    if problems:
        raise RuntimeError(f"{case.key} / {m.label}: wrong result, refusing to time it:\n  "
                           + "\n  ".join(problems))
    entry = series.setdefault(m.label, Series(m.label))
    per_op = m.seconds / m.iterations
    if case.subtract_head and m.head_seconds is not None:
        head = m.head_seconds / m.iterations
        entry.head_per_op.append(head)
        per_op -= head
    entry.per_op.append(per_op)


def measure_case(case: Case, repeats: int, peers: Sequence[Peer]) -> dict[str, Series]:
    """Ours then each peer, within every repetition, so that a slow drift of
    the machine hits all sides alike."""
    series: dict[str, Series] = {}
    for _ in range(repeats):
        for contestant in (case.ours, *case.also_here):
            record(case, series, workload.measure(contestant, case.iterations))
        for peer in peers:
            for m in peer.measure(case.key, case.iterations):
                record(case, series, m)
    return series


# -- report ----------------------------------------------------------------------------


def us(seconds: float) -> str:
    """Microseconds with about three significant digits."""
    value = seconds / US
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


COLUMNS = (("contestant", 46), ("us/op best / med", 17), ("MB/s", 6),
           ("ratio best / med", 16), ("goal", 36))


def line(cells: Sequence[str]) -> str:
    return "  ".join(f"{cell:<{width}}" for cell, (_, width) in
                     zip(cells, COLUMNS, strict=True)).rstrip()


Verdict = tuple[Case, Goal, str, bool | None]


def verdicts_of(case: Case, series: dict[str, Series]) -> list[Verdict]:
    """Every goal of the case, judged on our first contestant; the figure the
    other modes of ours reach is added for information."""
    verdicts = []
    for goal in case.goals:
        peer = series.get(goal.peer) if goal.kind == "ratio" else None
        figure, met = goal.judge(series[case.ours.label], peer)
        others = [f"{extra.label}: {goal.judge(series[extra.label], peer)[0]}"
                  for extra in case.also_here if extra.label.startswith("ours")]
        text = f"{goal.text}: {figure}" + (f" ({'; '.join(others)})" if others else "")
        verdicts.append((case, goal, text, met))
    return verdicts


def report_case(case: Case, series: dict[str, Series]) -> list[Verdict]:
    """Print the case's rows; return its goals' verdicts for the summary."""
    ours = series[case.ours.label]
    print(f"\n{case.title}, {case.iterations:,} per repetition")
    verdicts = verdicts_of(case, series)
    marks = {goal.peer if goal.kind == "ratio" else case.ours.label:
             f"{goal.text}: {'met' if met else 'MISSED' if met is False else 'n/a'}"
             for _, goal, _, met in verdicts}
    for label, entry in series.items():
        mbps = "-" if case.nbytes is None else f"{case.nbytes / entry.best / MB:.0f}"
        ratio = "-"
        if entry is not ours:
            ratio = f"{entry.best / ours.best:.2f} / {entry.median / ours.median:.2f}"
        name = label
        if case.subtract_head and entry.head_per_op:
            name = f"{label} (-{us(statistics.median(entry.head_per_op))} head)"
        print(line((name, f"{us(entry.best)} / {us(entry.median)}", mbps, ratio,
                    marks.get(label, ""))))
    return verdicts


def header(config: Config, quick: bool, peer_info: dict[str, dict[str, object]],
           pinned: bool) -> str:
    """Everything needed to reproduce or compare a table."""
    lines = [
        f"Python {platform.python_version()} ({platform.python_implementation()}, "
        f"{platform.system()} {platform.machine()}), "
        f"{'quick' if quick else 'default'} run, best / median of {config.repeats}.",
        f"ours (in-process, pure Python): {ours_description()}",
    ]
    for name, info in peer_info.items():
        versions = info.get("versions")
        text = (", ".join(f"{k} {v}" for k, v in versions.items())
                if isinstance(versions, dict) else "?")
        lines.append(f"peer {name} (bench/.venvs/{name}, Python {info.get('python')}): {text}")
    lines.append(f"malloc: mmap threshold {MMAP_THRESHOLD >> 20} MiB, trim threshold "
                 f"{TRIM_THRESHOLD >> 20} MiB in every process" if pinned else
                 "malloc: the platform's defaults (not pinned)")
    lines.append("us/op: microseconds per operation. ratio = peer time / our time "
                 "(> 1: ours is faster); goals judged on the medians of 'ours, send'.")
    lines.append("Body rows: peers are timed on head + body in one feed, minus their own time "
                 "for a same-size head announcing no body (shown as '-X head').")
    return "\n".join(lines)


def run_all(config: Config, quick: bool, only: str | None, ours_only: bool,
            default_malloc: bool) -> int:
    peers: list[Peer] = []
    if not ours_only:
        missing = [peer for peer in PEERS if not peer.ready]
        if missing:
            print(missing_peers_message(missing), file=sys.stderr)
            return 2
        peers = list(PEERS)
    pinned = not default_malloc and pin_malloc()
    if pinned:
        peers = [replace(peer, env=tuple(MALLOC_ENV.items())) for peer in peers]
    try:
        ours_description()
        cases = [c for c in build_cases(config)
                 if only is None or only.lower() in c.key]
    except (ImportError, OursMissing) as exc:
        print(f"aiohttp-protocol does not work here (yet?): {type(exc).__name__}: {exc}\n"
              "It is imported from the Hatch environment, which installs every workspace "
              "package editable:\n\n    hatch run python bench/bench_protocol.py",
              file=sys.stderr)
        return 3
    peer_info = describe_peers(peers)
    print(header(config, quick, peer_info, pinned))
    print(f"\n{line([name for name, _ in COLUMNS])}\n" + "-" * (sum(w for _, w in COLUMNS) + 8))
    verdicts = []
    for case in cases:
        taking_part = [peer for peer in peers if case.key in as_list(peer_info[peer.name])]
        verdicts += report_case(case, measure_case(case, config.repeats, taking_part))
    if verdicts:
        print("\ngoals (medians):")
        for case, _goal, text, met in verdicts:
            mark = {True: "ok  ", False: "MISS", None: "n/a "}[met]
            print(f"  {mark} {case.key:<8} {text}")
    return 0


def as_list(info: dict[str, object]) -> list[str]:
    cases = info.get("cases")
    return [str(case) for case in cases] if isinstance(cases, list) else []


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer iterations, 3 repeats (< 20 s)")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions per measurement")
    parser.add_argument("--only", default=None,
                        help="run only the cases whose key contains TEXT "
                             "(keys: head, chunked, gzip, write)")
    parser.add_argument("--ours-only", action="store_true",
                        help="measure ours alone, without the peer environments")
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's malloc thresholds alone (see bench/README.md)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = QUICK if args.quick else DEFAULT
    if args.repeat is not None:
        if args.repeat < 1:
            raise SystemExit("--repeat must be at least 1")
        config = replace(config, repeats=args.repeat)
    started = time.perf_counter()
    try:
        status = run_all(config, args.quick, args.only, args.ours_only, args.default_malloc)
    except RuntimeError as exc:  # a wrong result or a failing peer: no figures
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    if status == 0:
        print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
