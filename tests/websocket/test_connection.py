"""WebSocketConnection on the server side, driven by a raw socket client.

A raw client can break the rules the websockets library keeps: unmasked or
malformed frames, silence instead of a Close or a pong. Each case checks
what goes on the wire (the Close frame and its code, the end of TCP) and
what the handler sees.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
from aiohttp.parsers import StreamProtocol
from aiohttp.protocol import HttpRequestParser
from aiohttp.websocket import (
    MSG_BINARY,
    MSG_CLOSE,
    MSG_PING,
    MSG_TEXT,
    Message,
    WebSocketConnection,
    WebSocketError,
)
from ws_frames import frame, run
from ws_servers import echo_the_09_way, serve

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


class RawClient:
    """A hand-driven client: sends what it is told, collects every byte back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.received = b""

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def until_eof(self) -> list[Message]:
        """Everything the server sends until it closes TCP, parsed as frames."""
        self.received += await asyncio.wait_for(self.reader.read(), 10)
        return self.messages()

    async def next_messages(self, count: int) -> list[Message]:
        while len(self.messages()) < count:
            chunk = await asyncio.wait_for(self.reader.read(65536), 10)
            assert chunk, f"EOF after {self.messages()!r}"
            self.received += chunk
        return self.messages()

    def messages(self) -> list[Message]:
        out = run([self.received], client=True)
        return out.items


@asynccontextmanager
async def raw_client(url: str, extra: bytes = b"") -> AsyncIterator[RawClient]:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n".encode()
                 + extra + b"\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 101 ")
    try:
        yield RawClient(reader, writer)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


def close(code: int, reason: bytes = b"") -> bytes:
    return frame(CLOSE, struct.pack("!H", code) + reason)


