"""The head scan: the C accelerator and pure Python give the same answer for every input.

``scan_head(data, limit, request, max_count, fields)`` validates the head at
the start of ``data[:limit]`` against the grammar of ``REQUEST_HEAD_RE`` or
``RESPONSE_HEAD_RE`` and splits it. The pure-Python function is that
regular expression plus a decode and a split, so it is the reference; the C
one (``csrc/_http_head.c``) must agree on the result and on every field it
adds, for well-formed heads and for heads broken at every octet. The build
is checked too: where a compiler and Python's headers are present the
extension must be in use.
"""

from __future__ import annotations

from typing import Any

import pytest
from extensions import check_built, run_without_extensions
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from aiohttp import _http_scan
from aiohttp._http_abnf import REQUEST_HEAD_RE, RESPONSE_HEAD_RE
from aiohttp.protocol import HttpRequestParser, HttpResponseParser

needs_c = pytest.mark.skipif(not _http_scan.ACCELERATED,
                             reason="aiohttp._http_head is not in use here")


@pytest.fixture(scope="module", autouse=True)
def accelerators() -> str:
    """This module compares the two scans itself, so it runs once (the
    conftest's fixture of this name would run it once per implementation)."""
    return "both"


def c_scan(*args: Any) -> Any:
    assert _http_scan.accelerator is not None
    return _http_scan.accelerator.scan_head(*args)


def both(data: bytes | bytearray, limit: int, request: bool,
         max_count: int) -> tuple[Any, list[tuple[str, str]]]:
    """Run both scans; assert they agree; the answer and the fields added."""
    py_fields: CIMultiDict[str] = CIMultiDict()
    c_fields: CIMultiDict[str] = CIMultiDict()
    expected = _http_scan.py_scan_head(data, limit, request, max_count, py_fields)
    got = c_scan(data, limit, request, max_count, c_fields)
    assert got == expected, (bytes(data), limit, request, max_count)
    assert list(c_fields.items()) == list(py_fields.items())
    if got is not None:
        assert type(got[0]) is str
        assert all(type(value) is str for value in c_fields.values())
    return got, list(c_fields.items())


# Octets that matter to the grammar, and a few that do not, so that
# generated heads are often valid and break in every way when not.
_SPECIAL = b" \t\r\n:#/.\x00\x01\x7f\x80\xc3\xa9\xff\"(),;=@[]{}"
octet = st.one_of(st.sampled_from(list(_SPECIAL)), st.sampled_from(list(b"aZ09-!~|_")),
                  st.integers(0, 255))
text = st.lists(octet, max_size=12).map(bytes)
token = st.one_of(st.sampled_from([b"GET", b"POST", b"Host", b"Content-Length", b"x-a!#$%&'*+.^_`|~"]),
                  text)
#: The edges of every character class of the grammar, and any octet.
boundary_octet = st.one_of(
    st.sampled_from([0x00, 0x08, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x2F,
                     0x30, 0x39, 0x3A, 0x40, 0x41, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7B, 0x7E,
                     0x7F, 0x80, 0xFF, *b"!#$%&'*+-.^_`|~\"(),/:;<=>?@[]{}"]),
    st.integers(0, 255))
eol = st.sampled_from([b"\r\n"] * 8 + [b"\n", b"\r", b"\r\r\n", b""])


@st.composite
def heads(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        start = (draw(token) + draw(st.sampled_from([b" ", b"  ", b"\t", b""]))
                 + draw(st.one_of(st.sampled_from([b"/", b"/a?b=c", b"*", b"http://h/x", b"/a#b",
                                                            b"/\x7f", b"/\x80"]), text))
                 + draw(st.sampled_from([b" HTTP/1.1", b" HTTP/1.0", b" HTTP/1.2", b" HTTP/2.0",
                                         b" http/1.1", b"HTTP/1.1", b" HTTP/1.", b""])))
    else:
        start = (draw(st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/1.9", b"HTTP/2.0",
                                       b"HTTP/1.x", b"HTTP/1"]))
                 + draw(st.sampled_from([b" 200", b" 404", b" 099", b" 1000", b" 20", b"200",
                                         b" 2x0"]))
                 + draw(st.sampled_from([b"", b" ", b" OK", b" Not Found", b"\tOK"]))
                 + draw(st.one_of(st.just(b""), text)))
    lines = [start + draw(eol)]
    for _ in range(draw(st.integers(0, 6))):
        lines.append(draw(token) + draw(st.sampled_from([b":", b": ", b" :", b":\t", b""]))
                     + draw(st.one_of(text, st.sampled_from([b"  v  ", b"\tv\t", b"a b", b""])))
                     + draw(eol))
    lines.append(draw(st.sampled_from([b"\r\n"] * 6 + [b"\n", b"", b"\r"])))
    lines.append(draw(st.sampled_from([b"", b"body", b"\r\n", b"GET / HTTP/1.1\r\n"])))
    return b"".join(lines)


