"""WebSocketWriter: exact bytes (RFC 6455 section 5.2), read back by our parser."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import struct
import zlib
from collections.abc import Awaitable, Callable

import pytest
from ws_frames import MASK, frame, run, xor

from aiohttp._ws_deflate import PerMessageDeflate
from aiohttp.streams import StreamWriter
from aiohttp.websocket import (
    MSG_BINARY,
    MSG_CLOSE,
    MSG_PING,
    MSG_PONG,
    MSG_TEXT,
    Message,
    WebSocketWriter,
)


class Sink:
    """A transport stand-in: records every write()."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes | bytearray) -> None:
        self.writes.append(bytes(data))


def fixed_mask(n: int) -> bytes:
    assert n == 4
    return MASK


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 100_000])
def test_server_frames_are_exact(size: int) -> None:
    sink = Sink()
    payload = os.urandom(size)
    WebSocketWriter(sink).send(payload, binary=True)
    assert sink.writes == [frame(0x2, payload, mask=None)]  # one write per frame


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 100_000])
def test_client_frames_are_masked(size: int) -> None:
    sink = Sink()
    payload = os.urandom(size)
    WebSocketWriter(sink, use_mask=True, random=fixed_mask).send(payload, binary=True)
    assert sink.writes == [frame(0x2, payload, mask=MASK)]
    # And our server-side parser reads it.
    assert run(sink.writes).items == [Message(MSG_BINARY, payload, "")]


def test_each_client_frame_gets_a_fresh_key() -> None:
    sink = Sink()
    writer = WebSocketWriter(sink, use_mask=True)
    for _ in range(20):
        writer.send("same")
    keys = {data[2:6] for data in sink.writes}
    assert len(keys) > 15  # os.urandom: 20 equal keys would be a broken RNG


def test_text_and_the_0_9_send_signature() -> None:
    sink = Sink()
    writer = WebSocketWriter(sink)
    writer.send("héllo")
    writer.send("as binary", binary=True)
    writer.send(b"text bytes")  # 0.9: the opcode follows `binary`, not the type
    assert sink.writes == [frame(0x1, "héllo".encode(), mask=None),
                           frame(0x2, b"as binary", mask=None),
                           frame(0x1, b"text bytes", mask=None)]


def test_ping_pong_close() -> None:
    sink = Sink()
    writer = WebSocketWriter(sink)
    writer.ping()
    writer.ping(b"payload")
    writer.pong("echo")
    writer.close()
    writer.close(4001, "bye")
    assert sink.writes == [frame(0x9, b"", mask=None), frame(0x9, b"payload", mask=None),
                           frame(0xA, b"echo", mask=None),
                           frame(0x8, struct.pack("!H", 1000), mask=None),
                           frame(0x8, struct.pack("!H", 4001) + b"bye", mask=None)]
    out = run([frame(0x9, b"x", mask=None) + sink.writes[-1]], client=True)
    assert out.items == [Message(MSG_PING, b"x", ""), Message(MSG_CLOSE, 4001, b"bye")]


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 2000, 5000])
def test_close_refuses_codes_that_may_not_be_sent(code: int) -> None:
    with pytest.raises(ValueError, match="close code"):
        WebSocketWriter(Sink()).close(code)


def test_control_payload_limit() -> None:
    writer = WebSocketWriter(Sink())
    writer.ping(b"x" * 125)
    with pytest.raises(ValueError):
        writer.ping(b"x" * 126)
    with pytest.raises(ValueError):
        writer.close(1000, b"x" * 124)  # 2 + 124 > 125


def test_fragments_with_send_frame() -> None:
    sink = Sink()
    writer = WebSocketWriter(sink, use_mask=True)
    writer.send_frame(0x1, b"fra", fin=False)
    writer.ping(b"mid")
    writer.send_frame(0x0, b"gm", fin=False)
    writer.send_frame(0x0, b"ent")
    out = run(sink.writes)
    assert out.items == [Message(MSG_PING, b"mid", ""), Message(MSG_TEXT, "fragment", "")]


