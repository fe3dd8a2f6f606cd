"""Download a large body to a file, piece by piece, from ``response.content``.

    python examples/client_download.py [URL] [OUT] [--chunk N]

URL defaults to the demo's download route,
http://127.0.0.1:8080/download (16 MiB; add ``?size=N`` for another
size); OUT defaults to ``download.bin``. The demo sends the SHA-256 of the
body in its ``X-Content-SHA256`` header; this program hashes what it
wrote and compares.

``await response.read()`` would hold the whole body in memory. Reading
``response.content`` (a flow-controlled ``StreamReader``) instead takes
the body as it arrives: ``readany()`` returns whatever has arrived (at
least one byte, ``b""`` at the end), ``read(n)`` at most ``n`` bytes.
While the program is busy writing, unread data piles up only to a bound;
then the socket stops being read, so the server slows down to our pace.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys

from aiohttp.client import request

DEFAULT_URL = "http://127.0.0.1:8080/download"


async def download(url: str, out: str, chunk: int | None) -> int:
    digest = hashlib.sha256()
    written = 0
    async with request("GET", url) as response:
        if response.status != 200:
            print(f"{url}: {response.status} {response.reason}", file=sys.stderr)
            return 1
        assert response.content is not None
        expected = response.headers.get("X-Content-SHA256")
        print(f"Content-Length: {response.headers.get('Content-Length')}")
        with open(out, "wb") as file:
            while True:
                piece = (await response.content.read(chunk) if chunk
                         else await response.content.readany())
                if not piece:  # b"": the end of the body
                    break
                file.write(piece)
                digest.update(piece)
                written += len(piece)
    print(f"wrote {written} bytes to {out}")
    print(f"sha256: {digest.hexdigest()}")
    if expected is None:
        print("no X-Content-SHA256 header to check against")
        return 0
    if expected.lower() != digest.hexdigest():
        print(f"MISMATCH: the server says {expected}", file=sys.stderr)
        return 1
    print("matches X-Content-SHA256")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Stream a download to a file.")
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    parser.add_argument("out", nargs="?", default="download.bin")
    parser.add_argument("--chunk", type=int, default=None,
                        help="read(N) pieces of at most N bytes instead of readany()")
    args = parser.parse_args()
    sys.exit(asyncio.run(download(args.url, args.out, args.chunk)))


if __name__ == "__main__":
    main()
