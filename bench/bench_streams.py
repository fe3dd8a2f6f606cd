"""Micro-benchmark of aiohttp-streams against the standard library's asyncio streams.

Three families, measured in one process so that their figures are comparable:

1. ``ParserBuffer.readuntil(b"\\r\\n")`` driven the way ``StreamParser`` drives
   a parser (``gen.send(chunk)``), against ``asyncio.StreamReader.readuntil``
   and a plain ``bytes.split`` loop (the "ceiling": what splitting costs with
   no stream machinery at all).
2. ``StreamReader.read(65536)``, ``readany()`` and ``readexactly(n)`` against
   ``asyncio.StreamReader.read(65536)`` / ``readexactly(n)``, both with all the
   data fed before reading ("fed first") and with a producer task feeding one
   chunk per event-loop turn while a consumer task reads ("interleaved").
3. ``StreamReader.readline`` against ``asyncio.StreamReader.readline``.

Run from the repository root inside the Hatch environment (which installs the
workspace packages editable)::

    hatch run python bench/bench_streams.py [--quick] [--repeat N] [--only TEXT]

Only the standard library and ``aiohttp-streams`` are needed. See
``bench/README.md`` for what each row means.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import platform
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from aiohttp.parsers import ParserBuffer, ParserOutput
from aiohttp.streams import EofStream, StreamReader

KIB = 1024
MIB = 1024 * KIB
#: Throughput is reported in decimal megabytes, as network tools do.
MB = 1_000_000
#: The line delimiter of every line benchmark (HTTP's).
CRLF = b"\r\n"
#: Fixed seed: every run, and both sides of a comparison, see the same bytes.
SEED = 0x0A10


# -- configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """How much work one run does; ``--quick`` shrinks it to a smoke test."""

    lines: int
    stream_bytes: int
    repeats: int
    long_lines: int
    read_size: int = 64 * KIB
    stream_chunk: int = 64 * KIB
    long_line_bytes: int = 16_000
    trickle_chunk: int = 16


DEFAULT = Config(lines=100_000, stream_bytes=64 * MIB, repeats=5, long_lines=8)
QUICK = Config(lines=30_000, stream_bytes=16 * MIB, repeats=3, long_lines=4)


# -- what a run reports and how it is timed --------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one run consumed: checked against the input so a fast-but-wrong
    implementation cannot win a row."""

    items: int
    nbytes: int


#: One implementation under test: consumes every chunk, reports what it read.
Runner = Callable[[Sequence[bytes]], Awaitable[Outcome]]


@dataclass(frozen=True)
class Impl:
    """A labelled runner; the label is what the table prints."""

    label: str
    run: Runner


@dataclass(frozen=True)
class Case:
    """One row group: our implementation and the peers it is compared with,
    all fed the same chunks."""

    name: str
    unit: str
    chunks: Sequence[bytes]
    expected_items: int | None
    ours: Impl
    peers: tuple[Impl, ...]

    @property
    def nbytes(self) -> int:
        """Input size: every implementation must read exactly this much."""
        return sum(map(len, self.chunks))


@dataclass
class Timing:
    """Wall-clock times of every repetition of one implementation on one case."""

    times: list[float]
    items: int = 0

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


