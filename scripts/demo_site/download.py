"""``GET /download``: a large deterministic body, streamed with backpressure.

The body is ``PATTERN`` (64 KiB of bytes that depend on their position, so
a lost or repeated block changes the digest) repeated to the requested
size. It is written in ``BLOCK``-sized writes of the same prebuilt bytes,
each awaited until the connection's buffer drains, so a 1 GiB download
holds a few MiB in memory at most, and a slow client slows the writes down.

``X-Content-SHA256`` needs the digest before the body is sent. It is
computed once per size in a worker thread (``hashlib`` releases the GIL on
large inputs, so the event loop keeps serving: 1 GiB takes a few seconds)
and kept in a small cache; concurrent first requests for one size share
the computation.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict

__all__ = ["BLOCK", "DEFAULT_SIZE", "MAX_SIZE", "PATTERN", "DigestCache", "body_blocks",
           "digest_of"]

DEFAULT_SIZE = 16 * 2**20
MAX_SIZE = 2**30
#: The repeating unit: byte i is (i * 7 + i // 256) mod 256.
PATTERN = bytes((i * 7 + (i >> 8)) & 0xFF for i in range(2**16))
#: What one write sends (a whole number of patterns).
BLOCK = PATTERN * 16
#: How many digests the cache keeps.
CACHE_SIZE = 16


def body_blocks(size: int) -> list[tuple[bytes, int]]:
    """The writes of a ``size``-byte body, as (bytes, repeat count): full blocks, then the rest.

    Returned as a recipe rather than a list of blocks so that nothing is
    built for the repeats.
    """
    full, rest = divmod(size, len(BLOCK))
    recipe: list[tuple[bytes, int]] = []
    if full:
        recipe.append((BLOCK, full))
    if rest:
        recipe.append((BLOCK[:rest], 1))
    return recipe


def digest_of(size: int) -> str:
    """The hex SHA-256 of the ``size``-byte body (blocking: run it in a thread)."""
    digest = hashlib.sha256()
    for data, count in body_blocks(size):
        for _ in range(count):
            digest.update(data)
    return digest.hexdigest()


class DigestCache:
    """The digests of the sizes asked for recently, computed off the event loop."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[int, asyncio.Future[str]] = OrderedDict()

    async def get(self, size: int) -> str:
        future = self._entries.get(size)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(None, digest_of, size)
            self._entries[size] = future
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(size)
        try:
            # Shielded: one waiter that goes away must not cancel the others'.
            return await asyncio.shield(future)
        except BaseException:
            if future.done() and not future.cancelled() and future.exception() is not None:
                self._entries.pop(size, None)  # a failure is not cached
            raise
