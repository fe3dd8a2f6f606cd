"""WebSocketParser, rule by rule (RFC 6455 section 5, RFC 7692 section 6).

Every input is fed whole and one byte at a time (``ws_frames.parse``), and
both must give the same messages and the same error with the same close code.
"""

from __future__ import annotations

import os
import struct
import zlib
from types import GeneratorType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ws_frames import MASK, Outcome, frame, parse, run, xor

from aiohttp import errors
from aiohttp._ws_deflate import PerMessageDeflate
from aiohttp import _ws_frames
from aiohttp.parsers import ParserBuffer, StreamParser
from aiohttp.streams import EofStream
from aiohttp.websocket import (
    MSG_BINARY,
    MSG_CLOSE,
    MSG_PING,
    MSG_PONG,
    MSG_TEXT,
    Message,
    WebSocketClientParser,
    WebSocketError,
    WebSocketParser,
)

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
DEFLATE = PerMessageDeflate()


def close_payload(code: int, reason: bytes = b"") -> bytes:
    return struct.pack("!H", code) + reason


# -- section 5.2: the frame head ------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_lengths_in_every_form(size: int) -> None:
    payload = os.urandom(size)
    out = parse(frame(BINARY, payload))
    assert out.items == [Message(MSG_BINARY, payload, "")]
    assert out.exc is None


def test_text_message() -> None:
    out = parse(frame(TEXT, "héllo wörld €".encode()))
    assert out.items == [Message(MSG_TEXT, "héllo wörld €", "")]


def test_several_frames_in_one_chunk() -> None:
    data = frame(TEXT, b"a") + frame(BINARY, b"b") + frame(PING, b"c") + frame(TEXT, b"d")
    out = run([data])
    assert [m.data for m in out.items] == ["a", b"b", b"c", "d"]


@pytest.mark.parametrize("size, form", [(0, 126), (125, 126), (126, 127), (65535, 127)])
def test_length_not_in_shortest_form_is_1002(size: int, form: int) -> None:
    # Section 5.2: "the minimal number of bytes MUST be used to encode the length".
    out = parse(frame(BINARY, b"x" * size, length_form=form))
    assert isinstance(out.exc, WebSocketError)
    assert out.code() == 1002


def test_64_bit_length_with_top_bit_is_1002() -> None:
    head = struct.pack("!BBQ", 0x82, 0x80 | 127, 1 << 63)
    out = parse(head + MASK)
    assert out.code() == 1002


@pytest.mark.parametrize("rsv", [1, 2, 4, 7])
def test_reserved_bits_without_extension_are_1002(rsv: int) -> None:
    out = parse(frame(TEXT, b"x", rsv=rsv))
    assert out.code() == 1002
    assert out.items == []


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_unknown_opcodes_are_1002(opcode: int) -> None:
    assert parse(frame(opcode, b"")).code() == 1002


def test_violation_fails_before_the_payload_arrives() -> None:
    # The head alone is enough to know: nothing is buffered for nothing.
    out = run([frame(TEXT, b"x" * 1000, rsv=2)[:4]])
    assert out.code() == 1002


# -- section 5.1 and 5.3: masking -------------------------------------------------------


def test_server_rejects_unmasked_client_frame() -> None:
    out = parse(frame(TEXT, b"hello", mask=None))
    assert out.code() == 1002
    assert "not masked" in str(out.exc)


def test_client_rejects_masked_server_frame() -> None:
    out = parse(frame(TEXT, b"hello"), client=True)
    assert out.code() == 1002
    assert "masked" in str(out.exc)


def test_client_parser_reads_unmasked_frames() -> None:
    out = parse(frame(TEXT, b"hello", mask=None) + frame(PING, b"p", mask=None), client=True)
    assert out.items == [Message(MSG_TEXT, "hello", ""), Message(MSG_PING, b"p", "")]


@pytest.mark.parametrize("size", [16 * 1024 - 1, 16 * 1024, 70_000])
@pytest.mark.parametrize("chunk", [1000, 65536, 1 << 20])
def test_client_parser_large_unmasked_payloads(size: int, chunk: int) -> None:
    # Large unmasked payloads are copied out through a memoryview that is
    # released before the buffer is trimmed (a live view would make the
    # trim fail); frames that follow in the same buffer are still parsed.
    data = os.urandom(size)
    wire = (frame(BINARY, data, mask=None) + frame(TEXT, b"after", mask=None)
            + frame(BINARY, data[::-1], mask=None))
    out = run([wire[i:i + chunk] for i in range(0, len(wire), chunk)], client=True)
    assert out.exc is None
    assert out.items == [Message(MSG_BINARY, data, ""), Message(MSG_TEXT, "after", ""),
                         Message(MSG_BINARY, data[::-1], "")]
    assert all(type(item.data) is bytes for item in out.items if item.tp == MSG_BINARY)


