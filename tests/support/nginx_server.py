"""A private nginx for the client tests and the client benchmark.

``NginxServer(workdir)`` writes its own nginx.conf, static files (a small
text file, a compressible page, a 1 MiB file) and a few fixed locations
into ``workdir`` (and ``/nginx-status``, nginx's connection counters),
listens on 127.0.0.1 on a free port and runs in the
foreground as a child process; ``stop()`` ends it. Nothing outside
``workdir`` is touched.
"""

from __future__ import annotations

import os
import subprocess
import urllib.request
from pathlib import Path

from local_peers import free_port, stop_process, wait_listening

NGINX = "/usr/sbin/nginx"

#: The static files served, by URL path.
SMALL_BODY = b"Hello, world!\n"
PAGE_BODY = b"".join(b"<p>line %d of a page that compresses well</p>\n" % i for i in range(400))
BIG_SIZE = 2**20


def _config(workdir: Path, root: Path, port: int, access_log: bool) -> str:
    log = f"access_log {workdir}/access.log;" if access_log else "access_log off;"
    temp = "\n".join(f"  {name}_temp_path {workdir}/{name}_temp;"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
user root;
worker_processes 1;
daemon off;
master_process on;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  {log}
{temp}
  default_type application/octet-stream;
  types {{ text/plain txt; text/html html; application/json json; }}
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  gzip on;
  gzip_types text/plain text/html application/json;
  gzip_min_length 100;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location = /redirect {{ return 302 /small.txt; }}
    location = /redirect-chain {{ return 301 /redirect; }}
    location = /json {{ default_type application/json; return 200 '{{"ok": true}}'; }}
    location = /nginx-status {{ stub_status; }}
  }}
}}
"""


class NginxServer:
    """nginx on 127.0.0.1:<free port>, serving files from ``workdir/root``."""

    def __init__(self, workdir: Path, *, access_log: bool = True) -> None:
        self.workdir = workdir
        self.root = workdir / "root"
        self.port = free_port()
        self.access_log = access_log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_files(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "small.txt").write_bytes(SMALL_BODY)
        (self.root / "page.html").write_bytes(PAGE_BODY)
        (self.root / "big.bin").write_bytes(os.urandom(BIG_SIZE))

    def start(self, cpu: int | None = None) -> None:
        self.write_files()
        conf = self.workdir / "nginx.conf"
        conf.write_text(_config(self.workdir, self.root, self.port, self.access_log))
        command = [NGINX, "-c", str(conf), "-p", str(self.workdir)]
        if cpu is not None:
            command = ["taskset", "-c", str(cpu), *command]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        try:
            wait_listening(self.port, self.process, "nginx", detail=self._error_log)
        except RuntimeError:
            self.stop()
            raise

    def counters(self) -> tuple[int, int]:
        """Connections accepted and requests served so far (nginx's ``stub_status``).

        The benchmark reads them around each client run to check that the
        client kept its connections alive instead of reconnecting. The read
        itself is one more connection and one more request.
        """
        with urllib.request.urlopen(f"{self.url}/nginx-status", timeout=10) as reply:
            status = reply.read().decode("ascii")
        # "Active connections: N \nserver accepts handled requests\n A H R \n..."
        accepted, _, requests = status.splitlines()[2].split()
        return int(accepted), int(requests)

    def _error_log(self) -> str:
        log = self.workdir / "error.log"
        return log.read_text() if log.exists() else ""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop_process(process)
