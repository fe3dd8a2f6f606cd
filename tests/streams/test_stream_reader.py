"""StreamReader: every read method, EOF, limits, exceptions, the one-waiter rule."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import pytest

from aiohttp.errors import LineLimitExceededParserError
from aiohttp.streams import EOF_MARKER, StreamReader


def fed(*chunks: bytes, eof: bool = False, limit: int = 2**16) -> StreamReader:
    reader = StreamReader(limit=limit)
    for chunk in chunks:
        reader.feed_data(chunk)
    if eof:
        reader.feed_eof()
    return reader


async def feed_later(reader: StreamReader, *chunks: bytes, eof: bool = False) -> None:
    """Feed from another task, one chunk per loop iteration, while the reader waits."""
    for chunk in chunks:
        await asyncio.sleep(0)
        reader.feed_data(chunk)
    if eof:
        await asyncio.sleep(0)
        reader.feed_eof()


def test_construct_outside_any_event_loop() -> None:
    # No loop is bound at construction (creating asyncio objects without a
    # running loop is deprecated): the loop is looked up when a read waits.
    reader = StreamReader()
    reader.feed_data(b"abc")
    reader.feed_eof()
    assert asyncio.run(reader.read()) == b"abc"


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StreamReader(limit=0)


async def test_read_zero_returns_empty_without_waiting() -> None:
    reader = StreamReader()
    assert await reader.read(0) == b""


async def test_read_n_returns_at_most_n_and_keeps_the_rest() -> None:
    reader = fed(b"hello ", b"world")
    assert await reader.read(3) == b"hel"
    assert await reader.read(5) == b"lo wo"
    assert await reader.read(100) == b"rld"


async def test_read_n_waits_for_data() -> None:
    reader = StreamReader()
    task = asyncio.ensure_future(reader.read(10))
    await asyncio.sleep(0)
    assert not task.done()
    reader.feed_data(b"abc")
    assert await task == b"abc"


async def test_read_all_waits_for_eof() -> None:
    reader = StreamReader()
    feeder = asyncio.ensure_future(feed_later(reader, b"a", b"bc", b"def", eof=True))
    assert await reader.read() == b"abcdef"
    await feeder
    assert reader.at_eof()


async def test_reads_return_empty_at_eof() -> None:
    reader = fed(eof=True)
    assert await reader.read() is EOF_MARKER
    assert await reader.read(10) == b""
    assert await reader.readany() == b""
    assert await reader.readline() == b""
    assert reader.read_nowait() == b""


async def test_eof_in_the_middle_of_read_n_returns_what_arrived() -> None:
    reader = StreamReader()
    feeder = asyncio.ensure_future(feed_later(reader, b"par", eof=True))
    assert await reader.read(10) == b"par"
    assert await reader.read(10) == b""
    await feeder


async def test_readany_returns_everything_buffered() -> None:
    reader = fed(b"one", b"two", b"three")
    assert await reader.readany() == b"onetwothree"
    task = asyncio.ensure_future(reader.readany())
    await asyncio.sleep(0)
    assert not task.done()
    reader.feed_data(b"four")
    assert await task == b"four"


async def test_readany_returns_the_fed_chunk_itself_when_alone() -> None:
    chunk = b"x" * 1000
    reader = fed(chunk)
    assert await reader.readany() is chunk


async def test_read_nowait() -> None:
    reader = fed(b"ab", b"cd")
    assert reader.read_nowait() == b"abcd"
    assert reader.read_nowait() == b""


async def test_read_nowait_while_a_read_waits_is_an_error() -> None:
    reader = StreamReader()
    task = asyncio.ensure_future(reader.read(1))
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        reader.read_nowait()
    reader.feed_eof()
    assert await task == b""


async def test_readexactly_across_chunks() -> None:
    reader = StreamReader()
    feeder = asyncio.ensure_future(feed_later(reader, b"ab", b"cdef", b"gh"))
    assert await reader.readexactly(5) == b"abcde"
    assert await reader.readexactly(3) == b"fgh"
    assert await reader.readexactly(0) == b""
    await feeder


async def test_readexactly_eof_first_raises_with_partial() -> None:
    reader = StreamReader()
    feeder = asyncio.ensure_future(feed_later(reader, b"abc", eof=True))
    with pytest.raises(asyncio.IncompleteReadError) as info:
        await reader.readexactly(10)
    assert info.value.partial == b"abc"
    assert info.value.expected == 10
    await feeder


async def test_readexactly_negative_is_an_error() -> None:
    with pytest.raises(ValueError):
        await StreamReader().readexactly(-1)


async def test_readline_across_chunks_and_rest_at_eof() -> None:
    reader = StreamReader()
    feeder = asyncio.ensure_future(
        feed_later(reader, b"li", b"ne1\nline", b"2\n\nlast", eof=True))
    assert await reader.readline() == b"line1\n"
    assert await reader.readline() == b"line2\n"
    assert await reader.readline() == b"\n"
    assert await reader.readline() == b"last"
    assert await reader.readline() == b""
    await feeder


async def test_readline_longer_than_limit_is_an_error_and_keeps_the_bytes() -> None:
    reader = fed(b"a" * 10 + b"\n", limit=8)
    with pytest.raises(LineLimitExceededParserError) as info:
        await reader.readline()
    assert isinstance(info.value, ValueError)  # 0.9 raised a plain ValueError
    assert info.value.limit == 8
    assert await reader.read(100) == b"a" * 10 + b"\n"


async def test_readline_limit_exceeded_while_waiting_for_newline() -> None:
    reader = StreamReader(limit=8)
    task = asyncio.ensure_future(reader.readline())
    reader.feed_data(b"12345")
    await asyncio.sleep(0)
    assert not task.done()
    reader.feed_data(b"6789")
    with pytest.raises(LineLimitExceededParserError):
        await task


async def test_readline_exactly_at_limit_is_accepted() -> None:
    reader = fed(b"1234567\n", limit=8)
    assert await reader.readline() == b"1234567\n"


async def test_async_iteration_yields_lines() -> None:
    reader = fed(b"a\nb\nc", eof=True)
    assert [line async for line in reader] == [b"a\n", b"b\n", b"c"]


async def test_exception_is_raised_before_buffered_data() -> None:
    reader = fed(b"data")
    exc = ValueError("boom")
    reader.set_exception(exc)
    assert reader.exception() is exc
    for read in (reader.read, reader.readany, reader.readline):
        with pytest.raises(ValueError, match="boom"):
            await read()
    with pytest.raises(ValueError, match="boom"):
        await reader.readexactly(2)
    with pytest.raises(ValueError, match="boom"):
        reader.read_nowait()


@pytest.mark.parametrize("method", ["read", "read_n", "readany", "readline", "readexactly"])
async def test_exception_set_while_a_reader_waits(method: str) -> None:
    reader = StreamReader()
    calls = {
        "read": lambda: reader.read(),
        "read_n": lambda: reader.read(5),
        "readany": lambda: reader.readany(),
        "readline": lambda: reader.readline(),
        "readexactly": lambda: reader.readexactly(5),
    }
    task = asyncio.ensure_future(calls[method]())
    await asyncio.sleep(0)
    assert not task.done()
    reader.set_exception(ConnectionResetError("gone"))
    with pytest.raises(ConnectionResetError, match="gone"):
        await task


async def test_only_one_reader_may_wait() -> None:
    reader = StreamReader()
    first = asyncio.ensure_future(reader.read(1))
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="already waiting"):
        await reader.read(1)
    reader.feed_data(b"z")
    assert await first == b"z"


async def test_cancelled_read_releases_the_waiter() -> None:
    reader = StreamReader()
    task = asyncio.ensure_future(reader.read(1))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    reader.feed_data(b"k")
    assert await reader.read(1) == b"k"


async def test_feed_data_after_eof_is_an_error() -> None:
    reader = fed(eof=True)
    with pytest.raises(RuntimeError):
        reader.feed_data(b"late")


async def test_empty_feed_is_ignored_and_does_not_wake() -> None:
    reader = StreamReader()
    task = asyncio.ensure_future(reader.read(1))
    await asyncio.sleep(0)
    reader.feed_data(b"")
    await asyncio.sleep(0)
    assert not task.done()
    reader.feed_eof()
    assert await task == b""


async def test_total_bytes_counts_everything_fed() -> None:
    assert StreamReader.total_bytes == 0
    reader = fed(b"abc", b"", b"de")
    await reader.read(2)
    assert reader.total_bytes == 5


async def test_is_eof_and_at_eof() -> None:
    reader = fed(b"x")
    assert not reader.is_eof() and not reader.at_eof()
    reader.feed_eof()
    assert reader.is_eof() and not reader.at_eof()
    await reader.read()
    assert reader.at_eof()


async def test_feed_tail_skips_the_start_of_a_chunk() -> None:
    reader = StreamReader()
    reader.feed_tail(b"HEAD|body one\n", 5)
    assert reader.buffered_size() == 9 and reader.total_bytes == 9
    reader.feed_tail(b"XXtwo", 2)  # something is buffered: copied as a slice
    reader.feed_tail(b"", 0)
    reader.feed_eof()
    assert await reader.readline() == b"body one\n"
    assert await reader.read() == b"two"
    with pytest.raises(RuntimeError):
        reader.feed_tail(b"late", 1)


async def test_feed_tail_then_partial_and_whole_reads() -> None:
    reader = StreamReader()
    reader.feed_tail(b"HEAD|0123456789", 5)
    reader.feed_tail(b"ignored", 7)  # nothing left of it
    reader.feed_data(b"abc")
    assert await reader.read(3) == b"012"
    assert isinstance(await reader.readexactly(2), bytes)
    whole = await reader.read(100)  # the rest of the first chunk and the next: one join
    assert whole == b"56789abc" and type(whole) is bytes
    reader.feed_tail(b"--xyz", 2)
    reader.feed_data(b"!")
    reader.feed_eof()
    rest = await reader.read()
    assert rest == b"xyz!" and type(rest) is bytes


async def test_buffered_size_counts_unread_bytes() -> None:
    reader = fed(b"abc", b"de")
    assert reader.buffered_size() == 5
    assert await reader.read(2) == b"ab"
    assert reader.buffered_size() == 3
    reader.feed_eof()
    await reader.read()
    assert reader.buffered_size() == 0


async def test_has_waiter_while_a_read_or_wait_eof_waits() -> None:
    reader = StreamReader()
    assert not reader.has_waiter()
    read = asyncio.ensure_future(reader.read(1))
    await asyncio.sleep(0)
    assert reader.has_waiter()
    reader.feed_data(b"x")
    assert not reader.has_waiter()  # woken: it will run, and not wait again
    assert await read == b"x"
    eof = asyncio.ensure_future(reader.wait_eof())
    await asyncio.sleep(0)
    assert reader.has_waiter()
    reader.feed_eof()
    assert not reader.has_waiter()
    await eof


async def test_wait_eof() -> None:
    reader = StreamReader()
    waiter = asyncio.ensure_future(reader.wait_eof())
    await asyncio.sleep(0)
    assert not waiter.done()
    reader.feed_data(b"not yet")
    await asyncio.sleep(0)
    assert not waiter.done()
    reader.feed_eof()
    await waiter
    await reader.wait_eof()  # at EOF already: returns at once


async def test_wait_eof_raises_a_stored_exception() -> None:
    reader = StreamReader()
    waiter = asyncio.ensure_future(reader.wait_eof())
    await asyncio.sleep(0)
    reader.set_exception(OSError("reset"))
    with pytest.raises(OSError, match="reset"):
        await waiter


async def test_many_reads_at_eof_log_a_warning_once(caplog: pytest.LogCaptureFixture) -> None:
    reader = fed(eof=True)
    with caplog.at_level(logging.WARNING, logger="aiohttp.internal"):
        for _ in range(10):
            await reader.read(1)
    messages = [r for r in caplog.records if "infinite loop" in r.getMessage()]
    assert len(messages) == 1


async def test_repr_shows_state() -> None:
    reader = fed(b"abc", eof=True)
    assert "3 bytes" in repr(reader) and "eof" in repr(reader)


class CountingBytes(bytes):
    """Counts how often readline searches it: the measure of its work."""

    finds = 0

    def find(self, sub: bytes, start: int = 0, end: int | None = None, /) -> int:  # type: ignore[override]
        CountingBytes.finds += 1
        return super().find(sub, start, end)


async def test_readline_of_a_trickling_line_does_linear_work() -> None:
    """A line arriving a byte per event-loop turn (a slow or hostile client)
    must not be searched again from the start at every turn: each chunk is
    looked at a bounded number of times, however long the line."""
    reader = StreamReader()
    pieces = 3000
    CountingBytes.finds = 0

    async def trickle() -> None:
        for _ in range(pieces):
            await asyncio.sleep(0)
            reader.feed_data(CountingBytes(b"x"))
        reader.feed_data(CountingBytes(b"\n"))

    feeder = asyncio.ensure_future(trickle())
    line = await reader.readline()
    await feeder
    assert line == b"x" * pieces + b"\n"
    # Quadratic rescanning would make about pieces**2 / 2 = 4.5 million calls.
    assert CountingBytes.finds <= 3 * pieces


async def test_a_woken_reader_does_not_unregister_the_next_one() -> None:
    """Reader A is woken; before it runs, the data is taken and B starts
    waiting. When A runs it must leave B's registration alone (it finds B
    waiting and fails as a second reader), or B would never be woken."""
    reader = StreamReader()
    first = asyncio.ensure_future(reader.read(1))
    await asyncio.sleep(0)
    reader.feed_data(b"a")  # wakes `first`, which has not run yet
    assert reader.read_nowait() == b"a"

    async def feed_after_first_ran() -> None:
        await asyncio.sleep(0)
        reader.feed_data(b"b")

    feeder = asyncio.ensure_future(feed_after_first_ran())
    async with asyncio.timeout(1):
        # Awaited inline, so this reader registers before `first` runs.
        assert await reader.read(1) == b"b"
    with pytest.raises(RuntimeError, match="already waiting"):
        await first
    await feeder


async def test_readinto_nowait_moves_every_buffered_chunk() -> None:
    reader = StreamReader()
    reader.feed_tail(b"HEAD|first ", 5)  # kept whole, its start skipped
    reader.feed_data(cast(bytes, memoryview(b"xxsecond ")[2:]))
    reader.feed_data(b"third")
    target = bytearray(b"." * 24)
    assert reader.readinto_nowait(memoryview(target)[1:]) == 18
    assert target == b".first second third....."
    assert reader.buffered_size() == 0
    assert reader.read_nowait() == b""
    reader.feed_data(b"more")
    assert await reader.read(2) == b"mo"
    into = bytearray(2)
    assert reader.readinto_nowait(into) == 2 and into == b"re"


async def test_readinto_nowait_refuses_a_small_buffer_and_takes_nothing() -> None:
    reader = StreamReader()
    reader.feed_data(b"abc")
    with pytest.raises(ValueError):
        reader.readinto_nowait(bytearray(2))
    assert reader.read_nowait() == b"abc"


async def test_readinto_nowait_while_a_read_waits_is_an_error() -> None:
    reader = StreamReader()
    task = asyncio.ensure_future(reader.read())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        reader.readinto_nowait(bytearray(4))
    reader.feed_eof()
    assert await task == b""