def test_client_parser_partial_is_the_same_parser() -> None:
    buf_out = run([frame(TEXT, b"x", mask=None)], client=True)
    assert buf_out.items == [Message(MSG_TEXT, "x", "")]
    assert WebSocketClientParser.keywords == {"client": True}
    assert WebSocketClientParser.func is WebSocketParser


def test_rfc_example_masked_hello() -> None:
    # RFC 6455 section 5.7: a single-frame masked text message.
    data = bytes.fromhex("818537fa213d7f9f4d5158")
    assert parse(data).items == [Message(MSG_TEXT, "Hello", "")]


@given(st.binary(max_size=3000), st.binary(min_size=4, max_size=4))
def test_apply_mask_is_xor(data: bytes, mask: bytes) -> None:
    # Looked up at call time: the C or pure-Python one (conftest.py).
    apply_mask = _ws_frames.apply_mask
    assert apply_mask(data, mask) == xor(data, mask)
    assert apply_mask(apply_mask(data, mask), mask) == data


def test_apply_mask_large() -> None:
    data = os.urandom(200_003)
    assert _ws_frames.apply_mask(data, MASK) == xor(data, MASK)


# -- section 5.4: fragmentation ---------------------------------------------------------


@pytest.mark.parametrize("count", [2, 3, 10])
def test_fragmented_text(count: int) -> None:
    pieces = [f"part{i}-é".encode() for i in range(count)]
    data = frame(TEXT, pieces[0], fin=False)
    for i, piece in enumerate(pieces[1:], 1):
        data += frame(CONT, piece, fin=i == count - 1)
    out = parse(data)
    assert out.items == [Message(MSG_TEXT, b"".join(pieces).decode(), "")]


def test_fragmented_binary_with_empty_fragments() -> None:
    data = (frame(BINARY, b"", fin=False) + frame(CONT, b"ab", fin=False)
            + frame(CONT, b"", fin=False) + frame(CONT, b"cd"))
    assert parse(data).items == [Message(MSG_BINARY, b"abcd", "")]


def test_control_frames_between_fragments() -> None:
    # Section 5.4: control frames MAY be injected in the middle of a message.
    data = (frame(TEXT, b"one ", fin=False) + frame(PING, b"p1") + frame(CONT, b"two ", fin=False)
            + frame(PONG, b"p2") + frame(CONT, b"three"))
    out = parse(data)
    assert out.items == [Message(MSG_PING, b"p1", ""), Message(MSG_PONG, b"p2", ""),
                         Message(MSG_TEXT, "one two three", "")]


def test_close_between_fragments_ends_the_parser() -> None:
    data = frame(TEXT, b"one", fin=False) + frame(CLOSE, close_payload(1000))
    out = parse(data)
    assert out.items == [Message(MSG_CLOSE, 1000, b"")]
    assert out.finished


def test_continuation_without_a_message_is_1002() -> None:
    assert parse(frame(CONT, b"x")).code() == 1002


def test_new_message_inside_a_fragmented_one_is_1002() -> None:
    out = parse(frame(TEXT, b"a", fin=False) + frame(TEXT, b"b"))
    assert out.code() == 1002


def test_fragmented_control_frame_is_1002() -> None:
    assert parse(frame(PING, b"x", fin=False)).code() == 1002


@pytest.mark.parametrize("opcode", [PING, PONG, CLOSE])
def test_control_frame_over_125_bytes_is_1002(opcode: int) -> None:
    assert parse(frame(opcode, b"x" * 126)).code() == 1002


# -- section 5.5: control frames --------------------------------------------------------


def test_ping_and_pong_payloads_are_kept() -> None:
    out = parse(frame(PING, b"are you there") + frame(PONG, b"\x00\xff" * 62 + b"x"))
    assert out.items == [Message(MSG_PING, b"are you there", ""),
                         Message(MSG_PONG, b"\x00\xff" * 62 + b"x", "")]


