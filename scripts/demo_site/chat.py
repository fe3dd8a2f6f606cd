"""The ``/ws`` chat's broadcast hub.

Every text message is sent, unchanged, to every connected client (the
sender included). A broadcast never waits for anybody: each frame is
written to each client's transport buffer at once, so one slow client
cannot hold the others back. The price is memory, so it is bounded: a
client with more than ``MAX_BACKLOG`` bytes still unsent when a message
arrives is closed with 1008 ("too slow") rather than buffered further.
Closed clients leave the hub when their handler ends, and are skipped (and
dropped) by a broadcast that finds them closed first.

``close_all`` is the shutdown: every client gets a Close frame with 1001
(going away), and the close handshakes run concurrently.
"""

from __future__ import annotations

import asyncio

from aiohttp.websocket import CLOSE_GOING_AWAY, CLOSE_POLICY_VIOLATION, WebSocketConnection

__all__ = ["MAX_BACKLOG", "ChatHub"]

#: Unsent bytes a client may have before it is dropped.
MAX_BACKLOG = 2**20


class ChatHub:
    """The connected chat clients."""

    def __init__(self) -> None:
        self.clients: set[WebSocketConnection] = set()
        self._closing: set[asyncio.Task[bool]] = set()

    def join(self, ws: WebSocketConnection) -> None:
        self.clients.add(ws)

    def leave(self, ws: WebSocketConnection) -> None:
        self.clients.discard(ws)

    def broadcast(self, text: str) -> None:
        """Send ``text`` to every open client; drop those that do not keep up."""
        for ws in list(self.clients):
            if ws.closed:
                self.clients.discard(ws)
                continue
            transport = ws.transport
            backlog = transport.get_write_buffer_size() if transport is not None else 0
            if backlog > MAX_BACKLOG:
                self.clients.discard(ws)
                self._close(ws, CLOSE_POLICY_VIOLATION, "too slow")
                continue
            # Not awaited on purpose: the frame is in the transport's buffer
            # already; waiting for it to drain is what must not happen here.
            ws.send_str(text)

    def _close(self, ws: WebSocketConnection, code: int, reason: str) -> None:
        task = asyncio.ensure_future(ws.close(code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close_all(self, timeout: float) -> None:
        """Close every client with 1001 and wait (at most ``timeout`` s) for the handshakes."""
        for ws in list(self.clients):
            if not ws.closed:
                self._close(ws, CLOSE_GOING_AWAY, "server shutting down")
        self.clients.clear()
        pending = set(self._closing)
        if pending:
            await asyncio.wait(pending, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