def test_compressed_messages_roundtrip_with_context_takeover() -> None:
    sink = Sink()
    agreement = PerMessageDeflate()
    writer = WebSocketWriter(sink, compress=agreement)
    text = "the same words again and again " * 10
    for _ in range(3):
        writer.send(text)
    writer.send(b"\x00" * 1000, binary=True)
    writer.send("not compressed", compress=False)
    assert all(data[0] & 0x40 for data in sink.writes[:4])  # RSV1: compressed
    assert not sink.writes[4][0] & 0x40
    # Context takeover: the repeated message shrinks to a back-reference.
    assert len(sink.writes[1]) < len(sink.writes[0]) // 3
    out = run(sink.writes, client=True, compress=agreement)
    assert out.items == [Message(MSG_TEXT, text, "")] * 3 + [
        Message(MSG_BINARY, b"\x00" * 1000, ""), Message(MSG_TEXT, "not compressed", "")]


def test_no_context_takeover_compresses_each_message_alone() -> None:
    sink = Sink()
    writer = WebSocketWriter(sink, compress=PerMessageDeflate(local_no_context_takeover=True))
    writer.send("independent " * 10)
    writer.send("independent " * 10)
    assert sink.writes[0] == sink.writes[1]
    # Each decompresses with a fresh decompressor.
    payload = sink.writes[1][2:]
    assert zlib.decompressobj(-15).decompress(payload + b"\x00\x00\xff\xff") == \
        b"independent " * 10


def test_window_bits_are_honoured() -> None:
    sink = Sink()
    writer = WebSocketWriter(sink, compress=PerMessageDeflate(local_max_window_bits=9))
    data = os.urandom(300) * 20  # repeats at distance 300 < 512
    writer.send(data, binary=True)
    payload = sink.writes[0][4:]
    # A reader with a 512-byte window can read it.
    assert zlib.decompressobj(-9).decompress(payload + b"\x00\x00\xff\xff") == data


def test_masked_compressed_frames_parse() -> None:
    sink = Sink()
    agreement = PerMessageDeflate()
    writer = WebSocketWriter(sink, use_mask=True, compress=agreement)
    writer.send("x" * 5000)
    assert run(sink.writes, compress=agreement).items == [Message(MSG_TEXT, "x" * 5000, "")]


def constant(key: bytes) -> Callable[[int], bytes]:
    return lambda n: key


def test_many_frames_agree_with_the_reference_xor() -> None:
    for size, key in itertools.product((1, 3, 4, 511, 512, 513, 4097), (b"\x00" * 4, b"\xff" * 4,
                                                                          b"\x01\x02\x03\x04")):
        sink = Sink()
        payload = os.urandom(size)
        WebSocketWriter(sink, use_mask=True, random=constant(key)).send(payload, binary=True)
        data = sink.writes[0]
        assert data[-size:] == xor(payload, key)


async def test_returns_the_writers_drain() -> None:
    loop = asyncio.get_running_loop()
    server_sock, client_sock = socket.socketpair()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, server_sock)
    try:
        writer = WebSocketWriter(StreamWriter(transport))
        result = writer.send("x")
        assert isinstance(result, Awaitable)
        await result
        writer.ping()  # dropped unawaited: no warning
        WebSocketWriter(Sink()).pong()  # a bare transport: a ready awaitable
        await WebSocketWriter(Sink()).pong()
    finally:
        transport.close()
        client_sock.close()
        await asyncio.sleep(0)


def test_pong_frame_type() -> None:
    sink = Sink()
    WebSocketWriter(sink, use_mask=True).pong(b"abc")
    assert run(sink.writes).items == [Message(MSG_PONG, b"abc", "")]


def test_the_run_masks_with_the_implementation_it_names(masking: str) -> None:
    # conftest.py runs the suite with the C accelerator and with pure
    # Python: the writer and the parser really use the one named.
    from aiohttp import _ws_frames, _ws_masking, _ws_writer

    if masking == "py-mask":
        assert vars(_ws_writer)["mask_frame"] is _ws_masking.py_mask_frame
        assert _ws_frames.unmask_from is _ws_masking.py_unmask_from
        assert _ws_frames.apply_mask is _ws_masking.py_apply_mask
    else:
        accelerator = _ws_masking.accelerator
        assert accelerator is not None
        assert vars(_ws_writer)["mask_frame"] is accelerator.mask_frame
        assert _ws_frames.unmask_from is accelerator.unmask_from
        assert _ws_frames.apply_mask is accelerator.apply_mask
    sink = Sink()
    WebSocketWriter(sink, use_mask=True, random=fixed_mask).send(b"x" * 70_000, binary=True)
    assert sink.writes == [frame(0x2, b"x" * 70_000)]