def test_close_with_code_and_reason() -> None:
    out = parse(frame(CLOSE, close_payload(1001, "au revoir ✓".encode())) + frame(TEXT, b"after"))
    assert out.items == [Message(MSG_CLOSE, 1001, "au revoir ✓".encode())]
    assert out.finished  # the parser ends after a Close; later bytes are not parsed
    assert out.eof == 1


def test_empty_close_is_1005() -> None:
    # Section 7.1.5: no status code means 1005.
    assert parse(frame(CLOSE, b"")).items == [Message(MSG_CLOSE, 1005, b"")]


def test_one_byte_close_payload_is_1002() -> None:
    assert parse(frame(CLOSE, b"\x03")).code() == 1002


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012,
                                  1013, 1014, 3000, 3999, 4000, 4999])
def test_valid_close_codes(code: int) -> None:
    assert parse(frame(CLOSE, close_payload(code))).items == [Message(MSG_CLOSE, code, b"")]


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
                                  65535])
def test_invalid_close_codes_are_1002(code: int) -> None:
    assert parse(frame(CLOSE, close_payload(code))).code() == 1002


def test_close_reason_must_be_utf8() -> None:
    assert parse(frame(CLOSE, close_payload(1000, b"\xff\xfe"))).code() == 1007


# -- section 8.1: UTF-8 ------------------------------------------------------------------


@pytest.mark.parametrize("payload", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"abc\xe2\x82",
                                     b"\xf4\x90\x80\x80"])
def test_invalid_utf8_text_is_1007(payload: bytes) -> None:
    assert parse(frame(TEXT, payload)).code() == 1007


def test_invalid_utf8_fails_in_the_first_fragment() -> None:
    # Fails fast: the final fragment never comes, the error is already there.
    out = parse(frame(TEXT, b"ok \xff", fin=False))
    assert out.code() == 1007


def test_utf8_character_split_across_fragments() -> None:
    euro = "€".encode()
    data = frame(TEXT, euro[:1], fin=False) + frame(CONT, euro[1:2], fin=False) + frame(CONT, euro[2:])
    assert parse(data).items == [Message(MSG_TEXT, "€", "")]


def test_truncated_utf8_at_the_end_of_a_message_is_1007() -> None:
    data = frame(TEXT, b"a", fin=False) + frame(CONT, "€".encode()[:2])
    assert parse(data).code() == 1007


def test_binary_is_not_validated() -> None:
    assert parse(frame(BINARY, b"\xff\xfe")).items == [Message(MSG_BINARY, b"\xff\xfe", "")]


# -- the message size limit (1009) -------------------------------------------------------


def test_message_at_the_limit() -> None:
    out = parse(frame(BINARY, b"x" * 100), max_msg_size=100)
    assert out.items == [Message(MSG_BINARY, b"x" * 100, "")]


def test_frame_over_the_limit_fails_on_its_head() -> None:
    head = frame(BINARY, b"x" * 101)[:8]  # head and mask, no payload
    assert run([head], max_msg_size=100).code() == 1009


def test_fragments_over_the_limit() -> None:
    data = frame(TEXT, b"x" * 60, fin=False) + frame(CONT, b"x" * 41)
    assert parse(data, max_msg_size=100).code() == 1009


def test_default_limit_is_4_mib() -> None:
    head = struct.pack("!BBQ", 0x82, 0xFF, 4 * 1024 * 1024 + 1) + MASK
    assert run([head]).code() == 1009
    head = struct.pack("!BBQ", 0x82, 0xFF, 4 * 1024 * 1024) + MASK
    assert run([head]).exc is None


def test_zero_means_no_limit() -> None:
    head = struct.pack("!BBQ", 0x82, 0xFF, 64 * 1024 * 1024) + MASK
    assert run([head], max_msg_size=0).exc is None


def test_control_frames_do_not_count_toward_the_limit() -> None:
    data = frame(TEXT, b"x" * 90, fin=False) + frame(PING, b"y" * 100) + frame(CONT, b"x" * 10)
    assert parse(data, max_msg_size=100).items[-1] == Message(MSG_TEXT, "x" * 100, "")


# -- RFC 7692: compressed messages --------------------------------------------------------


def deflate(data: bytes, compressor: zlib._Compress | None = None) -> bytes:
    comp = compressor or zlib.compressobj(6, zlib.DEFLATED, -15)
    out = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def test_compressed_text() -> None:
    text = "compressible " * 100
    out = parse(frame(TEXT, deflate(text.encode()), rsv=4), compress=DEFLATE)
    assert out.items == [Message(MSG_TEXT, text, "")]