async def time_once(impl: Impl, case: Case) -> tuple[float, Outcome]:
    """Time one run with the collector off, as ``timeit`` does: a collection
    triggered by the other side's garbage would otherwise land on this one."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        outcome = await impl.run(case.chunks)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    check(impl, case, outcome)
    return elapsed, outcome


def check(impl: Impl, case: Case, outcome: Outcome) -> None:
    """Refuse a result that did not read exactly the input."""
    if outcome.nbytes != case.nbytes:
        raise RuntimeError(f"{case.name} / {impl.label}: read {outcome.nbytes} bytes, "
                           f"expected {case.nbytes}")
    if case.expected_items is not None and outcome.items != case.expected_items:
        raise RuntimeError(f"{case.name} / {impl.label}: read {outcome.items} {case.unit}, "
                           f"expected {case.expected_items}")


async def measure(case: Case, repeats: int) -> list[Timing]:
    """Time ours and every peer, alternating within each repetition so that a
    slow drift of the machine (frequency, other load) hits all sides alike."""
    impls = (case.ours, *case.peers)
    timings = [Timing([]) for _ in impls]
    for _ in range(repeats):
        for impl, timing in zip(impls, timings, strict=True):
            elapsed, outcome = await time_once(impl, case)
            timing.times.append(elapsed)
            timing.items = outcome.items
    return timings


# -- input data ------------------------------------------------------------------------


def printable_bytes(size: int, rng: random.Random) -> bytes:
    """Random printable ASCII: never a delimiter, so line lengths are exactly
    what the caller asked for."""
    printable = bytes(range(0x20, 0x7F))
    table = bytes(printable[i % len(printable)] for i in range(256))
    return rng.randbytes(size).translate(table)


def make_lines(count: int, rng: random.Random) -> bytes:
    """``count`` CRLF-terminated lines of 40-80 bytes, the shape of HTTP
    header lines."""
    pool = printable_bytes(64 * KIB, rng)
    lines = []
    for _ in range(count):
        length = rng.randint(38, 78)
        start = rng.randrange(len(pool) - length)
        lines.append(pool[start:start + length] + CRLF)
    return b"".join(lines)


def split_chunks(data: bytes, size: int) -> list[bytes]:
    """Cut ``data`` the way a transport would deliver it: fixed-size reads
    that ignore line boundaries."""
    return [data[i:i + size] for i in range(0, len(data), size)]


def make_stream_chunks(total: int, size: int, rng: random.Random) -> list[bytes]:
    """Distinct chunks (not one chunk repeated), so that copying them costs
    what copying fresh network data costs rather than hitting a hot cache line."""
    return [rng.randbytes(min(size, total - i)) for i in range(0, total, size)]


# -- 1. ParserBuffer.readuntil and its peers --------------------------------------------


class LineSink:
    """The parser's ``out``: counts what it is fed and keeps nothing, so the
    row measures the parser and not a queue."""

    def __init__(self) -> None:
        self.items = 0
        self.nbytes = 0

    def feed_data(self, data: bytes, /) -> None:
        self.items += 1
        self.nbytes += len(data)

    def feed_eof(self) -> None:
        pass

    def set_exception(self, exc: BaseException, /) -> None:
        raise exc


def crlf_parser(out: ParserOutput[bytes], buf: ParserBuffer) -> Generator[None, bytes, None]:
    """The parser contract of ``aiohttp.parsers`` in its simplest form: one
    ``readuntil`` per line, EOF a normal ending."""
    try:
        while True:
            line = yield from buf.readuntil(CRLF)
            out.feed_data(line)
    except EofStream:
        return


async def ours_readuntil(chunks: Sequence[bytes]) -> Outcome:
    """Drive ``crlf_parser`` as ``StreamParser.feed_data`` does: ``send`` each
    chunk, then throw ``EofStream``."""
    sink = LineSink()
    gen = crlf_parser(sink, ParserBuffer())
    next(gen)
    send = gen.send
    for chunk in chunks:
        send(chunk)
    try:
        gen.throw(EofStream())
    except StopIteration:
        pass
    return Outcome(sink.items, sink.nbytes)


async def asyncio_readuntil(chunks: Sequence[bytes]) -> Outcome:
    """The reference peer: feed everything, then ``readuntil`` line by line."""
    reader = asyncio.StreamReader()
    feed_all(reader, chunks)
    readuntil = reader.readuntil
    items = nbytes = 0
    try:
        while True:
            line = await readuntil(CRLF)
            items += 1
            nbytes += len(line)
    except asyncio.IncompleteReadError as exc:
        nbytes += len(exc.partial)
    return Outcome(items, nbytes)


async def split_ceiling(chunks: Sequence[bytes]) -> Outcome:
    """No stream at all: ``bytes.split`` per chunk, carrying the partial last
    line over. What the line rows could reach if buffering cost nothing."""
    items = nbytes = 0
    tail = b""
    for chunk in chunks:
        lines = (tail + chunk).split(CRLF)
        tail = lines.pop()
        items += len(lines)
        nbytes += sum(map(len, lines)) + len(CRLF) * len(lines)
    return Outcome(items, nbytes + len(tail))


# -- 2 and 3. StreamReader and asyncio.StreamReader -------------------------------------


class ByteReader(Protocol):
    """The API our ``StreamReader`` shares with ``asyncio.StreamReader``, so
    that one consumer loop serves both sides of a comparison."""

    def feed_data(self, data: bytes) -> None: ...

    def feed_eof(self) -> None: ...

    async def read(self, n: int = -1) -> bytes: ...

    async def readexactly(self, n: int) -> bytes: ...

    async def readline(self) -> bytes: ...


R = TypeVar("R", bound=ByteReader)
Consumer = Callable[[R], Awaitable[Outcome]]


def feed_all(reader: ByteReader, chunks: Sequence[bytes]) -> None:
    """Everything arrives before anyone reads: the buffer's best case for
    batching and worst case for memory."""
    feed = reader.feed_data
    for chunk in chunks:
        feed(chunk)
    reader.feed_eof()


async def feed_per_turn(reader: ByteReader, chunks: Sequence[bytes]) -> None:
    """One chunk per event-loop turn, as ``data_received`` calls arrive, so
    every read that runs dry goes through the waiter machinery."""
    feed = reader.feed_data
    for chunk in chunks:
        feed(chunk)
        await asyncio.sleep(0)
    reader.feed_eof()


def stream_runner(new_reader: Callable[[], R], consume: Consumer[R], interleaved: bool) -> Runner:
    """A runner that builds a fresh reader and feeds it in the given mode."""

    async def run(chunks: Sequence[bytes]) -> Outcome:
        reader = new_reader()
        if not interleaved:
            feed_all(reader, chunks)
            return await consume(reader)
        producer = asyncio.create_task(feed_per_turn(reader, chunks))
        outcome = await consume(reader)
        await producer
        return outcome

    return run


def consume_read(size: int) -> Consumer[ByteReader]:
    """``read(size)`` until EOF."""

    async def consume(reader: ByteReader) -> Outcome:
        read = reader.read
        items = nbytes = 0
        while data := await read(size):
            items += 1
            nbytes += len(data)
        return Outcome(items, nbytes)

    return consume


async def consume_readany(reader: StreamReader) -> Outcome:
    """``readany()`` until EOF (ours only: asyncio has no such method)."""
    readany = reader.readany
    items = nbytes = 0
    while data := await readany():
        items += 1
        nbytes += len(data)
    return Outcome(items, nbytes)


def consume_readexactly(size: int) -> Consumer[ByteReader]:
    """``readexactly(size)`` until the stream ends short of a full block."""

    async def consume(reader: ByteReader) -> Outcome:
        readexactly = reader.readexactly
        items = nbytes = 0
        try:
            while True:
                await readexactly(size)
                items += 1
                nbytes += size
        except asyncio.IncompleteReadError as exc:
            nbytes += len(exc.partial)
        return Outcome(items, nbytes)

    return consume


async def consume_readline(reader: ByteReader) -> Outcome:
    """``readline()`` until EOF."""
    readline = reader.readline
    items = nbytes = 0
    while line := await readline():
        items += 1
        nbytes += len(line)
    return Outcome(items, nbytes)


def ours_reader() -> StreamReader:
    """A fresh reader per run: no state (buffer, waiter) leaks between runs."""
    return StreamReader()


def asyncio_reader() -> asyncio.StreamReader:
    """Built inside the running loop, so it binds that loop without a warning."""
    return asyncio.StreamReader()


# -- the cases ---------------------------------------------------------------------------


def mode_name(interleaved: bool) -> str:
    """The feeding mode as the table names it."""
    return "interleaved" if interleaved else "fed first"


def readuntil_cases(lines: bytes, count: int) -> list[Case]:
    """Family 1, once with transport-sized and once with small chunks."""
    cases = []
    for size in (64 * KIB, 1 * KIB):
        cases.append(Case(
            name=f"ParserBuffer.readuntil, {size // KIB} KiB chunks",
            unit="lines",
            chunks=split_chunks(lines, size),
            expected_items=count,
            ours=Impl("ParserBuffer.readuntil", ours_readuntil),
            peers=(Impl("asyncio readuntil", asyncio_readuntil),
                   Impl("bytes.split (ceiling)", split_ceiling)),
        ))
    return cases


def read_cases(config: Config, rng: random.Random) -> list[Case]:
    """Family 2: bulk reads in both feeding modes."""
    chunks = make_stream_chunks(config.stream_bytes, config.stream_chunk, rng)
    size = config.read_size
    peer_read = consume_read(size)
    specs: list[tuple[str, Consumer[StreamReader], str, Consumer[asyncio.StreamReader]]] = [
        (f"read({size})", consume_read(size), f"asyncio read({size})", peer_read),
        ("readany()", consume_readany, f"asyncio read({size})", peer_read),
    ]
    for n in (1000, 100_000):
        exact = consume_readexactly(n)
        specs.append((f"readexactly({n})", exact, f"asyncio readexactly({n})", exact))
    cases = []
    for interleaved in (False, True):
        for name, ours, peer_name, peer in specs:
            cases.append(Case(
                name=f"StreamReader.{name}, {mode_name(interleaved)}",
                unit="reads",
                chunks=chunks,
                expected_items=None,
                ours=Impl(f"StreamReader.{name}", stream_runner(ours_reader, ours, interleaved)),
                peers=(Impl(peer_name, stream_runner(asyncio_reader, peer, interleaved)),),
            ))
    return cases


def readline_cases(lines: bytes, count: int) -> list[Case]:
    """Family 3: the same lines as family 1, through the byte stream instead."""
    cases = []
    for interleaved in (False, True):
        for size in (64 * KIB, 1 * KIB):
            cases.append(Case(
                name=f"StreamReader.readline, {size // KIB} KiB chunks, {mode_name(interleaved)}",
                unit="lines",
                chunks=split_chunks(lines, size),
                expected_items=count,
                ours=Impl("StreamReader.readline",
                          stream_runner(ours_reader, consume_readline, interleaved)),
                peers=(Impl("asyncio readline",
                            stream_runner(asyncio_reader, consume_readline, interleaved)),),
            ))
    return cases


def trickle_case(config: Config, rng: random.Random) -> Case:
    """A stress row, not a throughput one: long lines (within the default
    ``limit``) arriving in tiny pieces, one per loop turn, as from a slow or
    hostile client. Every piece wakes the reader, so this row shows how the
    cost of one wake-up grows with what is already buffered."""
    size = config.long_line_bytes
    data = b"".join(printable_bytes(size - len(CRLF), rng) + CRLF
                    for _ in range(config.long_lines))
    chunk = config.trickle_chunk
    return Case(
        name=f"StreamReader.readline, {size} B lines, {chunk} B chunks, interleaved",
        unit="lines",
        chunks=split_chunks(data, chunk),
        expected_items=config.long_lines,
        ours=Impl("StreamReader.readline", stream_runner(ours_reader, consume_readline, True)),
        peers=(Impl("asyncio readline", stream_runner(asyncio_reader, consume_readline, True)),),
    )


def build_cases(config: Config) -> list[Case]:
    """Every case, built up front so that generating input is never timed."""
    rng = random.Random(SEED)
    lines = make_lines(config.lines, rng)
    return [
        *readuntil_cases(lines, config.lines),
        *read_cases(config, rng),
        *readline_cases(lines, config.lines),
        trickle_case(config, rng),
    ]


# -- report --------------------------------------------------------------------------------


def throughput(value: float) -> str:
    """MB/s with about three significant digits."""
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def rate(value: float) -> str:
    """Compact operations per second: 1.23M, 456.7k, 89."""
    if value >= 1e6:
        return f"{value / 1e6:.2f}M"
    if value >= 1e3:
        return f"{value / 1e3:.1f}k"
    return f"{value:.0f}"


COLUMNS = (("benchmark", 62), ("compared with", 28), ("unit", 5),
           ("ours MB/s", 15), ("ours ops/s", 10), ("peer MB/s", 15), ("peer ops/s", 10),
           ("ratio", 11))


def header() -> str:
    """Column names, plus a line saying which statistic each column holds."""
    names = "  ".join(f"{name:<{width}}" for name, width in COLUMNS)
    under = "  ".join(f"{'':<{width}}" for _, width in COLUMNS[:3])
    hint = "  ".join(f"{text:<{width}}" for text, width in
                     zip(("best / median", "best", "best / median", "best", "best / med"),
                         (w for _, w in COLUMNS[3:]), strict=True))
    return f"{names}\n{under}  {hint}\n" + "-" * (sum(w for _, w in COLUMNS) + 2 * 7)


def row(case: Case, ours: Timing, peer_label: str, peer: Timing) -> str:
    """One comparison. Both sides read the same bytes, so the ratio of
    throughputs is the inverse ratio of times."""
    mb = case.nbytes / MB
    cells = (
        case.name, peer_label, case.unit,
        f"{throughput(mb / ours.best)} / {throughput(mb / ours.median)}",
        rate(ours.items / ours.best),
        f"{throughput(mb / peer.best)} / {throughput(mb / peer.median)}",
        rate(peer.items / peer.best),
        f"{peer.best / ours.best:.2f} / {peer.median / ours.median:.2f}",
    )
    return "  ".join(f"{cell:<{width}}" for cell, (_, width) in zip(cells, COLUMNS, strict=True))


def describe(config: Config, quick: bool) -> str:
    """Everything needed to reproduce or compare a table."""
    return (f"Python {platform.python_version()} ({platform.python_implementation()}, "
            f"{platform.system()} {platform.machine()}), "
            f"{'quick' if quick else 'default'} run: {config.lines:,} lines, "
            f"{config.stream_bytes // MIB} MiB stream in {config.stream_chunk // KIB} KiB chunks, "
            f"best/median of {config.repeats}.\n"
            "MB = 10^6 bytes. ratio = ours/peer throughput (>1: ours is faster).")


async def run_all(config: Config, quick: bool, only: str | None) -> None:
    """Run every case in one event loop, printing each row as soon as it is
    known so that a long run shows progress."""
    cases = [c for c in build_cases(config) if only is None or only.lower() in c.name.lower()]
    print(describe(config, quick))
    print()
    print(header())
    for case in cases:
        ours, *peers = await measure(case, config.repeats)
        for impl, timing in zip(case.peers, peers, strict=True):
            print(row(case, ours, impl.label, timing), flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: the size of the run and an optional case filter."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small inputs, 3 repeats (< 10 s)")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions per measurement")
    parser.add_argument("--only", default=None, help="run only cases whose name contains TEXT")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; the total time tells whether ``--quick`` stays quick."""
    args = parse_args(argv)
    config = QUICK if args.quick else DEFAULT
    if args.repeat is not None:
        if args.repeat < 1:
            raise SystemExit("--repeat must be at least 1")
        config = replace(config, repeats=args.repeat)
    started = time.perf_counter()
    asyncio.run(run_all(config, args.quick, args.only))
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
