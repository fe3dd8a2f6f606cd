"""RFC 6455 section 5.3 masking: the C accelerator when it is built, else pure Python.

Every frame a client sends is XORed with a 4-byte key repeated. Pure Python
masks 64 KiB in about 70 us, most of a large echo round trip; the optional
extension ``aiohttp._ws_mask`` (``csrc/_ws_mask.c``, compiled by the wheel's
build hook) does it 8 bytes at a time while copying, in a few microseconds.
Both give the same bytes (``tests/websocket/test_masking.py``);
``AIOHTTP_NO_EXTENSIONS=1`` in the environment, read once at import, keeps
the pure-Python functions.

The three names the frame code uses are bound here once: ``apply_mask``,
``unmask_from`` (a frame's payload read in place from the parser's buffer)
and ``mask_frame`` (a whole client frame in one piece). The pure-Python
versions stay importable as ``py_*`` for the tests.
"""

from __future__ import annotations

from ._extensions import load_extension

__all__ = ["ACCELERATED", "apply_mask", "mask_frame", "unmask_from"]

#: Below this size one XOR of two integers is fastest; above it, four
#: ``bytes.translate`` calls over the stride-4 slices (measured on CPython
#: 3.11: 16 B 0.3 us vs 0.8 us; 1 KiB about even; 64 KiB 116 us vs 71 us;
#: 1 MiB 3.6 ms vs 1.2 ms).
_INT_MASK_MAX = 512
_XOR_TABLES: list[bytes | None] = [None] * 256


def _xor_table(key: int) -> bytes:
    table = _XOR_TABLES[key]
    if table is None:
        table = _XOR_TABLES[key] = bytes(i ^ key for i in range(256))
    return table


_from_bytes = int.from_bytes
#: ``_REPEAT[k]`` times a 32-bit key is the key repeated k times (as an int).
_REPEAT = [sum(1 << (32 * i) for i in range(k)) for k in range(_INT_MASK_MAX // 4 + 2)]


def py_apply_mask(data: bytes | bytearray | memoryview, mask: bytes, /) -> bytes:
    """XOR ``data`` with the 4-byte ``mask`` repeated (masking and unmasking)."""
    n = len(data)
    if n <= _INT_MASK_MAX:
        # One XOR of two integers; the key repeated by one multiplication.
        words = (n + 3) >> 2
        return (_from_bytes(data, "little") ^ (_from_bytes(mask, "little") * _REPEAT[words])
                ).to_bytes(words << 2, "little")[:n]
    out = bytearray(data)
    out[0::4] = out[0::4].translate(_xor_table(mask[0]))
    out[1::4] = out[1::4].translate(_xor_table(mask[1]))
    out[2::4] = out[2::4].translate(_xor_table(mask[2]))
    out[3::4] = out[3::4].translate(_xor_table(mask[3]))
    return bytes(out)


def py_unmask_from(buf: bytearray, start: int, end: int, mask: bytes, /) -> bytes:
    """``apply_mask(buf[start:end], mask)`` without copying the payload out
    first: the four stride-4 slices are taken from the buffer itself."""
    n = end - start
    if n <= _INT_MASK_MAX:
        return py_apply_mask(buf[start:end], mask)
    out = bytearray(n)
    out[0::4] = buf[start:end:4].translate(_xor_table(mask[0]))
    out[1::4] = buf[start + 1:end:4].translate(_xor_table(mask[1]))
    out[2::4] = buf[start + 2:end:4].translate(_xor_table(mask[2]))
    out[3::4] = buf[start + 3:end:4].translate(_xor_table(mask[3]))
    return bytes(out)


def py_mask_frame(head: bytes, mask: bytes, payload: bytes, /) -> bytes | bytearray:
    """``head + mask + apply_mask(payload, mask)``, masked in place for large payloads."""
    if len(payload) <= _INT_MASK_MAX:
        return b"".join((head, mask, py_apply_mask(payload, mask)))
    out = bytearray(head)
    out += mask
    start = len(out)
    out += payload
    out[start::4] = out[start::4].translate(_xor_table(mask[0]))
    out[start + 1::4] = out[start + 1::4].translate(_xor_table(mask[1]))
    out[start + 2::4] = out[start + 2::4].translate(_xor_table(mask[2]))
    out[start + 3::4] = out[start + 3::4].translate(_xor_table(mask[3]))
    return out


#: The extension module in use, or None.
accelerator = load_extension("_ws_mask")
#: Whether masking runs in C.
ACCELERATED = accelerator is not None

apply_mask = py_apply_mask
unmask_from = py_unmask_from
mask_frame = py_mask_frame
if accelerator is not None:
    apply_mask = accelerator.apply_mask
    unmask_from = accelerator.unmask_from
    mask_frame = accelerator.mask_frame