def test_rfc7692_example() -> None:
    # RFC 7692 section 7.2.3.1: "Hello" compressed, unmasked from a server.
    data = bytes.fromhex("c107f248cdc9c90700")
    out = parse(data, client=True, compress=DEFLATE)
    assert out.items == [Message(MSG_TEXT, "Hello", "")]


def test_rfc7692_shared_window_example() -> None:
    # Section 7.2.3.2: the second "Hello" refers back into the first.
    data = bytes.fromhex("c107f248cdc9c90700") + bytes.fromhex("c105f200110000")
    out = parse(data, client=True, compress=DEFLATE)
    assert out.items == [Message(MSG_TEXT, "Hello", "")] * 2


def test_compressed_fragmented_message() -> None:
    payload = os.urandom(500) * 4
    compressed = deflate(payload)
    third = len(compressed) // 3
    data = (frame(BINARY, compressed[:third], fin=False, rsv=4)
            + frame(PING, b"between") + frame(CONT, compressed[third:2 * third], fin=False)
            + frame(CONT, compressed[2 * third:]))
    out = parse(data, compress=DEFLATE)
    assert out.items == [Message(MSG_PING, b"between", ""), Message(MSG_BINARY, payload, "")]


def test_uncompressed_message_on_a_compressed_connection() -> None:
    out = parse(frame(TEXT, b"plain"), compress=DEFLATE)
    assert out.items == [Message(MSG_TEXT, "plain", "")]


def test_context_takeover_across_messages() -> None:
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = b"".join(frame(TEXT, deflate(b"repeat me " * 20, comp), rsv=4) for _ in range(3))
    assert parse(data, compress=DEFLATE).items == [Message(MSG_TEXT, "repeat me " * 20, "")] * 3


def test_peer_without_context_takeover() -> None:
    agreement = PerMessageDeflate(remote_no_context_takeover=True)
    data = b"".join(frame(TEXT, deflate(b"fresh " * 20), rsv=4) for _ in range(3))
    assert parse(data, compress=agreement).items == [Message(MSG_TEXT, "fresh " * 20, "")] * 3


def test_rsv1_on_a_continuation_is_1002() -> None:
    data = frame(TEXT, deflate(b"ab")[:1], fin=False, rsv=4) + frame(CONT, b"x", rsv=4)
    assert parse(data, compress=DEFLATE).code() == 1002


def test_rsv1_on_a_control_frame_is_1002() -> None:
    assert parse(frame(PING, b"", rsv=4), compress=DEFLATE).code() == 1002


@pytest.mark.parametrize("rsv", [2, 1])
def test_rsv2_rsv3_still_rejected_with_compression(rsv: int) -> None:
    assert parse(frame(TEXT, b"x", rsv=rsv), compress=DEFLATE).code() == 1002


def test_decompression_bomb_is_1009() -> None:
    bomb = deflate(b"\x00" * 10_000_000)  # about 10 KB on the wire
    assert len(bomb) < 20_000
    out = run([frame(BINARY, bomb, rsv=4)], compress=DEFLATE)
    assert out.code() == 1009


def test_decompressed_limit_is_exact() -> None:
    out = run([frame(BINARY, deflate(b"a" * 1000), rsv=4)], compress=DEFLATE, max_msg_size=1000)
    assert out.items == [Message(MSG_BINARY, b"a" * 1000, "")]
    out = run([frame(BINARY, deflate(b"a" * 1001), rsv=4)], compress=DEFLATE, max_msg_size=1000)
    assert out.code() == 1009


def test_corrupt_compressed_data_is_1007() -> None:
    out = parse(frame(BINARY, b"\xff\xff\xff\xff\xff", rsv=4), compress=DEFLATE)
    assert out.code() == 1007


def test_compressed_invalid_utf8_is_1007() -> None:
    out = parse(frame(TEXT, deflate(b"bad \xff"), rsv=4), compress=DEFLATE)
    assert out.code() == 1007


# -- the parser contract (aiohttp.parsers) ------------------------------------------------


