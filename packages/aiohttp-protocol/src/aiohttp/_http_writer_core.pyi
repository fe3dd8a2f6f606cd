"""Types of the optional C module ``aiohttp._http_writer_core`` (csrc/_http_writer_core.c)."""

from collections.abc import Awaitable, Callable
from typing import Any

class MessageCore:
    """The per-message state of ``HttpMessage``, with C fast paths."""

    transport: Any
    version: Any
    closing: bool
    keepalive: bool | None
    chunked: bool
    length: int | None
    headers_sent: bool
    output_length: int
    _headers: Any
    _pending: list[tuple[str, str]]
    _length_text: str | None
    _omit_length: bool
    _defaults_given: frozenset[str]
    _eof: bool
    _discard: bool
    _writer: Callable[..., int] | None
    _body_length: int
    _unflushed: int

    def fast_add_header(self, name: str, value: str) -> None: ...
    def fast_response_send_headers(self) -> None: ...
    def fast_write(self, chunk: bytes | bytearray | memoryview) -> Awaitable[None]: ...
    def fast_write_eof(self) -> Awaitable[None]: ...

def configure(http11: object, write_length: object, done: object, drain_later: object,
              time: Callable[[], float], /) -> None: ...
def remember_defaults(expires: float, software: str, lines: bytes, /) -> None: ...
