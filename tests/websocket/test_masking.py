"""Masking (RFC 6455 section 5.3): the C accelerator and pure Python give the same bytes.

Each implementation is checked against the naive definition (``xor``) and
against the other, on every length up to 200 KiB (all the paths: the C
word loop and its tail, the pure-Python integer and stride paths), every
key, and inputs that are bytes, bytearrays, offset memoryviews (unaligned
for the 8-byte loads) and strided memoryviews. The build of the extension
itself is checked too: where a compiler and Python's headers are present it
must be in use, or the suite would quietly test the pure path twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from extensions import check_built, run_without_extensions
from ws_frames import MASK, xor

from aiohttp import _ws_masking

keys = st.binary(min_size=4, max_size=4)
#: Lengths that cross every boundary: the C loop's 16 and 8-byte steps and
#: tail, the pure-Python 512-byte switch, and large payloads.
lengths = st.one_of(st.integers(0, 80), st.integers(500, 530), st.integers(0, 200 * 1024))
offsets = st.integers(0, 15)


def implementations() -> list[Any]:
    """(apply_mask, unmask_from, mask_frame) of each implementation present."""
    found = [pytest.param((_ws_masking.py_apply_mask, _ws_masking.py_unmask_from,
                           _ws_masking.py_mask_frame), id="py")]
    accelerator = _ws_masking.accelerator
    if accelerator is not None:
        found.append(pytest.param((accelerator.apply_mask, accelerator.unmask_from,
                                   accelerator.mask_frame), id="c"))
    return found


Functions = tuple[Callable[..., bytes], Callable[..., bytes], Callable[..., Any]]
needs_accelerator = pytest.mark.skipif(
    _ws_masking.accelerator is None,
    reason="aiohttp._ws_mask is not in use here; test_the_accelerator_is_built says why")


@pytest.fixture(scope="module", autouse=True)
def masking() -> str:
    """Replaces conftest's run-twice fixture: these tests name the implementation they check."""
    return "both"


@pytest.mark.parametrize("impl", implementations())
@settings(max_examples=150, deadline=None)
@given(length=lengths, offset=offsets, mask=keys, data=st.data())
def test_every_input_form_masks_like_the_definition(impl: Functions, length: int, offset: int,
                                                    mask: bytes, data: st.DataObject) -> None:
    apply_mask, unmask_from, mask_frame = impl
    raw = os.urandom(length) if length > 1024 else data.draw(
        st.binary(min_size=length, max_size=length))
    expected = xor(raw, mask)
    padded = bytearray(os.urandom(offset)) + raw + os.urandom(3)
    unaligned = memoryview(padded)[offset:offset + length]
    for form in (raw, bytearray(raw), unaligned):
        assert apply_mask(form, mask) == expected
    # unmask_from reads the payload in place and leaves the buffer alone.
    before = bytes(padded)
    assert unmask_from(padded, offset, offset + length, mask) == expected
    assert padded == before
    head = os.urandom(length % 11)
    assert bytes(mask_frame(head, mask, raw)) == head + mask + expected
    # Masking twice gives the data back.
    assert apply_mask(expected, mask) == raw


@needs_accelerator
@settings(max_examples=150, deadline=None)
@given(length=lengths, offset=offsets, mask=keys)
def test_the_accelerator_and_pure_python_agree(length: int, offset: int, mask: bytes) -> None:
    accelerator = _ws_masking.accelerator
    assert accelerator is not None
    raw = os.urandom(offset + length)
    view = memoryview(raw)[offset:]
    assert accelerator.apply_mask(view, mask) == _ws_masking.py_apply_mask(view, mask)
    buf = bytearray(raw)
    assert (accelerator.unmask_from(buf, offset, offset + length, mask)
            == _ws_masking.py_unmask_from(buf, offset, offset + length, mask))
    assert (accelerator.mask_frame(b"\x82\x7f", mask, bytes(view))
            == bytes(_ws_masking.py_mask_frame(b"\x82\x7f", mask, bytes(view))))


@pytest.mark.parametrize("impl", implementations())
@pytest.mark.parametrize("key", [bytes([k, (k * 7) & 0xFF, (k * 13) & 0xFF, 255 - k])
                                 for k in range(256)])
def test_every_key_byte(impl: Functions, key: bytes) -> None:
    apply_mask, unmask_from, mask_frame = impl
    data = bytes(range(256)) * 4 + b"tail!"  # both pure-Python paths' sizes below
    assert apply_mask(data, key) == xor(data, key)
    assert apply_mask(data[:37], key) == xor(data[:37], key)
    assert unmask_from(bytearray(data), 5, 800, key) == xor(data[5:800], key)
    assert bytes(mask_frame(b"", key, data)) == key + xor(data, key)


@pytest.mark.parametrize("impl", implementations())
def test_strided_memoryview(impl: Functions) -> None:
    apply_mask = impl[0]
    raw = os.urandom(4000)
    for view in (memoryview(raw)[::3], memoryview(raw)[1::2]):
        assert apply_mask(view, MASK) == xor(bytes(view), MASK)


@pytest.mark.parametrize("impl", implementations())
def test_rfc_example(impl: Functions) -> None:
    # RFC 6455 section 5.7: "Hello" masked with 37 fa 21 3d.
    assert impl[0](b"Hello", MASK) == bytes.fromhex("7f9f4d5158")


@needs_accelerator
def test_accelerator_rejects_what_it_cannot_mask() -> None:
    accelerator = _ws_masking.accelerator
    assert accelerator is not None
    with pytest.raises(ValueError, match="4 bytes"):
        accelerator.apply_mask(b"data", b"abc")
    with pytest.raises(ValueError, match="bounds"):
        accelerator.unmask_from(bytearray(10), 4, 11, MASK)
    with pytest.raises(ValueError, match="bounds"):
        accelerator.unmask_from(bytearray(10), 5, 4, MASK)
    with pytest.raises(TypeError):
        accelerator.apply_mask("text", MASK)
    with pytest.raises(TypeError):
        accelerator.mask_frame(b"", MASK)


def test_the_accelerator_is_built() -> None:
    """Where the build hook could compile the extension, it is in use."""
    check_built(_ws_masking.accelerator, "_ws_mask", "aiohttp-websocket")
    assert _ws_masking.ACCELERATED is (_ws_masking.accelerator is not None)
    if not _ws_masking.ACCELERATED:
        assert _ws_masking.apply_mask is _ws_masking.py_apply_mask


def test_no_extensions_keeps_pure_python() -> None:
    """``AIOHTTP_NO_EXTENSIONS=1`` is read at import: the pure functions are used."""
    assert run_without_extensions(
        "from aiohttp import _ws_masking as m; print(m.ACCELERATED, "
        "m.apply_mask is m.py_apply_mask, m.mask_frame is m.py_mask_frame)"
    ) == ["False", "True", "True"]
