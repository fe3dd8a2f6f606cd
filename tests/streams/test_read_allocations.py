"""``aiohttp._read_allocations``: receive buffers come from the heap, not from a new mapping.

The mechanism is glibc's (see the module's docstring): a fresh interpreter
that receives with ``recv(256 KiB)``, as asyncio's transports do, maps a new
region for every read, which shows as page faults; once ``prepare_reads()``
has run, it does not. The wiring tests check that a protocol prepares on its first connection
(the server's, which has a ``connection_made`` of its own, is checked in
``tests/server/test_protocol.py``).
"""

from __future__ import annotations

import asyncio
import platform
import socket
import subprocess
import sys

from aiohttp import _read_allocations
from aiohttp.parsers import StreamProtocol

# Page faults per read of a receive loop in a fresh interpreter, before and
# after prepare_reads(). Each read keeps its buffer a moment (two are held),
# as a protocol's reader does.
PROBE = """
import importlib.util, resource, socket, sys
a, b = socket.socketpair()
def faults_per_read(n=300):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    held = []
    for _ in range(n):
        b.send(b"x" * 100)
        held.append(a.recv(262144))
        if len(held) > 2:
            held.pop(0)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / n
fresh = faults_per_read()
# The module alone, without the aiohttp package (whose imports allocate too).
spec = importlib.util.spec_from_file_location("read_allocations", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
assert module.DEFAULT_READ_SIZE == 262144
loaded = faults_per_read()
module.prepare_reads()
print(fresh, loaded, faults_per_read())
"""


def test_prepared_reads_take_no_new_mapping() -> None:
    # -I -S: no site-packages, whose start-up code may allocate and free large blocks.
    out = subprocess.run([sys.executable, "-I", "-S", "-c", PROBE, _read_allocations.__file__],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    fresh, loaded, prepared = map(float, out.split())
    if platform.libc_ver()[0] == "glibc":
        # The premise: without it, every read maps (and faults in) a new
        # region, and loading the module changes nothing by itself.
        assert fresh >= 1.0, out
        assert loaded >= 1.0, out
        assert prepared < 0.5, out
    else:
        assert prepared <= fresh + 0.5, out


def test_prepare_reads_is_done_once_per_size() -> None:
    _read_allocations._prepared.discard(12345)
    _read_allocations.prepare_reads()
    assert _read_allocations.DEFAULT_READ_SIZE in _read_allocations._prepared

    class Sized:
        max_size = 12345

    _read_allocations.prepare_reads(Sized())  # type: ignore[arg-type]
    assert 12345 in _read_allocations._prepared
    _read_allocations._prepared.discard(12345)


async def connect_and_check(factory: type[asyncio.Protocol]) -> None:
    """A connection of ``factory``'s protocol prepares for its transport's reads."""
    loop = asyncio.get_running_loop()
    _read_allocations._prepared.clear()
    a, b = socket.socketpair()
    try:
        transport, _ = await loop.create_connection(factory, sock=a)
        try:
            size = getattr(transport, "max_size", _read_allocations.DEFAULT_READ_SIZE)
            assert _read_allocations._prepared == {size}
        finally:
            transport.close()
            await asyncio.sleep(0)
    finally:
        b.close()


async def test_stream_protocol_prepares_on_connection() -> None:
    await connect_and_check(StreamProtocol)
