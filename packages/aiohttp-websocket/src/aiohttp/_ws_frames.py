"""RFC 6455 framing: the names of the 0.9 API and the frame parser.

``WebSocketParser(out, buf)`` follows the parser contract of
``aiohttp.parsers``: a generator that reads the connection's
``ParserBuffer`` and feeds one ``Message`` per complete message to ``out``.
It works on the buffer directly rather than through ``buf.read()``: a whole
frame that is already buffered (the usual case) is taken with one slice and
no generator step, and several buffered frames are parsed in one go.
Masking (``apply_mask``, ``mask_frame``) lives in ``_ws_masking``, which
picks the C accelerator when it is built; the names are re-exported here.

Every violation raises ``WebSocketError`` with the close code RFC 6455
section 7.4.1 asks for: 1002 (protocol error), 1007 (data that does not fit
the message type: invalid UTF-8, a corrupt compressed message) or 1009
(message too big). The connection object sends a Close frame with that code.
"""

from __future__ import annotations

import codecs
import struct
import sys
import zlib
from collections.abc import Generator
from typing import Any, NamedTuple

from ._ws_deflate import PerMessageDeflate
from ._ws_masking import apply_mask, mask_frame, unmask_from
from .parsers import ParserBuffer, ParserOutput

__all__ = [
    "CLOSE_ABNORMAL",
    "CLOSE_GOING_AWAY",
    "CLOSE_INVALID_DATA",
    "CLOSE_MESSAGE_TOO_BIG",
    "CLOSE_NO_STATUS",
    "CLOSE_OK",
    "CLOSE_POLICY_VIOLATION",
    "CLOSE_PROTOCOL_ERROR",
    "CLOSE_UNSUPPORTED_DATA",
    "MAX_MSG_SIZE",
    "MSG_BINARY",
    "MSG_CLOSE",
    "MSG_PING",
    "MSG_PONG",
    "MSG_TEXT",
    "Message",
    "OPCODE_BINARY",
    "OPCODE_CLOSE",
    "OPCODE_CONTINUATION",
    "OPCODE_PING",
    "OPCODE_PONG",
    "OPCODE_TEXT",
    "WebSocketError",
    "WebSocketParser",
    "apply_mask",
    "mask_frame",
    "check_close_code",
    "unmask_from",
]

# RFC 6455 section 5.2 (opcodes) and 11.8 (registry).
OPCODE_CONTINUATION = 0x0
OPCODE_TEXT = 0x1
OPCODE_BINARY = 0x2
OPCODE_CLOSE = 0x8
OPCODE_PING = 0x9
OPCODE_PONG = 0xA

#: Message types: the opcode of the message's first frame (as in 0.9).
MSG_TEXT = OPCODE_TEXT
MSG_BINARY = OPCODE_BINARY
MSG_CLOSE = OPCODE_CLOSE
MSG_PING = OPCODE_PING
MSG_PONG = OPCODE_PONG

# RFC 6455 section 7.4.1 (status codes).
CLOSE_OK = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_NO_STATUS = 1005  # never sent: "no status code was present"
CLOSE_ABNORMAL = 1006  # never sent: "closed without a Close frame"
CLOSE_INVALID_DATA = 1007
CLOSE_POLICY_VIOLATION = 1008
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_MANDATORY_EXTENSION = 1010
CLOSE_INTERNAL_ERROR = 1011

#: Default bound of a message's size, after decompression (aiohttp 3.x's).
MAX_MSG_SIZE = 4 * 1024 * 1024

#: Codes a Close frame may carry (RFC 6455 section 7.4.1, 7.4.2 and the IANA
#: registry of section 11.7, which added 1012-1014 later): 1004, 1005, 1006
#: and 1015 are reserved and must never be sent; 1016-2999 are reserved for
#: future RFCs; 3000-4999 are for libraries and applications.
_SENDABLE_CODES = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                             1012, 1013, 1014})


