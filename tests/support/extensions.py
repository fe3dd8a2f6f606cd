"""What the tests of the optional C accelerators share.

Each accelerator (``aiohttp._http_head``, ``aiohttp._ws_mask``) is built by
its package's build hook when this interpreter can compile C extensions. A
test checks that it is in use whenever it could have been built: otherwise
the suites meant to run with C and with pure Python would quietly test the
pure path twice.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType


def cannot_compile() -> str | None:
    """Why this interpreter could not have built an extension, or None if it could."""
    ldshared = sysconfig.get_config_var("LDSHARED")
    if not ldshared or not sysconfig.get_config_var("EXT_SUFFIX"):
        return "no build configuration for C extensions"
    compiler = shlex.split(os.environ.get("CC") or ldshared)[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        return "no Python headers"
    return None


def check_built(accelerator: ModuleType | None, name: str, package: str) -> None:
    """``accelerator`` (what ``load_extension(name)`` gave) is in use exactly
    where it should be: never under ``AIOHTTP_NO_EXTENSIONS``, always where
    this interpreter could have built it, and built for this interpreter."""
    if os.environ.get("AIOHTTP_NO_EXTENSIONS"):
        assert accelerator is None
        return
    reason = cannot_compile()
    if reason is not None:
        assert accelerator is None, reason
        return
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert accelerator is not None, (
        f"a C compiler and Python's headers are here, yet aiohttp.{name} was not built for "
        f"{suffix}: reinstall {package}")
    assert accelerator.__file__ is not None
    assert accelerator.__file__.endswith(suffix)


def run_without_extensions(code: str) -> list[str]:
    """The words ``code`` prints in a fresh interpreter with
    ``AIOHTTP_NO_EXTENSIONS=1`` (read once, at import, so it needs one)."""
    env = dict(os.environ, AIOHTTP_NO_EXTENSIONS="1")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.split()
