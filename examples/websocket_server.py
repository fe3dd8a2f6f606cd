"""A WebSocket echo server on ``aiohttp.server.ServerHttpProtocol``, two ways.

    python examples/websocket_server.py [--host 127.0.0.1] [--port 8000]

* ``ws://127.0.0.1:8000/ws`` uses ``aiohttp.websocket.accept_websocket``:
  it answers the opening handshake and returns a ``WebSocketConnection``
  that answers pings, performs the close handshake and can be iterated
  for messages. This is the way to write a new server.
* ``ws://127.0.0.1:8000/ws-0.9`` is the aiohttp 0.9 way, still supported:
  ``do_handshake`` gives the 101's headers, a ``WebSocketParser`` and a
  ``WebSocketWriter``; the handler sends the 101 itself, puts the parser on
  the connection's reader and answers pings and the Close by hand.

Both echo every text and binary message. Try it with
``python examples/websocket_client.py ws://127.0.0.1:8000/ws``. Ctrl-C
closes open WebSockets with code 1001 (going away), then stops.
"""

from __future__ import annotations

import asyncio

from _serving import serve, server_arguments
from aiohttp.protocol import RawRequestMessage, Response
from aiohttp.server import ServerHttpProtocol
from aiohttp.streams import EofStream, StreamReader
from aiohttp.websocket import (
    CLOSE_GOING_AWAY,
    CLOSE_NO_STATUS,
    CLOSE_OK,
    MSG_BINARY,
    MSG_CLOSE,
    MSG_PING,
    MSG_TEXT,
    WebSocketConnection,
    WebSocketWriter,
    accept_websocket,
    do_handshake,
)

#: Open WebSockets of either kind, for the shutdown to close.
OPEN_CONNECTIONS: set[WebSocketConnection] = set()
OPEN_09_WRITERS: set[WebSocketWriter] = set()


class EchoServer(ServerHttpProtocol):
    """``/ws`` and ``/ws-0.9`` echo WebSocket messages; other paths are not found."""

    async def handle_request(self, message: RawRequestMessage, payload: StreamReader) -> None:
        if message.path == "/ws":
            await self.echo(message)
        elif message.path == "/ws-0.9":
            await self.echo_the_09_way(message)
        else:
            # Anything else gets ServerHttpProtocol's own answer: 404.
            answer = super().handle_request(message, payload)
            if answer is not None:
                await answer

    async def echo(self, message: RawRequestMessage) -> None:
        # Raises (before writing anything) when the request is not a valid
        # handshake; the server then answers 400, 405 or 426 by itself.
        ws = accept_websocket(message, self.reader, self.writer)
        OPEN_CONNECTIONS.add(ws)
        try:
            # Pings are answered inside the connection; iteration ends when
            # the peer closes (or the shutdown does).
            async for msg in ws:
                if msg.tp == MSG_TEXT:
                    ws.send_str(msg.data)
                elif msg.tp == MSG_BINARY:
                    ws.send_bytes(msg.data)
            await ws.close()  # completes the close handshake if still open
        finally:
            OPEN_CONNECTIONS.discard(ws)
        # When the handler returns, the server closes the upgraded connection.

    async def echo_the_09_way(self, message: RawRequestMessage) -> None:
        code, headers, parser, writer = do_handshake(message.method, message.headers,
                                                     self.writer)
        response = Response(self.writer, code, http_version=message.version)
        response.add_headers(*headers)
        response.send_headers()
        # From now on the connection's bytes are WebSocket frames.
        frames = self.reader.set_parser(parser)
        OPEN_09_WRITERS.add(writer)
        try:
            while True:
                try:
                    msg = await frames.read()
                except EofStream:
                    break  # the client went away without a Close frame
                if msg.tp == MSG_PING:
                    writer.pong(msg.data)
                elif msg.tp == MSG_TEXT:
                    writer.send(msg.data)
                elif msg.tp == MSG_BINARY:
                    writer.send(msg.data, binary=True)
                elif msg.tp == MSG_CLOSE:
                    if writer in OPEN_09_WRITERS:  # not yet closed by the shutdown
                        # Echo the peer's code (1005 means it sent none).
                        writer.close(CLOSE_OK if msg.data == CLOSE_NO_STATUS else msg.data)
                    break
        finally:
            OPEN_09_WRITERS.discard(writer)


async def close_websockets() -> None:
    """On shutdown: Close frames with 1001 (going away) to every open WebSocket."""
    for writer in list(OPEN_09_WRITERS):
        OPEN_09_WRITERS.discard(writer)  # the read loop ends at the peer's Close reply
        writer.close(CLOSE_GOING_AWAY, "server shutting down")
    await asyncio.gather(*(ws.close(CLOSE_GOING_AWAY, "server shutting down")
                           for ws in list(OPEN_CONNECTIONS)))


def main() -> None:
    args = server_arguments(__doc__.splitlines()[0] if __doc__ else "")
    asyncio.run(serve(EchoServer, args.host, args.port, on_shutdown=close_websockets))


if __name__ == "__main__":
    main()
