"""bench_client.py's client: httpx.AsyncClient (run with bench/.venvs/httpx)."""

from __future__ import annotations

import importlib
from typing import Any

# The harness sits beside this script (its directory is on sys.path when run).
harness: Any = importlib.import_module("client_harness")
Fetch = Any
httpx: Any = importlib.import_module("httpx")


async def make_fetch(url: str) -> tuple[Fetch, Any]:
    client = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))

    async def fetch() -> int:
        resp = await client.get(url)
        return len(resp.content)
    return fetch, client.aclose


if __name__ == "__main__":
    harness.main(make_fetch)
