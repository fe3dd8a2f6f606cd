"""Frame building and parser driving for the WebSocket tests (tests/websocket, tests/integration).

``frame()`` builds frames by hand, independently of ``WebSocketWriter``, so
that the parser is checked against bytes written from RFC 6455 section 5.2
directly. ``parse()`` feeds a parser the same bytes whole and one byte at a
time and checks that both ways give the same result.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from aiohttp.parsers import ParserBuffer
from aiohttp.streams import EofStream
from aiohttp.websocket import Message, WebSocketParser

MASK = b"\x37\xfa\x21\x3d"  # the masking key of RFC 6455 section 5.7


def xor(data: bytes, mask: bytes) -> bytes:
    """The naive definition of masking (section 5.3), to check ours against."""
    return bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0,
          mask: bytes | None = MASK, length_form: int | None = None) -> bytes:
    """One frame. ``rsv`` is the 3 RSV bits (4 = RSV1); ``length_form`` forces
    the 7-bit (0), 16-bit (126) or 64-bit (127) length encoding."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mask_bit = 0x80 if mask is not None else 0
    n = len(payload)
    form = length_form
    if form is None:
        form = 0 if n < 126 else 126 if n < 65536 else 127
    if form == 0:
        head = struct.pack("!BB", first, mask_bit | n)
    elif form == 126:
        head = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, n)
    if mask is None:
        return head + payload
    return head + mask + xor(payload, mask)


@dataclass
class Outcome:
    """What a parser did with some input."""

    items: list[Message] = field(default_factory=list)
    eof: int = 0
    exc: BaseException | None = None
    finished: bool = False  # the generator returned

    def feed_data(self, item: Message) -> None:
        self.items.append(item)

    def feed_eof(self) -> None:
        self.eof += 1

    def set_exception(self, exc: BaseException) -> None:
        self.exc = exc

    def code(self) -> int:
        assert self.exc is not None, f"no error; items: {self.items!r}"
        return self.exc.code  # type: ignore[attr-defined, no-any-return]


def run(chunks: list[bytes], *, eof: bool = False, **options: Any) -> Outcome:
    """Feed ``chunks`` one by one into a fresh ``WebSocketParser(**options)``."""
    out = Outcome()
    buf = ParserBuffer()
    gen = WebSocketParser(out, buf, **options)
    next(gen)
    try:
        for chunk in chunks:
            gen.send(chunk)
        if eof:
            gen.throw(EofStream())
    except StopIteration:
        out.finished = True
    except Exception as exc:
        out.exc = exc
    return out


def parse(data: bytes, *, eof: bool = False, **options: Any) -> Outcome:
    """Parse ``data`` whole and byte by byte; both must agree. Returns the whole one."""
    whole = run([data], eof=eof, **options)
    split = run([data[i:i + 1] for i in range(len(data))], eof=eof, **options)
    assert split.items == whole.items
    assert type(split.exc) is type(whole.exc)
    if whole.exc is not None:
        assert split.code() == whole.code() if hasattr(whole.exc, "code") else True
    assert split.finished == whole.finished
    return whole
