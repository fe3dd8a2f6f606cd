"""The meta-package: ``aiohttp/__init__.py`` re-exports, laziness, the foreign-install guard.

Laziness and the guard are checked in fresh interpreters (``subprocess``),
since this test process has imported most modules already.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import aiohttp

#: The modules whose ``__all__`` the package re-exports (the worker's names
#: are attributes, not in ``__all__``).
EXPORTING = ("client", "connector", "errors", "helpers", "parsers", "protocol", "server",
             "streams", "websocket", "websocket_client", "wsgi")


def fresh(code: str, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter of this environment."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, check=False, env=env)


def test_import_aiohttp_imports_no_component() -> None:
    result = fresh("""
        import sys, json
        import aiohttp
        print(json.dumps(sorted(m for m in sys.modules
                                if m.startswith(("aiohttp.", "gunicorn", "multidict")))))
    """)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_all_is_the_union_of_the_modules_all() -> None:
    expected = {"__version__"}
    for module in EXPORTING:
        expected.update(importlib.import_module(f"aiohttp.{module}").__all__)
    assert set(aiohttp.__all__) == expected
    assert len(aiohttp.__all__) == len(expected)  # each name once (0.9 had EofStream twice)


@pytest.mark.parametrize("module", EXPORTING)
def test_every_name_is_the_modules_own_object(module: str) -> None:
    source = importlib.import_module(f"aiohttp.{module}")
    for name in source.__all__:
        assert getattr(aiohttp, name) is getattr(source, name), name


def test_star_import_binds_every_name_and_shadows_the_builtin_errors() -> None:
    namespace: dict[str, object] = {}
    exec("from aiohttp import *", namespace)
    names = set(namespace) - {"__builtins__"}
    assert names == set(aiohttp.__all__)
    from aiohttp import errors
    # As in 0.9: documented in the package docstring.
    assert namespace["ConnectionError"] is errors.ConnectionError
    assert namespace["TimeoutError"] is errors.TimeoutError
    assert namespace["request"] is importlib.import_module("aiohttp.client").request


def test_star_import_needs_no_gunicorn() -> None:
    result = fresh("""
        import sys
        from aiohttp import *
        print(any(m.startswith("gunicorn") for m in sys.modules), "ws_connect" in dir())
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_worker_names_load_lazily_with_gunicorn() -> None:
    from aiohttp import worker
    assert aiohttp.AsyncGunicornWorker is worker.AsyncGunicornWorker
    assert aiohttp.PortMapperWorker is worker.PortMapperWorker
    assert "AsyncGunicornWorker" not in aiohttp.__all__
    assert {"AsyncGunicornWorker", "PortMapperWorker"} <= set(dir(aiohttp))


def test_worker_name_without_gunicorn_says_what_is_missing(tmp_path: Path) -> None:
    # A ``gunicorn`` that cannot be imported stands for its absence.
    (tmp_path / "gunicorn").mkdir()
    (tmp_path / "gunicorn" / "__init__.py").write_text("raise ModuleNotFoundError("
                                                      "'No module named gunicorn', "
                                                      "name='gunicorn')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = fresh("""
        import aiohttp
        try:
            aiohttp.AsyncGunicornWorker
        except ModuleNotFoundError as exc:
            print("missing", exc.name)
        print(aiohttp.request.__module__)
    """, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["missing", "gunicorn", "aiohttp.client"]


def test_submodules_are_attributes() -> None:
    result = fresh("""
        import aiohttp
        print(aiohttp.websocket.__name__, aiohttp.wsgi.__name__, aiohttp.utils.__name__,
              aiohttp.log.access_log.name)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["aiohttp.websocket", "aiohttp.wsgi", "aiohttp.utils",
                                     "aiohttp.access"]


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'web'"):
        aiohttp.web  # noqa: B018
    with pytest.raises(ImportError):
        exec("from aiohttp import ClientSession", {})


def test_version_is_the_distributions() -> None:
    assert aiohttp.__version__ == importlib.metadata.version("aiohttp")


def test_type_checkers_see_the_same_names_as_the_run_time() -> None:
    """The ``if TYPE_CHECKING:`` imports list every name ``__getattr__`` serves, from its module."""
    tree = ast.parse(Path(aiohttp.__file__).read_text())
    seen: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.level == 1
                for alias in stmt.names:
                    assert alias.asname == alias.name  # an explicit re-export
                    seen[alias.name] = str(stmt.module)
    served = {name: module for name, module in aiohttp._HOME.items()}
    assert seen == served


# -- the guard against aiohttp 3.x -----------------------------------------------------

def _our_package_in(site: Path) -> Path:
    """A copy of our ``aiohttp/__init__.py`` alone in ``site/aiohttp``."""
    package = site / "aiohttp"
    package.mkdir(parents=True)
    shutil.copy(aiohttp.__file__, package / "__init__.py")
    return package


@pytest.mark.parametrize("foreign", ["web.py", "client_reqrep.py", "hdrs.py"])
def test_refuses_aiohttp3_files_in_the_same_directory(tmp_path: Path, foreign: str) -> None:
    package = _our_package_in(tmp_path / "site")
    (package / foreign).write_text("# a file of aiohttp 3.x\n")
    result = fresh("""
        import sys
        sys.path.insert(0, %r)
        try:
            import aiohttp
        except ImportError as exc:
            print("refused:", exc)
        else:
            print("loaded", aiohttp.__file__)
    """ % str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused:"), result.stdout
    assert str(package) in result.stdout and foreign in result.stdout
    assert "aiohttp 3.x" in result.stdout and "virtual environment" in result.stdout


def test_refuses_aiohttp3_in_another_path_entry(tmp_path: Path) -> None:
    """``extend_path`` would join a later ``aiohttp`` directory to ours; one of 3.x is refused."""
    _our_package_in(tmp_path / "ours")
    other = tmp_path / "theirs" / "aiohttp"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("")
    (other / "web_app.py").write_text("")
    result = fresh("""
        import sys
        sys.path[:0] = [%r, %r]
        try:
            import aiohttp
        except ImportError as exc:
            print("refused:", exc)
    """ % (str(tmp_path / "ours"), str(tmp_path / "theirs")))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused:") and str(other) in result.stdout, result.stdout


def test_a_clean_directory_loads(tmp_path: Path) -> None:
    """The copy used above does load when no foreign file is beside it (the test can fail)."""
    _our_package_in(tmp_path / "site")
    result = fresh("""
        import sys
        sys.path.insert(0, %r)
        import aiohttp
        print(aiohttp.__file__)
    """ % str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "site" / "aiohttp" / "__init__.py")