def check_close_code(code: int) -> bool:
    """May ``code`` appear in a Close frame (RFC 6455 section 7.4)?"""
    return code in _SENDABLE_CODES or 3000 <= code <= 4999


class WebSocketError(Exception):
    """A WebSocket protocol violation; ``code`` is the close code to send.

    ``WebSocketError(code, message)``; 0.9 code that raises
    ``WebSocketError(message)`` gets code 1002 (protocol error).
    """

    code: int

    def __init__(self, code: int | str = CLOSE_PROTOCOL_ERROR, message: str = "") -> None:
        if isinstance(code, str):
            message, code = code, CLOSE_PROTOCOL_ERROR
        super().__init__(code, message)
        self.code: int = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} (close code {self.code})"


class Message(NamedTuple):
    """One message: ``tp`` is a ``MSG_*`` type.

    * text: ``data`` is the ``str``;
    * binary: ``data`` is ``bytes``;
    * ping, pong: ``data`` is the payload (``bytes``);
    * close: ``data`` is the status code (1005 when the frame had none),
      ``extra`` the reason (``bytes``, valid UTF-8).
    """

    tp: int
    data: Any
    extra: Any


# -- parsing --------------------------------------------------------------------------

_UNPACK_16 = struct.Struct("!H").unpack_from
_UNPACK_64 = struct.Struct("!Q").unpack_from
_Utf8Decoder = codecs.getincrementaldecoder("utf-8")
#: RFC 7692 section 7.2.2: the four octets the sender removed from the end
#: of each compressed message.
_DEFLATE_TAIL = b"\x00\x00\xff\xff"
_MAX_FRAME_LENGTH = sys.maxsize
#: From this payload size an unmasked payload is copied out of the buffer
#: through a memoryview: the view costs about 0.5 us, the second copy it
#: saves about that much per 16 KiB (64 KiB: 6.5 us instead of 10.5 us).
_COPY_THROUGH_VIEW = 16 * 1024


def _fail(code: int, message: str) -> WebSocketError:
    return WebSocketError(code, message)


