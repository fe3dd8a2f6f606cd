"""HTTP server benchmark: our ``aiohttp.server`` against aiohttp 3.x, uvicorn+httptools
and a bare asyncio Protocol (the ceiling), with ``wrk`` on loopback.

One command runs everything and prints the table::

    hatch run python bench/bench_server.py            # about 2 minutes
    hatch run python bench/bench_server.py --quick    # shorter runs
    hatch run python bench/bench_server.py --memory   # RSS per idle keep-alive connection

Each server is a subprocess pinned to one core (``taskset -c 0``), wrk to
another (``taskset -c 1``), 50 keep-alive connections, one wrk thread.
Workloads: hello world (``GET /``), the same with a new head each request
(``GET /?n=N``: nothing remembered of the previous head helps), ``POST
/upload`` of 64 KiB read fully, ``GET /big`` of 1 MiB. ``--baseline PYTHON``
also runs our server with another interpreter (say, a wrapper that puts an
older checkout first on ``PYTHONPATH``), in turn with the others: before and
after in the same minutes. For every run the driver reads the server process's
CPU time (user + system, ``/proc/<pid>/stat``) before and after wrk, so the
table shows *server CPU per request*, which is far less sensitive to a busy
machine than requests per second. Each cell is the median of ``--repeat``
runs; servers are run in turn within each repetition.

The peers run in their own virtual environments (``bench/setup_peers.sh``):
aiohttp 3.x in ``bench/.venvs/aiohttp3``, uvicorn+httptools in
``bench/.venvs/uvicorn``. Ours and the raw ceiling run with this interpreter.
"""

from __future__ import annotations

import argparse
import os
import resource
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PEERS = ROOT / "peers"
VENVS = ROOT / ".venvs"
TICKS = os.sysconf("SC_CLK_TCK")
# The child-process helpers the tests use too (free port, wait, stop).
sys.path.insert(0, str(ROOT.parent / "tests" / "support"))

from local_peers import free_port, stop_process, wait_listening  # noqa: E402


@dataclass(frozen=True)
class Server:
    name: str
    python: Path
    script: str
    workloads: tuple[str, ...] = ("hello", "hellovary", "post64k", "get1m")


SERVERS = [
    Server("ours", Path(sys.executable), "server_ours.py"),
    Server("aiohttp 3.x", VENVS / "aiohttp3" / "bin" / "python", "server_aiohttp3.py"),
    Server("uvicorn+httptools", VENVS / "uvicorn" / "bin" / "python", "server_uvicorn.py"),
    Server("raw asyncio", Path(sys.executable), "server_raw.py", ("hello",)),
]

WORKLOADS = {
    "hello": ("GET / (13 B)", "/", None),
    # The same hello world, but every request head differs (its query), so
    # nothing a server may remember of the previous head helps.
    "hellovary": ("GET /?n=N (13 B), each head new", "/",
                  'local n = 0\nrequest = function()\n  n = n + 1\n'
                  '  return wrk.format(nil, "/?n=" .. n)\nend\n'),
    "post64k": ("POST 64 KiB, read fully", "/upload",
                'wrk.method = "POST"\nwrk.body = string.rep("x", 65536)\n'
                'wrk.headers["Content-Type"] = "application/octet-stream"\n'),
    "get1m": ("GET 1 MiB", "/big", None),
}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def start(server: Server, port: int, *args: str) -> subprocess.Popen[bytes]:
    command = ["taskset", "-c", "0", str(server.python), str(PEERS / server.script), str(port),
               *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_listening(port, process, f"{server.name} server")
    return process


def wrk(port: int, path: str, script: str | None, seconds: float,
        connections: int) -> tuple[int, int]:
    """Run wrk; return (completed requests, non-2xx/socket errors)."""
    command = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    try:
        if script:
            command += ["-s", lua.name]
        out = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True,
                             text=True, timeout=seconds + 30, check=True).stdout
    finally:
        os.unlink(lua.name)
    match = re.search(r"(\d+) requests in", out)
    if match is None:
        raise RuntimeError(out)
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: connect (\d+), "
                    r"read (\d+), write (\d+), timeout (\d+)"):
        found = re.search(pattern, out)
        if found:
            errors += sum(int(g) for g in found.groups())
    return int(match.group(1)), errors


@dataclass
class Result:
    rps: float
    cpu_us: float
    errors: int


def measure(server: Server, workload: str, seconds: float, connections: int) -> Result:
    port = free_port()
    process = start(server, port)
    try:
        _, path, script = WORKLOADS[workload]
        wrk(port, path, script, 1, connections)  # warm-up
        cpu0 = cpu_seconds(process.pid)
        wall0 = time.monotonic()
        count, errors = wrk(port, path, script, seconds, connections)
        wall = time.monotonic() - wall0
        cpu = cpu_seconds(process.pid) - cpu0
    finally:
        stop_process(process)
    return Result(count / min(wall, seconds + 0.05), cpu / max(count, 1) * 1e6, errors)