class Seen:
    """What the handler saw, for the test to check after the server is done."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.errors: list[WebSocketError] = []
        self.done = asyncio.get_running_loop().create_future()


def recording(seen: Seen, *, reads: int = 10):  # type: ignore[no-untyped-def]
    async def handler(ws: WebSocketConnection) -> None:
        try:
            for _ in range(reads):
                try:
                    message = await ws.receive()
                except WebSocketError as exc:
                    seen.errors.append(exc)
                    continue
                seen.messages.append(message)
                if message.tp == MSG_CLOSE:
                    break
        finally:
            seen.done.set_result(ws)
    return handler


@pytest.mark.parametrize("bad, code", [
    (frame(TEXT, b"unmasked", mask=None), 1002),
    (frame(TEXT, b"\xff\xfe"), 1007),
    (frame(TEXT, b"x", rsv=2), 1002),
    (frame(0x3, b""), 1002),
    (frame(CONT, b"orphan"), 1002),
    (frame(PING, b"x" * 126), 1002),
    (close(1005), 1002),
    (frame(BINARY, b"x" * 2000), 1009),
])
async def test_violations_close_with_their_code(bad: bytes, code: int) -> None:
    seen = Seen()
    async with serve(recording(seen), max_msg_size=1000) as url, raw_client(url) as client:
        client.send(frame(TEXT, b"before") + bad + frame(TEXT, b"after"))
        messages = await client.until_eof()
        ws = await asyncio.wait_for(seen.done, 10)
    assert messages[-1].tp == MSG_CLOSE and messages[-1].data == code
    # The handler got the message before, then the error once, then the close.
    assert seen.messages[0] == Message(MSG_TEXT, "before", "")
    assert [e.code for e in seen.errors] == [code]
    assert seen.messages[-1] == Message(MSG_CLOSE, code, b"")
    assert ws.close_code == code
    assert isinstance(ws.exception(), WebSocketError)
    assert ws.closed


async def test_http_1_0_handshake_is_refused() -> None:
    async with serve() as url:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(b"GET / HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        await writer.wait_closed()
    assert answer.startswith(b"HTTP/1.1 400 ")


async def test_close_from_the_client_is_echoed_and_the_server_ends_tcp() -> None:
    seen = Seen()
    async with serve(recording(seen)) as url, raw_client(url) as client:
        client.send(close(4321, b"done"))
        messages = await client.until_eof()
        await asyncio.wait_for(seen.done, 10)
    assert messages == [Message(MSG_CLOSE, 4321, b"")]
    assert seen.messages == [Message(MSG_CLOSE, 4321, b"done")]


async def test_empty_close_is_answered_with_an_empty_close() -> None:
    seen = Seen()
    async with serve(recording(seen)) as url, raw_client(url) as client:
        client.send(frame(CLOSE, b""))
        await client.until_eof()
        await asyncio.wait_for(seen.done, 10)
    assert client.received == b"\x88\x00"
    assert seen.messages == [Message(MSG_CLOSE, 1005, b"")]


async def test_tcp_closed_without_close_frame_is_1006() -> None:
    seen = Seen()
    async with serve(recording(seen)) as url:
        async with raw_client(url) as client:
            client.send(frame(TEXT, b"bye"))
            client.writer.write_eof()
            ws = await asyncio.wait_for(seen.done, 10)
    assert seen.messages == [Message(MSG_TEXT, "bye", ""), Message(MSG_CLOSE, 1006, b"")]
    assert ws.close_code == 1006


async def test_server_close_waits_for_the_client_then_times_out() -> None:
    result: asyncio.Future[tuple[bool, int | None]] = asyncio.get_running_loop().create_future()

    async def handler(ws: WebSocketConnection) -> None:
        closed = await ws.close(1001, "going away")
        result.set_result((closed, ws.close_code))

    async with serve(handler, close_timeout=0.2) as url, raw_client(url) as client:
        messages = await client.until_eof()  # the client never answers
        assert await asyncio.wait_for(result, 10) == (True, 1006)
    assert messages == [Message(MSG_CLOSE, 1001, b"going away")]


async def test_server_close_completes_with_the_clients_answer() -> None:
    result: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()

    async def handler(ws: WebSocketConnection) -> None:
        await ws.close()
        result.set_result(ws.close_code)

    async with serve(handler, close_timeout=30) as url, raw_client(url) as client:
        assert await client.next_messages(1) == [Message(MSG_CLOSE, 1000, b"")]
        client.send(frame(TEXT, b"late data is dropped") + close(1000))
        await client.until_eof()
        assert await asyncio.wait_for(result, 10) == 1000


async def test_pings_are_answered_while_the_handler_is_busy() -> None:
    release = asyncio.Event()

    async def handler(ws: WebSocketConnection) -> None:
        await release.wait()  # not reading at all
        await ws.close()

    async with serve(handler) as url, raw_client(url) as client:
        client.send(frame(PING, b"one") + frame(PING, b"two"))
        messages = await client.next_messages(2)
        assert messages == [Message(0xA, b"one", ""), Message(0xA, b"two", "")]
        release.set()
        client.send(close(1000))
        await client.until_eof()


async def test_without_autoping_pings_reach_the_handler() -> None:
    seen = Seen()
    async with serve(recording(seen), autoping=False) as url, raw_client(url) as client:
        client.send(frame(PING, b"manual") + close(1000))
        messages = await client.until_eof()
        await asyncio.wait_for(seen.done, 10)
    assert messages == [Message(MSG_CLOSE, 1000, b"")]  # no automatic pong
    assert seen.messages == [Message(MSG_PING, b"manual", ""), Message(MSG_CLOSE, 1000, b"")]


async def test_heartbeat_without_pong_closes_with_1006() -> None:
    seen = Seen()
    async with serve(recording(seen), heartbeat=0.1) as url, raw_client(url) as client:
        messages = await client.until_eof()  # the client never answers the ping
        ws = await asyncio.wait_for(seen.done, 10)
    assert messages[0] == Message(MSG_PING, b"", "")
    assert seen.messages == [Message(MSG_CLOSE, 1006, b"")]
    assert isinstance(ws.exception(), TimeoutError)


async def test_receive_timeout_leaves_the_connection_open() -> None:
    async def handler(ws: WebSocketConnection) -> None:
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=0.05)
        assert not ws.closed
        assert await ws.receive_str() == "later"
        await ws.close()

    async with serve(handler) as url, raw_client(url) as client:
        await asyncio.sleep(0.5)
        client.send(frame(TEXT, b"later"))
        assert (await client.next_messages(1))[0].tp == MSG_CLOSE
        client.send(close(1000))
        await client.until_eof()


async def test_send_after_close_raises() -> None:
    outcome: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def handler(ws: WebSocketConnection) -> None:
        await ws.close()
        with pytest.raises(ConnectionResetError):
            ws.send_str("too late")
        with pytest.raises(TypeError):
            WebSocketConnection.send_str(ws, b"bytes")  # type: ignore[arg-type]
        outcome.set_result(None)

    async with serve(handler, close_timeout=0.1) as url, raw_client(url) as client:
        await client.until_eof()
        await asyncio.wait_for(outcome, 10)


async def test_async_with_closes_and_iteration_stops() -> None:
    got: list[Message] = []

    async def handler(ws: WebSocketConnection) -> None:
        async with ws:
            async for message in ws:
                got.append(message)

    async with serve(handler) as url, raw_client(url) as client:
        client.send(frame(TEXT, b"a") + frame(BINARY, b"b") + close(1000))
        messages = await client.until_eof()
    assert got == [Message(MSG_TEXT, "a", ""), Message(MSG_BINARY, b"b", "")]
    assert messages == [Message(MSG_CLOSE, 1000, b"")]


async def test_cancelled_close_still_closes_the_transport() -> None:
    state: dict[str, WebSocketConnection] = {}
    started = asyncio.Event()

    async def handler(ws: WebSocketConnection) -> None:
        state["ws"] = ws
        task = asyncio.ensure_future(ws.close())
        await asyncio.sleep(0.05)
        started.set()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    async with serve(handler, close_timeout=30) as url, raw_client(url) as client:
        await client.until_eof()  # the transport is closed without waiting 30 s
        await asyncio.wait_for(started.wait(), 10)
    assert state["ws"].closed


async def test_slow_reader_pauses_the_socket() -> None:
    big = os.urandom(60_000)
    count = 40
    ready = asyncio.Event()
    seen: list[int] = []
    paused: list[bool] = []

    async def handler(ws: WebSocketConnection) -> None:
        await ready.wait()
        # Nobody read: parsing stopped after INBOX_HIGH, then the transport.
        for _ in range(1000):  # a hang guard only
            if not ws.transport.is_reading():
                break
            await asyncio.sleep(0.01)
        paused.append(not ws.transport.is_reading())
        for _ in range(count):
            seen.append(len(await ws.receive_bytes()))
        await ws.close()

    async with serve(handler) as url, raw_client(url) as client:
        for _ in range(count):
            client.send(frame(BINARY, big))
        ready.set()
        await client.writer.drain()
        assert (await client.next_messages(1))[0].tp == MSG_CLOSE
        client.send(close(1000))
        await client.until_eof()
    assert paused == [True]
    assert seen == [len(big)] * count


class OldStyleServer(StreamProtocol):
    """The 0.9 pattern: do_handshake, Response(101), set_parser, read loop."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.task = asyncio.get_running_loop().create_task(self.handle())

    async def handle(self) -> None:
        assert self.writer is not None and self.transport is not None
        message = await self.reader.set_parser(HttpRequestParser()).read()
        try:
            await echo_the_09_way(message, self.reader, self.writer, self.transport)
        finally:
            self.transport.close()


