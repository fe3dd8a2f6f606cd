"""Keep glibc's malloc from mapping a new region for every socket read.

asyncio's socket transports receive with ``sock.recv(max_size)``, 256 KiB:
CPython allocates a bytes object of that size, the kernel fills what it has
(often a few hundred bytes) and the object is shrunk to fit. glibc's malloc
serves a block at or above its *mmap threshold* with a fresh ``mmap(2)``.
The threshold starts at 128 KiB and is raised only when a mapped block
larger than it is freed (mallopt(3), ``M_MMAP_THRESHOLD``: the dynamic
threshold); a receive buffer that was not filled is shrunk with
``mremap(2)`` first, and is no longer larger when it is freed. So a process
in which no large block happens to have been freed yet pays, on every short
read, an ``mmap``, an ``mremap``, an ``munmap`` and a page fault. Which processes
do depends on what they did before: ``bench/bench_client.py``'s 50
concurrent GETs took 64 µs of CPU per request in such a process and 36 µs
in the others, with the same code.

Allocating and freeing one block larger than a receive buffer, once, makes
glibc's own adjustment happen at the start: from then on receive buffers
come from the heap. With another allocator (musl, macOS, Windows) it is one
short-lived allocation that changes nothing.
"""

from __future__ import annotations

import asyncio

__all__ = ["prepare_reads"]

#: What asyncio's selector transports ask ``recv`` for (their ``max_size``)
#: when a transport does not say.
DEFAULT_READ_SIZE = 256 * 1024
#: Added to the read size: the freed block must be larger than a receive
#: buffer with its object header, rounded up to whole pages.
_MARGIN = 2 * 4096

_prepared: set[int] = set()


def prepare_reads(transport: asyncio.BaseTransport | None = None) -> None:
    """Make sure receive buffers of ``transport``'s read size come from the heap.

    Cheap after the first call for a size: a set lookup.
    """
    size = getattr(transport, "max_size", None)
    if not isinstance(size, int) or size <= 0:
        size = DEFAULT_READ_SIZE
    if size in _prepared:
        return
    _prepared.add(size)
    # ``bytes(n)`` asks for zeroed memory (calloc): a fresh mapping is not
    # touched, so this costs two system calls and no page faults.
    block = bytes(size + _MARGIN)
    del block
