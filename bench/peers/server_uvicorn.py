"""uvicorn with httptools for ``bench/bench_server.py``: a bare ASGI app.

Runs in ``bench/.venvs/uvicorn``. Usage: ``python server_uvicorn.py PORT``.
Same routes as ``server_ours.py``; asyncio's default loop (not uvloop), no
access log.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

uvicorn: Any = importlib.import_module("uvicorn")

HELLO = b"Hello, World!"
BIG = b"x" * 2**20

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/upload":
        size = 0
        more = True
        while more:
            event = await receive()
            size += len(event.get("body", b""))
            more = event.get("more_body", False)
        body = str(size).encode()
    elif path == "/big":
        body = BIG
    else:
        body = HELLO
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    print("ready", flush=True)  # the driver polls the port anyway
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http="httptools", loop="asyncio",
                log_level="warning", access_log=False, lifespan="off", backlog=2048)
