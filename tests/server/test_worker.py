"""aiohttp.worker under a real gunicorn (two workers): requests, HUP, TERM, TLS, max_requests."""

from __future__ import annotations

import http.client
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from local_peers import free_port, stop_process

HERE = Path(__file__).parent
GUARD = 15.0
#: Hang guard for gunicorn's start: importing gunicorn, the app and our worker
#: in three processes takes a second on a quiet machine, far longer on a
#: loaded CI runner.
START_GUARD = 60.0


class Gunicorn:
    """``python -m gunicorn`` in a subprocess, stopped (and waited for) at the end."""

    def __init__(self, tmp_path: Path, *args: str, app: str = "gunicorn_apps:app",
                 worker: str = "aiohttp.worker.AsyncGunicornWorker", workers: int = 2,
                 ports: list[int] | None = None, env: dict[str, str] | None = None) -> None:
        self.ports = ports or [free_port()]
        self.log = tmp_path / "gunicorn.log"
        binds = [arg for port in self.ports for arg in ("-b", f"127.0.0.1:{port}")]
        command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", worker,
                   "--chdir", str(HERE), "--graceful-timeout", "5", *binds, *args, app]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})

    @property
    def port(self) -> int:
        return self.ports[0]

    def wait_ready(self, context: ssl.SSLContext | None = None) -> None:
        deadline = time.monotonic() + START_GUARD
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                for port in self.ports:
                    request(port, "/", context=context)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer: {self.log.read_text()}")

    def stop(self) -> None:
        stop_process(self.process, signal.SIGQUIT, GUARD)


Start = Callable[..., Gunicorn]


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[Start]:
    """``gunicorn(*args, **kw)`` starts a ``Gunicorn``, stopped after the test."""
    started: list[Gunicorn] = []

    def start(*args: str, **kw: Any) -> Gunicorn:
        server = Gunicorn(tmp_path, *args, **kw)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def request(port: int, path: str, body: bytes | None = None,
            context: ssl.SSLContext | None = None,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, str]:
    own = conn is None
    if conn is None:
        if context is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=GUARD, context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=GUARD)
    conn.request("POST" if body is not None else "GET", path, body=body)
    response = conn.getresponse()
    data = response.read().decode()
    if own:
        conn.close()
    return response.status, data


def workers_of(master: int) -> set[int]:
    """The pids of the processes whose parent is ``master``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == master:
                found.add(int(entry.name))
    return found


def pid_of(text: str) -> int:
    match = re.search(r"pid=(\d+)", text)
    assert match is not None, text
    return int(match.group(1))


def test_two_workers_serve_requests_with_bodies(gunicorn: Start) -> None:
    server = gunicorn()
    server.wait_ready()
    pids = set()
    for i in range(20):
        status, text = request(server.port, "/", b"x" * (i * 100))
        assert status == 200 and f"len={i * 100} " in text and "scheme=http " in text
        pids.add(pid_of(text))
    assert server.process.pid not in pids and 1 <= len(pids) <= 2
    # Keep-alive with gunicorn's keepalive setting: one connection, many requests.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GUARD)
    seen = {pid_of(request(server.port, "/", conn=conn)[1]) for _ in range(5)}
    conn.close()
    assert len(seen) == 1


def test_sighup_reloads_workers_without_losing_requests(gunicorn: Start) -> None:
    server = gunicorn()
    server.wait_ready()
    deadline = time.monotonic() + GUARD
    while len(old := workers_of(server.process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # the second worker may still be starting
    assert len(old) == 2
    results: list[tuple[int, str]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                results.append(request(server.port, "/"))
            except BaseException as exc:
                failures.append(exc)

    slow: list[tuple[int, str]] = []
    slow_thread = threading.Thread(target=lambda: slow.append(request(server.port, "/slow?1")))
    slow_thread.start()
    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + GUARD
    new: set[int] = set()
    while time.monotonic() < deadline and not new:
        time.sleep(0.1)
        new = {pid_of(text) for _, text in results[-10:]} - old
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join(GUARD)
    slow_thread.join(GUARD)
    assert not failures, (failures, server.log.read_text()[-3000:])
    assert new, "no new worker answered after SIGHUP"
    assert all(status == 200 for status, _ in results) and len(results) > 20
    # The request in flight during the reload finished on its old worker.
    assert slow and slow[0][0] == 200 and pid_of(slow[0][1]) in old


def test_sigterm_finishes_requests_in_flight_and_closes_idle_ones(
        gunicorn: Start) -> None:
    server = gunicorn("--keep-alive", "30")
    server.wait_ready()
    idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GUARD)
    assert request(server.port, "/", conn=idle)[0] == 200
    slow: list[tuple[int, str]] = []
    thread = threading.Thread(target=lambda: slow.append(request(server.port, "/slow?1.5")))
    thread.start()
    time.sleep(0.5)  # the slow request is in its handler
    start = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    thread.join(GUARD)
    assert slow and slow[0][0] == 200 and slow[0][1].startswith("slow done")
    # The idle keep-alive connection was closed by the server.
    assert idle.sock is not None
    idle.sock.settimeout(GUARD)
    assert idle.sock.recv(1) == b""
    idle.close()
    assert server.process.wait(GUARD) == 0
    assert time.monotonic() - start < 5 + 2  # graceful_timeout, plus the arbiter's margin
    with pytest.raises(OSError):
        request(server.port, "/")


def test_tls_from_gunicorn_certificates(gunicorn: Start, tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    context = ssl.create_default_context()
    ca.configure_trust(context)
    server = gunicorn("--certfile", str(certfile), "--keyfile", str(keyfile))
    server.wait_ready(context)
    status, text = request(server.port, "/", b"secret", context=context)
    assert status == 200 and "scheme=https" in text and "len=6 " in text
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    out = subprocess.run(["curl", "-s", "--cacert", str(tmp_path / "ca.pem"),
                          f"https://127.0.0.1:{server.port}/"],
                         capture_output=True, timeout=GUARD, check=True).stdout
    assert b"scheme=https" in out


def test_max_requests_restarts_the_worker(gunicorn: Start) -> None:
    server = gunicorn("--max-requests", "3", "--max-requests-jitter", "0", workers=1)
    server.wait_ready()  # one request
    pids = [pid_of(request(server.port, "/")[1]) for _ in range(6)]
    # Requests 2 and 3 on the first worker, then 3 on a fresh one, then another.
    assert pids[0] == pids[1] != pids[2] == pids[3] == pids[4] != pids[5], pids


def test_access_log_in_gunicorn_format(gunicorn: Start, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    server = gunicorn("--access-logfile", str(log), "--access-logformat",
                      '%(h)s "%(r)s" %(s)s %(b)s "%({user-agent}i)s" %(m)s %(U)s %(q)s', workers=1)
    server.wait_ready()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=GUARD)
    conn.request("POST", "/path?x=1", body=b"abc", headers={"User-Agent": "tester"})
    text = conn.getresponse().read().decode()
    conn.close()
    server.stop()
    line = log.read_text().splitlines()[-1]
    assert line == f'127.0.0.1 "POST /path?x=1 HTTP/1.1" 200 {len(text)} "tester" POST /path x=1'


def test_port_mapper_worker(gunicorn: Start) -> None:
    ports = [free_port(), free_port()]
    server = gunicorn(app="gunicorn_apps:portmap", worker="aiohttp.worker.PortMapperWorker",
                      workers=1, ports=ports, env={"TEST_PORTMAP": f"{ports[0]},{ports[1]}"})
    server.wait_ready()
    assert "app=main" in request(ports[0], "/")[1]
    assert request(ports[1], "/")[1] == "app=other"
