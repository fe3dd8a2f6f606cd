"""RFC 6455 frame writing: ``WebSocketWriter``.

Each frame is built with one join and handed over with one ``write``. A
client masks every frame with a fresh key from ``os.urandom`` (RFC 6455
section 5.3 asks for a strong source of entropy; the keys are fetched in
blocks, each used once); a server never masks.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ._ws_deflate import Deflater, PerMessageDeflate
from ._ws_frames import (
    CLOSE_OK,
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    check_close_code,
    mask_frame,
)
from .streams import _READY

__all__ = ["WebSocketWriter"]


class FrameSink(Protocol):
    """Where frames go: a ``StreamWriter``, a transport, anything with ``write``."""

    def write(self, data: bytes | bytearray, /) -> Any: ...


class _MaskKeys:
    """Masking keys from ``os.urandom``, fetched 4 KiB at a time: one system
    call per 1,024 frames instead of one per frame."""

    __slots__ = ("_keys", "_pos")

    def __init__(self) -> None:
        self._keys = b""
        self._pos = 0

    def reset(self) -> None:
        """Forget the fetched keys (a forked child must not reuse its parent's)."""
        self._keys = b""
        self._pos = 0

    def __call__(self, size: int) -> bytes:
        pos = self._pos
        if pos + size > len(self._keys):
            self._keys = os.urandom(4096)
            pos = 0
        self._pos = pos + size
        return self._keys[pos:pos + size]


_mask_keys = _MaskKeys()
os.register_at_fork(after_in_child=_mask_keys.reset)

_PACK_SHORT = struct.Struct("!BB").pack
_PACK_MEDIUM = struct.Struct("!BBH").pack
_PACK_LONG = struct.Struct("!BBQ").pack


class WebSocketWriter:
    """Writes frames to ``writer`` (a ``StreamWriter`` or a transport).

    ``use_mask=True`` writes as a client (every frame masked). ``compress``
    is the permessage-deflate agreement of the handshake: data messages are
    then compressed (RFC 7692), unless ``send(..., compress=False)``.

    Every method writes at once and returns an awaitable that waits for the
    transport's buffer to drain (``writer.drain()`` where it exists). It may
    be dropped unawaited, as 0.9 code does.
    """

    def __init__(self, writer: FrameSink, *, use_mask: bool = False,
                 compress: PerMessageDeflate | None = None,
                 random: Callable[[int], bytes] | None = None) -> None:
        self.writer = writer
        self._write = writer.write
        self._drain: Callable[[], Awaitable[None]] | None = getattr(writer, "drain", None)
        self.use_mask = use_mask
        self._random = random if random is not None else _mask_keys
        self._deflater = Deflater(compress) if compress is not None else None
        self.compress = compress

    def __repr__(self) -> str:
        side = "client" if self.use_mask else "server"
        return f"<WebSocketWriter {side} compress={self.compress is not None}>"

    def send_frame(self, opcode: int, payload: bytes, *, fin: bool = True) -> Awaitable[None]:
        """Send one frame as it is (a fragment of a message, for instance).

        The caller keeps to RFC 6455 section 5.4: a message's first frame
        carries its opcode, the others ``OPCODE_CONTINUATION``, the last
        ``fin``; control frames go whole between them.
        """
        return self._send_frame((0x80 if fin else 0) | opcode, payload)

    def _send_frame(self, first: int, payload: bytes) -> Awaitable[None]:
        """RFC 6455 section 5.2: FIN, RSV, opcode (``first``); MASK and the shortest length."""
        length = len(payload)
        if self.use_mask:
            if length < 126:
                head = _PACK_SHORT(first, 0x80 | length)
            elif length < 65536:
                head = _PACK_MEDIUM(first, 0xFE, length)
            else:
                head = _PACK_LONG(first, 0xFF, length)
            self._write(mask_frame(head, self._random(4), payload))
        else:
            if length < 126:
                head = _PACK_SHORT(first, length)
            elif length < 65536:
                head = _PACK_MEDIUM(first, 126, length)
            else:
                head = _PACK_LONG(first, 127, length)
            self._write(head + payload)
        drain = self._drain
        return drain() if drain is not None else _READY

    def send(self, message: str | bytes | bytearray | memoryview, binary: bool = False, *,
             compress: bool = True) -> Awaitable[None]:
        """Send one message: a text message, or a binary one if ``binary``.

        A ``str`` is encoded as UTF-8. As in 0.9 the type of the message
        does not choose the opcode: ``send(b'...')`` sends text bytes the
        caller vouches are UTF-8; use ``binary=True`` (or the connection
        object's ``send_bytes``) for binary data.
        """
        if isinstance(message, str):
            payload = message.encode("utf-8")
        else:
            payload = bytes(message)
        opcode = OPCODE_BINARY if binary else OPCODE_TEXT
        deflater = self._deflater
        if deflater is not None and compress:
            # RFC 7692 section 6: RSV1 on the (only) frame of a compressed message.
            return self._send_frame(0xC0 | opcode, deflater.compress(payload))
        return self._send_frame(0x80 | opcode, payload)

    def ping(self, message: bytes | str = b"") -> Awaitable[None]:
        """Send a Ping; the peer answers with a Pong with the same payload."""
        return self._send_frame(0x80 | OPCODE_PING, _control_payload(message))

    def pong(self, message: bytes | str = b"") -> Awaitable[None]:
        """Send a Pong (the answer to a Ping carries the Ping's payload)."""
        return self._send_frame(0x80 | OPCODE_PONG, _control_payload(message))

    def close(self, code: int = CLOSE_OK, message: bytes | str = b"") -> Awaitable[None]:
        """Send a Close frame with ``code`` and the reason ``message``.

        Only the frame is sent: the close handshake belongs to the
        connection object. A code RFC 6455 section 7.4 forbids on the wire
        is a ``ValueError``.
        """
        if not check_close_code(code):
            raise ValueError(f"close code {code} may not be sent (RFC 6455 section 7.4)")
        payload = struct.pack("!H", code) + _control_payload(message, 123)
        return self._send_frame(0x80 | OPCODE_CLOSE, payload)


def _control_payload(message: bytes | str, limit: int = 125) -> bytes:
    """RFC 6455 section 5.5: a control frame carries at most 125 bytes."""
    payload = message.encode("utf-8") if isinstance(message, str) else bytes(message)
    if len(payload) > limit:
        raise ValueError(f"a control frame payload is limited to {limit} bytes here")
    return payload