async def test_set_parser_and_read_like_0_9() -> None:
    stream = StreamParser()
    stream.feed_data(frame(TEXT, b"hi") + frame(PING, b"p") + frame(CLOSE, close_payload(1000)))
    queue = stream.set_parser(WebSocketParser)
    assert await queue.read() == Message(MSG_TEXT, "hi", "")
    assert await queue.read() == Message(MSG_PING, b"p", "")
    assert await queue.read() == Message(MSG_CLOSE, 1000, b"")
    with pytest.raises(EofStream):
        await queue.read()


async def test_eof_inside_a_frame_is_a_connection_error() -> None:
    stream = StreamParser()
    queue = stream.set_parser(WebSocketParser)
    stream.feed_data(frame(TEXT, b"hello")[:5])
    stream.feed_eof()
    with pytest.raises(errors.ConnectionError):
        await queue.read()


async def test_protocol_error_reaches_the_reader() -> None:
    stream = StreamParser()
    queue = stream.set_parser(WebSocketParser)
    stream.feed_data(frame(TEXT, b"\xff"))
    stream.resume_stream()
    with pytest.raises(WebSocketError) as info:
        await queue.read()
    assert info.value.code == 1007


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.binary(max_size=300)), min_size=1, max_size=6),
       st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=20))
def test_any_split_gives_the_same_messages(messages: list[tuple[bool, bytes]],
                                           cuts: list[int]) -> None:
    data = b""
    expected = []
    for is_text, payload in messages:
        if is_text:
            text = payload.decode("latin-1")
            data += frame(TEXT, text.encode(), mask=os.urandom(4))
            expected.append(Message(MSG_TEXT, text, ""))
        else:
            data += frame(BINARY, payload, mask=os.urandom(4))
            expected.append(Message(MSG_BINARY, payload, ""))
    chunks = []
    pos = 0
    for cut in cuts * (len(data) // max(1, sum(cuts)) + 1):
        if pos >= len(data):
            break
        chunks.append(data[pos:pos + cut])
        pos += cut
    chunks.append(data[pos:])
    assert run(chunks).items == expected


def test_websocket_error_keeps_the_0_9_form() -> None:
    exc = WebSocketError("bad frame")
    assert exc.code == 1002
    assert exc.message == "bad frame"
    assert WebSocketError(1009, "too big").code == 1009
    assert isinstance(exc, Exception)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200), st.lists(st.integers(min_value=0, max_value=40), max_size=8),
       st.lists(st.binary(max_size=20), max_size=4), st.integers(min_value=1, max_value=30))
def test_fragmented_text_with_control_frames_any_split(text: str, cuts: list[int],
                                                       pings: list[bytes], chunk: int) -> None:
    data = text.encode()
    # Cut the UTF-8 bytes anywhere, even inside a character.
    points = sorted({min(cut, len(data)) for cut in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    wire = b""
    expected = []
    for index, piece in enumerate(pieces):
        opcode = TEXT if index == 0 else CONT
        wire += frame(opcode, piece, fin=index == len(pieces) - 1, mask=os.urandom(4))
        if index < len(pings) and index < len(pieces) - 1:
            wire += frame(PING, pings[index], mask=os.urandom(4))
            expected.append(Message(MSG_PING, pings[index], ""))
    expected.append(Message(MSG_TEXT, text, ""))
    chunks = [wire[i:i + chunk] for i in range(0, len(wire), chunk)]
    assert run(chunks).items == expected


@pytest.mark.parametrize("size", [0, 1, 511, 512, 513, 4096, 65537])
def test_unmask_from_the_buffer(size: int) -> None:
    data = os.urandom(size + 10)
    buf = bytearray(data)
    assert _ws_frames.unmask_from(buf, 3, 3 + size, MASK) == xor(data[3:3 + size], MASK)
    assert buf == data  # the buffer is left alone


def test_empty_fragments_hold_no_memory() -> None:
    collected = run([frame(BINARY, b"a", fin=False) + frame(CONT, b"", fin=False) * 10_000
                     + frame(CONT, b"b")])
    assert collected.items == [Message(MSG_BINARY, b"ab", "")]
    # Mid-message, the parser holds one piece, not one entry per empty fragment.
    buf = ParserBuffer()
    gen = WebSocketParser(Outcome(), buf)
    next(gen)
    gen.send(frame(TEXT, b"x", fin=False) + frame(CONT, b"", fin=False) * 10_000)
    assert isinstance(gen, GeneratorType) and gen.gi_frame is not None
    assert gen.gi_frame.f_locals["parts"] == ["x"]
    gen.close()
