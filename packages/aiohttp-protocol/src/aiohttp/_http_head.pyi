"""Types of the optional C accelerator ``aiohttp._http_head`` (csrc/_http_head.c)."""

from multidict import CIMultiDict

def scan_head(data: bytes | bytearray, limit: int, request: bool, max_count: int,
              fields: CIMultiDict[str], /) -> tuple[str, int, int] | None: ...
