"""The client's side of the opening handshake over an open connection.

``client_handshake`` writes the request (``aiohttp.protocol.Request``), reads
the answer (``HttpResponseParser``), checks it (RFC 6455 section 4.1) and
returns the ``WebSocketConnection``. It needs only a connection's reader
and writer, so ``aiohttp.websocket_client.ws_connect`` runs it over the
client's connectors and tests can run it over any socket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ._ws_connection import CLOSE_TIMEOUT, ConnectionWriter, WebSocketConnection
from ._ws_frames import MAX_MSG_SIZE
from ._ws_handshake import WebSocketHandshakeError, check_response, client_request_headers
from .parsers import StreamParser
from .protocol import HttpResponseParser, Request

__all__ = ["client_handshake"]


async def client_handshake(reader: StreamParser, writer: ConnectionWriter, *, host: str,
                           path: str = "/", protocols: Sequence[str] = (), compress: bool = True,
                           headers: Iterable[tuple[str, str]] = (), origin: str | None = None,
                           max_msg_size: int = MAX_MSG_SIZE, autoping: bool = True,
                           heartbeat: float | None = None, close_timeout: float = CLOSE_TIMEOUT,
                           on_close: Callable[[], object] | None = None) -> WebSocketConnection:
    """Open a WebSocket over a connected ``reader``/``writer`` pair.

    ``host`` is the Host field (``name[:port]``), ``path`` the request
    target. Raises ``WebSocketHandshakeError`` when the server does not
    answer with a valid 101; the caller closes the connection then.
    """
    key, fields = client_request_headers(protocols, compress=compress)
    request = Request(writer, "GET", path)  # type: ignore[arg-type]
    request.add_header("Host", host)
    if origin is not None:
        request.add_header("Origin", origin)
    request.add_headers(*fields)
    request.add_headers(*headers)
    request.send_headers()
    try:
        message = await reader.set_parser(HttpResponseParser()).read()
    except Exception as exc:
        raise WebSocketHandshakeError(f"no valid answer to the handshake: {exc!r}") from exc
    protocol, agreement = check_response(message.code, message.headers, key, protocols,
                                         compress=compress)
    return WebSocketConnection(reader, writer, client=True, protocol=protocol, compress=agreement,
                               max_msg_size=max_msg_size, autoping=autoping, heartbeat=heartbeat,
                               close_timeout=close_timeout, on_close=on_close)
