"""Every WebSocket test runs twice: with the C masking accelerator and with pure Python.

``aiohttp._ws_mask`` (csrc/_ws_mask.c) replaces the pure-Python masking
functions when it is built; both must behave the same everywhere, so the
whole suite runs once per implementation. The ``[py-mask]`` run swaps every
reference an ``aiohttp`` module holds to a C function for its pure-Python
counterpart, then puts them back.

Module scope (not function scope): the swap is done once per test module
and implementation, and Hypothesis tests can use it (Hypothesis refuses
function-scoped fixtures, which would not be reset between examples).

Where the extension is not built for this interpreter, the ``[c-mask]`` run
is skipped with that reason; ``test_masking.py`` fails if it should have
been built (a C compiler and Python's headers are there).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from aiohttp import _ws_masking

#: Which pure-Python function stands for each C one.
_PURE_FOR = {
    "apply_mask": _ws_masking.py_apply_mask,
    "unmask_from": _ws_masking.py_unmask_from,
    "mask_frame": _ws_masking.py_mask_frame,
}


def _use_pure(patch: pytest.MonkeyPatch) -> int:
    """Point every ``aiohttp.*`` module's reference to a C function at the pure one."""
    accelerator = _ws_masking.accelerator
    assert accelerator is not None
    replacements = {id(getattr(accelerator, name)): pure for name, pure in _PURE_FOR.items()}
    swapped = 0
    for module_name, module in list(sys.modules.items()):
        if (not module_name.startswith("aiohttp.") or module is accelerator
                or not isinstance(module, ModuleType)):
            continue
        for attr, value in list(vars(module).items()):
            pure = replacements.get(id(value))
            if pure is not None:
                patch.setattr(module, attr, pure)
                swapped += 1
    return swapped


@pytest.fixture(scope="module", autouse=True, params=["c-mask", "py-mask"])
def masking(request: pytest.FixtureRequest) -> Iterator[str]:
    """The masking implementation in use: "c-mask" or "py-mask"."""
    if request.param == "c-mask":
        if not _ws_masking.ACCELERATED:
            pytest.skip("aiohttp._ws_mask is not in use here (not built for this interpreter, "
                        "or AIOHTTP_NO_EXTENSIONS is set)")
        yield request.param
        return
    if not _ws_masking.ACCELERATED:
        yield request.param
        return
    with pytest.MonkeyPatch.context() as patch:
        # _ws_masking, _ws_frames (the parser) and _ws_writer at least.
        assert _use_pure(patch) >= 7
        yield request.param
