"""Helpers for the real programs the tests and benchmarks run on 127.0.0.1.

nginx, tinyproxy, gunicorn and the benchmark servers are child processes
that listen on a free port of the loopback interface: ``free_port()`` picks
the port, ``wait_listening()`` waits until the child accepts connections
(or fails fast if it exited), ``stop_process()`` ends it and waits.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the kernel's choice)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(port: int, process: subprocess.Popen[bytes], what: str, *,
                   detail: Callable[[], str] = lambda: "", guard: float = 30.0) -> None:
    """Return once ``port`` accepts; raise ``RuntimeError`` if ``process`` exits or ``guard`` passes.

    ``guard`` is a hang guard only: a loaded machine may take seconds to
    start a program.
    """
    deadline = time.monotonic() + guard
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start: {detail()}") from None
            time.sleep(0.05)


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM,
                 guard: float = 10.0) -> None:
    """Signal ``process``, wait for it (killing it after ``guard`` seconds), close its pipes."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(guard)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
