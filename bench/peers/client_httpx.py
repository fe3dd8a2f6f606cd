"""bench_client.py's client: httpx.AsyncClient (run with bench/.venvs/httpx)."""

from __future__ import annotations

from typing import Any

import httpx
from client_harness import Fetch, main


async def make_fetch(url: str) -> tuple[Fetch, Any]:
    client = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))

    async def fetch() -> int:
        resp = await client.get(url)
        return len(resp.content)
    return fetch, client.aclose


if __name__ == "__main__":
    main(make_fetch)
