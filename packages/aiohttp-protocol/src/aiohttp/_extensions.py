"""Loading the optional C accelerators (``aiohttp._http_head``, ``aiohttp._ws_mask``).

Each is compiled by its package's build hook when a compiler is there, and
each has a pure-Python twin that gives the same results. Lives in
aiohttp-protocol, the lowest package with an accelerator; aiohttp-websocket
uses it too.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["load_extension"]


def load_extension(name: str) -> ModuleType | None:
    """The compiled module ``aiohttp.NAME``, or None: not built (no compiler
    at install time, or another interpreter's build), or
    ``AIOHTTP_NO_EXTENSIONS`` set in the environment. Read once, at import
    of the module that asks."""
    if os.environ.get("AIOHTTP_NO_EXTENSIONS"):
        return None
    try:
        return importlib.import_module(f"aiohttp.{name}")
    except ImportError:
        return None
