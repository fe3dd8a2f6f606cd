"""Talk to a WebSocket with ``aiohttp.websocket_client.ws_connect``.

    python examples/websocket_client.py [URL] [--message TEXT]

URL defaults to the demo's chat, ws://127.0.0.1:8080/ws, which sends every
text message to every connected client, the sender included, and echoes
binary messages to their sender. This program sends one text and one
binary message, prints what comes back, and closes.

``ws_connect`` opens the connection (a ``ProxyConnector`` or
``UnixConnector`` may be passed as ``connector=``), performs the opening
handshake and returns a ``WebSocketConnection``: ``send_str()`` and
``send_bytes()`` send, ``receive()`` (or ``async for``) reads, pings are
answered for you, and ``close()`` performs the close handshake.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from aiohttp.websocket import MSG_BINARY, MSG_TEXT
from aiohttp.websocket_client import ws_connect

DEFAULT_URL = "ws://127.0.0.1:8080/ws"
#: Give up waiting for an answer after this many seconds.
ANSWER_TIMEOUT = 10.0


async def chat(url: str, text: str) -> None:
    ws = await ws_connect(url, timeout=ANSWER_TIMEOUT)
    print(f"connected to {url}")
    try:
        ws.send_str(text)
        ws.send_bytes(b"\x00\x01 binary hello")
        # Other chat users may talk meanwhile: read until both of ours are back.
        waiting_for_text, waiting_for_binary = True, True
        while waiting_for_text or waiting_for_binary:
            msg = await ws.receive(timeout=ANSWER_TIMEOUT)
            if msg.tp == MSG_TEXT:
                print(f"received text: {msg.data}")
                waiting_for_text = waiting_for_text and msg.data != text
            elif msg.tp == MSG_BINARY:
                print(f"received binary: {msg.data!r}")
                waiting_for_binary = False
            else:  # the server closed the connection
                print(f"connection ended: {msg.data}")
                return
    finally:
        await ws.close()
    print(f"closed with code {ws.close_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Send a message over a WebSocket.")
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    parser.add_argument("--message", default=f"hello from websocket_client.py ({os.getpid()})")
    args = parser.parse_args()
    asyncio.run(chat(args.url, args.message))


if __name__ == "__main__":
    main()
