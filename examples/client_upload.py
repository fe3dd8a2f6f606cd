"""Upload a file as ``multipart/form-data`` with ``aiohttp.helpers.FormData``.

    python examples/client_upload.py [URL] [FILE]

URL defaults to the demo's upload route, http://127.0.0.1:8080/upload; FILE
defaults to this script. The demo answers with an HTML page whose
``#result-filename``, ``#result-size``, ``#result-sha256`` and
``#result-note`` elements say what it received; this program prints them
and checks the size and SHA-256 against the local file.

A ``FormData`` with a binary file object (or any field given a filename or
content type) is sent as ``multipart/form-data``, the way a browser sends
``<form enctype="multipart/form-data">``. The file is read and sent piece
by piece as the connection drains, so a large file is never held in
memory. (0.9's ``files=`` argument still works but is deprecated in favour
of ``data=FormData(...)``.)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
from html.parser import HTMLParser

from aiohttp.client import request
from aiohttp.helpers import FormData

DEFAULT_URL = "http://127.0.0.1:8080/upload"
RESULT_IDS = ("result-filename", "result-size", "result-sha256", "result-note")


class ResultPage(HTMLParser):
    """Collects the text of the elements whose id is one of ``RESULT_IDS``."""

    def __init__(self) -> None:
        super().__init__()
        self.results: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element_id = dict(attrs).get("id")
        if element_id in RESULT_IDS:
            self._current = element_id
            self.results[element_id] = ""

    def handle_endtag(self, tag: str) -> None:
        self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self.results[self._current] += data


def sha256_of(path: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(2**16):
            digest.update(block)
    return os.path.getsize(path), digest.hexdigest()


async def upload(url: str, path: str) -> int:
    form = FormData()
    # The field names are the demo form's: "file" and "note".
    with open(path, "rb") as file:
        form.add_field("file", file, filename=os.path.basename(path),
                       contenttype="application/octet-stream")
        form.add_field("note", f"sent by client_upload.py ({os.path.basename(path)})")
        async with request("POST", url, data=form) as response:
            page = await response.text()
    print("status:", response.status)
    if response.status != 200:
        print(page)
        return 1
    parser = ResultPage()
    parser.feed(page)
    for element_id in RESULT_IDS:
        print(f"{element_id.removeprefix('result-')}: {parser.results.get(element_id)}")
    size, sha256 = sha256_of(path)
    same = (parser.results.get("result-size") == str(size)
            and parser.results.get("result-sha256") == sha256)
    print("matches the local file:", "yes" if same else f"NO (local: {size} bytes, {sha256})")
    return 0 if same else 1


def main() -> None:
    parser = argparse.ArgumentParser(description="Upload a file as multipart/form-data.")
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    parser.add_argument("file", nargs="?", default=__file__)
    args = parser.parse_args()
    sys.exit(asyncio.run(upload(args.url, args.file)))


if __name__ == "__main__":
    main()
