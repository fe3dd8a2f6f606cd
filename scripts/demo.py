"""The project's demo: one server process showing the whole toolkit over real sockets.

    python scripts/demo.py [--host 127.0.0.1] [--port 8080] [--unix PATH] [--check]
    hatch run demo [same options]

Open the printed address in a browser: a chat over a WebSocket (open it in
two tabs), a file upload read by a WSGI application, a streamed response
and a large download. The routes (``scripts/demo_site/``):

* ``GET /``: the page;  ``GET /ws``: the chat (text is broadcast to every
  client, binary echoed to its sender);
* ``POST /upload``: a ``multipart/form-data`` form (up to 64 MiB), answered
  with the file's name, size and SHA-256;
* ``GET /stream``: ten lines, each its own chunk, 20 ms apart;
* ``GET /download[?size=N]``: N bytes (16 MiB by default, 1 GiB at most) of
  a repeating pattern, with ``X-Content-SHA256``;
* ``/echo``: any request, answered with what the server saw, as JSON.

Once listening it prints ``demo: serving on http://HOST:PORT/`` (and
``demo: serving on unix:PATH`` with ``--unix``), then serves until SIGINT
or SIGTERM, shuts down cleanly and exits 0. ``--port 0`` picks a free port.

``--check`` starts the server on a free port in this process, exercises
every route with the toolkit's own HTTP and WebSocket clients, prints one
line per check and exits 0 if all passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

# The demo's modules are the package scripts/demo_site, imported from the
# repository root under the name mypy gives them (scripts/ is not a package
# on sys.path of its own).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.demo_site.app import DemoServer  # noqa: E402
from scripts.demo_site.check import run_checks  # noqa: E402


async def serve(host: str, port: int, unix_path: str | None) -> None:
    server = DemoServer(host, port, unix_path)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await server.start()
        print(f"demo: serving on {server.url}", flush=True)
        if unix_path is not None:
            print(f"demo: serving on unix:{unix_path}", flush=True)
        await stop.wait()
        print("demo: shutting down", flush=True)
    finally:
        await server.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
            # The shutdown is bounded (a grace of seconds); a second Ctrl-C or
            # SIGTERM while the process winds down must not turn a clean exit
            # into a KeyboardInterrupt traceback.
            signal.signal(signum, signal.SIG_IGN)


async def check(host: str) -> bool:
    server = DemoServer(host, 0)
    await server.start()
    try:
        print(f"demo: checking {server.url}", flush=True)
        passed: bool = await run_checks(server.url)
        return passed
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="TCP port (0: any free port)")
    parser.add_argument("--unix", metavar="PATH", help="also listen on this Unix socket")
    parser.add_argument("--check", action="store_true",
                        help="exercise every route on a free port, then exit 0 or 1")
    args = parser.parse_args(argv)
    if args.check:
        passed = asyncio.run(check(args.host))
        print(f"demo: {'all checks passed' if passed else 'some checks FAILED'}", flush=True)
        return 0 if passed else 1
    asyncio.run(serve(args.host, args.port, args.unix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
