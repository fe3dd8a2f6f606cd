"""WebSocket echo benchmark: aiohttp-websocket against websockets, aiohttp 3.x and raw asyncio.

Each implementation runs its own echo server and its own client, as two
processes pinned to different cores (``taskset``: server on CPU 0, client on
CPU 1), compression off, over 127.0.0.1. Three cases:

* ``rtt16``: round trips of a 16-byte binary message (send, wait for the echo);
* ``rtt64k``: round trips of a 64 KiB binary message;
* ``pipe16``: 1,000 messages of 16 bytes sent back to back, then 1,000 echoes read.

``raw`` is the ceiling the goals refer to: prebuilt frames echoed over
asyncio streams by a task per connection, as every contestant works, but
with no WebSocket code; ``rawproto`` the same with protocol callbacks and
no task at all, the floor of asyncio itself (``bench/peers/ws_peer.py``). Ours runs with this
interpreter (the Hatch environment, every package editable); the peers with
the interpreters of ``bench/.venvs/`` (``bash bench/setup_peers.sh``). From
the repository root::

    hatch run python bench/bench_websocket.py [--quick] [--repeat N] [--rounds N]

The first table shows the best rate of ``--rounds`` runs per cell (each the
fastest of ``--repeat`` timed repetitions after a warm-up); the second the
CPU time per message of the server and client processes in that run; then
the ratios the issue sets as goals.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
VENVS = ROOT / "bench" / ".venvs"
PEER = ROOT / "bench" / "peers" / "ws_peer.py"
IMPLS = ("ours", "websockets", "aiohttp3", "raw", "rawproto")
CASES = ("rtt16", "rtt64k", "pipe16")
#: Messages per timed repetition, per case (pipe16: batches of 1,000).
COUNTS = {"rtt16": 5000, "rtt64k": 1000, "pipe16": 50}
QUICK_COUNTS = {"rtt16": 1000, "rtt64k": 200, "pipe16": 10}


def python_for(impl: str) -> str:
    if impl in ("ours", "raw", "rawproto"):
        return sys.executable
    python = VENVS / impl / "bin" / "python"
    if not python.exists():
        sys.exit(f"{python} is missing: run `bash bench/setup_peers.sh` first")
    return str(python)


def pinned(cpu: int, command: list[str]) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu), *command]
    return command


@dataclass
class Cell:
    rate: float  # messages (round trips) per second, best run
    server_cpu_us: float  # server CPU per message
    client_cpu_us: float  # client CPU per message


class Server:
    """A ``ws_peer.py server`` subprocess on CPU 0."""

    def __init__(self, impl: str) -> None:
        env = dict(os.environ, PYTHONHASHSEED="0")
        self.process = subprocess.Popen(
            pinned(0, [python_for(impl), str(PEER), "server", "--impl", impl]),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        line = self._stdout().readline()
        if not line.startswith("READY "):
            self.close()
            sys.exit(f"the {impl} server did not start: {line!r}")
        self.port = int(line.split()[1])

    def _stdout(self) -> IO[str]:
        assert self.process.stdout is not None
        return self.process.stdout

    def cpu(self) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write("cpu\n")
        self.process.stdin.flush()
        return float(json.loads(self._stdout().readline())["cpu"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def run_case(impl: str, case: str, count: int, repeat: int) -> Cell:
    server = Server(impl)
    try:
        before = server.cpu()
        done = subprocess.run(
            pinned(1, [python_for(impl), str(PEER), "client", "--impl", impl, "--port",
                       str(server.port), "--case", case, "--count", str(count),
                       "--repeat", str(repeat)]),
            capture_output=True, text=True, cwd=ROOT, check=False, timeout=600)
        if done.returncode != 0:
            sys.exit(f"{impl} {case} client failed:\n{done.stderr}")
        after = server.cpu()
    finally:
        server.close()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    per_run = count * (1000 if case == "pipe16" else 1)
    messages = per_run * (repeat + 1)  # the warm-up ran on the server too
    return Cell(rate=per_run / min(result["walls"]),
                server_cpu_us=(after - before) / messages * 1e6,
                client_cpu_us=result["cpu"] / (per_run * repeat) * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages (a smoke run)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per run")
    parser.add_argument("--rounds", type=int, default=5,
                        help="runs per cell, implementations interleaved; the best counts")
    parser.add_argument("--only", choices=CASES, action="append", help="run only these cases")
    args = parser.parse_args()
    counts = QUICK_COUNTS if args.quick else COUNTS
    cases = args.only or list(CASES)

    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; server on CPU 0, client on CPU 1; compression off")
    best: dict[tuple[str, str], Cell] = {}
    for round_ in range(args.rounds):
        for case in cases:
            for impl in IMPLS:
                cell = run_case(impl, case, counts[case], args.repeat)
                key = (impl, case)
                if key not in best or cell.rate > best[key].rate:
                    best[key] = cell
                print(f"  round {round_ + 1} {case:7} {impl:10} {cell.rate:10,.0f}/s",
                      file=sys.stderr, flush=True)
        time.sleep(0.1)

    units = {"rtt16": "RTT/s", "rtt64k": "RTT/s", "pipe16": "msgs/s"}
    print()
    print(f"| case | {' | '.join(IMPLS)} |")
    print(f"| --- | {' | '.join('---:' for _ in IMPLS)} |")
    for case in cases:
        rates = " | ".join(f"{best[(impl, case)].rate:,.0f}" for impl in IMPLS)
        print(f"| {case} ({units[case]}) | {rates} |")
    print()
    print("CPU time per message, server + client, in microseconds (steadier than the rates "
          "on a busy machine):")
    print()
    print(f"| case | {' | '.join(IMPLS)} |")
    print(f"| --- | {' | '.join('---:' for _ in IMPLS)} |")
    for case in cases:
        cpus = " | ".join(f"{best[(impl, case)].server_cpu_us:.1f} + "
                          f"{best[(impl, case)].client_cpu_us:.1f}" for impl in IMPLS)
        print(f"| {case} | {cpus} |")
    print()
    print("Ratios (ours / peer) and the goals of the issue:")
    goals = {
        "rtt16": [("raw", 0.95)],
        "rtt64k": [("raw", 0.95), ("aiohttp3", 1.0)],
        "pipe16": [("websockets", 1.5), ("aiohttp3", 1.0)],
    }
    for case in cases:
        ours = best[("ours", case)].rate
        parts = []
        for peer in ("raw", "rawproto", "websockets", "aiohttp3"):
            ratio = ours / best[(peer, case)].rate
            goal = dict(goals[case]).get(peer)
            mark = "" if goal is None else (" (goal >= %.2f: %s)" % (
                goal, "met" if ratio >= goal else "NOT met"))
            parts.append(f"{peer} {ratio:.2f}x{mark}")
        print(f"  {case}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
