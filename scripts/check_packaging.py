"""Build every distribution's wheel and prove that each one stands alone.

What it checks (and why):

1. No file is shipped by two wheels, only the meta-package ships
   ``aiohttp/__init__.py`` and only aiohttp-streams ships ``aiohttp/py.typed``:
   two wheels writing the same path clobber each other on install and break
   on uninstall.
2. Each component installed alone into a fresh virtual environment, from the
   wheels only (``--no-index``: our names must never come from a package
   index, where ``aiohttp`` is somebody else's project), can import exactly
   its own modules and those of the components it declares, and nothing
   else; ``aiohttp`` is then a namespace package. Its test suite
   (``tests/<component>``) runs there, against the installed wheel.
3. A module that needs an optional extra (``aiohttp.worker`` needs gunicorn,
   ``aiohttp.websocket_client`` needs aiohttp-client) may fail to import only
   with a ``ModuleNotFoundError`` for what that extra brings; once the extra
   is installed (``aiohttp-server[gunicorn]``), every module imports.
4. The meta-package installs every component and owns ``aiohttp/__init__``:
   ``import aiohttp`` imports no component, every name of ``aiohttp.__all__``
   resolves and ``from aiohttp import *`` works without gunicorn, whose
   absence the worker names report; ``tests/meta`` passes against the wheels.
   Beside real aiohttp 3.x files (downloaded from the index), in the same
   directory or in a later path entry, ``import aiohttp`` refuses with an
   ``ImportError``. Uninstalling the meta-package leaves the components
   importable.

Run it with ``hatch run packaging:check`` (or plain ``python
scripts/check_packaging.py``): it needs ``uv`` on PATH (Hatch brings it) and
reaches the package index only for third-party dependencies and test tools.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"
META = "aiohttp"
#: What the test suites need besides the package under test: the runners,
#: and the real peers and optional codecs the protocol tests use.
TEST_TOOLS = ["pytest>=8.3", "pytest-asyncio>=1.0", "hypothesis>=6.100", "h11>=0.14", "brotli>=1.1",
              "gunicorn>=23", "flask>=3.0", "websockets>=14", "trustme>=1.2"]


@dataclass
class Wheel:
    name: str
    path: Path
    files: list[str]
    #: Our distributions it requires directly.
    internal: list[str] = field(default_factory=list)
    #: Third-party requirements, as written.
    external: list[str] = field(default_factory=list)
    #: Optional extras: name -> requirements (ours by name, others as written).
    extras: dict[str, list[str]] = field(default_factory=dict)

    @property
    def modules(self) -> list[str]:
        """The ``aiohttp.X`` modules the wheel ships."""
        found = []
        for name in self.files:
            match = re.fullmatch(r"aiohttp/(\w+)\.py", name)
            if match and match.group(1) != "__init__":
                found.append(f"aiohttp.{match.group(1)}")
        return sorted(found)


def run(*cmd: str | Path, cwd: Path | None = None) -> str:
    shown = ("<script>" if "\n" in str(c) else str(c) for c in cmd)
    print("$", " ".join(shown), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, text=True,
                            capture_output=True, check=False)
    if result.returncode:
        print(result.stdout, result.stderr, sep="\n")
        raise SystemExit(f"command failed with exit code {result.returncode}")
    return result.stdout


def distribution_names() -> list[str]:
    return sorted(p.name for p in PACKAGES.iterdir() if (p / "pyproject.toml").is_file())


def build_wheels(dist: Path) -> dict[str, Wheel]:
    names = distribution_names()
    for name in names:
        # The interpreter of the check: a compiled accelerator is built for it.
        run("uv", "build", "--quiet", "--python", sys.executable, "--wheel", "--out-dir", dist,
            PACKAGES / name)
    wheels: dict[str, Wheel] = {}
    for path in sorted(dist.glob("*.whl")):
        with zipfile.ZipFile(path) as archive:
            files = archive.namelist()
            metadata = next(f for f in files if f.endswith(".dist-info/METADATA"))
            text = archive.read(metadata).decode()
        name = re.search(r"^Name: (.+)$", text, re.M).group(1).strip()  # type: ignore[union-attr]
        wheel = Wheel(name, path, [f for f in files if ".dist-info/" not in f])
        for req in re.findall(r"^Requires-Dist: (.+)$", text, re.M):
            req_name = re.match(r"[A-Za-z0-9._-]+", req).group(0)  # type: ignore[union-attr]
            extra = re.search(r"""extra == ['"]([\w.-]+)['"]""", req)
            if extra:
                spec = req_name if req_name in names else req.split(";")[0].strip()
                wheel.extras.setdefault(extra.group(1), []).append(spec)
                continue
            (wheel.internal if req_name in names else wheel.external).append(
                req_name if req_name in names else req)
        wheels[name] = wheel
    missing = set(names) - set(wheels)
    if missing:
        raise SystemExit(f"no wheel built for {sorted(missing)}")
    return wheels


