"""The writer's C core and its pure-Python twin behave the same.

``aiohttp._http_writer_core`` (csrc/_http_writer_core.c) keeps the state of
every ``HttpMessage`` in C fields and does the usual case of ``add_header``,
``write``, ``write_eof`` and ``Response.send_headers`` in C, handing anything
else to the Python method (``_general_<name>``). Here:

* generated call sequences run on two responses, one with the C methods and
  one with the Python ones, and everything observable must match after
  each call: what the call returned or raised, the bytes written, the
  state;
* the writer tests run in an interpreter without any accelerator, where the
  state lives in the pure-Python base class;
* the module must be in use wherever it could have been built.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from extensions import check_built, run_without_extensions
from hypothesis import given, settings
from hypothesis import strategies as st

from aiohttp import _http_writer
from aiohttp.protocol import HttpVersion10, HttpVersion11, Response

needs_c = pytest.mark.skipif(not _http_writer.ACCELERATED,
                             reason="aiohttp._http_writer_core is not in use here")


@pytest.fixture(scope="module", autouse=True)
def accelerators() -> str:
    """This module compares the two implementations itself, so it runs once
    (the conftest's fixture of this name would run it once per implementation)."""
    return "both"


class PyResponse(Response):
    """A response whose methods are all the pure-Python ones."""


if _http_writer.ACCELERATED:
    for _name in ("add_header", "send_headers", "write", "write_eof"):
        setattr(PyResponse, _name, getattr(Response, f"_general_{_name}"))


class Transport:
    """Keeps what is written, and whether drain() was asked for."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.drains = 0

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def writelines(self, data: Any) -> None:
        for piece in data:
            self.write(piece)

    def drain(self) -> Any:
        self.drains += 1
        return _http_writer._DONE


STATE = ("headers_sent", "length", "chunked", "keepalive", "closing", "output_length",
         "_body_length", "_unflushed", "_eof", "_writer", "_length_text", "_pending", "upgrade",
         "websocket", "_defaults_given")


def outcome(message: Response, transport: Transport, call: tuple[Any, ...]) -> tuple[Any, ...]:
    """Make one call; what can be seen afterwards."""
    name, *args = call
    try:
        if name == "headers":
            result: Any = list(message.headers.items())
        elif name == "filter":
            message.add_compression_filter("gzip")
            result = None
        else:
            result = getattr(message, name)(*args)
    except Exception as exc:  # the same error, whichever path raised it
        # A message's repr names its class.
        seen: Any = ("raised", type(exc), str(exc).replace("<PyResponse ", "<Response "))
    else:
        if result is _http_writer._DONE:
            seen = ("done",)
        elif isinstance(result, _http_writer._DrainLater):
            seen = ("drain later", result[0] is transport)
        else:
            seen = ("returned", result)
    state = tuple(getattr(message, attr) for attr in STATE)
    return seen, b"".join(transport.writes), state


NAME_LIST = ["Content-Type", "Content-Length", "content-length", "X-Long-Name", "Connection",
             "Transfer-Encoding", "Server", "Date", "Upgrade", "Keep-Alive", "bad name", "",
             "X-\u00e9"]
VALUE_LIST = ["text/plain", "5", "13", "0", " 7 ", "123456789012345678", "1234567890123456789",
              "12345678901234567890", "-1", "+1", "1_0", "\u0661", "close", "keep-alive", "chunked",
              "websocket", "", "a\tb", "x\r\ny", "caf\u00e9", "\x7f", " lead", "trail ", "\ttab"]
NAMES = st.sampled_from(NAME_LIST)
VALUES = st.sampled_from(VALUE_LIST) | st.text(max_size=6)
CHUNKS = st.sampled_from([b"", b"hello", b"x" * 13, b"y" * 70000, bytearray(b"abc"),
                          memoryview(b"mv"), "text"])
CALLS = st.one_of(
    st.tuples(st.just("add_header"), NAMES, VALUES),
    st.tuples(st.just("send_headers")),
    st.tuples(st.just("write"), CHUNKS),
    st.tuples(st.just("write_eof")),
    st.tuples(st.just("force_close")),
    st.tuples(st.just("force_chunked")),
    st.tuples(st.just("headers")),
    st.tuples(st.just("filter")),
)


@needs_c
@settings(max_examples=600, deadline=None)
@given(status=st.sampled_from([200, 201, 204, 304, 404, 101, 100, 599, 999]),
       version=st.sampled_from([HttpVersion11, HttpVersion10]), close=st.booleans(),
       method=st.sampled_from([None, "GET", "HEAD"]),
       calls=st.lists(CALLS, max_size=8))
def test_c_and_python_methods_agree(status: int, version: Any, close: bool, method: str | None,
                                    calls: list[tuple[Any, ...]]) -> None:
    c_transport, py_transport = Transport(), Transport()
    c_message = Response(c_transport, status, http_version=version, close=close,
                         request_method=method)
    py_message = PyResponse(py_transport, status, http_version=version, close=close,
                            request_method=method)
    for call in calls:
        assert outcome(c_message, c_transport, call) == outcome(py_message, py_transport, call), call
    assert c_transport.drains == py_transport.drains


@needs_c
@pytest.mark.parametrize("name", NAME_LIST)
def test_every_field_agrees(name: str) -> None:
    """Each name with each value, given twice (the first call teaches the
    class the name; the second may take the C path), then the head."""
    for value in VALUE_LIST:
        c_transport, py_transport = Transport(), Transport()
        c_message, py_message = Response(c_transport, 200), PyResponse(py_transport, 200)
        for call in (("add_header", name, value), ("add_header", name, value),
                     ("send_headers",), ("write", b"hello"), ("write_eof",)):
            assert (outcome(c_message, c_transport, call)
                    == outcome(py_message, py_transport, call)), call


@needs_c
def test_the_usual_response_takes_the_c_path() -> None:
    """The six calls of a 0.9 handler, checked byte for byte, with the C
    methods in place (what the comparison above could miss: both paths
    falling back to Python)."""
    core = _http_writer._core
    assert core is not None
    assert Response.add_header is core.MessageCore.fast_add_header
    assert Response.send_headers is core.MessageCore.fast_response_send_headers
    transport = Transport()
    response = Response(transport, 200)
    response.add_header("Content-Type", "text/plain")
    response.add_header("Content-Length", "13")
    response.send_headers()
    assert response.write(b"Hello, World!") is _http_writer._DONE
    drain = response.write_eof()
    assert isinstance(drain, _http_writer._DrainLater)
    head, body = transport.writes
    assert head.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                           b"Content-Length: 13\r\nDate: ")
    assert head.endswith(b"\r\nServer: " + Response.SERVER_SOFTWARE.encode() + b"\r\n\r\n")
    assert body == b"Hello, World!"
    assert response.output_length == len(head) + 13
    assert response.write_eof() is _http_writer._DONE  # again: nothing more


@needs_c
def test_errors_come_from_the_python_methods() -> None:
    response = Response(Transport(), 200)
    with pytest.raises(ValueError, match="control character"):
        response.add_header("X-Split", "a\r\nb")
    response.add_header("Content-Length", "2")
    response.send_headers()
    with pytest.raises(ValueError, match="exceed the Content-Length of 2"):
        response.write(b"abc")
    with pytest.raises(ValueError, match="ended after 0 of the 2 bytes"):
        response.write_eof()
    with pytest.raises(RuntimeError, match="already been sent"):
        response.add_header("X-Late", "1")


def test_the_writer_core_is_built_where_it_can_be() -> None:
    check_built(_http_writer._core, "_http_writer_core", "aiohttp-protocol")
    assert _http_writer.ACCELERATED is (_http_writer._core is not None)
    base = Response.__mro__[2]
    assert (base is _http_writer._PyMessageState) is (not _http_writer.ACCELERATED)


def test_no_extensions_gives_the_pure_python_writer() -> None:
    """``AIOHTTP_NO_EXTENSIONS=1`` is read at import: the pure-Python state and methods."""
    words = run_without_extensions(
        "from aiohttp import _http_writer as w\n"
        "print(w.ACCELERATED, w.Response.__mro__[2] is w._PyMessageState,"
        " hasattr(w.HttpMessage, '_general_add_header'))")
    assert words == ["False", "True", "False"]


def test_the_writer_tests_pass_without_any_accelerator() -> None:
    """The whole writer suite, in an interpreter where the message state is
    the pure-Python base class (as on a machine without a compiler)."""
    here = Path(__file__).resolve().parent
    env = dict(os.environ, AIOHTTP_NO_EXTENSIONS="1")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-x", str(here / "test_writer.py"), str(here / "test_fast_paths.py")],
        env=env, capture_output=True, text=True, check=False, cwd=here.parents[1])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout
