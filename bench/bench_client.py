"""HTTP client benchmark: our ``aiohttp.client`` against aiohttp 3.x ``ClientSession``,
``httpx.AsyncClient`` and a bare asyncio Protocol client (the ceiling), all
against one private nginx on loopback.

One command runs everything and prints the table::

    hatch run python bench/bench_client.py             # about 2 minutes
    hatch run python bench/bench_client.py --quick     # shorter runs

nginx (``tests/support/nginx_server.py``: own config, access log off) runs on
core 0, each client as a subprocess on core 1 (``taskset``). Workloads:

* ``seq``: sequential GETs of a 14-byte file on one keep-alive connection;
* ``conc``: 50 concurrent workers doing GETs of the same file (a pool of up
  to 100 connections);
* ``1m``: sequential GETs of a 1 MiB file, each body read whole.

Each client runs ``--duration`` seconds after a short warm-up and reports
requests, wall time and its own CPU time (``time.process_time``). The table
shows the median of ``--repeat`` runs (clients take turns within each
repetition): requests/s (or MB/s), client CPU microseconds per request (far
less sensitive to a busy machine than wall-clock rates), the most TCP
connections nginx accepted from the client in one run (its ``stub_status``
counters, read around each run: a client that reconnects shows here) and
ratios of ours to each peer. A run fails if nginx served fewer requests than
the client counted.

The peers run in their own virtual environments (``bench/setup_peers.sh``):
aiohttp 3.x in ``bench/.venvs/aiohttp3``, httpx in ``bench/.venvs/httpx``. Ours
and the raw client run with this interpreter.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PEERS = ROOT / "peers"
VENVS = ROOT / ".venvs"
sys.path.insert(0, str(ROOT.parent / "tests" / "support"))

from nginx_server import BIG_SIZE, SMALL_BODY, NginxServer  # noqa: E402


@dataclass(frozen=True)
class Client:
    name: str
    python: Path
    script: str


CLIENTS = [
    Client("ours", Path(sys.executable), "client_ours.py"),
    Client("aiohttp 3.x", VENVS / "aiohttp3" / "bin" / "python", "client_aiohttp3.py"),
    Client("httpx", VENVS / "httpx" / "bin" / "python", "client_httpx.py"),
    Client("raw asyncio", Path(sys.executable), "client_raw.py"),
]

#: name -> (label, path, body size, concurrency)
WORKLOADS = {
    "seq": ("sequential GET (14 B)", "/small.txt", len(SMALL_BODY), 1),
    "conc": ("50 concurrent GETs (14 B)", "/small.txt", len(SMALL_BODY), 50),
    "1m": ("sequential GET 1 MiB", "/big.bin", BIG_SIZE, 1),
}


def run_client(client: Client, url: str, size: int, concurrency: int, duration: float,
               cpu: int | None) -> dict[str, float]:
    command = [str(client.python), str(PEERS / client.script), url, str(size),
               str(concurrency), str(duration)]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration * 10 + 60,
                          cwd=PEERS, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{client.name} failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 s runs, 1 repetition")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (median shown)")
    parser.add_argument("--only", default="", help="workloads to run, comma-separated")
    parser.add_argument("--clients", default="", help="clients to run (name substrings)")
    args = parser.parse_args()
    duration = 1.0 if args.quick else args.duration
    repeat = 1 if args.quick else args.repeat
    workloads = [w for w in WORKLOADS if not args.only or w in args.only.split(",")]
    clients = [c for c in CLIENTS if c.python.exists() and (
        not args.clients or any(part in c.name for part in args.clients.split(",")))]
    missing = [c.name for c in CLIENTS if not c.python.exists()]
    if missing:
        print(f"(not installed, skipped: {', '.join(missing)}; run bench/setup_peers.sh)")
    pin = shutil.which("taskset") is not None
    workdir = Path(tempfile.mkdtemp(prefix="bench-client-"))
    nginx = NginxServer(workdir, access_log=False)
    nginx.start(cpu=0 if pin else None)
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        for _ in range(repeat):
            for workload in workloads:
                _, path, size, concurrency = WORKLOADS[workload]
                for client in clients:
                    accepted, served = nginx.counters()
                    result = run_client(client, nginx.url + path, size, concurrency, duration,
                                        1 if pin else None)
                    after_accepted, after_served = nginx.counters()
                    # the second counters() read is one connection and one request
                    result["connections"] = after_accepted - accepted - 1
                    result["served"] = after_served - served - 1
                    if result["served"] < result["requests"]:
                        raise RuntimeError(f"{client.name}: nginx served {result['served']} "
                                           f"requests, the client counted {result['requests']}")
                    results.setdefault((workload, client.name), []).append(result)
    finally:
        nginx.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    report(workloads, clients, results, repeat, duration)


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def report(workloads: list[str], clients: list[Client],
           results: dict[tuple[str, str], list[dict[str, float]]], repeat: int,
           duration: float) -> None:
    print(f"\nnginx on core 0, clients on core 1; {duration:g} s per run, median of {repeat}\n")
    header = (f"{'workload':<28} {'client':<12} {'req/s':>9} {'MB/s':>8} {'CPU us/req':>11}"
              f" {'conns':>6}")
    print(header)
    print("-" * len(header))
    rates: dict[tuple[str, str], float] = {}
    cpus: dict[tuple[str, str], float] = {}
    for workload in workloads:
        label = WORKLOADS[workload][0]
        for client in clients:
            runs = results[(workload, client.name)]
            rate = statistics.median(r["requests"] / r["wall"] for r in runs)
            mbps = statistics.median(r["bytes"] / r["wall"] / 1e6 for r in runs)
            cpu = statistics.median(r["cpu"] / r["requests"] * 1e6 for r in runs)
            rates[(workload, client.name)] = rate
            cpus[(workload, client.name)] = cpu
            conns = max(int(r["connections"]) for r in runs)
            print(f"{label:<28} {client.name:<12} {rate:>9.0f} {mbps:>8.1f} {cpu:>11.1f}"
                  f" {conns:>6}")
            label = ""
    print("\nratios of ours to each peer (> 1: ours is faster / cheaper)\n")
    print(f"{'workload':<28} {'peer':<12} {'req/s ratio':>12} {'CPU/req ratio':>14}")
    for workload in workloads:
        label = WORKLOADS[workload][0]
        for client in clients:
            if client.name == "ours" or ("ours" not in {c.name for c in clients}):
                continue
            ratio = rates[(workload, "ours")] / rates[(workload, client.name)]
            cpu_ratio = cpus[(workload, client.name)] / cpus[(workload, "ours")]
            print(f"{label:<28} {client.name:<12} {ratio:>11.2f}x {cpu_ratio:>13.2f}x")
            label = ""


if __name__ == "__main__":
    main()
