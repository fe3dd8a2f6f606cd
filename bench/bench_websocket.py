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
the ratios the issue sets as goals. The header says whether ours masks in C
(``aiohttp._ws_mask``) or in pure Python (``AIOHTTP_NO_EXTENSIONS=1`` in the
environment forces the latter, for a comparison).

``--callgrind`` measures instead what load on the machine cannot disturb:
the user-space instructions per message of server and client together, in
one process under ``valgrind --tool=callgrind`` (the kernel's share, the
same for every implementation, is not counted). Each implementation runs
twice, with N and 3N messages; the difference divided by 2N removes start-up
and imports.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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


def masking_of_ours() -> str:
    """How ours masks in the interpreter and environment the benchmark runs it with."""
    code = ("from aiohttp import _ws_masking as m; "
            "print('in C (aiohttp._ws_mask)' if m.ACCELERATED else 'in pure Python')")
    done = subprocess.run([python_for("ours"), "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    return done.stdout.strip() or f"unknown ({done.stderr.strip().splitlines()[-1:]})"


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


# -- instruction counts (--callgrind) ------------------------------------------------


def _ws_peer() -> Any:
    """bench/peers/ws_peer.py: its servers, clients and constants."""
    if str(PEER.parent) not in sys.path:
        sys.path.insert(0, str(PEER.parent))
    return importlib.import_module("ws_peer")


async def _inprocess(impl: str, case: str, count: int) -> None:
    """Server and client of ``impl`` in this process: a warm-up pass and one timed pass."""
    ws_peer = _ws_peer()
    server = await ws_peer.SERVERS[impl]()
    port = server.sockets[0].getsockname()[1]
    size = ws_peer.CASES[case]
    if impl in ("raw", "rawproto"):
        factory = ws_peer.client_raw if impl == "raw" else ws_peer.client_rawproto
        send, receive, close = await factory(port, size)
    else:
        send, receive, close = await getattr(ws_peer, f"client_{impl}")(port)
    payload = os.urandom(size)
    batch = ws_peer.PIPELINE if case == "pipe16" else 1
    for _ in range(2):
        for _ in range(count):
            for _ in range(batch):
                sent = send(payload)
                if sent is not None:
                    await sent
            for _ in range(batch):
                await receive()
    await close()
    server.close()
    await server.wait_closed()


def instructions(impl: str, case: str, count: int, work: Path) -> int:
    """User-space instructions of one ``_inprocess`` run under callgrind."""
    out = work / f"{impl}.{case}.{count}.callgrind"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               python_for(impl), str(Path(__file__).resolve()), "--inprocess", impl, case,
               str(count)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        sys.exit(f"{impl} {case} under callgrind failed:\n{done.stderr[-2000:]}")
    for line in out.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    sys.exit(f"no summary in {out}")


def run_callgrind(impls: list[str], cases: list[str], quick: bool) -> None:
    if shutil.which("valgrind") is None:
        sys.exit("--callgrind needs valgrind")
    counts = {"rtt16": 500, "rtt64k": 100, "pipe16": 2}
    if quick:
        counts = {"rtt16": 100, "rtt64k": 20, "pipe16": 1}
    print("Thousands of user-space instructions per message (server + client in one process, "
          "callgrind):")
    print()
    print(f"| case | {' | '.join(impls)} |")
    print(f"| --- | {' | '.join('---:' for _ in impls)} |")
    with tempfile.TemporaryDirectory(prefix="bench-ws-callgrind-") as tmp:
        for case in cases:
            n = counts[case]
            per_message = {}
            for impl in impls:
                extra = instructions(impl, case, 3 * n, Path(tmp)) - instructions(
                    impl, case, n, Path(tmp))
                messages = 2 * (2 * n) * (_ws_peer().PIPELINE if case == "pipe16" else 1)
                per_message[impl] = extra / messages
                print(f"  {case:7} {impl:10} {per_message[impl] / 1000:10,.1f}k",
                      file=sys.stderr, flush=True)
            cells = " | ".join(f"{per_message[impl] / 1000:,.1f}" for impl in impls)
            print(f"| {case} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages (a smoke run)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per run")
    parser.add_argument("--rounds", type=int, default=5,
                        help="runs per cell, implementations interleaved; the best counts")
    parser.add_argument("--only", choices=CASES, action="append", help="run only these cases")
    parser.add_argument("--impls", default=",".join(IMPLS),
                        help="comma-separated implementations to run (default: all)")
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions per message under valgrind instead of timing")
    parser.add_argument("--inprocess", nargs=3, metavar=("IMPL", "CASE", "COUNT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inprocess:
        impl, case, count = args.inprocess
        asyncio.run(_inprocess(impl, case, int(count)))
        return
    counts = QUICK_COUNTS if args.quick else COUNTS
    cases = args.only or list(CASES)
    impls = [impl for impl in IMPLS if impl in args.impls.split(",")]
    if not impls:
        parser.error(f"--impls: choose among {', '.join(IMPLS)}")

    where = ("server and client in one process under callgrind" if args.callgrind
             else "server on CPU 0, client on CPU 1")
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; {where}; compression off; ours masks {masking_of_ours()}")
    if args.callgrind:
        print()
        run_callgrind(impls, cases, args.quick)
        return
    best: dict[tuple[str, str], Cell] = {}
    for round_ in range(args.rounds):
        for case in cases:
            for impl in impls:
                cell = run_case(impl, case, counts[case], args.repeat)
                key = (impl, case)
                if key not in best or cell.rate > best[key].rate:
                    best[key] = cell
                print(f"  round {round_ + 1} {case:7} {impl:10} {cell.rate:10,.0f}/s",
                      file=sys.stderr, flush=True)
        time.sleep(0.1)

    units = {"rtt16": "RTT/s", "rtt64k": "RTT/s", "pipe16": "msgs/s"}
    print()
    print(f"| case | {' | '.join(impls)} |")
    print(f"| --- | {' | '.join('---:' for _ in impls)} |")
    for case in cases:
        rates = " | ".join(f"{best[(impl, case)].rate:,.0f}" for impl in impls)
        print(f"| {case} ({units[case]}) | {rates} |")
    print()
    print("CPU time per message, server + client, in microseconds (steadier than the rates "
          "on a busy machine):")
    print()
    print(f"| case | {' | '.join(impls)} |")
    print(f"| --- | {' | '.join('---:' for _ in impls)} |")
    for case in cases:
        cpus = " | ".join(f"{best[(impl, case)].server_cpu_us:.1f} + "
                          f"{best[(impl, case)].client_cpu_us:.1f}" for impl in impls)
        print(f"| {case} | {cpus} |")
    print()
    print("Ratios (ours / peer) and the goals of the issue:")
    goals = {
        "rtt16": [("raw", 0.95)],
        "rtt64k": [("raw", 0.95), ("aiohttp3", 1.0)],
        "pipe16": [("websockets", 1.5), ("aiohttp3", 1.0)],
    }
    for case in cases:
        if ("ours", case) not in best:
            break
        ours = best[("ours", case)].rate
        parts = []
        for peer in ("raw", "rawproto", "websockets", "aiohttp3"):
            if (peer, case) not in best:
                continue
            ratio = ours / best[(peer, case)].rate
            goal = dict(goals[case]).get(peer)
            mark = "" if goal is None else (" (goal >= %.2f: %s)" % (
                goal, "met" if ratio >= goal else "NOT met"))
            parts.append(f"{peer} {ratio:.2f}x{mark}")
        print(f"  {case}: " + "; ".join(parts))


if __name__ == "__main__":
    main()
