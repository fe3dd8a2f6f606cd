"""A WSGI application for gunicorn, served by aiohttp's asyncio worker.

From the repository root::

    gunicorn -k aiohttp.worker.AsyncGunicornWorker --bind 127.0.0.1:8000 examples.gunicorn_app:app

or, equivalently, ``--chdir examples gunicorn_app:app``. Add ``-w 4`` for
four worker processes. ``python examples/gunicorn_app.py [--port 8000]``
runs that same command line for you.

gunicorn's arbiter starts and supervises the worker processes (restarts,
``kill -HUP`` reloads, ``kill -TERM`` graceful stops); each
``AsyncGunicornWorker`` serves its connections on an asyncio event loop with
``aiohttp.wsgi.WSGIServerHttpProtocol``. The worker buffers request bodies,
so the application below is plain PEP 3333: ``wsgi.input.read()`` is
synchronous. Nothing in it depends on aiohttp.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]

#: The worker class gunicorn loads with ``-k``.
WORKER = "aiohttp.worker.AsyncGunicornWorker"


def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Say which worker process answered and how many body bytes it read.

    The pid shows the requests being spread over the workers (``-w N``).
    """
    body = environ["wsgi.input"].read()
    text = (f"Hello from gunicorn worker pid={os.getpid()}: "
            f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}, "
            f"{len(body)} body bytes\n")
    data = text.encode()
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Length", str(len(data)))])
    return [data]


def main() -> None:
    """Replace this process with gunicorn serving ``app`` (the docstring's command)."""
    parser = argparse.ArgumentParser(description="Run this application under gunicorn.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    command = [sys.executable, "-m", "gunicorn", "-k", WORKER,
               "--workers", str(args.workers), "--bind", f"{args.host}:{args.port}",
               "--chdir", here, "gunicorn_app:app"]
    print(" ".join(command), flush=True)
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