def run_table(args: argparse.Namespace) -> None:
    servers = [s for s in SERVERS if s.python.exists()]
    if args.baseline:
        # Before/after in the same minutes: the same server script run by
        # another interpreter (a wrapper that puts an older checkout first on
        # PYTHONPATH), in turn with the others.
        servers.insert(0, Server("ours (baseline)", Path(args.baseline), "server_ours.py",
                                 SERVERS[0].workloads))
    missing = [s.name for s in SERVERS if not s.python.exists()]
    if missing:
        print(f"missing peer environments (run bench/setup_peers.sh): {', '.join(missing)}")
    results: dict[tuple[str, str], list[Result]] = {}
    for repeat in range(args.repeat):
        for workload in args.workloads:
            for server in servers:
                if workload not in server.workloads:
                    continue
                result = measure(server, workload, args.seconds, args.connections)
                results.setdefault((server.name, workload), []).append(result)
                print(f"  [{repeat + 1}/{args.repeat}] {workload:8} {server.name:18} "
                      f"{result.rps:9.0f} req/s {result.cpu_us:7.1f} us CPU/req"
                      f"{'  ERRORS ' + str(result.errors) if result.errors else ''}",
                      file=sys.stderr, flush=True)
    print()
    print(f"wrk -t1 -c{args.connections} -d{round(args.seconds)}s, server on core 0, wrk on core 1; "
          f"median of {args.repeat}")
    print()
    print("| workload | server | req/s | server CPU us/req | ours vs it: req/s | "
          "ours vs it: CPU |")
    print("|---|---|---:|---:|---:|---:|")
    for workload in args.workloads:
        ours = results.get(("ours", workload))
        ours_rps = statistics.median(r.rps for r in ours) if ours else 0.0
        ours_cpu = statistics.median(r.cpu_us for r in ours) if ours else 0.0
        for server in servers:
            rows = results.get((server.name, workload))
            if not rows:
                continue
            rps = statistics.median(r.rps for r in rows)
            cpu = statistics.median(r.cpu_us for r in rows)
            cpus = [r.cpu_us for r in rows]
            spread = f" ({min(cpus):.1f}-{max(cpus):.1f})" if len(cpus) > 1 else ""
            errors = sum(r.errors for r in rows)
            ratio_rps = f"{ours_rps / rps:.2f}x" if server.name != "ours" else ""
            ratio_cpu = f"{cpu / ours_cpu:.2f}x" if server.name != "ours" and ours_cpu else ""
            flag = f" ({errors} errors)" if errors else ""
            print(f"| {WORKLOADS[workload][0]} | {server.name}{flag} | {rps:,.0f} | "
                  f"{cpu:.1f}{spread} | {ratio_rps} | {ratio_cpu} |")
    print()
    print("ours vs it: req/s = our requests per second / its; CPU = its CPU per request / ours "
          "(> 1 means ours is better on both). CPU: median (lowest-highest).")


def run_memory(args: argparse.Namespace) -> None:
    """RSS growth of our server per idle keep-alive connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = SERVERS[0]
    port = free_port()
    process = start(server, port, "600")  # keep-alive long enough to hold them idle
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    sockets: list[socket.socket] = []
    try:
        # Warm up: the first connections and requests load code and caches.
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(request)
            sock.recv(4096)
            sock.close()
        time.sleep(0.5)
        before = rss_bytes(process.pid)
        for _ in range(args.connections_idle):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(request)
            data = b""
            while not data.endswith(b"Hello, World!"):
                data += sock.recv(4096)
            sockets.append(sock)
        time.sleep(1.0)
        after = rss_bytes(process.pid)
        alive = sum(1 for s in sockets if _still_open(s))
    finally:
        for sock in sockets:
            sock.close()
        stop_process(process)
    growth = after - before
    print(f"{args.connections_idle} idle keep-alive connections (each served one request), "
          f"{alive} still open at the measurement")
    print(f"server RSS: {before / 2**20:.1f} MiB -> {after / 2**20:.1f} MiB, "
          f"growth {growth / 2**20:.2f} MiB = {growth / args.connections_idle / 1024:.1f} KiB "
          f"per connection")


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s runs, one repetition")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--only", choices=list(WORKLOADS), action="append", dest="workloads")
    parser.add_argument("--memory", action="store_true",
                        help="measure RSS per idle keep-alive connection instead")
    parser.add_argument("--connections-idle", type=int, default=1000)
    parser.add_argument("--baseline", metavar="PYTHON",
                        help="also run our server with this interpreter, as 'ours (baseline)'")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.repeat = 3, 1
    args.workloads = args.workloads or list(WORKLOADS)
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("needs wrk and taskset (apt-get install wrk util-linux)")
    if args.memory:
        run_memory(args)
    else:
        run_table(args)


if __name__ == "__main__":
    main()
