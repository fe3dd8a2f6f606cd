"""``aiohttp.utils``: 0.9.0's access-log helpers over the server's own atoms."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Iterable

from multidict import CIMultiDict

from aiohttp.parsers import ParserBuffer
from aiohttp.protocol import HttpRequestParser, RawRequestMessage, Response
from aiohttp.utils import SafeAtoms, atoms
from parser_outputs import Collector


class Wire:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    def writelines(self, data: Iterable[bytes], /) -> None:
        for piece in data:
            self.write(piece)

    def drain(self) -> Awaitable[None]:
        return asyncio.sleep(0)


def parse(head: bytes) -> RawRequestMessage:
    out = Collector()
    parser = HttpRequestParser()(out, ParserBuffer(head))
    try:
        next(parser)
    except StopIteration:
        pass
    message: RawRequestMessage = out.items[0]
    return message


def test_atoms_of_a_request() -> None:
    message = parse(b"GET /path?q=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8 \"x\"\r\n"
                    b"Referer: http://r/\r\n\r\n")
    wire = Wire()
    response = Response(wire, 201)
    response.add_headers(("Content-Length", "5"), ("X-Out", "yes"))
    response.send_headers()
    response.write(b"hello")
    found = atoms(message, {"REMOTE_ADDR": "10.0.0.7"}, response, 1.25)
    assert isinstance(found, dict)
    assert found["h"] == "10.0.0.7"
    assert found["r"] == "GET /path?q=1 HTTP/1.1"
    assert found["U"] == "/path" and found["q"] == "q=1"
    assert found["s"] == "201"
    assert found["b"] == str(len(wire.data))  # head and body, as 0.9.0 counted
    assert found["a"] == 'curl/8 \\"x\\"'  # quotes escaped
    assert found["f"] == "http://r/"
    assert found["T"] == "1" and found["D"] == "1250000"
    assert re.fullmatch(r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]", found["t"])


def test_atoms_without_environ_or_response() -> None:
    found = atoms(None, None, None, 0.0)
    assert found["h"] == "-" and found["r"] == "-" and found["s"] == "0"


def test_safe_atoms_gives_a_value_for_any_key() -> None:
    request = CIMultiDict({"User-Agent": "ua"})
    safe = SafeAtoms({"s": "200"}, request, {"Content-Type": "text/plain"})
    assert safe["s"] == "200"
    assert safe["{user-agent}i"] == "ua"
    assert safe["{CONTENT-TYPE}o"] == "text/plain"  # a plain dict is read in any case too
    assert safe["{Missing}i"] == "-" and safe["nope"] == "-"
    line = '%(s)s "%({User-Agent}i)s" %(x)s' % safe
    assert line == '200 "ua" -'


def test_safe_atoms_escapes_header_values() -> None:
    safe = SafeAtoms({}, {"Referer": 'a"b\nc'})
    assert safe["{referer}i"] == 'a\\"b\\x0ac'
