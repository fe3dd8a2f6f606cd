"""The package loggers.

Each part of the toolkit logs under its own name so that applications can tune
them separately (``logging.getLogger('aiohttp.access').setLevel(...)``). They
live in the lowest package so that every other package can import them
without depending on one another.
"""

from __future__ import annotations

import logging

__all__ = ["access_log", "client_log", "internal_log", "server_log", "websocket_log"]

#: One line per request answered by the server (``aiohttp.access``).
access_log = logging.getLogger("aiohttp.access")
#: Client-side events: redirects, retries, connection problems (``aiohttp.client``).
client_log = logging.getLogger("aiohttp.client")
#: Internal anomalies worth a look, such as a reader looping at EOF (``aiohttp.internal``).
internal_log = logging.getLogger("aiohttp.internal")
#: Server-side errors and debug output (``aiohttp.server``).
server_log = logging.getLogger("aiohttp.server")
#: WebSocket protocol events on both sides (``aiohttp.websocket``).
websocket_log = logging.getLogger("aiohttp.websocket")