VALID = [
    (True, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    (True, b"POST /x?y=z HTTP/1.0\r\n\r\n"),
    (True, b"OPTIONS * HTTP/1.1\r\nHost: a\r\nX:\r\nY: \t v w \t\r\n\r\nbody"),
    (False, b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello"),
    (False, b"HTTP/1.0 404\r\n\r\n"),
    (False, b"HTTP/1.7 599 \r\nA:b\r\na: c\r\n\r\n"),
]


@settings(max_examples=3000, deadline=None)
@given(heads(), st.booleans(), st.integers(0, 8), st.integers(-2, 400), st.booleans())
@needs_c
def test_c_and_python_agree_on_generated_heads(data: bytes, request: bool, max_count: int,
                                               limit: int, as_bytearray: bool) -> None:
    both(bytearray(data) if as_bytearray else data, limit, request, max_count)
    # With the whole input in reach, as the parsers usually call it.
    both(data, len(data), request, max_count)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(VALID), st.data())
@needs_c
def test_c_and_python_agree_on_valid_heads_with_one_octet_changed(
        case: tuple[bool, bytes], data: st.DataObject) -> None:
    """Every octet class at every position: one octet replaced or inserted."""
    request, head = case
    at = data.draw(st.integers(0, len(head)))
    new = bytes([data.draw(boundary_octet)])
    if data.draw(st.booleans()) and at < len(head):
        mutated = head[:at] + new + head[at + 1:]
    else:
        mutated = head[:at] + new + head[at:]
    both(mutated, len(mutated), request, 100)


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=80), st.booleans(), st.integers(0, 100))
@needs_c
def test_c_and_python_agree_on_any_octets(data: bytes, request: bool, limit: int) -> None:
    both(data, limit, request, 100)
    both(b"GET / HTTP/1.1\r\nA: " + data, 200, True, 100)
    both(b"HTTP/1.1 200 OK\r\nA: " + data, 200, False, 100)




@pytest.mark.parametrize(("request_head", "data"), VALID)
@needs_c
def test_valid_heads_are_split_alike(request_head: bool, data: bytes) -> None:
    pattern = REQUEST_HEAD_RE if request_head else RESPONSE_HEAD_RE
    match = pattern.match(data)
    assert match is not None
    got, fields = both(data, len(data), request_head, 100)
    assert got[1] == match.end()
    assert got[2] == len(fields)
    # One octet short of the empty line: not a whole head.
    assert both(data, match.end() - 1, request_head, 100)[0] is None


