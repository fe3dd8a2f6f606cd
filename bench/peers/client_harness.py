"""The timing loop every client of bench_client.py runs (standard library only).

A client script defines ``make_fetch(url) -> (fetch, close)``, where
``await fetch()`` sends one GET and returns the body length, and calls
``main(make_fetch)``. The harness warms up, then runs ``concurrency`` workers
that send requests back to back for ``duration`` seconds, checks every body
length and prints one JSON line: requests, bytes, wall seconds and the
process's CPU seconds.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

Fetch = Callable[[], Awaitable[int]]
MakeFetch = Callable[[str], Awaitable[tuple[Fetch, Callable[[], Awaitable[Any]]]]]


async def _run(make_fetch: MakeFetch, url: str, expected: int, concurrency: int,
               duration: float) -> dict[str, float]:
    fetch, close = await make_fetch(url)
    try:
        async def worker(deadline: float, counts: list[int]) -> None:
            while time.perf_counter() < deadline:
                size = await fetch()
                if size != expected:
                    raise AssertionError(f"body of {size} bytes, expected {expected}")
                counts[0] += 1
        warm: list[int] = [0]
        deadline = time.perf_counter() + min(0.5, duration / 4)
        await asyncio.gather(*(worker(deadline, warm) for _ in range(concurrency)))
        gc.collect()
        counts: list[int] = [0]
        cpu = time.process_time()
        start = time.perf_counter()
        await asyncio.gather(*(worker(start + duration, counts) for _ in range(concurrency)))
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
    finally:
        await close()
    return {"requests": counts[0], "bytes": counts[0] * expected, "wall": wall, "cpu": cpu}


def main(make_fetch: MakeFetch) -> None:
    url, expected, concurrency, duration = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                            float(sys.argv[4]))
    result = asyncio.run(_run(make_fetch, url, expected, concurrency, duration))
    print(json.dumps(result))
