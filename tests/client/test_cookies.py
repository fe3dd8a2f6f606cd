"""The cookie jar of share_cookies=True: domain, path, Secure and expiry."""

from __future__ import annotations

import ssl
import time

from aiohttp._cookie_jar import CookieJar
from aiohttp.client import request
from aiohttp.connector import TCPConnector
from client_peers import RawServer, Recorded, response


def test_host_only_and_domain_cookies() -> None:
    jar = CookieJar()
    jar.update_from_headers(["host=1", "wide=2; Domain=example.com",
                             "evil=3; Domain=other.org"], "http://www.example.com/")
    assert jar.filter_cookies("http://www.example.com/") == [("host", "1"), ("wide", "2")]
    assert jar.filter_cookies("http://api.example.com/") == [("wide", "2")]
    assert jar.filter_cookies("http://example.com/") == [("wide", "2")]
    assert jar.filter_cookies("http://other.org/") == []
    assert jar.filter_cookies("http://notexample.com/") == []


def test_path_rules() -> None:
    jar = CookieJar()
    jar.update_from_headers(["root=1; Path=/", "docs=2; Path=/docs", "dflt=3"],
                            "http://h.test/docs/page")
    assert jar.filter_cookies("http://h.test/docs/a") == [("docs", "2"), ("dflt", "3"),
                                                          ("root", "1")]
    assert jar.filter_cookies("http://h.test/docsx") == [("root", "1")]
    assert jar.filter_cookies("http://h.test/") == [("root", "1")]


def test_secure_only_over_tls() -> None:
    jar = CookieJar()
    jar.update_from_headers(["s=1; Secure", "p=2"], "https://h.test/")
    assert jar.filter_cookies("http://h.test/") == [("p", "2")]
    assert sorted(jar.filter_cookies("https://h.test/")) == [("p", "2"), ("s", "1")]
    assert sorted(jar.filter_cookies("wss://h.test/")) == [("p", "2"), ("s", "1")]


def test_expiry() -> None:
    jar = CookieJar()
    jar.update_from_headers(["gone=1; Max-Age=0", "old=2; Expires=Thu, 01 Jan 1970 00:00:01 GMT",
                             "later=3; Max-Age=3600",
                             "soon=4; Max-Age=1"], "http://h.test/")
    assert ("gone", "1") not in jar.filter_cookies("http://h.test/")
    assert sorted(jar.filter_cookies("http://h.test/")) == [("later", "3"), ("soon", "4")]
    jar._cookies[("h.test", "/", "soon")] = jar._cookies[("h.test", "/", "soon")]._replace(
        expires=time.time() - 1)
    assert jar.filter_cookies("http://h.test/") == [("later", "3")]
    jar.update_from_headers(["later=x; Max-Age=-1"], "http://h.test/")  # deleted by the server
    assert jar.filter_cookies("http://h.test/") == []


def test_ip_hosts_get_host_only_cookies() -> None:
    jar = CookieJar()
    jar.update_from_headers(["a=1", "b=2; Domain=0.0.1", "c=3; Domain=127.0.0.1"],
                            "http://127.0.0.1:8080/")
    assert sorted(jar.filter_cookies("http://127.0.0.1:9/")) == [("a", "1"), ("c", "3")]
    assert jar.filter_cookies("http://127.0.0.2/") == []


def test_cookies_without_url_go_everywhere() -> None:
    jar = CookieJar()
    jar.update_cookies({"token": "t"})
    assert jar.filter_cookies("http://any.test/x") == [("token", "t")]
    assert len(jar) == 1


async def test_share_cookies_between_requests_and_hosts(server_tls: ssl.SSLContext,
                                                        client_tls: ssl.SSLContext) -> None:
    def setter(req: Recorded) -> bytes:
        if req.target != "/app/login":
            return response(200)
        return response(200, b"", (("Set-Cookie", "sid=abc; Path=/app"),
                                   ("Set-Cookie", "sec=1; Secure"),
                                   ("Set-Cookie", "gone=1; Max-Age=0")))

    async with RawServer(setter) as first, RawServer(lambda r: response(200)) as other, \
            RawServer(lambda r: response(200), ssl_context=server_tls) as secure, \
            TCPConnector(share_cookies=True, ssl_context=client_tls) as connector:
        async with request("GET", first.url("/app/login"), connector=connector) as resp:
            assert resp.cookies["sid"].value == "abc"
        for path in ("/app/page", "/elsewhere"):
            async with request("GET", first.url(path), connector=connector,
                               cookies={"mine": "1"}) as resp:
                await resp.read()
        # same host name, another port: cookies do not isolate by port (RFC 6265 section 8.5)
        async with request("GET", other.url("/app/x"), connector=connector) as resp:
            await resp.read()
        async with request("GET", secure.url("/app/x"), connector=connector) as resp:
            await resp.read()
        assert "sid" in connector.cookies
    assert first.requests[1].headers["Cookie"] == "mine=1; sid=abc"
    assert first.requests[2].headers["Cookie"] == "mine=1"
    assert other.requests[0].headers["Cookie"] == "sid=abc"  # 127.0.0.1 again
    assert sorted(secure.requests[0].headers["Cookie"].split("; ")) == ["sec=1", "sid=abc"]


async def test_cookies_not_shared_without_share_cookies() -> None:
    async with RawServer(lambda r: response(200, b"", (("Set-Cookie", "a=1"),))) as server, \
            TCPConnector() as connector:
        for _ in range(2):
            async with request("GET", server.url("/"), connector=connector) as resp:
                await resp.read()
        assert "Cookie" not in server.requests[1].headers
        assert len(connector.cookie_jar) == 0


async def test_update_cookies_0_9_style() -> None:
    async with RawServer(lambda r: response(200)) as server, \
            TCPConnector(share_cookies=True) as connector:
        connector.update_cookies({"k": "v"})
        async with request("GET", server.url("/"), connector=connector) as resp:
            await resp.read()
    assert server.requests[0].headers["Cookie"] == "k=v"
