"""permessage-deflate (RFC 7692): negotiation and the compressing side.

The handshake carries offers and the answer in ``Sec-WebSocket-Extensions``
(RFC 6455 section 9.1). A ``PerMessageDeflate`` is the agreement as one end
sees it: how it compresses (``local_*``) and whether the peer resets its
context after each message (``remote_no_context_takeover``). The parser
decompresses (``_ws_frames``); ``Deflater`` compresses for the writer.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "EXTENSION_NAME",
    "Deflater",
    "ExtensionError",
    "PerMessageDeflate",
    "accept_offers",
    "client_offer",
    "parse_extensions",
    "read_answer",
]

EXTENSION_NAME = "permessage-deflate"

#: RFC 7692 section 7.2.1: a compressed message is sent without the four
#: octets a sync flush ends with.
DEFLATE_TAIL = b"\x00\x00\xff\xff"

# RFC 6455 section 9.1 (extension grammar), with RFC 9110 section 5.6.2 and
# 5.6.4 for token and quoted-string, and OWS around the separators:
#   extension       = extension-token *( ";" extension-param )
#   extension-param = token [ "=" (token | quoted-string) ]
_TOKEN = r"[-!#$%&'*+.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e]|\\[\t\x20-\x7e])*"'
_OWS = r"[ \t]*"
_PARAM_RE = re.compile(f"{_OWS};{_OWS}({_TOKEN})(?:{_OWS}={_OWS}({_TOKEN}|{_QUOTED}))?")
_NAME_RE = re.compile(f"{_OWS}({_TOKEN})")
_SEP_RE = re.compile(f"{_OWS}(?:,{_OWS})*")
#: RFC 7692 section 7.1.2.1: an integer from 8 to 15, without leading zeros.
_WINDOW_BITS_RE = re.compile(r"[89]|1[0-5]")

Extension = tuple[str, list[tuple[str, str | None]]]


class ExtensionError(ValueError):
    """A ``Sec-WebSocket-Extensions`` field that does not follow the grammar."""


def parse_extensions(values: Iterable[str]) -> list[Extension]:
    """Parse every ``Sec-WebSocket-Extensions`` field value, in order.

    Returns ``(name, [(param, value or None), ...])`` per extension, quoted
    values unquoted; ``ExtensionError`` for anything off the grammar.
    """
    result: list[Extension] = []
    for value in values:
        pos = _SEP_RE.match(value).end()  # type: ignore[union-attr]
        while pos < len(value):
            match = _NAME_RE.match(value, pos)
            if match is None:
                raise ExtensionError(f"invalid extension list {value!r}")
            name = match.group(1)
            pos = match.end()
            params: list[tuple[str, str | None]] = []
            while (match := _PARAM_RE.match(value, pos)) is not None:
                raw = match.group(2)
                if raw is not None and raw.startswith('"'):
                    raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
                params.append((match.group(1).lower(), raw))
                pos = match.end()
            result.append((name.lower(), params))
            end = _SEP_RE.match(value, pos).end()  # type: ignore[union-attr]
            if end < len(value) and "," not in value[pos:end]:
                raise ExtensionError(f"invalid extension list {value!r}")
            pos = end
    return result


@dataclass(frozen=True)
class PerMessageDeflate:
    """An agreed permessage-deflate, from one end's point of view.

    ``local_max_window_bits`` and ``local_no_context_takeover`` say how
    this end compresses; ``remote_no_context_takeover`` that the peer starts
    each message afresh (so our decompressor may too). ``header`` is the
    ``Sec-WebSocket-Extensions`` value of the server's answer.
    """

    local_no_context_takeover: bool = False
    local_max_window_bits: int = 15
    remote_no_context_takeover: bool = False
    header: str = EXTENSION_NAME


def _window_bits(value: str | None) -> int | None:
    if value is None or _WINDOW_BITS_RE.fullmatch(value) is None:
        return None
    return int(value)


def _offer_params(params: list[tuple[str, str | None]]) -> dict[str, str | None] | None:
    """The parameters of one offer or answer, or None if RFC 7692 section
    7.1 says it must be declined (an unknown, repeated or invalid one)."""
    seen: dict[str, str | None] = {}
    for name, value in params:
        if name in seen:
            return None
        if name in ("server_no_context_takeover", "client_no_context_takeover"):
            if value is not None:
                return None
        elif name == "server_max_window_bits":
            if _window_bits(value) is None:
                return None
        elif name == "client_max_window_bits":
            if value is not None and _window_bits(value) is None:
                return None
        else:
            return None
        seen[name] = value
    return seen


def accept_offers(values: Iterable[str]) -> PerMessageDeflate | None:
    """The server's choice among the client's offers (RFC 7692 section 5).

    The first valid permessage-deflate offer is accepted, honouring what it
    asks of the server; None when there is none (the connection then runs
    uncompressed). ``ExtensionError`` if the field cannot be parsed.
    """
    for name, raw in parse_extensions(values):
        if name != EXTENSION_NAME:
            continue
        params = _offer_params(raw)
        if params is None:
            continue
        answer = [EXTENSION_NAME]
        server_bits = 15
        if "server_max_window_bits" in params:
            server_bits = int(params["server_max_window_bits"] or 15)
            if server_bits == 8:
                # zlib compresses raw DEFLATE with at least 9 bits, which a
                # peer with a 256-byte window could not read: decline.
                continue
            answer.append(f"server_max_window_bits={server_bits}")
        if "server_no_context_takeover" in params:
            answer.append("server_no_context_takeover")
        if "client_no_context_takeover" in params:
            answer.append("client_no_context_takeover")
        # client_max_window_bits (section 7.1.2.2) is left out of the answer:
        # we read any window, so the client may use up to 15 bits.
        return PerMessageDeflate(
            local_no_context_takeover="server_no_context_takeover" in params,
            local_max_window_bits=server_bits,
            remote_no_context_takeover="client_no_context_takeover" in params,
            header="; ".join(answer))
    return None


def client_offer(*, no_context_takeover: bool = False) -> str:
    """The client's offer: any window the server chooses for us (RFC 7692 7.1.2.2)."""
    if no_context_takeover:
        return f"{EXTENSION_NAME}; client_no_context_takeover; client_max_window_bits"
    return f"{EXTENSION_NAME}; client_max_window_bits"