def check_file_ownership(wheels: dict[str, Wheel]) -> None:
    owners: dict[str, list[str]] = {}
    for wheel in wheels.values():
        for name in wheel.files:
            owners.setdefault(name, []).append(wheel.name)
    shared = {name: who for name, who in owners.items() if len(who) > 1}
    if shared:
        raise SystemExit(f"files shipped by more than one wheel: {shared}")
    expected = {"aiohttp/__init__.py": [META], "aiohttp/py.typed": ["aiohttp-streams"]}
    for name, who in expected.items():
        if owners.get(name) != who:
            raise SystemExit(f"{name} must be shipped by {who} alone, not by {owners.get(name)}")
    print("file ownership: every file has one owner;",
          "aiohttp/__init__.py only in the meta-package, py.typed only in aiohttp-streams")


def closure(name: str, wheels: dict[str, Wheel]) -> set[str]:
    """``name`` and every component it requires, transitively."""
    seen = {name}
    todo = [name]
    while todo:
        for dep in wheels[todo.pop()].internal:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def make_venv(where: Path, wheels: dict[str, Wheel], names: set[str], dist: Path,
              extra: list[str]) -> Path:
    python = where / "bin" / "python"
    run("uv", "venv", "--quiet", "--python", sys.executable, where)
    external = sorted({req for n in names for req in wheels[n].external} | set(extra))
    if external:
        run("uv", "pip", "install", "--quiet", "--python", python, *external)
    return python


def optional_imports(wheels: dict[str, Wheel]) -> dict[str, set[str]]:
    """Module -> the imports its wheel's extras bring (which it may lack without them)."""
    found: dict[str, set[str]] = {}
    for wheel in wheels.values():
        brought: set[str] = set()
        for reqs in wheel.extras.values():
            for req in reqs:
                if req in wheels:
                    brought.update(wheels[req].modules)
                else:
                    brought.add(re.match(r"[A-Za-z0-9_.-]+", req).group(0)  # type: ignore[union-attr]
                                .lower().replace("-", "_"))
        for module in wheel.modules:
            found[module] = brought
    return found


def probe(python: Path, modules: list[str]) -> dict[str, object]:
    """Import each module in ``python``; report where aiohttp and each module come from.

    A module that cannot be imported is reported as None, with the name of the
    module that was not found under ``missing``.
    """
    code = (
        "import importlib, json, sys\n"
        "import aiohttp\n"
        "out = {'aiohttp_file': aiohttp.__file__, 'modules': {}, 'missing': {}}\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        out['modules'][name] = importlib.import_module(name).__file__\n"
        "    except ModuleNotFoundError as exc:\n"
        "        out['modules'][name] = None\n"
        "        out['missing'][name] = exc.name\n"
        "print(json.dumps(out))\n"
    )
    result: dict[str, object] = json.loads(run(python, "-c", code, cwd=python.parent).splitlines()[-1])
    return result


