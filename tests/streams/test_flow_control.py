"""Backpressure over real sockets on 127.0.0.1, in both directions.

Read side: a producer much faster than the consumer sends many megabytes
into a ``StreamProtocol``; with the flow-controlled readers the bytes held in
memory stay bounded by the stream's limit (plus one socket read), and the
transport really is paused. Write side: ``StreamWriter.drain()`` blocks while
the peer does not read and fails once the connection is gone.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import socket
import threading
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from aiohttp.parsers import ParserBuffer, StreamProtocol
from aiohttp.streams import EofStream, FlowControlStreamReader, StreamReader, StreamWriter

LIMIT = 64 * 1024
#: asyncio's socket transports read at most this much per event-loop turn.
MAX_RECV = 256 * 1024
TOTAL = 16 * 1024 * 1024


def payload_parser(out: StreamReader, buf: ParserBuffer) -> Generator[None, bytes, None]:
    """Pass every byte through, the way an HTTP body parser does."""
    try:
        while True:
            out.feed_data((yield from buf.readsome()))
    except EofStream:
        pass


def produce(port: int, data: bytes) -> None:
    """A blocking sender in its own thread: as fast as loopback allows."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        view = memoryview(data)
        for start in range(0, len(data), 1 << 20):
            sock.sendall(view[start:start + (1 << 20)])
        sock.shutdown(socket.SHUT_WR)


