"""DataQueue, ChunksQueue and their flow-controlled variants."""

from __future__ import annotations

import asyncio

import pytest

from aiohttp.streams import (
    ChunksQueue,
    DataQueue,
    EofStream,
    FlowControlChunksQueue,
    FlowControlDataQueue,
    FlowControlStreamReader,
)


class RecordingStream:
    """Stands in for a StreamParser: records the pull-model calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.on_resume: list[object] = []

    def resume_stream(self) -> None:
        self.calls.append("resume")
        for action in self.on_resume:
            action()  # type: ignore[operator]

    def pause_stream(self) -> None:
        self.calls.append("pause")


async def test_items_come_out_in_order_then_eofstream() -> None:
    queue: DataQueue[object] = DataQueue()
    items = [("msg", 1), b"bytes", None]
    for item in items:
        queue.feed_data(item)
    queue.feed_eof()
    assert queue.is_eof() and not queue.at_eof()
    assert [await queue.read() for _ in items] == items
    assert queue.at_eof()
    with pytest.raises(EofStream):
        await queue.read()


async def test_read_waits_for_an_item() -> None:
    queue: DataQueue[int] = DataQueue()
    task = asyncio.ensure_future(queue.read())
    await asyncio.sleep(0)
    assert not task.done()
    queue.feed_data(7)
    assert await task == 7


async def test_eof_while_waiting_raises_eofstream() -> None:
    queue: DataQueue[int] = DataQueue()
    task = asyncio.ensure_future(queue.read())
    await asyncio.sleep(0)
    queue.feed_eof()
    with pytest.raises(EofStream):
        await task


async def test_exception_wins_over_queued_items() -> None:
    queue: DataQueue[int] = DataQueue()
    queue.feed_data(1)
    exc = ValueError("bad")
    queue.set_exception(exc)
    assert queue.exception() is exc
    with pytest.raises(ValueError):
        await queue.read()


async def test_exception_set_while_waiting() -> None:
    queue: DataQueue[int] = DataQueue()
    task = asyncio.ensure_future(queue.read())
    await asyncio.sleep(0)
    queue.set_exception(KeyError("k"))
    with pytest.raises(KeyError):
        await task


async def test_only_one_reader_may_wait() -> None:
    queue: DataQueue[int] = DataQueue()
    first = asyncio.ensure_future(queue.read())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        await queue.read()
    queue.feed_data(1)
    assert await first == 1


async def test_chunks_queue_returns_empty_bytes_at_eof() -> None:
    queue = ChunksQueue()
    queue.feed_data(b"a")
    queue.feed_eof()
    assert await queue.read() == b"a"
    assert await queue.read() == b""
    assert await queue.readany() == b""


async def test_chunks_queue_still_raises_exceptions() -> None:
    queue = ChunksQueue()
    queue.set_exception(OSError("x"))
    with pytest.raises(OSError):
        await queue.readany()


async def test_flow_control_queue_resumes_only_while_it_waits() -> None:
    stream = RecordingStream()
    queue: FlowControlDataQueue[int] = FlowControlDataQueue(stream)
    queue.feed_data(1)
    assert await queue.read() == 1
    assert stream.calls == []  # an item was ready: no need to pull more input
    task = asyncio.ensure_future(queue.read())
    await asyncio.sleep(0)
    assert stream.calls == ["resume"]
    queue.feed_data(2)
    assert await task == 2
    assert stream.calls == ["resume", "pause"]


async def test_flow_control_queue_gets_data_pushed_during_resume() -> None:
    """Resuming may push buffered input through the parser at once; the read
    must return it without waiting for another event."""
    stream = RecordingStream()
    queue: FlowControlDataQueue[str] = FlowControlDataQueue(stream)
    stream.on_resume.append(lambda: queue.feed_data("pushed"))
    assert await asyncio.wait_for(queue.read(), 1) == "pushed"
    assert stream.calls == ["resume", "pause"]


async def test_flow_control_queue_pauses_again_when_cancelled() -> None:
    stream = RecordingStream()
    queue: FlowControlDataQueue[int] = FlowControlDataQueue(stream)
    task = asyncio.ensure_future(queue.read())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.calls == ["resume", "pause"]


async def test_flow_control_chunks_queue() -> None:
    stream = RecordingStream()
    queue = FlowControlChunksQueue(stream)
    assert FlowControlChunksQueue.__mro__[1:3] == (FlowControlDataQueue, ChunksQueue)
    task = asyncio.ensure_future(queue.readany())
    await asyncio.sleep(0)
    queue.feed_eof()
    assert await task == b""
    assert stream.calls == ["resume", "pause"]


async def test_flow_control_stream_reader() -> None:
    stream = RecordingStream()
    reader = FlowControlStreamReader(stream, limit=10)
    reader.feed_data(b"ready")
    assert await reader.read(100) == b"ready"
    assert stream.calls == []
    task = asyncio.ensure_future(reader.readexactly(4))
    await asyncio.sleep(0)
    reader.feed_data(b"ab")
    await asyncio.sleep(0)
    reader.feed_data(b"cd")
    assert await task == b"abcd"
    # One resume/pause pair per wait.
    assert stream.calls == ["resume", "pause", "resume", "pause"]