def check_alone(name: str, wheels: dict[str, Wheel], dist: Path, work: Path) -> None:
    names = closure(name, wheels)
    tests = ROOT / "tests" / name.removeprefix("aiohttp-")
    has_tests = any(tests.glob("test_*.py"))
    venv = work / f"venv-{name}"
    python = make_venv(venv, wheels, names, dist, TEST_TOOLS if has_tests else [])
    run("uv", "pip", "install", "--quiet", "--python", python, "--no-index",
        "--find-links", dist, name)

    installed = {d["name"] for d in json.loads(
        run("uv", "pip", "list", "--python", python, "--format", "json"))}
    ours = {n for n in wheels if n in installed}
    if ours != names:
        raise SystemExit(f"{name} alone installed {sorted(ours)}, expected {sorted(names)}")

    everything = sorted({m for w in wheels.values() for m in w.modules})
    report = probe(python, everything)
    if report["aiohttp_file"] is not None:
        raise SystemExit(f"{name} alone: aiohttp is not a namespace package ({report})")
    expected = {m for n in names for m in wheels[n].modules}
    modules = report["modules"]
    assert isinstance(modules, dict)
    needs_extra = extra_only(report, optional_imports(wheels))
    for module, location in modules.items():
        if module in needs_extra:
            continue
        if (location is not None) != (module in expected):
            raise SystemExit(f"{name} alone: {module} importable={location is not None}, "
                             f"expected {module in expected}")
        if location is not None and not str(location).startswith(str(venv)):
            raise SystemExit(f"{name} alone: {module} was imported from {location}, "
                             "not from the installed wheel")
    print(f"{name} alone: installs {sorted(names)}; imports "
          f"{sorted(expected - set(needs_extra)) or 'nothing'}; aiohttp is a namespace")
    for module, missing in sorted(needs_extra.items()):
        print(f"{name} alone: {module} needs an extra ({missing} is not installed)")

    if has_tests:
        # The venv's pytest script does not put the working directory on
        # sys.path, and --import-mode=importlib (pyproject.toml) keeps the
        # test tree off it, so `aiohttp` can only come from the wheel.
        out = run(venv / "bin" / "pytest", "-q", "-p", "no:cacheprovider", tests, cwd=ROOT)
        print(f"{name} alone: tests/{tests.name}: {out.strip().splitlines()[-1]}")
    else:
        print(f"{name} alone: no tests/{tests.name} yet")

    for extra, reqs in sorted(wheels[name].extras.items()):
        check_extra(name, extra, reqs, wheels, dist, python)


def extra_only(report: dict[str, object], optional: dict[str, set[str]]) -> dict[str, str]:
    """The modules that failed to import only for want of something an extra brings."""
    missing = report["missing"]
    assert isinstance(missing, dict)
    found = {}
    for module, name in missing.items():
        brought = optional.get(module, set())
        if name in brought or str(name).split(".")[0] in brought:
            found[module] = str(name)
    return found


def check_extra(name: str, extra: str, reqs: list[str], wheels: dict[str, Wheel], dist: Path,
                python: Path) -> None:
    """Install ``name[extra]`` over the alone environment: then every module imports."""
    external = [r for r in reqs if r not in wheels]
    if external:
        run("uv", "pip", "install", "--quiet", "--python", python, *external)
    run("uv", "pip", "install", "--quiet", "--python", python, "--no-index",
        "--find-links", dist, f"{name}[{extra}]")
    names = {n for r in reqs if r in wheels for n in closure(r, wheels)} | closure(name, wheels)
    wanted = sorted({m for n in names for m in wheels[n].modules})
    modules = probe(python, wanted)["modules"]
    assert isinstance(modules, dict)
    broken = sorted(m for m, location in modules.items() if location is None)
    if broken:
        raise SystemExit(f"{name}[{extra}]: still not importable: {broken}")
    print(f"{name}[{extra}]: every module imports ({', '.join(wanted)})")


def check_meta(wheels: dict[str, Wheel], dist: Path, work: Path) -> None:
    names = closure(META, wheels)
    if names != set(wheels):
        raise SystemExit(f"the meta-package must require every component, it requires {names}")
    venv = work / "venv-meta"
    python = make_venv(venv, wheels, names, dist, [])
    run("uv", "pip", "install", "--quiet", "--python", python, "--no-index",
        "--find-links", dist, META)
    everything = sorted({m for w in wheels.values() for m in w.modules})
    report = probe(python, everything)
    if not str(report["aiohttp_file"]).startswith(str(venv)):
        raise SystemExit(f"meta: aiohttp/__init__.py not installed: {report}")
    modules = report["modules"]
    assert isinstance(modules, dict)
    needs_extra = extra_only(report, optional_imports(wheels))
    if any(location is None and m not in needs_extra for m, location in modules.items()):
        raise SystemExit(f"meta: some modules are missing: {modules}")
    check_meta_namespace(python)
    check_foreign_refused(python, work)
    run("uv", "pip", "install", "--quiet", "--python", python, *TEST_TOOLS)
    out = run(venv / "bin" / "pytest", "-q", "-p", "no:cacheprovider", ROOT / "tests" / "meta",
              cwd=ROOT)
    print(f"meta: tests/meta: {out.strip().splitlines()[-1]}")
    run("uv", "pip", "uninstall", "--quiet", "--python", python, META)
    report = probe(python, everything)
    modules = report["modules"]
    assert isinstance(modules, dict)
    own = set(wheels[META].modules)  # aiohttp.utils goes with the meta-package
    if report["aiohttp_file"] is not None or any(
            loc is None and m not in needs_extra and m not in own
            for m, loc in modules.items()):
        raise SystemExit(f"meta uninstalled: the components no longer import: {report}")
    print(f"meta: installs all {len(names)} distributions, owns aiohttp/__init__.py;"
          " the components still import once it is uninstalled")


