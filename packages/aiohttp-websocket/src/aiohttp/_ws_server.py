"""The server's entry: answer a handshake request and return the connection."""

from __future__ import annotations

from collections.abc import Sequence

from ._ws_connection import CLOSE_TIMEOUT, ConnectionWriter, WebSocketConnection
from ._ws_frames import MAX_MSG_SIZE
from ._ws_handshake import server_handshake
from .parsers import StreamParser
from .protocol import RawRequestMessage, Response

__all__ = ["accept_websocket"]


def accept_websocket(message: RawRequestMessage, reader: StreamParser, writer: ConnectionWriter,
                     protocols: Sequence[str] = (), *, compress: bool = True,
                     max_msg_size: int = MAX_MSG_SIZE, autoping: bool = True,
                     heartbeat: float | None = None,
                     close_timeout: float = CLOSE_TIMEOUT) -> WebSocketConnection:
    """Answer the opening handshake ``message`` with a 101 and return the connection.

    For use in ``ServerHttpProtocol.handle_request(message, payload)``::

        ws = accept_websocket(message, self.reader, self.writer, ['chat'])
        async for msg in ws:
            ws.send_str(msg.data)

    A request that is not a valid handshake raises before anything is
    written: ``HttpErrorException`` (405), ``WebSocketVersionError`` (426)
    or ``HttpBadRequest`` (400), which the server answers as usual.
    """
    result = server_handshake(message.method, message.headers, protocols, compress=compress,
                              http_version=message.version)
    response = Response(writer, 101, http_version=message.version)  # type: ignore[arg-type]
    response.add_headers(*result.headers)
    response.send_headers()
    return WebSocketConnection(reader, writer, client=False, protocol=result.protocol,
                               compress=result.compress, max_msg_size=max_msg_size,
                               autoping=autoping, heartbeat=heartbeat,
                               close_timeout=close_timeout)
