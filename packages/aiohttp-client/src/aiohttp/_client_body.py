"""Request bodies: what each kind of ``data`` becomes, and how it is written.

``classify(data, encoding)`` turns the ``data`` argument of ``request()``
into a ``Body``: bytes with a known length (``bytes``, ``str``, a
urlencoded form), or a source to stream (a multipart form, a file object,
a sync or async generator or iterable, a ``StreamReader`` or
``DataQueue``). Streaming honours backpressure: each piece waits for the
transport to drain before the next is produced.
"""

from __future__ import annotations

import asyncio
import collections.abc
import inspect
import io
import mimetypes
import os
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from .helpers import FormData
from .protocol import HttpMessage
from .streams import DataQueue, EofStream, StreamReader

__all__ = ["EMPTY", "Body", "classify"]

#: How much of a file or stream is read at a time.
READ_SIZE = 2**16


class Body:
    """A request body: ``data`` (bytes) when its content is known in
    advance, else ``source`` to stream. ``replayable``: can it be sent again
    (a retry, a 307/308 redirect)? ``length``: its size when known, else
    None. ``content_type``: the default Content-Type it implies."""

    __slots__ = ("content_type", "data", "length", "source")

    def __init__(self, data: bytes | None = None, source: Any = None,
                 length: int | None = None, content_type: str | None = None) -> None:
        self.data = data
        self.source = source
        self.length = len(data) if data is not None else length
        self.content_type = content_type

    @property
    def replayable(self) -> bool:
        return self.source is None


#: The body of a request without data (shared: a Body is never changed).
EMPTY = Body(b"")


def classify(data: Any, encoding: str) -> Body:
    if data is None:
        return EMPTY
    if isinstance(data, str):
        return Body(data.encode(encoding), content_type=f"text/plain; charset={encoding}")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return Body(bytes(data), content_type="application/octet-stream")
    if isinstance(data, (StreamReader, asyncio.StreamReader, DataQueue)):
        return Body(source=data)
    if isinstance(data, io.IOBase):
        if isinstance(data, io.TextIOBase):
            raise ValueError("open the file in binary mode to send it")
        name = getattr(data, "name", None)
        content_type = None
        if isinstance(name, str):
            content_type = mimetypes.guess_type(name)[0]
        return Body(source=data, length=_remaining_size(data),
                    content_type=content_type or "application/octet-stream")
    if (inspect.isasyncgen(data) or inspect.isgenerator(data)
            or isinstance(data, collections.abc.AsyncIterable)):
        return Body(source=data)
    if not data and isinstance(data, (dict, list, tuple)):
        return EMPTY
    form = data if isinstance(data, FormData) else FormData(data)
    if form.is_form_data():
        return Body(source=form.gen_form_data(encoding), content_type=form.contenttype)
    return Body(form.gen_form_urlencoded(encoding), content_type=form.contenttype)


def _remaining_size(file: io.IOBase) -> int | None:
    """Bytes left in a regular file, or None when it cannot be known."""
    try:
        fileno = file.fileno()
        position = file.tell()
    except (OSError, ValueError, AttributeError):
        if isinstance(file, io.BytesIO):
            return len(file.getbuffer()) - file.tell()
        return None
    try:
        stat = os.fstat(fileno)
    except OSError:
        return None
    import stat as stat_module
    if not stat_module.S_ISREG(stat.st_mode):
        return None
    return max(stat.st_size - position, 0)


async def _pieces(source: Any) -> AsyncIterator[bytes]:
    """The source's bytes, piece by piece."""
    if isinstance(source, (StreamReader, asyncio.StreamReader)):
        while piece := await source.read(READ_SIZE):
            yield piece
    elif isinstance(source, DataQueue):
        while True:
            try:
                item = await source.read()
            except EofStream:
                return
            if not item:
                return
            yield item
    elif isinstance(source, io.IOBase):
        loop = asyncio.get_running_loop()
        while piece := await loop.run_in_executor(None, source.read, READ_SIZE):
            yield piece
    elif isinstance(source, collections.abc.AsyncIterable):
        async for item in source:
            yield _as_bytes(item)
    else:
        # A sync generator (or iterator): 0.9 let it yield futures to wait
        # for, and return its last piece.
        iterator = iter(source)
        while True:
            try:
                item = next(iterator)
            except StopIteration as stop:
                if stop.value is not None:
                    yield _as_bytes(stop.value)
                return
            if isinstance(item, Awaitable) and not isinstance(item, (bytes, bytearray)):
                result = await item
                if isinstance(result, (bytes, bytearray, memoryview)) and result:
                    yield bytes(result)
                continue
            yield _as_bytes(item)


def _as_bytes(item: Any) -> bytes:
    if isinstance(item, (bytes, bytearray, memoryview)):
        return bytes(item)
    raise ValueError(f"a body source yielded a {type(item).__name__}, not bytes")


async def write_source(message: HttpMessage, source: Any) -> None:
    """Stream ``source`` into ``message``, waiting for the transport between pieces."""
    async for piece in _pieces(source):
        if piece:
            await message.write(piece)
    await message.write_eof()
