"""Every name and parameter the API reference documents for aiohttp.client and aiohttp.connector."""

from __future__ import annotations

import inspect
import socket

import pytest
from aiohttp import client, connector
from aiohttp.client import ClientRequest
from aiohttp.protocol import HttpVersion


def _params(func: object) -> list[str]:
    assert callable(func)
    return list(inspect.signature(func).parameters)


def test_request_signature() -> None:
    assert _params(client.request) == [
        "method", "url", "params", "data", "headers", "cookies", "files", "auth",
        "allow_redirects", "max_redirects", "encoding", "version", "compress", "chunked",
        "expect100", "connector", "loop", "read_until_eof", "request_class", "response_class"]
    defaults = {name: p.default for name, p in inspect.signature(client.request).parameters.items()}
    assert defaults["max_redirects"] == 10
    assert defaults["allow_redirects"] is True
    assert defaults["version"] == HttpVersion(1, 1)
    assert defaults["read_until_eof"] is True


def test_http_client_signatures() -> None:
    assert _params(client.HttpClient) == [
        "hosts", "method", "path", "ssl", "conn_pool", "conn_timeout", "failed_timeout",
        "resolve", "resolve_timeout", "keepalive_timeout", "verify_ssl", "loop", "connector"]
    assert _params(client.HttpClient.request)[:3] == ["self", "method", "path"]
    assert "read_until_eof" in _params(client.HttpClient.request)


def test_connector_signatures() -> None:
    assert _params(connector.BaseConnector)[:5] == [
        "conn_timeout", "keepalive_timeout", "share_cookies", "force_close", "limit"]
    assert "loop" in _params(connector.BaseConnector)
    for name in ("close", "connect", "update_cookies"):
        assert callable(getattr(connector.BaseConnector, name))
    tcp = _params(connector.TCPConnector)
    assert tcp[:4] == ["args", "verify_ssl", "resolve", "family"]
    for name in ("clear_resolved_hosts", "family", "resolve", "resolved_hosts", "verify_ssl"):
        assert hasattr(connector.TCPConnector, name)
    assert _params(connector.ProxyConnector)[:3] == ["proxy", "args", "proxy_auth"]
    assert isinstance(vars(connector.ProxyConnector)["proxy"], property)
    assert _params(connector.UnixConnector)[0] == "path"
    assert isinstance(vars(connector.UnixConnector)["path"], property)
    assert issubclass(connector.ProxyConnector, connector.TCPConnector)
    assert issubclass(connector.UnixConnector, connector.BaseConnector)


def test_all() -> None:
    assert set(connector.__all__) == {"BaseConnector", "ProxyConnector", "SocketConnector",
                                      "TCPConnector", "UnixConnector", "UnixSocketConnector"}
    assert {"request", "HttpClient"} <= set(client.__all__)


def test_tcp_connector_properties() -> None:
    tcp = connector.TCPConnector(verify_ssl=False, resolve=True, family=socket.AF_INET)
    assert (tcp.verify_ssl, tcp.resolve, tcp.family) == (False, True, socket.AF_INET)
    assert tcp.resolved_hosts == {}
    tcp.close()


@pytest.mark.parametrize(("url", "host", "port", "ssl", "path"), [
    ("http://example.com", "example.com", 80, False, "/"),
    ("https://example.com:8443/a b?x=1", "example.com", 8443, True, "/a%20b?x=1"),
    ("ws://example.com/chat", "example.com", 80, False, "/chat"),
    ("wss://example.com/chat", "example.com", 443, True, "/chat"),
    ("http://[::1]:81/", "::1", 81, False, "/"),
    ("http://b\u00fccher.example/", "xn--bcher-kva.example", 80, False, "/"),
])
def test_request_urls(url: str, host: str, port: int, ssl: bool, path: str) -> None:
    req = ClientRequest("get", url)
    assert (req.method, req.host, req.port, req.ssl, req.path) == ("GET", host, port, ssl, path)


@pytest.mark.parametrize("url", ["http:///nohost", "ftp://example.com/", "http://h:port/"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(ValueError):
        ClientRequest("GET", url)


def test_version_string_and_files_alias() -> None:
    assert ClientRequest("GET", "http://h/", version="1.0").version == HttpVersion(1, 0)
    with pytest.raises(ValueError):
        ClientRequest("GET", "http://h/", version="one")
    with pytest.warns(DeprecationWarning):
        req = ClientRequest("POST", "http://h/", files={"a": "b"})
    assert req.body.data == b"a=b"
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError):
        ClientRequest("POST", "http://h/", files={"a": "b"}, data=b"x")
