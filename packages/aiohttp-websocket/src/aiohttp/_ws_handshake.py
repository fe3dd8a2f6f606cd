"""The opening handshake (RFC 6455 section 4), both sides, without I/O.

The server side checks a request (section 4.2.1) and builds the 101
response (section 4.2.2); ``do_handshake`` is its 0.9 face. The client side
builds the request's fields (section 4.1) and checks the server's answer.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass


from multidict import CIMultiDict, CIMultiDictProxy

from ._ws_deflate import (
    ExtensionError,
    PerMessageDeflate,
    accept_offers,
    client_offer,
    read_answer,
)
from ._ws_frames import MAX_MSG_SIZE, WebSocketParser
from ._ws_writer import FrameSink, WebSocketWriter
from .errors import ClientConnectionError, HttpBadRequest, HttpErrorException
from .parsers import Parser

__all__ = [
    "ACCEPT_GUID",
    "ServerHandshake",
    "WebSocketHandshakeError",
    "WebSocketVersionError",
    "accept_key",
    "check_response",
    "client_request_headers",
    "do_handshake",
    "server_handshake",
]

#: RFC 6455 section 1.3: appended to the key before hashing.
ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: RFC 6455 section 4.1: version 13 is RFC 6455 itself; 8 and 7 are the
#: drafts with the same framing, accepted as 0.9 did.
SUPPORTED_VERSIONS = ("13", "8", "7")
_HEADERS_TYPES = (CIMultiDict, CIMultiDictProxy)


class WebSocketVersionError(HttpBadRequest):
    """RFC 6455 section 4.2.2: a version we do not speak, answered 426 with
    the versions we do (an ``HttpBadRequest``, as 0.9 raised)."""

    code = 426
    message = "Upgrade Required"
    headers = (("Sec-WebSocket-Version", "13"),)


class WebSocketHandshakeError(ClientConnectionError):
    """The server's answer to the opening handshake is not a valid 101."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def accept_key(key: str) -> str:
    """RFC 6455 section 4.2.2: base64(SHA-1(key + GUID))."""
    digest = hashlib.sha1((key + ACCEPT_GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def _tokens(headers: CIMultiDict[str] | CIMultiDictProxy[str], name: str) -> list[str]:
    """The comma-separated elements of every ``name`` field (RFC 9110 5.6.1)."""
    return [item.strip(" \t").lower() for value in headers.getall(name, ())
            for item in value.split(",") if item.strip(" \t")]


def _as_multidict(headers: Mapping[str, str]) -> CIMultiDict[str] | CIMultiDictProxy[str]:
    if isinstance(headers, _HEADERS_TYPES):
        return headers
    return CIMultiDict(headers)


@dataclass(frozen=True)
class ServerHandshake:
    """What the server agreed: the 101's fields, the subprotocol, the compression."""

    headers: list[tuple[str, str]]
    protocol: str | None
    compress: PerMessageDeflate | None


def server_handshake(method: str, headers: Mapping[str, str], protocols: Sequence[str] = (), *,
                     compress: bool = True,
                     http_version: tuple[int, int] | None = None) -> ServerHandshake:
    """Check an opening handshake request (RFC 6455 section 4.2.1).

    Raises ``HttpErrorException(405)`` for a method other than GET,
    ``WebSocketVersionError`` (426) for an unknown version and
    ``HttpBadRequest`` (400) for any other failed check. ``http_version``,
    when given, must be HTTP/1.1 or later.
    """
    # 4.2.1 item 1: an HTTP/1.1 or higher GET request.
    if method != "GET":
        raise HttpErrorException(405, "WebSocket handshake needs GET", headers=(("Allow", "GET"),))
    if http_version is not None and tuple(http_version) < (1, 1):
        raise HttpBadRequest(f"WebSocket handshake needs HTTP/1.1, not {http_version!r}")
    fields = _as_multidict(headers)
    # Item 3: Upgrade carries "websocket" (case-insensitive).
    if "websocket" not in _tokens(fields, "Upgrade"):
        raise HttpBadRequest(f"Upgrade is not websocket: {fields.get('Upgrade')!r}")
    # Item 4: Connection carries the "Upgrade" option.
    if "upgrade" not in _tokens(fields, "Connection"):
        raise HttpBadRequest(f"Connection has no upgrade option: {fields.get('Connection')!r}")
    # Item 2: a Host field (HTTP/1.1 requires it anyway).
    if not fields.get("Host"):
        raise HttpBadRequest("WebSocket handshake without Host")
    # Item 6: Sec-WebSocket-Version 13.
    versions = fields.getall("Sec-WebSocket-Version", ())
    if len(versions) != 1 or versions[0].strip(" \t") not in SUPPORTED_VERSIONS:
        raise WebSocketVersionError(f"unsupported WebSocket version {versions!r}")
    # Item 5: one Sec-WebSocket-Key, base64 of 16 bytes.
    keys = fields.getall("Sec-WebSocket-Key", ())
    if len(keys) != 1:
        raise HttpBadRequest(f"expected one Sec-WebSocket-Key, got {len(keys)}")
    key = keys[0].strip(" \t")
    try:
        raw_key = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise HttpBadRequest(f"Sec-WebSocket-Key is not base64: {key!r}") from None
    if len(raw_key) != 16:
        raise HttpBadRequest(f"Sec-WebSocket-Key is not 16 bytes: {key!r}")

    response = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                ("Sec-WebSocket-Accept", accept_key(key))]
    # Item 8 and section 4.2.2: the first of our protocols the client
    # offered; none (no field, not an error) when they share none.
    protocol = None
    if protocols:
        offered = {item.strip(" \t") for value in fields.getall("Sec-WebSocket-Protocol", ())
                   for item in value.split(",")}
        protocol = next((proto for proto in protocols if proto in offered), None)
        if protocol is not None:
            response.append(("Sec-WebSocket-Protocol", protocol))
    # Item 9: extensions; only permessage-deflate is known.
    agreement = None
    if compress:
        offers = fields.getall("Sec-WebSocket-Extensions", ())
        if offers:
            try:
                agreement = accept_offers(offers)
            except ExtensionError as exc:
                raise HttpBadRequest(str(exc)) from None
            if agreement is not None:
                response.append(("Sec-WebSocket-Extensions", agreement.header))
    return ServerHandshake(response, protocol, agreement)


def make_parser(*, client: bool, max_msg_size: int = MAX_MSG_SIZE,
                compress: PerMessageDeflate | None = None) -> Parser:
    """The parser for one side of a connection, with its settings bound."""
    if not client and max_msg_size == MAX_MSG_SIZE and compress is None:
        return WebSocketParser
    return functools.partial(WebSocketParser, client=client, max_msg_size=max_msg_size,
                             compress=compress)


def do_handshake(method: str, headers: Mapping[str, str], transport: FrameSink,
                 protocols: Sequence[str] = (), *, compress: bool = True,
                 max_msg_size: int = MAX_MSG_SIZE, http_version: tuple[int, int] | None = None,
                 ) -> tuple[int, list[tuple[str, str]], Parser, WebSocketWriter]:
    """Prepare the server's side of a handshake; no I/O (the 0.9 API).

    Returns ``(101, response_headers, parser, writer)``: the fields for the
    101 response (with ``Sec-WebSocket-Protocol`` when a subprotocol was
    chosen and ``Sec-WebSocket-Extensions`` when permessage-deflate was
    agreed), the parser to ``set_parser`` once the 101 is sent, and a
    ``WebSocketWriter`` over ``transport``. ``compress=False`` declines
    permessage-deflate; ``max_msg_size`` bounds incoming messages;
    ``http_version`` (the request's) is checked when given.
    """
    result = server_handshake(method, headers, protocols, compress=compress,
                              http_version=http_version)
    parser = make_parser(client=False, max_msg_size=max_msg_size, compress=result.compress)
    return 101, result.headers, parser, WebSocketWriter(transport, compress=result.compress)


# -- the client side --------------------------------------------------------------------


def client_request_headers(protocols: Iterable[str] = (), *, compress: bool = True,
                           random: Callable[[int], bytes] = os.urandom
                           ) -> tuple[str, list[tuple[str, str]]]:
    """RFC 6455 section 4.1: a fresh random key and the request's fields.

    Returns ``(key, fields)``; the caller adds Host (and Origin if wanted).
    """
    key = base64.b64encode(random(16)).decode("ascii")
    fields = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
              ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]
    protocols = list(protocols)
    if protocols:
        fields.append(("Sec-WebSocket-Protocol", ", ".join(protocols)))
    if compress:
        fields.append(("Sec-WebSocket-Extensions", client_offer()))
    return key, fields


