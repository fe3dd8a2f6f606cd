"""The demo page in a real browser: headless Chromium driven over the DevTools Protocol.

The DevTools connection is our own WebSocket client (``tests/support/cdp.py``).
Chromium (the Debian package, /usr/bin/chromium) is required: without it
these tests fail rather than skip. The page must open its WebSocket, send chat messages and show every
broadcast (its own and another client's, here the ``websockets`` library),
and post a real file through the upload form to the WSGI application.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cdp import CdpConnection, CdpPage, Chromium, running_chromium
from demo_process import Demo, running_demo
from websockets.asyncio.client import connect as websockets_connect

@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with running_demo() as running:
        yield running


@pytest.fixture
def chromium() -> Iterator[Chromium]:
    with running_chromium() as browser:
        yield browser


@pytest.fixture
async def page(chromium: Chromium) -> AsyncIterator[CdpPage]:
    assert chromium.devtools_url is not None
    async with CdpConnection.connect(chromium.devtools_url) as connection:
        yield await CdpPage.open(connection)


def js(value: str) -> str:
    """A JavaScript string literal."""
    return json.dumps(value)


CHAT_LOG = "Array.from(document.querySelectorAll('#chat-log li'), li => li.textContent)"


async def _chat(demo: Demo, page: CdpPage) -> None:
    await page.navigate(demo.url)
    await page.wait_for("document.getElementById('ws-status')?.textContent === 'open'", 60)
    async with websockets_connect(demo.ws_url) as other:
        mine = "hello from Chromium \u2713 <b>not bold</b>"
        await page.evaluate(f"document.getElementById('chat-input').value = {js(mine)}")
        await page.evaluate("document.getElementById('chat-send').click()")
        # The broadcast reaches the page (the sender) and the other client.
        await page.wait_for(f"{CHAT_LOG}.includes({js(mine)})")
        assert await asyncio.wait_for(other.recv(), 30) == mine
        assert await page.evaluate("document.getElementById('chat-input').value") == ""
        theirs = "hello from the websockets library"
        await other.send(theirs)
        log = await page.wait_for(f"{CHAT_LOG}.includes({js(theirs)}) && {CHAT_LOG}")
        assert log == [mine, theirs]
        assert await asyncio.wait_for(other.recv(), 30) == theirs


async def _upload(demo: Demo, page: CdpPage, tmp_path: Path) -> None:
    content = os.urandom(200_000) + "end \u00e9".encode()
    upload = tmp_path / "browser upload.bin"
    upload.write_bytes(content)
    note = "sent by Chromium & <friends>"
    await page.navigate(demo.url)
    await page.wait_for("document.readyState === 'complete' && "
                        "!!document.getElementById('upload-form')")
    await page.set_file_input("#upload-file", [str(upload)])
    assert await page.evaluate("document.getElementById('upload-file').files.length") == 1
    await page.evaluate(f"document.getElementById('upload-note').value = {js(note)}")
    await page.evaluate("document.getElementById('upload-submit').click()")
    result = await page.wait_for(
        "location.pathname === '/upload' && document.readyState === 'complete' && "
        "!!document.getElementById('result-sha256') && "
        "['filename', 'size', 'sha256', 'note'].map("
        "k => document.getElementById('result-' + k).textContent)", 60)
    assert result == [upload.name, str(len(content)), hashlib.sha256(content).hexdigest(),
                      note]


def _with_stderr(chromium: Chromium, exc: BaseException) -> AssertionError:
    return AssertionError(f"{exc!r}\n--- Chromium's stderr (tail) ---\n"
                          f"{chromium.stderr_tail()}")


async def test_chat_in_the_browser(demo: Demo, chromium: Chromium, page: CdpPage) -> None:
    try:
        await _chat(demo, page)
    except Exception as exc:
        raise _with_stderr(chromium, exc) from exc


async def test_upload_form_in_the_browser(demo: Demo, chromium: Chromium, page: CdpPage,
                                          tmp_path: Path) -> None:
    try:
        await _upload(demo, page, tmp_path)
    except Exception as exc:
        raise _with_stderr(chromium, exc) from exc