def WebSocketParser(out: ParserOutput[Message], buf: ParserBuffer, *, client: bool = False,
                    max_msg_size: int = MAX_MSG_SIZE,
                    compress: PerMessageDeflate | None = None) -> Generator[None, bytes, None]:
    """Parse WebSocket frames into messages (a parser generator).

    ``reader.set_parser(WebSocketParser)`` parses as a server: frames from
    the client must be masked (RFC 6455 section 5.1). ``client=True`` (see
    ``WebSocketClientParser``) parses as a client: frames from the server
    must not be. ``max_msg_size`` bounds a message's payload after
    decompression (0: no bound); ``compress`` is the permessage-deflate
    agreement of the handshake (RFC 7692), None when none was made.

    Control frames may come between the fragments of a message (section
    5.4). Text is validated as UTF-8 frame by frame (section 8.1), so a bad
    sequence fails without waiting for the rest of the message. The parser
    ends after the first Close message.
    """
    expect_mask = 0 if client else 0x80
    limit = max_msg_size if max_msg_size > 0 else _MAX_FRAME_LENGTH
    # A compressed frame is bounded before it is buffered as well: DEFLATE
    # grows incompressible data by 5 bytes per 64 KiB at most (RFC 1951
    # section 3.2.4, stored blocks), so anything longer than this could
    # never fit the limit once decompressed.
    compressed_limit = limit + (limit >> 12) + 64 if max_msg_size > 0 else _MAX_FRAME_LENGTH
    # RSV1 marks a compressed message when permessage-deflate was agreed
    # (RFC 7692 section 6); RSV2 and RSV3 have no meaning here (section 5.2).
    allowed_rsv = 0x40 if compress is not None else 0
    inflater: Any = None
    reset_inflater = compress is not None and compress.remote_no_context_takeover

    # The message being assembled from fragments (opcode 0 when none is).
    msg_opcode = 0
    msg_size = 0
    msg_compressed = False
    parts: list[Any] = []
    decoder: Any = None

    while True:
        # The frame head (section 5.2): 2 bytes, the extended length, the mask.
        while len(buf) < 2:
            buf.feed_data((yield))
        first = buf[0]
        second = buf[1]
        # The usual frame first: a whole unfragmented, uncompressed text or
        # binary message with a 7-bit length, masked as it must be, already
        # buffered. Every rule below holds for it; nothing else is checked.
        if ((first == 0x82 or first == 0x81) and second & 0x80 == expect_mask
                and not msg_opcode and (second & 0x7F) <= limit):
            length = second & 0x7F
            end = (6 if expect_mask else 2) + length
            if length < 126 and len(buf) >= end:
                if expect_mask:
                    payload = apply_mask(buf[6:end], bytes(buf[2:6]))
                else:
                    payload = bytes(buf[2:end])
                del buf[:end]
                if first == 0x82:
                    out.feed_data(Message(MSG_BINARY, payload, ""))
                    continue
                try:
                    text = payload.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _fail(CLOSE_INVALID_DATA, f"invalid UTF-8 text: {exc}") from None
                out.feed_data(Message(MSG_TEXT, text, ""))
                continue
        opcode = first & 0x0F
        length = second & 0x7F
        rsv = first & 0x70
        if rsv & ~allowed_rsv:
            raise _fail(CLOSE_PROTOCOL_ERROR, f"reserved bits set: {rsv >> 4:#05b}")
        if second & 0x80 != expect_mask:
            if expect_mask:
                raise _fail(CLOSE_PROTOCOL_ERROR, "a frame from the client is not masked")
            raise _fail(CLOSE_PROTOCOL_ERROR, "a frame from the server is masked")
        fin = first & 0x80
        if opcode >= 0x8:
            # Section 5.5: control frames are final, short, and never compressed.
            if opcode > OPCODE_PONG:
                raise _fail(CLOSE_PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
            if not fin:
                raise _fail(CLOSE_PROTOCOL_ERROR, "a fragmented control frame")
            if length > 125:
                raise _fail(CLOSE_PROTOCOL_ERROR, "a control frame longer than 125 bytes")
            if rsv:
                raise _fail(CLOSE_PROTOCOL_ERROR, "a compressed control frame")
        elif opcode == OPCODE_CONTINUATION:
            if not msg_opcode:
                raise _fail(CLOSE_PROTOCOL_ERROR, "a continuation frame outside a message")
            if rsv:
                # RFC 7692 section 6.1: RSV1 only on a message's first frame.
                raise _fail(CLOSE_PROTOCOL_ERROR, "RSV1 set on a continuation frame")
        elif opcode <= OPCODE_BINARY:
            if msg_opcode:
                raise _fail(CLOSE_PROTOCOL_ERROR,
                            "a new message started before the previous one finished")
        else:
            raise _fail(CLOSE_PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")

        head = 2
        if length >= 126:
            if length == 126:
                head = 4
                while len(buf) < 4:
                    buf.feed_data((yield))
                length = _UNPACK_16(buf, 2)[0]
                if length < 126:
                    raise _fail(CLOSE_PROTOCOL_ERROR, "a length not in its shortest form")
            else:
                head = 10
                while len(buf) < 10:
                    buf.feed_data((yield))
                length = _UNPACK_64(buf, 2)[0]
                if length >> 63:
                    raise _fail(CLOSE_PROTOCOL_ERROR, "a 64-bit length with its top bit set")
                if length <= 0xFFFF:
                    raise _fail(CLOSE_PROTOCOL_ERROR, "a length not in its shortest form")
        # Fail before buffering what could never be accepted (1009). A
        # compressed payload is bounded by its decompressed size below.
        if opcode < 0x8:
            if msg_compressed or rsv:
                if length > compressed_limit:
                    raise _fail(CLOSE_MESSAGE_TOO_BIG,
                                f"message of more than {max_msg_size} bytes")
            elif msg_size + length > limit:
                raise _fail(CLOSE_MESSAGE_TOO_BIG,
                            f"message of more than {max_msg_size} bytes")
        if expect_mask:
            end = head + 4 + length
            while len(buf) < end:
                buf.feed_data((yield))
            payload = unmask_from(buf, head + 4, end, bytes(buf[head:head + 4]))
        else:
            end = head + length
            while len(buf) < end:
                buf.feed_data((yield))
            if length < _COPY_THROUGH_VIEW:
                payload = bytes(buf[head:end])
            else:
                # One copy instead of two (a bytearray slice, then bytes);
                # the view is released before the buffer is trimmed.
                with memoryview(buf)[head:end] as view:
                    payload = bytes(view)
        del buf[:end]

        if opcode >= 0x8:
            if opcode == OPCODE_CLOSE:
                out.feed_data(_close_message(payload))
                out.feed_eof()
                return
            out.feed_data(Message(opcode, payload, ""))
            continue

        if opcode:  # the first frame of a message
            if fin and not rsv:
                # An unfragmented, uncompressed message: the usual case.
                if opcode == OPCODE_TEXT:
                    try:
                        text = payload.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise _fail(CLOSE_INVALID_DATA, f"invalid UTF-8 text: {exc}") from None
                    out.feed_data(Message(MSG_TEXT, text, ""))
                else:
                    out.feed_data(Message(MSG_BINARY, payload, ""))
                continue
            msg_opcode = opcode
            msg_compressed = bool(rsv)
            msg_size = 0
            parts = []
            decoder = _Utf8Decoder() if opcode == OPCODE_TEXT else None
            if msg_compressed and inflater is None:
                # RFC 7692 section 7.2.2: a window of 15 bits reads whatever
                # window the peer agreed to compress with.
                inflater = zlib.decompressobj(wbits=-15)

        if msg_compressed:
            if fin:
                payload += _DEFLATE_TAIL
            room = limit - msg_size
            try:
                # At most one byte more than the room left: enough to know
                # the message is too big without inflating a bomb.
                data = inflater.decompress(payload, room + 1 if max_msg_size > 0 else 0)
            except zlib.error as exc:
                raise _fail(CLOSE_INVALID_DATA, f"corrupt compressed message: {exc}") from None
            if len(data) > room or inflater.unconsumed_tail:
                raise _fail(CLOSE_MESSAGE_TOO_BIG,
                            f"message of more than {max_msg_size} bytes once decompressed")
            payload = data
        msg_size += len(payload)
        # Empty fragments add nothing, not even a list entry: a stream of
        # them must not grow memory.
        if decoder is not None:
            try:
                text = decoder.decode(payload, bool(fin))
            except UnicodeDecodeError as exc:
                raise _fail(CLOSE_INVALID_DATA, f"invalid UTF-8 text: {exc}") from None
            if text:
                parts.append(text)
        elif payload:
            parts.append(payload)
        if fin:
            if msg_opcode == OPCODE_TEXT:
                out.feed_data(Message(MSG_TEXT, "".join(parts), ""))
            else:
                out.feed_data(Message(MSG_BINARY, b"".join(parts), ""))
            if msg_compressed and reset_inflater:
                inflater = None
            msg_opcode = 0
            msg_compressed = False
            parts = []
            decoder = None


def _close_message(payload: bytes) -> Message:
    """RFC 6455 section 5.5.1: an optional 2-byte code, then a UTF-8 reason."""
    if not payload:
        return Message(MSG_CLOSE, CLOSE_NO_STATUS, b"")
    if len(payload) == 1:
        raise _fail(CLOSE_PROTOCOL_ERROR, "a Close frame with a 1-byte payload")
    code = _UNPACK_16(payload)[0]
    if not check_close_code(code):
        raise _fail(CLOSE_PROTOCOL_ERROR, f"invalid close code {code}")
    reason = payload[2:]
    try:
        reason.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(CLOSE_INVALID_DATA, f"invalid UTF-8 close reason: {exc}") from None
    return Message(MSG_CLOSE, code, reason)
