"""GET a URL with ``aiohttp.client.request`` and print the response.

    python examples/client_get.py [URL]

URL defaults to the demo (``hatch run demo``) at http://127.0.0.1:8080/.

``request()`` returns once the status line and headers have arrived; the
body is read separately (``text()``, ``read()``, ``json()`` or the
``content`` stream). Used with ``async with``, the response gives its
connection back (or closes it) on the way out, even on an error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiohttp import errors
from aiohttp.client import request

DEFAULT_URL = "http://127.0.0.1:8080/"
#: The headers worth showing; the others are in ``response.headers`` too.
SHOWN_HEADERS = ("Content-Type", "Content-Length", "Transfer-Encoding", "Server")


async def get(url: str) -> int:
    try:
        async with request("GET", url) as response:
            print(response.status, response.reason)
            for name in SHOWN_HEADERS:
                # Header names are case-insensitive (a CIMultiDictProxy).
                if name in response.headers:
                    print(f"{name}: {response.headers[name]}")
            print()
            # text() decodes with the Content-Type's charset (UTF-8 if none).
            print(await response.text(errors="replace"))
    except errors.ConnectionError as exc:
        # Refused, reset, DNS failure...: aiohttp.errors' connection errors.
        print(f"cannot GET {url}: {exc}", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description="GET a URL and print the response.")
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    args = parser.parse_args()
    sys.exit(asyncio.run(get(args.url)))


if __name__ == "__main__":
    main()