INVALID = [
    (True, b"GET /a#frag HTTP/1.1\r\n\r\n"),  # RFC 9110 section 7.1: no fragment
    (True, b"GET /a\x80 HTTP/1.1\r\n\r\n"),
    (True, b"GET  / HTTP/1.1\r\n\r\n"),
    (True, b"GET / HTTP/1.2\r\n\r\n"),
    (True, b"G(T / HTTP/1.1\r\n\r\n"),
    (True, b"GET / HTTP/1.1\nHost: a\r\n\r\n"),  # section 2.2: CRLF only
    (True, b"GET / HTTP/1.1\r\nHost : a\r\n\r\n"),  # section 5.1
    (True, b"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n"),  # section 5.2: obs-fold
    (True, b"GET / HTTP/1.1\r\nHost: a\x00\r\n\r\n"),
    (True, b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"),
    (True, b"GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n"),
    (True, b"GET / HTTP/1.1\r\nHost: a\r\n\r"),
    (False, b"HTTP/1.1 099 Low\r\n\r\n"),
    (False, b"HTTP/2.0 200 OK\r\n\r\n"),
    (False, b"HTTP/1.1 2000\r\n\r\n"),
    (False, b"HTTP/1.1 200 O\x01K\r\n\r\n"),
    (False, b"HTTP/1.1 200\tOK\r\n\r\n"),
    (False, b"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n"),
]


@pytest.mark.parametrize(("request_head", "data"), INVALID)
@needs_c
def test_invalid_heads_are_refused_alike(request_head: bool, data: bytes) -> None:
    assert both(data, len(data) + 10, request_head, 100) == (None, [])


@needs_c
def test_values_lose_their_surrounding_whitespace_only() -> None:
    got, fields = both(b"GET / HTTP/1.1\r\nA: \t x \t y\t \r\nB:\r\nC:  \r\n\r\n", 100, True, 9)
    assert got == ("GET / HTTP/1.1", 42, 3)
    assert fields == [("A", "x \t y"), ("B", ""), ("C", "")]


@needs_c
def test_octets_that_are_not_utf8_are_kept_as_surrogates() -> None:
    data = "HTTP/1.1 200 Ça va\r\nX-Name: Zoë\r\n".encode() + b"X-Raw: \xff\xfe\r\n\r\n"
    got, fields = both(data, len(data), False, 9)
    assert got[0] == "HTTP/1.1 200 Ça va"
    assert fields == [("X-Name", "Zoë"), ("X-Raw", "\udcff\udcfe")]


@needs_c
def test_too_many_fields_are_counted_and_not_added() -> None:
    data = b"GET / HTTP/1.1\r\n" + b"A: b\r\n" * 5 + b"\r\n"
    assert both(data, len(data), True, 4) == (("GET / HTTP/1.1", len(data), 5), [])
    assert both(data, len(data), True, 5)[1] == [("A", "b")] * 5


@needs_c
def test_the_c_function_checks_its_arguments() -> None:
    with pytest.raises(TypeError):
        c_scan("GET / HTTP/1.1\r\n\r\n", 100, True, 100, CIMultiDict())
    with pytest.raises(TypeError):
        c_scan(b"GET / HTTP/1.1\r\n\r\n", 100, True, 100)
    with pytest.raises(TypeError):
        c_scan(b"GET / HTTP/1.1\r\n\r\n", "100", True, 100, CIMultiDict())
    # An error raised by fields.add comes through.
    with pytest.raises(AttributeError):
        c_scan(b"GET / HTTP/1.1\r\nA: b\r\n\r\n", 100, True, 100, object())


def _outcomes(parse: Any, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What ``parse()`` gives or raises with the C scan, then with pure Python."""
    def outcome() -> object:
        try:
            return parse()
        except Exception as exc:  # noqa: BLE001 - the outcome compared is the error
            return type(exc), str(exc)

    assert _http_scan.accelerator is not None
    found = []
    for scan in (_http_scan.accelerator.scan_head, _http_scan.py_scan_head):
        monkeypatch.setattr("aiohttp._http_parser.scan_head", scan)
        found.append(outcome())
    return found


@pytest.mark.parametrize("data", [
    b"GET /a HTTP/1.1\r\nHost: h\r\nX-Raw: \xff\r\nConnection: close\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\n" + b"A: b\r\n" * 101 + b"\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
])
@needs_c
def test_the_request_parser_gives_the_same_outcome_with_either_scan(
        data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    c, py = _outcomes(lambda: HttpRequestParser().parse_whole(data), monkeypatch)
    assert c == py


@needs_c
def test_the_response_parser_gives_the_same_outcome_with_either_scan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Raw: \xff\r\n\r\nok"
    c, py = _outcomes(lambda: HttpResponseParser().parse_whole(data), monkeypatch)
    assert c == py
    assert c[1] == len(data) - 2  # type: ignore[index]


def test_the_accelerator_is_built() -> None:
    """Where the build hook could compile the extension, it is in use."""
    check_built(_http_scan.accelerator, "_http_head", "aiohttp-protocol")
    assert _http_scan.ACCELERATED is (_http_scan.accelerator is not None)
    if _http_scan.accelerator is None:
        assert _http_scan.scan_head is _http_scan.py_scan_head
    else:
        assert _http_scan.scan_head is _http_scan.accelerator.scan_head


def test_no_extensions_keeps_pure_python() -> None:
    """``AIOHTTP_NO_EXTENSIONS=1`` is read at import: the pure function is used."""
    assert run_without_extensions(
        "from aiohttp import _http_scan as m, _http_parser as p; "
        "print(m.ACCELERATED, m.scan_head is m.py_scan_head, p.scan_head is m.py_scan_head)"
    ) == ["False", "True", "True"]
