"""WSGI applications that the gunicorn tests load (``gunicorn_apps:app``).

Not a test module: gunicorn imports it in its worker processes, with this
directory as ``--chdir``. Only the standard library and aiohttp-server.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


def app(environ: Environ, start_response: StartResponse) -> Any:
    """``/slow?S``: answers after S seconds (0.9's asynchronous WSGI, the
    loop stays free); anything else: the worker's pid, the URL scheme and
    the length of the body it read."""
    if environ["PATH_INFO"] == "/slow":
        async def slow() -> Iterable[bytes]:
            await asyncio.sleep(float(environ["QUERY_STRING"] or 1))
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [f"slow done pid={os.getpid()}".encode()]
        return slow()
    body = environ["wsgi.input"].read()
    data = (f"pid={os.getpid()} scheme={environ['wsgi.url_scheme']} len={len(body)} "
            f"app=main").encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]


def other(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"app=other"]


class PortMap(dict[int, Any]):
    """``{port: app}`` for PortMapperWorker, callable because gunicorn
    refuses to load an application object that is not."""

    def __call__(self, environ: Environ, start_response: StartResponse) -> Any:
        raise RuntimeError("PortMapperWorker calls the application of each port")


def _ports() -> PortMap:
    ports = os.environ.get("TEST_PORTMAP", "")
    mapping = PortMap()
    if ports:
        first, second = (int(p) for p in ports.split(","))
        mapping[first] = app
        mapping[second] = other
    return mapping


portmap = _ports()
