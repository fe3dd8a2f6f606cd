"""Every protocol test runs twice: with the C head scan and with pure Python.

``aiohttp._http_head`` (csrc/_http_head.c) replaces ``py_scan_head`` when
it is built; the two must give the same messages and errors everywhere, so
the suite runs once per implementation. ``test_scan_head.py`` compares them
directly, octet by octet, on generated heads.

Module scope (not function scope): the swap is done once per test module
and implementation, and Hypothesis tests can use it. Where the extension is
not built for this interpreter, the ``[c-scan]`` run is skipped with that
reason; ``test_scan_head.py`` fails if it should have been built.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aiohttp import _http_parser, _http_scan


@pytest.fixture(scope="module", autouse=True, params=["c-scan", "py-scan"])
def head_scan(request: pytest.FixtureRequest) -> Iterator[str]:
    """The head scan in use: "c-scan" or "py-scan"."""
    if request.param == "c-scan":
        if not _http_scan.ACCELERATED:
            pytest.skip("aiohttp._http_head is not in use here (not built for this "
                        "interpreter, or AIOHTTP_NO_EXTENSIONS is set)")
        assert vars(_http_parser)["scan_head"] is not _http_scan.py_scan_head
        yield request.param
        return
    with pytest.MonkeyPatch.context() as patch:
        # The parsers look the function up in their module at every head.
        patch.setattr(_http_parser, "scan_head", _http_scan.py_scan_head)
        yield request.param