def check_response(status: int, headers: Mapping[str, str], key: str,
                   protocols: Iterable[str] = (), *, compress: bool = True
                   ) -> tuple[str | None, PerMessageDeflate | None]:
    """RFC 6455 section 4.1, the client's checks of the server's answer.

    Returns the chosen subprotocol and the permessage-deflate agreement;
    raises ``WebSocketHandshakeError`` when the answer fails a check.
    """
    if status != 101:
        raise WebSocketHandshakeError(f"expected status 101, got {status}", status)
    fields = _as_multidict(headers)
    if "websocket" not in _tokens(fields, "Upgrade"):
        raise WebSocketHandshakeError(f"Upgrade is not websocket: {fields.get('Upgrade')!r}",
                                      status)
    if "upgrade" not in _tokens(fields, "Connection"):
        raise WebSocketHandshakeError(
            f"Connection has no upgrade option: {fields.get('Connection')!r}", status)
    accepts = fields.getall("Sec-WebSocket-Accept", ())
    if len(accepts) != 1 or accepts[0].strip(" \t") != accept_key(key):
        raise WebSocketHandshakeError(f"wrong Sec-WebSocket-Accept {accepts!r}", status)
    chosen = fields.getall("Sec-WebSocket-Protocol", ())
    protocol = None
    if chosen:
        if len(chosen) != 1 or chosen[0].strip(" \t") not in set(protocols):
            raise WebSocketHandshakeError(
                f"the server chose a subprotocol that was not offered: {chosen!r}", status)
        protocol = chosen[0].strip(" \t")
    answers = fields.getall("Sec-WebSocket-Extensions", ())
    agreement = None
    if answers:
        if not compress:
            raise WebSocketHandshakeError(
                f"the server answered extensions that were not offered: {answers!r}", status)
        try:
            agreement = read_answer(list(answers))
        except ExtensionError as exc:
            raise WebSocketHandshakeError(str(exc), status) from None
    return protocol, agreement


