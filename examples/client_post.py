"""POST a form and a JSON document with ``aiohttp.client.request``.

    python examples/client_post.py [URL]

URL defaults to the demo's echo route, http://127.0.0.1:8080/echo, which
answers with a JSON description of the request it received; this program
prints what the server saw.

* ``data=dict`` sends an ``application/x-www-form-urlencoded`` form.
* JSON has no shortcut in the 0.9 API: encode it yourself and say so with
  ``Content-Type: application/json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from aiohttp.client import request

DEFAULT_URL = "http://127.0.0.1:8080/echo"


def show(label: str, seen: dict[str, Any]) -> None:
    """Print the demo's description of a request (see its ``/echo`` route)."""
    headers = {name.lower(): value for name, value in seen["headers"].items()}
    print(f"{label}: the server saw {seen['method']} {seen['path']}")
    print(f"  Content-Type: {headers.get('content-type')}")
    print(f"  body ({seen['body_length']} bytes): {seen['body']}")


async def post(url: str) -> None:
    # A dict (or a list of pairs, or a MultiDict) is a urlencoded form.
    form = {"name": "aiohttp", "version": "0.9"}
    async with request("POST", url, data=form) as response:
        show("form", await response.json())

    document = {"greeting": "hello", "numbers": [1, 2, 3]}
    async with request("POST", url, data=json.dumps(document).encode(),
                       headers={"Content-Type": "application/json"}) as response:
        # json() parses the answer; it logs a warning when the answer's
        # Content-Type does not say json.
        show("json", await response.json())


def main() -> None:
    parser = argparse.ArgumentParser(description="POST a form and JSON, print what the "
                                     "server saw.")
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    args = parser.parse_args()
    asyncio.run(post(args.url))


if __name__ == "__main__":
    main()
