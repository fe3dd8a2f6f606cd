"""``HttpResponseParser.parse_whole``: the client's shortcut for a head that
comes whole in the first chunk gives what the parser gives for that chunk.

Every raw response of the head tables (``test_heads.py``: leniencies,
refusals, keep-alive, EOF, limits; ``test_fast_paths.py``: the usual heads
and the bad lengths) is run both ways, alone and followed by body bytes,
under the default limits and under small ones: when ``parse_whole`` returns
a message, the parser emits an equal message (same fields, same order) and
leaves exactly ``data[end:]`` buffered; when it raises, the parser fails
with the same error; None only defers to the parser.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp.parsers import StreamParser
from aiohttp.protocol import HttpResponseParser
from parser_outputs import Collector


def _load(name: str) -> ModuleType:
    """A sibling test module, read for its tables (the test directories
    are not packages)."""
    spec = importlib.util.spec_from_file_location(
        f"_tables_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw_cases() -> list[bytes]:
    test_heads = _load("test_heads")
    test_fast_paths = _load("test_fast_paths")
    found: list[bytes] = []
    for name in dir(test_heads):
        if not name.startswith("test_response"):
            continue
        for mark in getattr(getattr(test_heads, name), "pytestmark", []):
            if mark.name == "parametrize":
                for case in mark.args[1]:
                    raw = case[0] if isinstance(case, tuple) else case
                    assert isinstance(raw, bytes)
                    found.append(raw)
    found += test_fast_paths.RESPONSE_HEADS + test_fast_paths.BAD_LENGTHS
    found += [
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 " + b"x" * 30 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        b"HTTP/1.1 200 OK\nA: 1\n 2\n 3\n\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ]
    return found


RAW = _raw_cases()
TAILS = [b"", b"Hello, world!\n", b"HTTP/1.1 200 OK\r\n\r\n", b"\r\n"]
LIMITS: list[dict[str, int]] = [{}, {"max_line_size": 20}, {"max_header_count": 1},
                                {"max_header_count": 2}, {"max_field_size": 12},
                                {"max_headers": 40}]


def test_the_tables_were_found() -> None:
    assert len(RAW) > 60


def _general(data: bytes, limits: dict[str, int]) -> tuple[str, Any, bytes]:
    """What the parser does with ``data`` as the first chunk of a stream."""
    reader = StreamParser(paused=False)
    out = Collector()
    reader.set_parser(HttpResponseParser(**limits), out)
    reader.feed_data(data)
    if out.exc is not None:
        return "error", out.exc, b""
    if out.items:
        (message,) = out.items
        return "message", message, bytes(reader.buffer)
    return "waiting", None, bytes(reader.buffer)


@pytest.mark.parametrize("limits", LIMITS)
@pytest.mark.parametrize("tail", TAILS)
@pytest.mark.parametrize("raw", RAW)
def test_parse_whole_gives_the_parsers_outcome(raw: bytes, tail: bytes,
                                               limits: dict[str, int]) -> None:
    data = raw + tail
    kind, value, rest = _general(data, limits)
    try:
        fast = HttpResponseParser(**limits).parse_whole(data)
    except Exception as exc:
        assert kind == "error"
        assert type(exc) is type(value)
        assert str(exc) == str(value)
        return
    if fast is None:
        return  # the parser decides, as before
    message, end = fast
    assert kind == "message"
    assert type(message) is type(value)
    assert message == value
    assert list(message.headers.items()) == list(value.headers.items())
    assert data[end:] == rest


def test_parse_whole_takes_the_usual_head_with_its_body() -> None:
    head = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 14\r\n\r\n"
    found = HttpResponseParser().parse_whole(head + b"Hello, world!\n")
    assert found is not None
    message, end = found
    assert end == len(head)
    assert (message.code, message.headers["Content-Length"]) == (200, "14")


def test_parse_whole_defers_a_partial_head() -> None:
    assert HttpResponseParser().parse_whole(b"HTTP/1.1 200 OK\r\nA: 1\r\n") is None
