#!/usr/bin/env bash
# Build the peer virtual environments the benchmarks in bench/ compare our
# packages with (aiohttp 3.x, h11, httptools, uvicorn, httpx, websockets),
# one per peer, under bench/.venvs/ (ignored by git).
#
# The peers never go into the workspace's Hatch environments: the real
# aiohttp 3.x installs a package named `aiohttp`, the import name our
# micro-packages share, so it could shadow (or be shadowed by) ours. Each peer
# runs in its own interpreter, as a subprocess of the benchmark driver.
#
# Usage, from anywhere:
#   bash bench/setup_peers.sh            # create the missing environments
#   bash bench/setup_peers.sh --force    # rebuild them all (e.g. to upgrade)
#
# PYTHON selects the interpreter (default: python3); use the same minor
# version as the Hatch environment so that the comparison is interpreter to
# interpreter. The versions installed are printed at the end and in the header
# of every benchmark table.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
venvs="$here/.venvs"
python="${PYTHON:-python3}"
force=0
case "${1:-}" in
  "") ;;
  --force) force=1 ;;
  -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

export PIP_DISABLE_PIP_VERSION_CHECK=1

# name, then the requirements (lower bounds only: the benchmark reports the
# versions it actually ran).
peers=(
  "aiohttp3 aiohttp>=3.11,<4"
  "h11 h11>=0.14"
  "httptools httptools>=0.6"
  "uvicorn uvicorn>=0.30 httptools>=0.6"
  "httpx httpx>=0.27"
  "websockets websockets>=14"
)

mkdir -p "$venvs"
for spec in "${peers[@]}"; do
  read -r name requirements <<<"$spec"
  venv="$venvs/$name"
  if [ "$force" = 1 ]; then rm -rf "$venv"; fi
  if [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; then
    echo "== $name: already set up ($venv)"
    continue
  fi
  echo "== $name: $requirements -> $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  # shellcheck disable=SC2086  # the requirements are several words on purpose
  "$venv/bin/python" -m pip install --quiet $requirements
  touch "$venv/.complete"
done

echo
for spec in "${peers[@]}"; do
  read -r name _ <<<"$spec"
  printf '%-10s ' "$name"
  "$venvs/$name/bin/python" -c '
import importlib.metadata as md, platform, sys
names = {"aiohttp3": ["aiohttp", "multidict", "yarl"], "h11": ["h11"], "httptools": ["httptools"],
         "uvicorn": ["uvicorn", "httptools"], "httpx": ["httpx", "httpcore"],
         "websockets": ["websockets"]}[sys.argv[1]]
print(", ".join(f"{n} {md.version(n)}" for n in names), "on Python", platform.python_version())
' "$name"
done
