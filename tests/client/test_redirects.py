"""Redirects: method rules, history, limits, credentials across origins."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.client import TooManyRedirects, request
from aiohttp.errors import HttpErrorException
from aiohttp.helpers import BasicAuth
from client_peers import RawServer, Recorded, response


def redirecting(status: int, location: str) -> RawServer:
    """A server that redirects ``/start`` and echoes the method and body elsewhere."""
    def respond(req: Recorded) -> bytes:
        if req.target.startswith("/start"):
            return response(status, b"moved", (("Location", location),),
                            reason="Redirect")
        return response(200, req.method.encode() + b" " + req.body)
    return RawServer(respond)


@pytest.mark.parametrize(("status", "method", "expected"), [
    (301, "POST", "GET"), (302, "POST", "GET"), (303, "POST", "GET"),
    (301, "PUT", "PUT"), (302, "DELETE", "DELETE"), (303, "PUT", "GET"),
    (303, "HEAD", "HEAD"), (307, "POST", "POST"), (308, "POST", "POST"),
    (307, "PUT", "PUT"), (301, "HEAD", "HEAD"),
])
async def test_method_rules(status: int, method: str, expected: str) -> None:
    async with redirecting(status, "/final") as server:
        data = None if method == "HEAD" else b"payload"
        async with request(method, server.url("/start"), data=data) as resp:
            assert resp.status == 200
            assert [r.status for r in resp.history] == [status]
            assert resp.history[0].url == server.url("/start")
            body = await resp.read()
        final = server.requests[-1]
        assert final.method == expected
        if expected in ("POST", "PUT", "DELETE"):
            assert final.body == b"payload"
            if method != "HEAD":
                assert body == expected.encode() + b" payload"
        else:
            assert final.body == b""
            assert "Content-Length" not in final.headers or final.headers["Content-Length"] == "0"


async def test_relative_location_and_fragment() -> None:
    async with redirecting(302, "../next?q=1#part") as server:
        async with request("GET", server.url("/start/here")) as resp:
            assert resp.url == server.url("/next?q=1")
            assert server.requests[-1].target == "/next?q=1"
            await resp.read()


async def test_params_are_not_appended_again() -> None:
    async with redirecting(302, "/final?b=2") as server:
        async with request("GET", server.url("/start"), params={"a": "1"}) as resp:
            await resp.read()
    assert [r.target for r in server.requests] == ["/start?a=1", "/final?b=2"]


async def test_too_many_redirects() -> None:
    def respond(req: Recorded) -> bytes:
        hop = int(req.target.strip("/") or 0)
        return response(302, b"", (("Location", f"/{hop + 1}"),), reason="Found")
    async with RawServer(respond) as server:
        with pytest.raises(TooManyRedirects) as info:
            await request("GET", server.url("/0"), max_redirects=3)
    error = info.value
    assert isinstance(error, HttpErrorException)
    assert error.code == 302
    assert [r.url for r in error.history] == [server.url(f"/{i}") for i in range(4)]
    assert len(server.requests) == 4
    assert all(r.connection is None for r in error.history)


async def test_redirects_not_followed() -> None:
    async with redirecting(302, "/final") as server:
        async with request("GET", server.url("/start"), allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.history == ()
            assert await resp.read() == b"moved"


async def test_no_location_returns_the_redirect() -> None:
    async with RawServer(lambda req: response(302, b"nowhere", reason="Found")) as server:
        async with request("GET", server.url("/")) as resp:
            assert resp.status == 302
            assert await resp.read() == b"nowhere"


async def test_redirect_to_other_scheme_is_refused() -> None:
    async with redirecting(302, "ftp://example.com/") as server:
        with pytest.raises(ValueError, match="only to http or https"):
            await request("GET", server.url("/start"))


async def test_credentials_dropped_across_origins() -> None:
    async with RawServer(lambda req: response(200, b"other")) as other:
        async with redirecting(302, other.url("/landing")) as first:
            headers = {"Authorization": "Bearer secret", "Cookie": "session=1",
                       "Proxy-Authorization": "Basic eDp5", "X-Keep": "yes"}
            async with request("GET", first.url("/start"), headers=headers,
                               cookies={"more": "2"}) as resp:
                assert await resp.read() == b"other"
        sent = first.requests[0].headers
        assert sent["Authorization"] == "Bearer secret"
        assert "session=1" in sent["Cookie"]
        landed = other.requests[0].headers
        for name in ("Authorization", "Cookie", "Proxy-Authorization"):
            assert name not in landed
        assert landed["X-Keep"] == "yes"
        assert landed["Host"] == f"127.0.0.1:{other.port}"


async def test_basic_auth_dropped_across_origins_kept_on_same_origin() -> None:
    async with RawServer(lambda req: response(200, b"")) as other:
        async with redirecting(307, other.url("/x")) as first:
            async with request("GET", first.url("/start"), auth=BasicAuth("a", "b")) as resp:
                await resp.read()
        assert "Authorization" not in other.requests[0].headers
    async with redirecting(307, "/same") as server:
        async with request("GET", server.url("/start"), auth=BasicAuth("a", "b")) as resp:
            await resp.read()
        assert all("Authorization" in r.headers for r in server.requests)


async def test_redirect_cookies_follow_the_jar_rules() -> None:
    def respond(req: Recorded) -> bytes:
        if req.target == "/login":
            return response(302, b"", (("Location", "/home"),
                                       ("Set-Cookie", "sid=abc; Path=/"),
                                       ("Set-Cookie", "admin=1; Path=/admin")), reason="Found")
        return response(200, b"home")
    async with RawServer(respond) as server, request("GET", server.url("/login")) as resp:
        assert await resp.read() == b"home"
        assert resp.history[0].cookies["sid"].value == "abc"
    assert server.requests[1].headers["Cookie"] == "sid=abc"


async def test_streamed_body_is_not_sent_twice() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"once"
    async with redirecting(307, "/final") as server:
        async with request("POST", server.url("/start"), data=body()) as resp:
            assert resp.status == 307  # the stream is spent: the redirect is the answer
            await resp.read()
    assert len(server.requests) == 1