def read_answer(values: list[str], *, no_context_takeover: bool = False) -> PerMessageDeflate | None:
    """What the server's answer to ``client_offer()`` agrees (RFC 7692 section 5).

    None when the server answered no extension; ``ExtensionError`` when it
    answered something we did not offer, or an answer we cannot honour.
    """
    extensions = parse_extensions(values)
    if not extensions:
        return None
    if len(extensions) > 1 or extensions[0][0] != EXTENSION_NAME:
        raise ExtensionError(f"the server answered extensions that were not offered: {values!r}")
    params = _offer_params(extensions[0][1])
    if params is None:
        raise ExtensionError(f"invalid permessage-deflate answer: {values!r}")
    bits = 15
    if "client_max_window_bits" in params:
        value = params["client_max_window_bits"]
        if value is None:
            raise ExtensionError("client_max_window_bits without a value in the answer")
        bits = int(value)
        if bits == 8:
            raise ExtensionError("client_max_window_bits=8: zlib cannot compress with it")
    return PerMessageDeflate(
        local_no_context_takeover=no_context_takeover or "client_no_context_takeover" in params,
        local_max_window_bits=bits,
        remote_no_context_takeover="server_no_context_takeover" in params,
        header=", ".join(values))


class Deflater:
    """Compresses messages for one connection (RFC 7692 section 7.2.1)."""

    __slots__ = ("_compressor", "_level", "_reset", "_wbits")

    def __init__(self, agreement: PerMessageDeflate, level: int = zlib.Z_DEFAULT_COMPRESSION) -> None:
        self._wbits = -agreement.local_max_window_bits
        self._reset = agreement.local_no_context_takeover
        self._level = level
        self._compressor: zlib._Compress | None = None

    def compress(self, data: bytes) -> bytes:
        compressor = self._compressor
        if compressor is None:
            compressor = zlib.compressobj(self._level, zlib.DEFLATED, self._wbits)
            if not self._reset:
                self._compressor = compressor
        out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if out.endswith(DEFLATE_TAIL):
            return out[:-4]
        return out
