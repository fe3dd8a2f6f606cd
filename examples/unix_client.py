"""GET a path from an HTTP server on a Unix socket with ``aiohttp.connector.UnixConnector``.

    python examples/unix_client.py [SOCKET_PATH] [PATH]

SOCKET_PATH defaults to /tmp/aiohttp-demo.sock, where
``hatch run demo --unix /tmp/aiohttp-demo.sock`` listens; PATH to ``/``.

The connector connects every request to the socket file, whatever the
URL's host: the host only fills the ``Host`` header (and keys the pool of
idle connections), so any name will do, ``localhost`` here.
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp.client import request
from aiohttp.connector import UnixConnector

DEFAULT_SOCKET = "/tmp/aiohttp-demo.sock"


async def get_over_unix(socket_path: str, path: str) -> None:
    async with UnixConnector(path=socket_path) as connector:
        async with request("GET", f"http://localhost{path}", connector=connector) as response:
            print(response.status, response.reason)
            print("Content-Type:", response.headers.get("Content-Type"))
            print(await response.text(errors="replace"))


def main() -> None:
    parser = argparse.ArgumentParser(description="GET over a Unix socket.")
    parser.add_argument("socket_path", nargs="?", default=DEFAULT_SOCKET)
    parser.add_argument("path", nargs="?", default="/")
    args = parser.parse_args()
    asyncio.run(get_over_unix(args.socket_path, args.path))


if __name__ == "__main__":
    main()
