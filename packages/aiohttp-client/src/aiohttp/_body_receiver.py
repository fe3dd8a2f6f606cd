"""A large response body of known length, received in place.

``read()`` of a body that arrives in many receives ends with a join: one more
copy of every byte (12% of the client's CPU samples, by ``perf``, for 1 MiB
downloads from a local nginx). When ``read()`` collects a body of known length, the
connection's transport is switched (``set_protocol``) to a
``BodyReceiver``, an ``asyncio.BufferedProtocol``: the socket receives the
rest of the body straight into the ``bytes`` object ``read()`` will return
(``aiohttp._body_buffer.BodyBuffer``), usually in one ``recv_into``. When
the body is complete the transport goes back to the connection's own
protocol.

Bytes that follow the body are not left unseen: the buffer has
``OVERSHOOT`` bytes of room past the body's end, so a receive that brings
the body's last bytes brings what follows as well, as a 256 KiB
``data_received`` would; they go back to the connection, which is then unfit
for reuse (see ``_BodySink``).

Without the C module (no compiler at install time, or
``AIOHTTP_NO_EXTENSIONS=1``) nothing changes: the body takes the usual path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ._extensions import load_extension

if TYPE_CHECKING:
    from ._body_buffer import BodyBuffer
    from .connector import ClientProtocol

__all__ = ["AVAILABLE", "DIRECT_MAX", "DIRECT_MIN", "BodyReceiver"]

_accelerator = load_extension("_body_buffer")
#: Whether bodies can be received in place here.
AVAILABLE = _accelerator is not None
#: A body with less than this left to receive takes the usual path: the
#: switch costs about what the join of so little would.
DIRECT_MIN = 2**18
#: Nor does a body longer than this: its buffer is allocated whole at once.
DIRECT_MAX = 2**26
#: Room past the body's end (see the module's docstring).
OVERSHOOT = 2**16


class Owner(Protocol):
    """What a ``BodyReceiver`` reports to (the response's ``_BodySink``)."""

    def received(self, body: bytes, excess: bytes) -> None:
        """The whole body, and the bytes that came after it in the same receive."""

    def ended(self, missing: int) -> None:
        """The receive stopped ``missing`` bytes short (the connection is ending)."""


class BodyReceiver(asyncio.BufferedProtocol):
    """Receives the rest of a body into its final ``bytes``, then gives the transport back.

    ``fill(view)`` first writes the body's bytes received before (they wait
    in the response's reader) at the start of the buffer and says how many.
    ``start()`` then switches the transport to this receiver. The
    connection's end (EOF or loss) gives the transport back first and is
    reported to the connection's protocol as usual, after ``owner.ended()``.
    """

    def __init__(self, protocol: ClientProtocol, owner: Owner, length: int,
                 fill: Callable[[memoryview], int]) -> None:
        assert _accelerator is not None
        self._protocol = protocol
        self._owner = owner
        self._length = length
        self._buffer: BodyBuffer = _accelerator.BodyBuffer(length + OVERSHOOT)
        with memoryview(self._buffer) as view:
            self._filled = fill(view)
        self._buffer.start = self._filled

    def start(self, transport: asyncio.Transport) -> None:
        transport.set_protocol(self)

    # -- asyncio.BufferedProtocol --------------------------------------------------

    def get_buffer(self, sizehint: int) -> BodyBuffer:
        # The buffer itself (not a view): recv_into leaves no view alive.
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self._protocol.data_seen = True
        filled = self._filled = self._filled + nbytes
        if filled < self._length:
            self._buffer.start = filled
            return
        self._give_back()
        length = self._length
        excess = b""
        if filled > length:
            with memoryview(self._buffer) as view:  # start is still at the previous fill
                excess = bytes(view[length - self._buffer.start:filled - self._buffer.start])
        self._owner.received(self._buffer.take(length), excess)

    def eof_received(self) -> bool | None:
        protocol = self._end()
        return protocol.eof_received()

    def connection_lost(self, exc: BaseException | None) -> None:
        protocol = self._end()
        protocol.connection_lost(exc)

    def pause_writing(self) -> None:
        self._protocol.pause_writing()

    def resume_writing(self) -> None:
        self._protocol.resume_writing()

    # -- giving the transport back --------------------------------------------------

    def _give_back(self) -> ClientProtocol:
        protocol = self._protocol
        transport = protocol.transport
        if transport is not None and transport.get_protocol() is self:
            transport.set_protocol(protocol)
        return protocol

    def _end(self) -> ClientProtocol:
        protocol = self._give_back()
        self._owner.ended(self._length - self._filled)
        return protocol
