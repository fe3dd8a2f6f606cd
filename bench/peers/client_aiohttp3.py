"""bench_client.py's client: aiohttp 3.x ClientSession (run with bench/.venvs/aiohttp3)."""

from __future__ import annotations

import importlib
from typing import Any

# The harness sits beside this script (its directory is on sys.path when run).
harness: Any = importlib.import_module("client_harness")
Fetch = Any
# aiohttp 3.x shares our import name: imported by name so that mypy does not
# take it for ours.
aiohttp: Any = importlib.import_module("aiohttp")


async def make_fetch(url: str) -> tuple[Fetch, Any]:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))

    async def fetch() -> int:
        async with session.get(url) as resp:
            return len(await resp.read())
    return fetch, session.close


if __name__ == "__main__":
    harness.main(make_fetch)