@pytest.mark.parametrize("compression", ["deflate", None])
async def test_the_0_9_server_pattern_with_the_websockets_client(compression: str | None) -> None:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    loop = asyncio.get_running_loop()
    protocols: list[OldStyleServer] = []

    def factory() -> OldStyleServer:
        protocols.append(OldStyleServer())
        return protocols[-1]

    server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with connect(f"ws://127.0.0.1:{port}/", subprotocols=[Subprotocol("chat")],
                           compression=compression) as client:
            assert client.subprotocol == "chat"
            await client.send("hello")
            assert await client.recv() == "hello"
            await client.send(b"\x00bin")
            assert await client.recv() == b"\x00bin"
            await client.send(["frag", "mented"])
            assert await client.recv() == "fragmented"
            await asyncio.wait_for(await client.ping(b"p"), 10)
        assert client.close_code == 1000
        await asyncio.wait_for(protocols[0].task, 10)
    finally:
        server.close()
        await server.wait_closed()


async def test_reset_by_the_client_is_1006() -> None:
    seen = Seen()
    async with serve(recording(seen)) as url:
        async with raw_client(url) as client:
            client.send(frame(TEXT, b"x"))
            await asyncio.sleep(0.05)
            transport = client.writer.transport
            sock = transport.get_extra_info("socket")
            # SO_LINGER 0: close() sends a reset instead of a FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            ws = await asyncio.wait_for(seen.done, 10)
    assert seen.messages == [Message(MSG_TEXT, "x", ""), Message(MSG_CLOSE, 1006, b"")]
    assert ws.close_code == 1006


