"""A cancel at every await of a request releases or closes its connection."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp.client import request
from aiohttp.connector import TCPConnector
from client_peers import RawServer, read_request, response


class Stalling:
    """A server whose connections do ``script`` and then wait; notes each close."""

    def __init__(self, script: Callable[[asyncio.StreamReader, asyncio.StreamWriter],
                                        Awaitable[None]]) -> None:
        self.closed = 0
        self.reached = asyncio.Event()

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await script(reader, writer)
                self.reached.set()
                while await reader.read(65536):
                    pass
            finally:
                self.closed += 1
        self.server = RawServer(handler=handler)

    async def wait_closed(self, count: int = 1) -> None:
        while self.closed < count:
            await asyncio.sleep(0.01)


async def _cancel_when(stall: Stalling, coro: Awaitable[Any]) -> None:
    task = asyncio.ensure_future(coro)
    await asyncio.wait_for(stall.reached.wait(), 10)
    await asyncio.sleep(0.02)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the task was not cancelled")


async def test_cancel_while_reading_the_head() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    stall = Stalling(script)
    async with stall.server as server, TCPConnector() as connector:
        await _cancel_when(stall, request("GET", server.url("/"), connector=connector))
        await asyncio.wait_for(stall.wait_closed(), 10)
        assert connector._in_use == 0 and connector._idle_count == 0


async def test_cancel_while_reading_the_body() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome")
        await writer.drain()

    stall = Stalling(script)
    async with stall.server as server, TCPConnector() as connector:
        resp = await request("GET", server.url("/"), connector=connector)
        await _cancel_when(stall, resp.read())
        await asyncio.wait_for(stall.wait_closed(), 10)
        assert resp.connection is None
        assert connector._in_use == 0 and connector._idle_count == 0


async def test_cancel_while_draining_in_release() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome")
        await writer.drain()

    stall = Stalling(script)
    async with stall.server as server, TCPConnector() as connector:
        resp = await request("GET", server.url("/"), connector=connector)
        await _cancel_when(stall, resp.release())
        await asyncio.wait_for(stall.wait_closed(), 10)
        assert connector._in_use == 0


async def test_cancel_while_uploading() -> None:
    async def body() -> AsyncIterator[bytes]:
        while True:
            yield b"\0" * 65536

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # then never reads the body

    stall = Stalling(script)
    async with stall.server as server, TCPConnector() as connector:
        await _cancel_when(stall, request("POST", server.url("/"), data=body(),
                                          connector=connector))
        await asyncio.wait_for(stall.wait_closed(), 10)
        assert connector._in_use == 0
        await asyncio.sleep(0)
        assert not [t for t in asyncio.all_tasks() if "_write_body" in repr(t)]


async def test_cancel_while_waiting_for_100_continue() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")

    stall = Stalling(script)
    async with stall.server as server, TCPConnector() as connector:
        await _cancel_when(stall, request("PUT", server.url("/"), data=b"x", expect100=True,
                                          connector=connector))
        await asyncio.wait_for(stall.wait_closed(), 10)
        assert connector._in_use == 0


async def test_cancel_while_following_a_redirect() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        req = await read_request(reader)
        assert req is not None
        if req.target == "/start":
            writer.write(response(302, b"", (("Location", "/next"),), reason="Found"))
            await writer.drain()
            await read_request(reader)  # the next hop, on the same connection

    stall = Stalling(script)
    async with stall.server as server, TCPConnector() as connector:
        await _cancel_when(stall, request("GET", server.url("/start"), connector=connector))
        await asyncio.wait_for(stall.wait_closed(), 10)
        assert connector._in_use == 0 and connector._idle_count == 0


async def test_cancel_while_waiting_for_a_pool_slot() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    stall = Stalling(script)
    async with stall.server as server, TCPConnector(limit=1) as connector:
        holder = asyncio.ensure_future(request("GET", server.url("/"), connector=connector))
        await asyncio.wait_for(stall.reached.wait(), 10)
        waiter = asyncio.ensure_future(request("GET", server.url("/"), connector=connector))
        while not connector._waiters:
            await asyncio.sleep(0.01)
        waiter.cancel()
        try:
            await waiter
        except asyncio.CancelledError:
            pass
        assert not connector._waiters
        assert connector._in_use == 1
        holder.cancel()
        try:
            await holder
        except asyncio.CancelledError:
            pass
        assert connector._in_use == 0


async def test_cancel_after_wakeup_passes_the_turn_on() -> None:
    """A waiter woken for a free place but cancelled before taking it lets the next one in."""
    served = 0

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        await read_request(reader)
        served += 1
        # the first response holds its connection: its body never comes
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        if served > 1:
            writer.write(b"ok")
        await writer.drain()

    stall = Stalling(script)
    async with stall.server as server, TCPConnector(limit=1) as connector:
        first = await request("GET", server.url("/"), connector=connector)
        woken = asyncio.ensure_future(request("GET", server.url("/"), connector=connector))
        later = asyncio.ensure_future(request("GET", server.url("/"), connector=connector))
        while len(connector._waiters) < 2:
            await asyncio.sleep(0.01)
        first.close()  # wakes `woken`...
        woken.cancel()  # ...which is cancelled before it runs
        try:
            await woken
        except asyncio.CancelledError:
            pass
        resp = await asyncio.wait_for(later, 10)
        assert await resp.read() == b"ok"
        assert connector._in_use == 0


async def test_cancel_while_connecting() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        async with TCPConnector() as connector:
            task = asyncio.ensure_future(request("GET", f"http://127.0.0.1:{port}/",
                                                 connector=connector))
            while connector._in_use == 0:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            assert connector._in_use == 0
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
