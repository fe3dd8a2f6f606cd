"""bench_client.py's client: aiohttp 3.x ClientSession (run with bench/.venvs/aiohttp3)."""

from __future__ import annotations

from typing import Any

import aiohttp
from client_harness import Fetch, main


async def make_fetch(url: str) -> tuple[Fetch, Any]:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))

    async def fetch() -> int:
        async with session.get(url) as resp:
            return len(await resp.read())
    return fetch, session.close


if __name__ == "__main__":
    main(make_fetch)