#: Run in the meta environment before gunicorn is installed there.
META_API_PROBE = """
import json, sys
import aiohttp
loaded = sorted(m for m in sys.modules if m.startswith("aiohttp."))
names = {}
exec("from aiohttp import *", names)
unresolved = [n for n in aiohttp.__all__ if n not in names]
try:
    aiohttp.AsyncGunicornWorker
    worker = "imported"
except ModuleNotFoundError as exc:
    worker = exc.name
print(json.dumps({"loaded": loaded, "unresolved": unresolved, "count": len(aiohttp.__all__),
                  "worker": worker, "gunicorn": "gunicorn" in sys.modules,
                  "version": aiohttp.__version__}))
"""


def check_meta_namespace(python: Path) -> None:
    """``import aiohttp`` is lazy; every exported name resolves; worker names need gunicorn."""
    found = json.loads(run(python, "-c", META_API_PROBE, cwd=python.parent).splitlines()[-1])
    if found["loaded"] or found["unresolved"] or found["worker"] != "gunicorn" \
            or found["gunicorn"]:
        raise SystemExit(f"meta: the namespace is not as promised: {found}")
    print(f"meta: import aiohttp {found['version']} loads no component; "
          f"all {found['count']} names of __all__ resolve; the worker names need gunicorn")


#: aiohttp 3.x, the other project with our import name, for the refusal check.
FOREIGN = "aiohttp>=3.9,<4"

FOREIGN_PROBE = """
import sys
{setup}
try:
    import aiohttp
except ImportError as exc:
    print("refused:", exc)
else:
    print("loaded", aiohttp.__file__)
"""


def check_foreign_refused(python: Path, work: Path) -> None:
    """Real aiohttp 3.x files beside ours make ``import aiohttp`` refuse, clearly."""
    foreign = work / "foreign"
    run("uv", "pip", "install", "--quiet", "--python", python, "--no-deps",
        "--target", foreign, FOREIGN)
    site = Path(run(python, "-c", "import aiohttp, os; print(os.path.dirname(aiohttp.__file__))",
                    cwd=python.parent).strip())
    # A later path entry holding aiohttp 3.x: extend_path would join it to ours.
    later = run(python, "-c", FOREIGN_PROBE.format(setup=f"sys.path.append({str(foreign)!r})"),
                cwd=python.parent)
    # aiohttp 3.x files in our own directory (none of ours is overwritten).
    copied = [p for p in (foreign / "aiohttp").iterdir()
              if p.is_file() and not (site / p.name).exists()]
    for path in copied:
        shutil.copy(path, site / path.name)
    try:
        same = run(python, "-c", FOREIGN_PROBE.format(setup=""), cwd=python.parent)
    finally:
        for path in copied:
            (site / path.name).unlink()
    for case, out, where in (("a later path entry", later, foreign / "aiohttp"),
                             ("the same directory", same, site)):
        if not out.startswith("refused:") or str(where) not in out or "3.x" not in out:
            raise SystemExit(f"meta: aiohttp 3.x in {case} was not refused: {out}")
    print("meta: aiohttp 3.x files in the same directory or a later path entry are refused:",
          same.strip().splitlines()[0][:120], "...")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aiohttp-packaging-"))
    try:
        dist = work / "dist"
        wheels = build_wheels(dist)
        print("built:", ", ".join(w.path.name for w in wheels.values()))
        check_file_ownership(wheels)
        for name in sorted(wheels):
            if name != META:
                check_alone(name, wheels, dist, work)
        check_meta(wheels, dist, work)
        print("packaging check passed")
    finally:
        if args.keep:
            print("work directory kept:", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
