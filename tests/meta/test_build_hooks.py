"""The build hooks that compile the optional C accelerators stay one program.

An sdist must build on its own, so each package with an accelerator ships
its own ``hatch_build.py``; they are copies of one file, told apart only by
the ``extensions`` option in their ``pyproject.toml``. This keeps them from
drifting apart.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[2] / "packages"
#: Each package with an accelerator, and the module its hook builds.
ACCELERATED = {"aiohttp-protocol": ["_http_head", "_body_buffer", "_http_writer_core"],
               "aiohttp-websocket": ["_ws_mask"]}


def test_every_hook_is_the_same_file() -> None:
    hooks = sorted(PACKAGES.glob("*/hatch_build.py"))
    assert sorted(hook.parent.name for hook in hooks) == sorted(ACCELERATED)
    first = hooks[0].read_bytes()
    for hook in hooks[1:]:
        assert hook.read_bytes() == first, f"{hook} differs from {hooks[0]}"


@pytest.mark.parametrize(("package", "modules"), sorted(ACCELERATED.items()))
def test_each_hook_names_its_sources(package: str, modules: list[str]) -> None:
    config = tomllib.loads((PACKAGES / package / "pyproject.toml").read_text())
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["hooks"]["custom"]["extensions"] == modules
    assert sorted(path.stem for path in (PACKAGES / package / "csrc").glob("*.c")) == sorted(modules)
    # A module built in place for the editable install is never shipped as is.
    assert "src/aiohttp/*.so" in wheel["exclude"]
    sdist = config["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert {"csrc/*.c", "hatch_build.py", "src/aiohttp/*.pyi"} <= set(sdist)
