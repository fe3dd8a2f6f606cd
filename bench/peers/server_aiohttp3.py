"""aiohttp 3.x ``web.Application`` hello-world server for ``bench/bench_server.py``.

Runs in ``bench/.venvs/aiohttp3`` (never in a Hatch environment: aiohttp 3.x
is imported as ``aiohttp``). Usage: ``python server_aiohttp3.py PORT``. It
prints ``ready`` once listening and, on SIGTERM, the CPU seconds (user +
system) it used since then as ``cpu <seconds>`` (the driver measures the CPU
time itself from ``/proc``; this line is for standalone use).
"""

from __future__ import annotations

import asyncio
import importlib
import resource
import signal
import sys
from typing import Any

web: Any = importlib.import_module("aiohttp.web")

HELLO = b"Hello, World!"
BIG = b"x" * 2**20


async def hello(request: Any) -> Any:
    return web.Response(body=HELLO, content_type="text/plain")


async def big(request: Any) -> Any:
    return web.Response(body=BIG, content_type="application/octet-stream")


async def upload(request: Any) -> Any:
    body = await request.read()
    return web.Response(body=str(len(body)).encode(), content_type="text/plain")


async def main(port: int) -> None:
    app = web.Application(client_max_size=2**24)
    app.router.add_get("/", hello)
    app.router.add_get("/big", big)
    app.router.add_post("/upload", upload)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    start = resource.getrusage(resource.RUSAGE_SELF)
    print("ready", flush=True)
    await stop.wait()
    end = resource.getrusage(resource.RUSAGE_SELF)
    print("cpu", end.ru_utime + end.ru_stime - start.ru_utime - start.ru_stime, flush=True)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
