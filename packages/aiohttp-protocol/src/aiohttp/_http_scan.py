"""The head fast path's scan: the C accelerator when it is built, else pure Python.

The parsers take a head that arrives whole in one step: validate every octet
against the grammar, decode, split into the start line and the fields.
Pure Python does it with ``REQUEST_HEAD_RE`` or ``RESPONSE_HEAD_RE``, one
decode and a loop over the lines: about 6 us for a typical nginx response
head of nine fields, a quarter of a client's work for a small GET. The
optional extension ``aiohttp._http_head`` (``csrc/_http_head.c``, compiled
by the wheel's build hook) does the same in well under a microsecond. Both
give the same answer for every input (``tests/protocol/test_scan_head.py``);
``AIOHTTP_NO_EXTENSIONS=1`` in the environment, read once at import, keeps
the pure-Python function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from multidict import CIMultiDict

from ._extensions import load_extension
from ._http_abnf import REQUEST_HEAD_RE, RESPONSE_HEAD_RE

__all__ = ["ACCELERATED", "ScanHead", "py_scan_head", "scan_head", "split_fields"]

#: ``scan_head``'s signature.
ScanHead: TypeAlias = Callable[[bytes | bytearray, int, bool, int, CIMultiDict[str]],
                               "tuple[str, int, int] | None"]


def py_scan_head(data: bytes | bytearray, limit: int, request: bool, max_count: int,
                 fields: CIMultiDict[str], /) -> tuple[str, int, int] | None:
    """Validate and split the head that starts ``data[:limit]``.

    None unless ``data[:limit]`` starts with a whole head that
    ``REQUEST_HEAD_RE`` (``request`` true) or ``RESPONSE_HEAD_RE`` matches.
    Else ``(start_line, end, count)``: the start line without its CRLF, the
    offset just past the empty line and the number of field lines; when
    ``count <= max_count``, every field has also been added to ``fields``
    in order, its value without the whitespace around it (RFC 9110 section
    5.5). Bytes that are not UTF-8 are kept as surrogates.
    """
    match = (REQUEST_HEAD_RE if request else RESPONSE_HEAD_RE).match(data, 0, limit)
    if match is None:
        return None
    end = match.end()
    head = (data if end == len(data) else data[:end]).decode("utf-8", "surrogateescape")
    start, count = split_fields(head, max_count, fields)
    return start, end, count


def split_fields(head: str, max_count: int, fields: CIMultiDict[str]) -> tuple[str, int]:
    """The start line of a decoded head already validated whole, its blank
    line included, and the number of its field lines; when that number is
    at most ``max_count``, the fields are added to ``fields`` as
    ``py_scan_head`` adds them."""
    lines = head.split("\r\n")
    # lines: the start line, each field line, then the empty line and the
    # empty rest after its CRLF.
    count = len(lines) - 3
    if count <= max_count:
        add = fields.add
        for line in lines[1:-2]:
            name, _, value = line.partition(":")
            add(name, value.strip(" \t"))
    return lines[0], count


#: The extension module in use, or None.
accelerator = load_extension("_http_head")
#: Whether the head scan runs in C.
ACCELERATED = accelerator is not None

scan_head: ScanHead = py_scan_head
if accelerator is not None:
    scan_head = accelerator.scan_head
