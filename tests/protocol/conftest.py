"""Every protocol test runs twice: with the C accelerators and with pure Python.

Two accelerators serve this package's hot paths when they are built:

* ``aiohttp._http_head`` (csrc/_http_head.c) replaces ``py_scan_head``, the
  head scan of both parsers' fast paths;
* ``aiohttp._http_writer_core`` (csrc/_http_writer_core.c) gives the message
  writer's ``add_header``, ``write``, ``write_eof`` and
  ``Response.send_headers`` their C fast paths; the Python methods stay on
  the classes as ``_general_<name>``.

Each must behave exactly as its pure-Python twin, so the suite runs once per
implementation: ``[c]`` with both accelerators, ``[py]`` with the Python
functions and methods put back. (The writer's state stays in the C type in
``[py]``; ``test_writer_core.py`` also runs the writer tests in an
interpreter without any accelerator.) ``test_scan_head.py`` and
``test_writer_core.py`` compare the implementations directly.

Module scope (not function scope): the swap is done once per test module
and implementation, and Hypothesis tests can use it. Where the extensions
are not built for this interpreter, the ``[c]`` run is skipped with that
reason; the two comparison modules fail if they should have been built.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aiohttp import _http_parser, _http_scan, _http_writer


def _pure_writer(patch: pytest.MonkeyPatch) -> int:
    """Put the writer's Python methods back in place of the C fast paths."""
    swapped = 0
    for cls in (_http_writer.HttpMessage, _http_writer.Response):
        for name, method in list(vars(cls).items()):
            if name.startswith("_general_"):
                patch.setattr(cls, name.removeprefix("_general_"), method)
                swapped += 1
    return swapped


@pytest.fixture(scope="module", autouse=True, params=["c", "py"])
def accelerators(request: pytest.FixtureRequest) -> Iterator[str]:
    """The implementations in use: "c" (the accelerators) or "py"."""
    if request.param == "c":
        if not (_http_scan.ACCELERATED and _http_writer.ACCELERATED):
            pytest.skip("aiohttp._http_head or aiohttp._http_writer_core is not in use here "
                        "(not built for this interpreter, or AIOHTTP_NO_EXTENSIONS is set)")
        assert vars(_http_parser)["scan_head"] is not _http_scan.py_scan_head
        yield request.param
        return
    with pytest.MonkeyPatch.context() as patch:
        # The parsers look the function up in their module at every head.
        patch.setattr(_http_parser, "scan_head", _http_scan.py_scan_head)
        if _http_writer.ACCELERATED:
            assert _pure_writer(patch) == 4
        yield request.param