class ServedProtocol(StreamProtocol):
    """The server side of a test connection, with its body parser set in
    connection_made, before any byte can arrive."""

    def __init__(self, accepted: asyncio.Future[ServedProtocol], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._accepted = accepted

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.body = self.reader.set_parser(payload_parser, FlowControlStreamReader(self.reader))
        # Resolved here, not in the factory: the loop may run the test
        # before it calls connection_made on a new protocol.
        if not self._accepted.done():
            self._accepted.set_result(self)


@asynccontextmanager
async def serve(**kwargs: Any) -> AsyncIterator[tuple[int, asyncio.Future[ServedProtocol]]]:
    loop = asyncio.get_running_loop()
    accepted: asyncio.Future[ServedProtocol] = loop.create_future()
    protocols: list[ServedProtocol] = []

    def make() -> ServedProtocol:
        protocols.append(ServedProtocol(accepted, **kwargs))
        return protocols[-1]

    server = await loop.create_server(make, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, accepted
    finally:
        server.close()
        # Since Python 3.12 wait_closed() also waits for accepted connections.
        for proto in protocols:
            if proto.transport is not None:
                proto.transport.abort()
        await server.wait_closed()


async def test_slow_consumer_keeps_memory_bounded_by_the_limit() -> None:
    data = bytes(range(256)) * (TOTAL // 256)
    async with serve(limit=LIMIT) as (port, accepted):
        producer = threading.Thread(target=produce, args=(port, data))
        producer.start()
        proto = await asyncio.wait_for(accepted, 10)
        assert proto.transport is not None
        transport = proto.transport
        body = proto.body

        digest = hashlib.sha256()
        received = 0
        largest_read = largest_buffer = 0
        saw_paused_transport = False
        while True:
            chunk = await asyncio.wait_for(body.readany(), 10)
            if not chunk:
                break
            received += len(chunk)
            digest.update(chunk)
            largest_read = max(largest_read, len(chunk))
            largest_buffer = max(largest_buffer, len(proto.reader.buffer))
            await asyncio.sleep(0.002)  # the slow consumer
            # Meanwhile the producer filled the buffer and reading paused.
            saw_paused_transport |= not transport.is_reading()
        await asyncio.to_thread(producer.join, 10)

    assert received == TOTAL
    assert digest.digest() == hashlib.sha256(data).digest()
    # Everything passed through, yet at no time was more than the limit's
    # worth (twice the limit, plus one socket read) held on our side.
    bound = 2 * LIMIT + MAX_RECV
    assert largest_buffer <= bound, largest_buffer
    assert largest_read <= bound, largest_read
    assert saw_paused_transport


async def test_without_a_waiting_reader_bytes_wait_in_the_buffer() -> None:
    """The pull model: with no reader waiting, nothing is pushed into the
    parser; the transport is paused once twice the limit is buffered."""
    data = b"z" * (1024 * 1024)
    async with serve(limit=LIMIT) as (port, accepted):
        producer = threading.Thread(target=produce, args=(port, data))
        producer.start()
        proto = await asyncio.wait_for(accepted, 10)
        assert proto.transport is not None
        body = proto.body
        # Let the producer fill everything it can.
        for _ in range(200):
            if not proto.transport.is_reading():
                break
            await asyncio.sleep(0.005)
        assert not proto.transport.is_reading()
        assert body.read_nowait() == b""  # nothing pushed while nobody waits
        assert 2 * LIMIT < len(proto.reader.buffer) <= 2 * LIMIT + MAX_RECV
        assert await asyncio.wait_for(body.read(), 10) == data
        await asyncio.to_thread(producer.join, 10)


async def test_connection_lost_with_error_reaches_the_reader() -> None:
    async with serve() as (port, accepted):
        sock = socket.create_connection(("127.0.0.1", port))
        proto = await asyncio.wait_for(accepted, 10)
        body = proto.body
        # An RST instead of a FIN: SO_LINGER with a zero timeout.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(body.read(), 10)
        assert not proto.is_connected()


@asynccontextmanager
async def silent_peer() -> AsyncIterator[tuple[StreamProtocol, asyncio.Event,
                                              asyncio.Future[asyncio.StreamWriter]]]:
    """A peer that reads nothing until ``start_reading`` is set; our side is
    a StreamProtocol client connected to it."""
    loop = asyncio.get_running_loop()
    start_reading = asyncio.Event()
    peer_writer: asyncio.Future[asyncio.StreamWriter] = loop.create_future()
    handlers: list[asyncio.Task[None]] = []

    async def read_all(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await start_reading.wait()
            while await reader.read(1 << 20):
                pass
        except ConnectionError:
            pass  # the test aborted this side on purpose
        finally:
            writer.close()

    def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer_writer.set_result(writer)
        handlers.append(asyncio.ensure_future(read_all(reader, writer)))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, proto = await loop.create_connection(StreamProtocol, "127.0.0.1", port)
    try:
        yield proto, start_reading, peer_writer
    finally:
        transport.close()
        start_reading.set()
        await asyncio.gather(*handlers)
        server.close()
        await server.wait_closed()


async def test_drain_waits_while_the_peer_does_not_read() -> None:
    async with silent_peer() as (proto, start_reading, _):
        writer = proto.writer
        assert isinstance(writer, StreamWriter)
        writer.transport.set_write_buffer_limits(high=LIMIT)
        # More than the kernel's socket buffers on both sides can absorb.
        writer.write(b"x" * (32 * 1024 * 1024))
        drained = asyncio.ensure_future(writer.drain())
        await asyncio.sleep(0.05)
        assert not drained.done()
        start_reading.set()
        await asyncio.wait_for(drained, 10)


async def test_drain_waits_after_writelines_too() -> None:
    """CPython 3.12/3.13 selector transports skip flow control in writelines()."""
    async with silent_peer() as (proto, start_reading, _):
        writer = proto.writer
        assert isinstance(writer, StreamWriter)
        writer.transport.set_write_buffer_limits(high=LIMIT)
        writer.writelines([b"x" * (16 * 1024 * 1024), b"y" * (16 * 1024 * 1024)])
        drained = asyncio.ensure_future(writer.drain())
        await asyncio.sleep(0.05)
        assert not drained.done()
        start_reading.set()
        await asyncio.wait_for(drained, 10)


async def test_drain_fails_once_the_connection_is_lost() -> None:
    async with silent_peer() as (proto, _, peer_writer):
        writer = proto.writer
        assert isinstance(writer, StreamWriter)
        writer.transport.set_write_buffer_limits(high=LIMIT)
        writer.write(b"x" * (32 * 1024 * 1024))
        drained = asyncio.ensure_future(writer.drain())
        await asyncio.sleep(0)
        (await peer_writer).transport.abort()
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(drained, 10)
        with pytest.raises(ConnectionResetError):
            await writer.drain()


async def test_drain_is_ready_at_once_and_may_be_dropped() -> None:
    async with silent_peer() as (proto, _, _peer):
        writer = proto.writer
        assert writer is not None
        writer.write(b"small")
        writer.drain()  # dropped unawaited, as 0.9 callers do: no warning
        gc.collect()
        await writer.drain()
        assert writer.get_extra_info("peername")[0] == "127.0.0.1"
        assert not writer.is_closing()
        assert writer.can_write_eof()


async def test_wait_closed() -> None:
    async with silent_peer() as (proto, _, _peer):
        writer = proto.writer
        assert writer is not None
        waiter = asyncio.ensure_future(writer.wait_closed())
        await asyncio.sleep(0)
        assert not waiter.done()
        writer.close()
        assert writer.is_closing()
        await asyncio.wait_for(waiter, 10)
        await writer.wait_closed()  # already closed: returns at once
