"""bench_client.py's client: our aiohttp.client with one pooled TCPConnector."""

from __future__ import annotations

import importlib
from typing import Any

from aiohttp.client import request
from aiohttp.connector import TCPConnector

# The harness sits beside this script (its directory is on sys.path when run).
harness: Any = importlib.import_module("client_harness")
Fetch = Any


async def make_fetch(url: str) -> tuple[Fetch, Any]:
    connector = TCPConnector(limit=100)

    async def fetch() -> int:
        resp = await request("GET", url, connector=connector)
        return len(await resp.read())

    async def close() -> None:
        await connector.close()
    return fetch, close


if __name__ == "__main__":
    harness.main(make_fetch)
