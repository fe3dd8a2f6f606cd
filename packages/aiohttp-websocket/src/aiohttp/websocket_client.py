"""The WebSocket client: ``ws_connect(url)`` (``pip install aiohttp-websocket[client]``).

0.9 had no WebSocket client. This one opens its connection with the
connectors of ``aiohttp.connector`` (TCP, TLS for ``wss://``, an HTTP proxy
tunnelled with CONNECT, a Unix socket), sends the opening handshake with a
fresh random key, checks the server's ``Sec-WebSocket-Accept`` (RFC 6455
section 4.1) and returns a client-side ``WebSocketConnection``: every frame
it sends is masked, every frame it reads must not be.

This module depends on aiohttp-client; ``aiohttp.websocket`` does not, so
a server that only needs WebSockets does not install the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._ws_client import client_handshake
from ._ws_connection import CLOSE_TIMEOUT, WebSocketConnection
from ._ws_frames import MAX_MSG_SIZE
from ._ws_handshake import WebSocketHandshakeError
from .client import ClientRequest
from .connector import BaseConnector, TCPConnector
from .helpers import BasicAuth

__all__ = ["WebSocketHandshakeError", "ws_connect"]

#: Request fields the handshake sets itself; the caller's copies are dropped.
_HANDSHAKE_FIELDS = frozenset({
    "UPGRADE", "CONNECTION", "SEC-WEBSOCKET-KEY", "SEC-WEBSOCKET-VERSION",
    "SEC-WEBSOCKET-PROTOCOL", "SEC-WEBSOCKET-EXTENSIONS",
    # Meaningless for a handshake (its 101 has no body).
    "ACCEPT-ENCODING", "CONTENT-LENGTH", "TRANSFER-ENCODING",
})


async def ws_connect(url: str, *, protocols: Sequence[str] = (),
                     connector: BaseConnector | None = None,
                     headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
                     auth: BasicAuth | None = None, cookies: Any = None,
                     origin: str | None = None, compress: bool = True,
                     max_msg_size: int = MAX_MSG_SIZE, autoping: bool = True,
                     heartbeat: float | None = None, close_timeout: float = CLOSE_TIMEOUT,
                     timeout: float | None = None,
                     loop: asyncio.AbstractEventLoop | None = None) -> WebSocketConnection:
    """Open a WebSocket to ``url`` (``ws://`` or ``wss://``).

    * ``protocols``: the subprotocols offered, in order of preference; the
      chosen one is ``ws.protocol`` (None if the server chose none).
    * ``connector``: how to connect (default: a ``TCPConnector`` of our
      own, closed with the WebSocket). ``ProxyConnector`` tunnels through
      a proxy, ``UnixConnector`` uses a Unix socket, ``TCPConnector(
      ssl_context=...)`` trusts a private CA for ``wss://``.
    * ``headers``, ``auth``, ``cookies``: added to the handshake request, as
      for any request of ``aiohttp.client``; ``origin`` sets ``Origin``.
    * ``compress``: offer permessage-deflate (RFC 7692).
    * ``max_msg_size``, ``autoping``, ``heartbeat``, ``close_timeout``: see
      ``WebSocketConnection``.
    * ``timeout``: seconds for connecting and the handshake together.

    Raises ``WebSocketHandshakeError`` (with ``status``) when the server
    does not accept, and the connector's errors when it cannot connect.
    The connection is closed on any failure or cancellation.
    """
    request = ClientRequest("GET", url, headers=headers, auth=auth, cookies=cookies, loop=loop)
    if request.scheme not in ("ws", "wss"):
        raise ValueError(f"a WebSocket URL is ws:// or wss://, not {url!r}")
    owned = connector is None
    if connector is None:
        connector = TCPConnector(loop=loop)
    try:
        if timeout is None:
            return await _open(request, connector, protocols=protocols, origin=origin,
                               compress=compress, max_msg_size=max_msg_size, autoping=autoping,
                               heartbeat=heartbeat, close_timeout=close_timeout)
        async with asyncio.timeout(timeout):
            return await _open(request, connector, protocols=protocols, origin=origin,
                               compress=compress, max_msg_size=max_msg_size, autoping=autoping,
                               heartbeat=heartbeat, close_timeout=close_timeout)
    finally:
        if owned:
            # The connection, if any, is detached: closing our connector
            # leaves it alone and frees what the connector holds.
            connector.close()


async def _open(request: ClientRequest, connector: BaseConnector,
                **options: Any) -> WebSocketConnection:
    conn = await connector.connect(request)
    try:
        fields = [(name, value) for name, value in request.headers.items()
                  if name.upper() not in _HANDSHAKE_FIELDS and name.upper() != "HOST"]
        ws = await client_handshake(conn.reader, conn.writer, host=request.headers["Host"],
                                    path=request.path, headers=fields, **options)
    except BaseException:
        conn.close()
        raise
    # The connection is the WebSocket's now: out of the pool and its limits.
    conn.detach()
    return ws
