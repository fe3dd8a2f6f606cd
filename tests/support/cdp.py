"""Headless Chromium, driven over the Chrome DevTools Protocol with our own WebSocket client.

``running_chromium()`` starts ``/usr/bin/chromium --headless`` with a
throw-away profile and ``--remote-debugging-port=0``, reads the DevTools
address from its stderr ("DevTools listening on ws://..."), and on exit
kills its whole process group and removes the profile.

``CdpConnection`` speaks the protocol over ``aiohttp.websocket_client``:
``send(method, params, session_id=...)`` sends ``{"id", "method",
"params"}`` and returns the matching result (``CdpError`` for an error
answer); events are kept and can be waited for with ``wait_event``. With
``Target.attachToTarget(flatten=True)`` one connection drives a page
through its ``sessionId``; ``CdpPage`` wraps that with the few calls the
tests need (navigate, evaluate, poll until a JavaScript expression holds).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from aiohttp.websocket import MSG_TEXT, WebSocketConnection
from aiohttp.websocket_client import ws_connect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--remote-debugging-port=0",
)
_LISTENING = "DevTools listening on "


class CdpError(RuntimeError):
    """An error answer to a command, or a page that never got where it should."""


class Chromium:
    """A running Chromium: its process, DevTools address and stderr."""

    def __init__(self, process: subprocess.Popen[bytes], profile: str) -> None:
        self.process = process
        self.profile = profile
        self.devtools_url: str | None = None
        self._stderr: list[str] = []
        self._ready = threading.Event()
        assert process.stderr is not None
        self._thread = threading.Thread(target=self._drain, args=(process.stderr,), daemon=True)
        self._thread.start()

    def _drain(self, pipe: Any) -> None:
        for raw in pipe:
            line = raw.decode("utf-8", "replace")
            self._stderr.append(line)
            if self.devtools_url is None and line.startswith(_LISTENING):
                self.devtools_url = line[len(_LISTENING):].strip()
                self._ready.set()
        self._ready.set()  # it exited

    def stderr_tail(self, lines: int = 40) -> str:
        """The last lines Chromium wrote on stderr, for a failure message."""
        return "".join(self._stderr[-lines:])

    def wait_devtools(self, timeout: float) -> str:
        self._ready.wait(timeout)
        if self.devtools_url is None:
            raise CdpError(f"Chromium gave no DevTools address within {timeout} s "
                           f"(exit status {self.process.poll()}):\n{self.stderr_tail()}")
        return self.devtools_url

    def kill(self) -> None:
        """End Chromium and all its helper processes; remove its profile."""
        try:
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    pass
            # Helpers (renderer, zygote) may outlive the browser process.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            if self.process.poll() is None:
                self.process.wait(10)
            self._thread.join(5)
            if self.process.stderr is not None:
                self.process.stderr.close()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


@contextlib.contextmanager
def running_chromium(startup_timeout: float = 60.0) -> Iterator[Chromium]:
    """Start headless Chromium; yield it once its DevTools endpoint listens."""
    profile = tempfile.mkdtemp(prefix="demo-chromium-")
    process = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    chromium = Chromium(process, profile)
    try:
        chromium.wait_devtools(startup_timeout)
        yield chromium
    finally:
        chromium.kill()


class CdpConnection:
    """One DevTools WebSocket: commands with their answers, and the events."""

    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._event_added = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(cls, url: str, timeout: float = 30.0) -> AsyncIterator[CdpConnection]:
        ws = await ws_connect(url, timeout=timeout, max_msg_size=2**26)
        connection = cls(ws)
        try:
            yield connection
        finally:
            await connection.close()

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.tp != MSG_TEXT:
                    continue
                data = json.loads(message.data)
                if "id" in data:
                    future = self._waiting.pop(data["id"], None)
                    if future is not None and not future.done():
                        future.set_result(data)
                else:
                    self.events.append(data)
                    self._event_added.set()
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(CdpError("the DevTools connection closed"))
            self._waiting.clear()

    async def send(self, method: str, params: dict[str, Any] | None = None, *,
                   session_id: str | None = None, timeout: float = 30.0) -> dict[str, Any]:
        """Send a command and return its ``result`` (``CdpError`` for an ``error``)."""
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session_id is not None:
            command["sessionId"] = session_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[self._next_id] = future
        await self.ws.send_str(json.dumps(command))
        try:
            async with asyncio.timeout(timeout):
                answer = await future
        finally:
            self._waiting.pop(command["id"], None)
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def wait_event(self, method: str, predicate: Callable[[dict[str, Any]], bool]
                         = lambda event: True, timeout: float = 30.0) -> dict[str, Any]:
        """The first event ``method`` (received so far or later) that ``predicate`` accepts."""
        seen = 0
        async with asyncio.timeout(timeout):
            while True:
                for event in self.events[seen:]:
                    if event.get("method") == method and predicate(event):
                        return event
                seen = len(self.events)
                self._event_added.clear()
                await self._event_added.wait()

    async def close(self) -> None:
        if not self.ws.closed:
            await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class CdpPage:
    """A page target attached to a ``CdpConnection`` (flat session)."""

    def __init__(self, connection: CdpConnection, session_id: str, target_id: str) -> None:
        self.connection = connection
        self.session_id = session_id
        self.target_id = target_id

    @classmethod
    async def open(cls, connection: CdpConnection) -> CdpPage:
        target = await connection.send("Target.createTarget", {"url": "about:blank"})
        target_id = target["targetId"]
        attached = await connection.send("Target.attachToTarget",
                                         {"targetId": target_id, "flatten": True})
        page = cls(connection, attached["sessionId"], target_id)
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        return page

    async def send(self, method: str, params: dict[str, Any] | None = None,
                   timeout: float = 30.0) -> dict[str, Any]:
        return await self.connection.send(method, params, session_id=self.session_id,
                                          timeout=timeout)

    async def navigate(self, url: str) -> None:
        result = await self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CdpError(f"navigation to {url} failed: {result['errorText']}")

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (``CdpError`` if it throws)."""
        result = await self.send("Runtime.evaluate", {"expression": expression,
                                                      "returnByValue": True,
                                                      "awaitPromise": True})
        if "exceptionDetails" in result:
            raise CdpError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 30.0,
                       interval: float = 0.05) -> Any:
        """Evaluate ``expression`` until it is truthy; return that value.

        Errors while the page changes (a navigation destroys the context the
        expression ran in) count as "not yet".
        """
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = await self.evaluate(expression)
            except (CdpError, TimeoutError) as exc:
                last = exc
            else:
                if last:
                    return last
            if time.monotonic() > deadline:
                raise CdpError(f"{expression!r} still not true after {timeout} s "
                               f"(last value: {last!r})")
            await asyncio.sleep(interval)

    async def set_file_input(self, selector: str, paths: list[str]) -> None:
        """Choose ``paths`` in the file input ``selector`` (as a user's file dialog would)."""
        document = await self.send("DOM.getDocument", {"depth": 0})
        found = await self.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"],
                                                      "selector": selector})
        if not found.get("nodeId"):
            raise CdpError(f"no element matches {selector!r}")
        await self.send("DOM.setFileInputFiles", {"nodeId": found["nodeId"], "files": paths})
