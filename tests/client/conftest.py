"""Fixtures of the client tests: a private nginx, tinyproxy, TLS material."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from client_peers import TinyProxy
from nginx_server import NginxServer


@pytest.fixture(scope="session")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NginxServer]:
    server = NginxServer(Path(tmp_path_factory.mktemp("nginx")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tinyproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyProxy]:
    proxy = TinyProxy(Path(tmp_path_factory.mktemp("tinyproxy")))
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def tinyproxy_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyProxy]:
    proxy = TinyProxy(Path(tmp_path_factory.mktemp("tinyproxy-auth")), auth=("user", "pass"))
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    """TLS for our raw servers: a certificate for 127.0.0.1, ::1 and localhost."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "::1", "localhost").configure_cert(context)
    return context


@pytest.fixture(scope="session")
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA (and nothing else)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context
