"""GET a URL through an HTTP proxy with ``aiohttp.connector.ProxyConnector``.

    python examples/proxy_client.py [PROXY_URL] [URL]

PROXY_URL defaults to http://127.0.0.1:8888 (tinyproxy's usual port; put
``user:password@`` in it for a proxy that wants Basic credentials), URL to
the demo at http://127.0.0.1:8080/.

A plain ``http://`` request goes to the proxy with the full URL as its
target; ``https://`` (and ``ws://``) targets go through a ``CONNECT``
tunnel, TLS running end to end inside it. The connector keeps idle proxy
connections for reuse, so one connector serves many requests; close it
when done (``async with`` does).
"""

from __future__ import annotations

import argparse
import asyncio

from aiohttp.client import request
from aiohttp.connector import ProxyConnector

DEFAULT_PROXY = "http://127.0.0.1:8888"
DEFAULT_URL = "http://127.0.0.1:8080/"


async def get_through(proxy: str, url: str) -> None:
    async with ProxyConnector(proxy=proxy) as connector:
        async with request("GET", url, connector=connector) as response:
            print(response.status, response.reason)
            # A proxy often says it was there (unless configured not to).
            if "Via" in response.headers:
                print("Via:", response.headers["Via"])
            print()
            print(await response.text(errors="replace"))


def main() -> None:
    parser = argparse.ArgumentParser(description="GET a URL through an HTTP proxy.")
    parser.add_argument("proxy", nargs="?", default=DEFAULT_PROXY)
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    args = parser.parse_args()
    asyncio.run(get_through(args.proxy, args.url))


if __name__ == "__main__":
    main()
