"""Run the project's demo (scripts/demo.py) as a real child process.

Tests and examples talk to the demo over real sockets the way a user would:
``running_demo()`` starts ``python scripts/demo.py --port 0`` from the
repository root, waits for its ``demo: serving on http://HOST:PORT/`` line
(and ``demo: serving on unix:PATH`` when started with ``--unix``), hands
back a ``Demo`` with the address, and on exit stops it with SIGINT and
checks that it ended cleanly: exit status 0 and nothing alarming (a
traceback or a warning) on its stderr.

Its output is drained by two threads the whole time, so a chatty demo never
blocks on a full pipe, and a failure message can show what it printed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from local_peers import stop_process

#: The repository root (tests/support/ is two levels below it).
REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_SCRIPT = REPO_ROOT / "scripts" / "demo.py"

_HTTP_PREFIX = "demo: serving on http://"
_UNIX_PREFIX = "demo: serving on unix:"
#: Words on the demo's stderr that mean it did not end cleanly.
_ALARMS = ("Traceback", "Warning", "never retrieved", "was never awaited")


class DemoError(RuntimeError):
    """The demo did not start, or did not end cleanly."""


class Demo:
    """A running demo child process and where it listens."""

    def __init__(self, process: subprocess.Popen[bytes], command: list[str]) -> None:
        self.process = process
        self.command = command
        self.host = ""
        self.port = 0
        self.unix_path: str | None = None
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None and process.stderr is not None
        self._threads = [
            threading.Thread(target=self._drain, args=(process.stdout, self._stdout, True),
                             daemon=True),
            threading.Thread(target=self._drain, args=(process.stderr, self._stderr, False),
                             daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def url(self) -> str:
        """The demo's base URL, e.g. ``http://127.0.0.1:PORT/``."""
        return f"http://{self.host}:{self.port}/"

    @property
    def ws_url(self) -> str:
        """The chat WebSocket's URL, e.g. ``ws://127.0.0.1:PORT/ws``."""
        return f"ws://{self.host}:{self.port}/ws"

    @property
    def stdout(self) -> str:
        """Everything the demo printed on stdout so far."""
        return "".join(self._stdout)

    @property
    def stderr(self) -> str:
        """Everything the demo printed on stderr so far."""
        return "".join(self._stderr)

    def describe(self) -> str:
        """The command and its output so far, for a failure message."""
        return (f"command: {' '.join(self.command)}\n"
                f"exit status: {self.process.poll()}\n"
                f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}")

    def _drain(self, pipe: IO[bytes], into: list[str], announce: bool) -> None:
        for raw in pipe:
            line = raw.decode("utf-8", "replace")
            into.append(line)
            if announce:
                self._lines.put(line)
        if announce:
            self._lines.put(None)

    def wait_started(self, timeout: float) -> None:
        """Read stdout until the serving line(s) appear; ``DemoError`` otherwise."""
        want_unix = "--unix" in self.command
        deadline = time.monotonic() + timeout
        while not self.port or (want_unix and self.unix_path is None):
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise queue.Empty
                line = self._lines.get(timeout=left)
            except queue.Empty:
                raise DemoError(f"demo did not print its serving line within {timeout} s\n"
                                + self.describe()) from None
            if line is None:
                self.process.wait(5)
                raise DemoError("demo exited before serving\n" + self.describe())
            line = line.rstrip("\n")
            if line.startswith(_HTTP_PREFIX):
                hostport = line[len(_HTTP_PREFIX):].rstrip("/")
                host, _, port = hostport.rpartition(":")
                self.host, self.port = host.strip("[]"), int(port)
            elif line.startswith(_UNIX_PREFIX):
                self.unix_path = line[len(_UNIX_PREFIX):]

    def stop(self, sig: int = signal.SIGINT, guard: float = 20.0) -> int:
        """Signal the demo, wait for it to end, and return its exit status.

        Idempotent: a demo that already ended just reports its status.
        """
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(guard)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Its output is read to the end before the pipes are closed.
        for thread in self._threads:
            thread.join(5)
        stop_process(self.process)  # already ended: this only closes the pipes
        rc = self.process.returncode
        assert rc is not None
        return rc

    def check_clean_exit(self, rc: int) -> None:
        """Raise ``DemoError`` unless the demo exited 0 with a quiet stderr."""
        alarms = [word for word in _ALARMS if word in self.stderr]
        if rc != 0 or alarms:
            raise DemoError(f"demo did not end cleanly (exit {rc}, stderr has {alarms})\n"
                            + self.describe())


@contextlib.contextmanager
def running_demo(*extra_args: str, startup_timeout: float = 30.0,
                 stop_signal: int = signal.SIGINT) -> Iterator[Demo]:
    """Run ``scripts/demo.py --port 0 [extra_args]``; yield it once it serves.

    On exit the demo gets ``stop_signal`` (unless the body already stopped
    it with ``Demo.stop``) and must end with status 0 and no traceback or
    warning on stderr, else ``DemoError`` is raised with its output.
    """
    args = ("--port", "0", *extra_args)
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONDEVMODE="1")
    command = [sys.executable, str(DEMO_SCRIPT), *args]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    demo = Demo(process, command)
    body_failed = False
    try:
        demo.wait_started(startup_timeout)
        yield demo
    except BaseException:
        body_failed = True
        raise
    finally:
        rc = demo.stop(stop_signal)
        if not body_failed:
            demo.check_clean_exit(rc)
