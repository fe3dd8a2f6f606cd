"""Peers of the client tests: small raw asyncio HTTP servers, tinyproxy, TLS.

The raw servers parse requests by hand (head, then a Content-Length or
chunked body), record what they got and answer with whatever bytes a test
wants, including answers no well-behaved server would send.
"""

from __future__ import annotations

import asyncio
import inspect
import ssl
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

from local_peers import free_port, stop_process, wait_listening
from multidict import CIMultiDict


class Recorded(NamedTuple):
    """One request as a raw server received it."""

    method: str
    target: str
    version: str
    headers: CIMultiDict[str]
    body: bytes
    raw_head: bytes


async def read_request(reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter | None = None) -> Recorded | None:
    """Read one request; None when the client closed the connection first.

    A request with ``Expect: 100-continue`` gets ``100 Continue`` through
    ``writer`` before its body is read; without a writer only its head is read.
    """
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    except ConnectionResetError:
        return None
    lines = head[:-4].decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.add(name, value.strip())
    body = b""
    if headers.get("Expect", "").lower() == "100-continue":
        if writer is None:
            return Recorded(method, target, version, headers, b"", head)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        pieces = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if not size:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            pieces.append(await reader.readexactly(size))
            assert await reader.readexactly(2) == b"\r\n"
        body = b"".join(pieces)
    elif "Content-Length" in headers:
        body = await reader.readexactly(int(headers["Content-Length"]))
    return Recorded(method, target, version, headers, body, head)


def response(status: int = 200, body: bytes = b"", headers: tuple[tuple[str, str], ...] = (),
             reason: str = "OK", length: bool = True) -> bytes:
    """A response with a Content-Length (unless ``length`` is false)."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


Responder = Callable[[Recorded], "bytes | Awaitable[bytes | None] | None"]
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """An HTTP server on 127.0.0.1 (or ``host``) made of ``asyncio.start_server``.

    With ``respond``: every request is read and recorded; the returned bytes
    are sent (None closes the connection). With ``handler``: the handler
    gets the raw streams. ``connections`` counts accepted connections.
    """

    def __init__(self, respond: Responder | None = None, *, handler: Handler | None = None,
                 ssl_context: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> None:
        self._respond = respond
        self._handler = handler
        self._ssl = ssl_context
        self.host = host
        self.port = 0
        self.requests: list[Recorded] = []
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def origin(self) -> str:
        scheme = "https" if self._ssl is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, self.host, 0, ssl=self._ssl)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            if self._handler is not None:
                await self._handler(reader, writer)
            else:
                await self._loop(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        except asyncio.CancelledError:
            # close() stops the handlers; the task must end normally, or
            # asyncio's start_server callback reports the cancellation.
            pass
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, ssl.SSLError):
                pass

    async def _loop(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._respond is not None
        while True:
            req = await read_request(reader, writer)
            if req is None:
                return
            self.requests.append(req)
            answer = self._respond(req)
            if inspect.isawaitable(answer):
                answer = await answer
            if answer is None:
                return
            assert isinstance(answer, bytes)
            writer.write(answer)
            await writer.drain()


class TinyProxy:
    """tinyproxy on 127.0.0.1:<free port> with its own configuration."""

    def __init__(self, workdir: Path, *, auth: tuple[str, str] | None = None) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.auth = auth
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        path = self.workdir / "tinyproxy.log"
        return path.read_text() if path.exists() else ""

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        lines = [f"Port {self.port}", "Listen 127.0.0.1", "Timeout 30",
                 f'LogFile "{self.workdir}/tinyproxy.log"', "LogLevel Info",
                 "MaxClients 100", "Allow 127.0.0.1", "DisableViaHeader Yes"]
        # No ConnectPort line: CONNECT may go to any port (the test origins
        # listen on free ports).
        if self.auth is not None:
            lines.append(f"BasicAuth {self.auth[0]} {self.auth[1]}")
        conf = self.workdir / "tinyproxy.conf"
        conf.write_text("\n".join(lines) + "\n")
        self.process = subprocess.Popen(["tinyproxy", "-d", "-c", str(conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_listening(self.port, self.process, "tinyproxy", detail=lambda: self.log)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop_process(process)
