"""``aiohttp._body_buffer.BodyBuffer``: a ``bytes`` object filled in place, safely.

The buffer lends its memory for writing (``recv_into``) from ``start`` on,
and hands the ``bytes`` out with ``take()`` only when no view of it is
alive; afterwards it lends nothing. So the ``bytes`` a reader gets can never
change under it.
"""

from __future__ import annotations

import gc
import socket
from typing import Any

import pytest
from extensions import check_built

from aiohttp import _extensions

accelerator = _extensions.load_extension("_body_buffer")
needs_c = pytest.mark.skipif(accelerator is None, reason="aiohttp._body_buffer is not built here")


@pytest.fixture(scope="module", autouse=True)
def accelerators() -> str:
    """Nothing here depends on the head scan or the writer: run once (see conftest.py)."""
    return "either"


def new(size: int) -> Any:
    assert accelerator is not None
    return accelerator.BodyBuffer(size)


def test_the_module_is_built() -> None:
    check_built(accelerator, "_body_buffer", "aiohttp-protocol")


@needs_c
def test_recv_into_fills_it_from_start_and_take_gives_the_bytes() -> None:
    a, b = socket.socketpair()
    with a, b:
        buffer = new(10)
        assert len(buffer) == 10 and buffer.start == 0
        b.sendall(b"hello")
        assert a.recv_into(buffer) == 5
        buffer.start = 5
        assert len(buffer) == 5
        b.sendall(b"world and more")
        assert a.recv_into(buffer) == 5  # never past the end
        body = buffer.take(10)
        assert body == b"helloworld" and type(body) is bytes
        assert a.recv(100) == b" and more"


@needs_c
def test_take_shrinks_and_empties_the_buffer() -> None:
    buffer = new(8)
    with memoryview(buffer) as view:
        view[:] = b"abcdefgh"
    assert buffer.take(3) == b"abc"
    assert len(buffer) == 0
    with pytest.raises(BufferError):
        memoryview(buffer)
    with pytest.raises(BufferError):
        buffer.take(0)
    with pytest.raises(ValueError):
        buffer.start = 0


@needs_c
def test_take_waits_for_every_view_to_be_gone() -> None:
    buffer = new(4)
    view = memoryview(buffer)
    piece = buffer[1:3]  # a view too (what asyncio's TLS reads make)
    assert isinstance(piece, memoryview) and not piece.readonly
    piece[:] = b"xy"
    view.release()
    with pytest.raises(BufferError, match="view"):
        buffer.take(4)
    del piece
    gc.collect()
    view = memoryview(buffer)
    view[0:1] = b"w"
    view[3:4] = b"z"
    view.release()
    assert buffer.take(4) == b"wxyz"


@needs_c
@pytest.mark.parametrize("bad", [-1, 11])
def test_start_stays_within_the_buffer(bad: int) -> None:
    buffer = new(10)
    with pytest.raises(ValueError):
        buffer.start = bad
    buffer.start = 10
    assert len(buffer) == 0
    with pytest.raises(ValueError):
        buffer.take(11)
    with pytest.raises(ValueError):
        buffer.take(-1)
    assert len(buffer.take(0)) == 0


@needs_c
def test_bad_sizes_are_refused() -> None:
    assert accelerator is not None
    with pytest.raises(ValueError):
        accelerator.BodyBuffer(-1)
    with pytest.raises(TypeError):
        accelerator.BodyBuffer("10")
    with pytest.raises(TypeError):
        accelerator.BodyBuffer(size=10)
