"""Hatchling build hook: compile a package's optional C accelerator.

The hook's ``extensions`` option in ``pyproject.toml`` names the modules:
each ``csrc/NAME.c`` becomes ``aiohttp.NAME`` (``_http_head``,
``_body_buffer`` and ``_http_writer_core`` in aiohttp-protocol, ``_ws_mask``
in aiohttp-websocket).
Each is optional on its own: one that does not compile is left out.

Why a hook of our own: an accelerator is one small C file, so it is
compiled with the compiler and flags Python itself was built with
(``sysconfig``: ``LDSHARED``, ``CCSHARED``, the include directory, the
extension suffix) by one ``subprocess`` call, without setuptools in the
build requirements.

Why the same file in two packages: an sdist must build on its own, so each
distribution ships its hook; ``tests/meta/test_build_hooks.py`` keeps the
copies identical.

* A wheel that got the module is platform-specific (``pure_python`` off,
  the tag inferred from the building interpreter).
* An editable install (the Hatch workspace) puts the module beside the
  sources in ``src/aiohttp/``, where the editable path finds it. Each
  interpreter version gets its own file (the suffix names it).
* No compiler, no Python headers, a failed compile, or
  ``AIOHTTP_NO_EXTENSIONS=1``: a pure-Python wheel, with a message saying
  why. The package works the same, more slowly.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

def _say(message: str) -> None:
    print(f"aiohttp build hook: {message}", file=sys.stderr, flush=True)


def compile_extension(source: Path, target_dir: Path) -> Path | None:
    """Compile ``source`` into ``target_dir``; the module's path, or None (and why, on stderr).

    The module is named after the source file (``csrc/_ws_mask.c`` gives
    ``_ws_mask`` plus the interpreter's extension suffix).
    """
    if os.environ.get("AIOHTTP_NO_EXTENSIONS"):
        _say("AIOHTTP_NO_EXTENSIONS is set: building the pure-Python wheel")
        return None
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    ldshared = sysconfig.get_config_var("LDSHARED")
    include = sysconfig.get_paths().get("include", "")
    if not suffix or not ldshared:
        _say("this Python has no build configuration for C extensions: pure-Python wheel")
        return None
    # LDSHARED is the compiler driver with the flags that link a module
    # ("gcc -pthread -shared", "clang -bundle -undefined dynamic_lookup"); CC
    # in the environment replaces the driver, as it does for setuptools.
    command = shlex.split(ldshared)
    if os.environ.get("CC"):
        command[:1] = shlex.split(os.environ["CC"])
    if shutil.which(command[0]) is None:
        _say(f"no C compiler ({command[0]} not found): pure-Python wheel")
        return None
    if not (Path(include) / "Python.h").is_file():
        _say(f"no Python headers in {include!r}: pure-Python wheel")
        return None
    target = target_dir / f"{source.stem}{suffix}"
    command += [*shlex.split(sysconfig.get_config_var("CCSHARED") or ""), "-O3",
                "-Wall", "-I", include, str(source), "-o", str(target)]
    _say("$ " + shlex.join(command))
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _say(f"the compiler did not run ({exc}): pure-Python wheel")
        return None
    if done.returncode != 0 or not target.is_file():
        _say(f"compiling {source.name} failed (exit {done.returncode}): pure-Python wheel\n"
             f"{done.stdout}{done.stderr}")
        target.unlink(missing_ok=True)
        return None
    if done.stderr.strip():
        _say(done.stderr.strip())
    return target


class AcceleratorHook(BuildHookInterface[Any]):
    """Compiles each ``aiohttp.NAME`` into the wheel, or beside the sources when editable."""

    PLUGIN_NAME = "custom"

    _work: tempfile.TemporaryDirectory[str] | None = None

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        names = self.config.get("extensions")
        if (not isinstance(names, list) or not names
                or not all(isinstance(name, str) and name.isidentifier() for name in names)):
            raise ValueError("the build hook needs extensions = [\"NAME\", ...] (csrc/NAME.c)")
        if version != "editable":
            self._work = tempfile.TemporaryDirectory(prefix="aiohttp-build-")
        for name in names:
            source = root / "csrc" / f"{name}.c"
            if self._work is None:
                module = compile_extension(source, root / "src" / "aiohttp")
                if module is not None:
                    _say(f"built {module} for the editable install")
            else:
                module = compile_extension(source, Path(self._work.name))
                if module is not None:
                    build_data["force_include"][str(module)] = f"aiohttp/{module.name}"
            if module is not None:
                build_data["pure_python"] = False
                build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._work is not None:
            self._work.cleanup()
            self._work = None
