"""WebSocket (RFC 6455): the ``aiohttp.websocket`` module of aiohttp 0.9.

The 0.9 names: ``WebSocketParser`` (a parser generator), ``WebSocketWriter``,
``do_handshake``, ``Message``, the ``MSG_*`` types and ``WebSocketError``.
Beyond 0.9: ``WebSocketClientParser`` (the client side's parser),
``WebSocketConnection`` (an open WebSocket on either side: receive, send,
ping, close handshake, heartbeat, permessage-deflate) and
``accept_websocket`` (the server's way to get one). The client,
``ws_connect``, is in ``aiohttp.websocket_client`` (``aiohttp-websocket[client]``).

The code lives in private modules, one job each:

* ``_ws_frames``: constants, ``Message``, masking, the frame parser;
* ``_ws_writer``: the frame writer;
* ``_ws_deflate``: permessage-deflate (RFC 7692) negotiation and compression;
* ``_ws_handshake``: the opening handshake, both sides, without I/O;
* ``_ws_connection``: the connection object;
* ``_ws_server``: ``accept_websocket``;
* ``_ws_client``: the client's handshake over an open connection (what
  ``ws_connect`` runs once a connector has connected).
"""

from __future__ import annotations

import functools

from ._ws_connection import WebSocketConnection
from ._ws_deflate import PerMessageDeflate as PerMessageDeflate
from ._ws_frames import CLOSE_ABNORMAL as CLOSE_ABNORMAL
from ._ws_frames import CLOSE_GOING_AWAY as CLOSE_GOING_AWAY
from ._ws_frames import CLOSE_INVALID_DATA as CLOSE_INVALID_DATA
from ._ws_frames import CLOSE_MESSAGE_TOO_BIG as CLOSE_MESSAGE_TOO_BIG
from ._ws_frames import CLOSE_NO_STATUS as CLOSE_NO_STATUS
from ._ws_frames import CLOSE_OK as CLOSE_OK
from ._ws_frames import CLOSE_POLICY_VIOLATION as CLOSE_POLICY_VIOLATION
from ._ws_frames import CLOSE_PROTOCOL_ERROR as CLOSE_PROTOCOL_ERROR
from ._ws_frames import CLOSE_UNSUPPORTED_DATA as CLOSE_UNSUPPORTED_DATA
from ._ws_frames import MAX_MSG_SIZE as MAX_MSG_SIZE
from ._ws_frames import (
    MSG_BINARY,
    MSG_CLOSE,
    MSG_PING,
    MSG_PONG,
    MSG_TEXT,
    OPCODE_BINARY,
    OPCODE_CLOSE,
    OPCODE_CONTINUATION,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    Message,
    WebSocketError,
    WebSocketParser,
)
from ._ws_handshake import WebSocketHandshakeError as WebSocketHandshakeError
from ._ws_handshake import WebSocketVersionError as WebSocketVersionError
from ._ws_handshake import do_handshake
from ._ws_server import accept_websocket
from ._ws_writer import WebSocketWriter

__all__ = [
    "MSG_BINARY",
    "MSG_CLOSE",
    "MSG_PING",
    "MSG_PONG",
    "MSG_TEXT",
    "Message",
    "WebSocketConnection",
    "WebSocketError",
    "WebSocketParser",
    "WebSocketWriter",
    "accept_websocket",
    "do_handshake",
]

# 0.9 spelled the opcodes without a prefix; importable by name, not in __all__.
CONTINUATION = OPCODE_CONTINUATION
TEXT = OPCODE_TEXT
BINARY = OPCODE_BINARY
CLOSE = OPCODE_CLOSE
PING = OPCODE_PING
PONG = OPCODE_PONG

#: The parser for the client side: frames from the server must not be masked.
WebSocketClientParser = functools.partial(WebSocketParser, client=True)