class RecordingWriter:
    """A StreamWriter stand-in that records writes (for the cork)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray) -> None:
        self.writes.append(bytes(data))

    def drain(self) -> asyncio.Future[None]:
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    async def wait_closed(self) -> None:
        return None


async def test_a_burst_of_frames_goes_out_in_two_writes() -> None:
    from aiohttp.parsers import StreamParser

    writer = RecordingWriter()
    ws = WebSocketConnection(StreamParser(), writer)
    for i in range(100):
        ws.send_bytes(bytes([i]))
    assert len(writer.writes) == 1  # the first frame at once
    await asyncio.sleep(0)  # the loop turns: the other 99 in one write
    assert len(writer.writes) == 2
    assert run(writer.writes, client=True).items == [
        Message(MSG_BINARY, bytes([i]), "") for i in range(100)]
    ws.send_str("a")  # a new turn: at once again
    assert len(writer.writes) == 3
    ws.send_str("b")
    await ws.send_str("c")  # awaiting flushes before draining
    assert len(writer.writes) == 4
    assert run(writer.writes[3:], client=True).items == [
        Message(MSG_TEXT, "b", ""), Message(MSG_TEXT, "c", "")]
    ws.send_str("d")
    ws.send_str("e")
    ws._close_transport()  # closing flushes what waits
    assert writer.closed
    assert run(writer.writes[4:], client=True).items == [
        Message(MSG_TEXT, "d", ""), Message(MSG_TEXT, "e", "")]


async def test_client_side_connection_masks() -> None:
    from aiohttp.parsers import StreamParser

    writer = RecordingWriter()
    reader = StreamParser()
    ws = WebSocketConnection(reader, writer, client=True)
    ws.send_str("masked")
    assert writer.writes[0][1] & 0x80
    assert run(writer.writes).items == [Message(MSG_TEXT, "masked", "")]
    reader.feed_data(frame(TEXT, b"unmasked from the server", mask=None))
    assert await ws.receive_str() == "unmasked from the server"
    reader.feed_data(frame(TEXT, b"masked from the server"))
    with pytest.raises(WebSocketError) as info:
        await ws.receive()
    assert info.value.code == 1002
    assert writer.closed
    assert run(writer.writes[1:]).items == [
        Message(MSG_CLOSE, 1002, b"a frame from the server is masked")]


def test_mask_keys_are_fresh_and_reset() -> None:
    from aiohttp._ws_writer import _MaskKeys

    keys = _MaskKeys()
    seen = {keys(4) for _ in range(3000)}  # crosses a 4 KiB refill
    assert len(seen) > 2990
    keys.reset()
    assert keys._keys == b""


async def test_heartbeat_stops_when_the_transport_closes_under_it() -> None:
    from aiohttp.parsers import StreamParser

    writer = RecordingWriter()
    reader = StreamParser()
    ws = WebSocketConnection(reader, writer, heartbeat=0.3)
    for _ in range(2):  # two pings, each answered in time
        count = len(writer.writes)
        while len(writer.writes) == count:
            await asyncio.sleep(0.005)
        reader.feed_data(frame(PONG, b""))
    assert run(writer.writes, client=True).items == [Message(MSG_PING, b"", "")] * 2
    writer.closed = True  # e.g. the server closed the socket after its handler
    count = len(writer.writes)
    await asyncio.sleep(0.7)
    assert len(writer.writes) == count  # no more pings
    assert not ws._closed  # and no "missing pong" either: none was sent
    ws._close_transport()


async def test_pings_from_a_peer_that_does_not_read_are_bounded() -> None:
    from aiohttp._ws_connection import PONG_BACKLOG

    sizes: list[int] = []
    done = asyncio.Event()

    async def handler(ws: WebSocketConnection) -> None:
        await done.wait()
        sizes.append(ws.transport.get_write_buffer_size())
        ws._close_transport()

    ping = frame(PING, b"p" * 125)
    async with serve(handler) as url:
        parts = urlsplit(url)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
        reader, writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        await reader.readuntil(b"\r\n\r\n")
        for _ in range(80):  # 80 x 1,000 pings: about 10 MB, never reading a pong
            writer.write(ping * 1000)
            await writer.drain()
        await asyncio.sleep(0.2)
        done.set()
        while not sizes:
            await asyncio.sleep(0.01)
        writer.close()
        await writer.wait_closed()
    assert sizes[0] <= PONG_BACKLOG + len(ping) * 1000


async def test_send_types() -> None:
    from aiohttp.parsers import StreamParser

    writer = RecordingWriter()
    ws = WebSocketConnection(StreamParser(), writer)
    ws.send_bytes(bytearray(b"ba"))
    ws.send_bytes(memoryview(b"mv"))
    ws.send_str("str")
    with pytest.raises(TypeError):
        ws.send_bytes("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ws.send_str(b"bytes")  # type: ignore[arg-type]
    ws._cork.flush()
    assert run(writer.writes, client=True).items == [
        Message(MSG_BINARY, b"ba", ""), Message(MSG_BINARY, b"mv", ""), Message(MSG_TEXT, "str", "")]
    ws._close_transport()
    with pytest.raises(ConnectionResetError):
        ws.send_bytes(b"late")
