"""Connectors: where the client's connections come from, and where they go back.

A connector opens connections (TCP, TLS, a Unix socket, or through an HTTP
proxy), keeps the idle ones in a pool for reuse and bounds how many are open.
``connect(req)`` hands out a ``Connection``; the response gives it back with
``release()`` (reusable) or ``close()``.

What changed from aiohttp 0.9, and why (behaviour notes section 15, rows
9-14):

* the pool has limits (``limit=100`` open connections in total, like
  aiohttp 3.x; ``limit_per_host=0``, no per-host limit) and callers over
  the limit wait in line;
* a pooled connection the server closed, or that received bytes while idle,
  is never handed out; idle times use ``loop.time()``;
* ``share_cookies=True`` keeps a cookie jar that honours domain, path,
  ``Secure`` and expiry, instead of sending every cookie to every host;
* TLS contexts come from ``ssl.create_default_context()``, built once per
  connector; ``verify_ssl=False`` turns off certificate and host name checks
  only;
* the DNS cache of ``resolve=True`` has a TTL; the default family is
  ``AF_UNSPEC`` (IPv4 and IPv6);
* ``ProxyConnector`` sends ``Proxy-Authorization`` to the proxy only, uses
  ``CONNECT`` tunnels for ``https``, ``ws`` and ``wss`` targets, and closes
  the proxy connection on every error;
* ``close()`` closes every connection, pooled or handed out, may be called
  twice, and returns an awaitable that waits until the transports are gone.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import ssl as ssl_module
import warnings
from collections.abc import Callable, Generator
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any, Protocol, Self, cast
from urllib.parse import unquote, urlsplit

from ._cookie_jar import CookieJar
from .errors import ClientConnectionError, HttpProxyError, ProxyConnectionError
from .helpers import BasicAuth
from .parsers import StreamParser, StreamProtocol
from .protocol import HttpResponseParser, HttpVersion11, Request
from .streams import StreamWriter

if TYPE_CHECKING:
    from multidict import CIMultiDict

__all__ = [
    "BaseConnector",
    "ProxyConnector",
    "SocketConnector",
    "TCPConnector",
    "UnixConnector",
    "UnixSocketConnector",
]

#: Default ports of the URL schemes a connector serves.
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
#: Schemes carried over TLS.
SECURE_SCHEMES = frozenset({"https", "wss"})

ConnectionKey = tuple[str, int, bool]


class ConnectionRequest(Protocol):
    """What a connector needs to know about a request (``ClientRequest`` has it).

    ``host`` and ``port`` say where to connect, ``ssl`` whether to use TLS
    and ``scheme`` what for. The proxy connector sets ``path`` (the request
    target) and adds to ``proxy_headers`` for plain-HTTP targets; it reads
    ``headers`` for a ``Proxy-Authorization`` the caller gave.
    """

    host: str
    port: int
    ssl: bool
    scheme: str
    path: str
    url: str
    headers: CIMultiDict[str]
    proxy_headers: dict[str, str]

    def update_cookies(self, cookies: Any) -> None: ...


class BodySink(Protocol):
    """Takes a response body straight from the protocol, past the ``StreamParser``
    (see ``ClientProtocol.sink``)."""

    def feed(self, data: bytes, start: int = 0) -> None: ...

    def lost(self, exc: BaseException | None) -> None: ...


#: Smaller chunks are not cut after the head: copying them whole through
#: the parser's buffer costs less than cutting them.
_SPLIT_MIN = 2**14


class ClientProtocol(StreamProtocol):
    """A ``StreamProtocol`` that notes whether any byte came since the last checkout.

    That is how a request on a reused connection knows it failed before any
    response byte arrived, the one case where sending it again is safe.

    Two shortcuts for response bodies (set by ``ClientResponse``):

    * ``sink``: while set, received bytes go to it instead of the
      ``StreamParser``; it takes a body of known length and hands whatever
      follows the body back to ``reader`` (``feed``), and is told of the
      connection's end (``lost``). It unsets itself when the body is complete.
    * ``split_head``: while a response head is awaited and nothing is
      buffered, a received chunk (of more than 16 KiB) is cut after its
      first empty line: the head
      goes to the head parser, which may set ``sink``, and the body part goes
      to the sink without being copied into the parser's buffer first.
    * ``head_taker``: while set (a response head is awaited, nothing is
      buffered and no parser is set yet), the next received chunk goes to it
      first, unset first: it takes a whole head (and what follows) without
      the parser generator and returns True, or sets the head parser and
      returns False, and the chunk goes on as usual. The end of the
      connection sets that parser first (``head_taker(None)``), so it sees
      the end as it would have.
    """

    data_seen = False
    split_head = False
    sink: BodySink | None = None
    head_taker: Callable[[bytes | None], bool] | None = None
    #: The end of the input was received, or the connection was lost (the
    #: reader is then at EOF or failed): the pool reads this on every
    #: checkout and return rather than asking the reader.
    ended = False

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None,
                 **kwargs: Any) -> None:
        super().__init__(loop=loop, **kwargs)
        #: The reader's buffer (the same object for the connection's life).
        self.buffer = self.reader.buffer

    def data_received(self, data: bytes) -> None:
        self.data_seen = True
        sink = self.sink
        if sink is not None:
            sink.feed(data)
            return
        taker = self.head_taker
        if taker is not None:
            self.head_taker = None
            if taker(data):
                return
        reader = self.reader
        if self.split_head and len(data) > _SPLIT_MIN and not reader.buffer:
            end = data.find(b"\r\n\r\n") + 4
            if 4 <= end < len(data):
                reader.feed_data(data[:end])
                sink = self.sink
                if sink is not None:
                    sink.feed(data, end)  # the body part, without slicing it off
                    return
                if reader.output is None:
                    # No parser yet: the rest waits in the buffer, copied there
                    # once (from a view, not from a sliced copy).
                    reader.feed_data(cast(bytes, memoryview(data)[end:]))
                    return
                data = data[end:]
        reader.feed_data(data)

    def _set_head_parser(self) -> None:
        taker = self.head_taker
        if taker is not None:
            self.head_taker = None
            taker(None)

    def eof_received(self) -> bool | None:
        self._set_head_parser()
        self.ended = True
        sink, self.sink = self.sink, None
        if sink is not None:
            sink.lost(None)
        return super().eof_received()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._set_head_parser()
        self.ended = True
        sink, self.sink = self.sink, None
        if sink is not None:
            sink.lost(exc)
        super().connection_lost(exc)


class Connection:
    """One connection handed out by ``connector.connect(req)``.

    ``reader`` is the connection's ``StreamParser`` (set a parser on it to
    read), ``writer`` its ``StreamWriter``; ``transport`` and ``protocol``
    are the asyncio objects. ``reused`` says whether it came from the pool.
    Give it back with ``release()`` (it may be reused) or ``close()``; both
    may be called more than once. ``detach()`` frees its place in the pool's
    limits and leaves the transport to the caller (after a protocol
    upgrade).
    """

    __slots__ = ("_connector", "_key", "_loop", "_protocol", "_transport", "reused")

    def __init__(self, connector: BaseConnector, key: ConnectionKey,
                 protocol: ClientProtocol, loop: asyncio.AbstractEventLoop,
                 reused: bool = False) -> None:
        self._connector: BaseConnector | None = connector
        self._key = key
        self._protocol = protocol
        transport = protocol.transport
        assert transport is not None
        self._transport = transport
        self._loop = loop
        self.reused = reused

    def __repr__(self) -> str:
        state = "open" if self._connector is not None else "done"
        return f"<Connection {self._key[0]}:{self._key[1]} {state}>"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def key(self) -> ConnectionKey:
        return self._key

    @property
    def protocol(self) -> ClientProtocol:
        return self._protocol

    @property
    def transport(self) -> asyncio.Transport:
        return self._transport

    @property
    def reader(self) -> StreamParser:
        return self._protocol.reader

    @property
    def writer(self) -> StreamWriter:
        writer = self._protocol.writer
        assert writer is not None
        return writer

    @property
    def closed(self) -> bool:
        """Was it released, closed or detached already?"""
        return self._connector is None

    def close(self) -> None:
        """Close the transport and free the connection's place."""
        self._transport.close()
        connector, self._connector = self._connector, None
        if connector is not None:
            connector._give_back(self, close=True)

    def release(self) -> None:
        """Give the connection back to the pool (it is closed if it cannot be reused)."""
        connector, self._connector = self._connector, None
        if connector is not None:
            connector._give_back(self, close=False)

    def detach(self) -> None:
        """Free the connection's place in the limits; the caller now owns the transport."""
        connector, self._connector = self._connector, None
        if connector is not None:
            connector._forget(self)

    def share_cookies(self, cookies: Any, url: str | None = None) -> None:
        """Store a response's cookies in the connector's jar (when it shares cookies)."""
        connector = self._connector
        if connector is not None and connector.share_cookies:
            connector.update_cookies(cookies, url)


class _Closing:
    """What ``BaseConnector.close()`` returns: awaiting it waits until every
    transport closed has reported ``connection_lost``. Dropping it is fine
    (0.9 callers call ``close()`` without awaiting)."""

    __slots__ = ("_writers",)

    def __init__(self, writers: list[StreamWriter]) -> None:
        self._writers = writers

    def __await__(self) -> Generator[Any, None, None]:
        for writer in self._writers:
            yield from writer.wait_closed().__await__()


_IdleEntry = tuple[ClientProtocol, float]


class BaseConnector:
    """The pool of connections; subclasses say how to open one (``_create_connection``).

    ``conn_timeout`` bounds opening a connection (``asyncio.TimeoutError``,
    which is the builtin ``TimeoutError``). ``keepalive_timeout`` is how
    long an idle connection stays pooled (None: until the server closes it).
    ``force_close`` closes every connection after its response. ``limit``
    caps the open connections (idle ones included: an idle connection to
    another host is closed to make room), ``limit_per_host`` those to one
    host, port and TLS setting; 0 or None means no cap. A caller over a
    limit waits until a connection is given back.
    """

    def __init__(self, *, conn_timeout: float | None = None,
                 keepalive_timeout: float | None = 30,
                 share_cookies: bool = False, force_close: bool = False,
                 limit: int | None = 100, limit_per_host: int | None = 0,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._conn_timeout = conn_timeout
        self._keepalive_timeout = keepalive_timeout
        self._share_cookies = share_cookies
        self._force_close = force_close
        self._limit = limit or 0
        self._limit_per_host = limit_per_host or 0
        self._loop = loop
        self._idle: dict[ConnectionKey, list[_IdleEntry]] = {}
        self._idle_count = 0
        self._acquired: set[Connection] = set()
        self._in_use = 0
        # A plain dict, not a Counter: Counter's missing-key and delete paths
        # are Python code, run twice per request.
        self._in_use_per_host: dict[ConnectionKey, int] = {}
        self._waiters: collections.deque[tuple[ConnectionKey, asyncio.Future[None]]] = \
            collections.deque()
        self._cleanup_handle: asyncio.TimerHandle | None = None
        self._closed = False
        self.cookie_jar = CookieJar()

    # -- 0.9 attributes ------------------------------------------------------------

    @property
    def share_cookies(self) -> bool:
        return self._share_cookies

    @property
    def force_close(self) -> bool:
        return self._force_close

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def limit_per_host(self) -> int:
        return self._limit_per_host

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def cookies(self) -> SimpleCookie:
        """Every cookie in the jar, as a ``SimpleCookie`` (the 0.9 attribute)."""
        return self.cookie_jar.as_simple_cookie()

    def update_cookies(self, cookies: Any, url: str | None = None) -> None:
        """Store cookies in the jar.

        ``cookies`` is a mapping or pairs (values ``str`` or ``Morsel``), or a
        ``SimpleCookie``. With ``url`` (the response's URL) the cookie rules
        of RFC 6265 apply; without it, as in 0.9, the cookies are meant for
        every host.
        """
        self.cookie_jar.update_cookies(cookies, url)

    def _loop_now(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _factory(self) -> ClientProtocol:
        """A protocol for a new connection (bound to the loop: its readers
        then need not look the running loop up at every wait)."""
        return ClientProtocol(loop=self._loop_now())

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} in_use={self._in_use} idle={self._idle_count}"
                f"{' closed' if self._closed else ''}>")

    # -- handing out -----------------------------------------------------------------

    async def connect(self, req: ConnectionRequest, *, fresh: bool = False) -> Connection:
        """Get a connection for ``req``: an idle one from the pool, or a new one.

        With ``fresh`` the pool is skipped. Waits while a limit is reached.
        Cookies of the jar go into ``req`` when cookies are shared.
        """
        if self._closed:
            raise ClientConnectionError("the connector is closed")
        loop = self._loop_now()
        key: ConnectionKey = (req.host, req.port, req.ssl)
        self._prepare_request(req)
        if self._share_cookies:
            req.update_cookies(self.cookie_jar.filter_cookies(req.url))
        if not self._waiters and self._has_room(key):
            self._in_use += 1  # the common case, without a coroutine call
            self._in_use_per_host[key] = self._in_use_per_host.get(key, 0) + 1
        else:
            await self._acquire_slot(key)
        try:
            if not fresh:
                protocol = self._take_idle(key, loop.time())
                if protocol is not None:
                    protocol.data_seen = False
                    conn = Connection(self, key, protocol, loop, reused=True)
                    self._acquired.add(conn)
                    return conn
            self._make_room()
            if self._conn_timeout is not None:
                protocol = await asyncio.wait_for(self._create_connection(req), self._conn_timeout)
            else:
                protocol = await self._create_connection(req)
        except BaseException:
            self._free_slot(key)
            raise
        if self.closed:
            # close() ran while we were connecting.
            assert protocol.transport is not None
            protocol.transport.close()
            self._free_slot(key)
            raise ClientConnectionError("the connector is closed")
        conn = Connection(self, key, protocol, loop)
        self._acquired.add(conn)
        return conn

    def _connect_idle(self, req: ConnectionRequest) -> Connection | None:
        """``connect(req)``'s usual case without a coroutine: a pooled connection
        is free and no limit is reached. None when ``connect()`` has to run
        (stale pooled connections met on the way are closed, as it would)."""
        key: ConnectionKey = (req.host, req.port, req.ssl)
        if key not in self._idle or self._closed or self._waiters:
            return None
        in_use = self._in_use
        if self._limit and in_use >= self._limit:
            return None
        per_host = self._in_use_per_host
        count = per_host.get(key, 0)
        if self._limit_per_host and count >= self._limit_per_host:
            return None
        loop = self._loop_now()
        protocol = self._take_idle(key, loop.time())
        if protocol is None:
            return None
        self._prepare_request(req)
        if self._share_cookies:
            req.update_cookies(self.cookie_jar.filter_cookies(req.url))
        self._in_use = in_use + 1
        per_host[key] = count + 1
        protocol.data_seen = False
        conn = Connection(self, key, protocol, loop, reused=True)
        self._acquired.add(conn)
        return conn

    def _prepare_request(self, req: ConnectionRequest) -> None:
        """Adjust the request to this connector (the proxy connector does)."""

    async def _create_connection(self, req: ConnectionRequest) -> ClientProtocol:
        raise NotImplementedError

    # -- limits -----------------------------------------------------------------------

    def _has_room(self, key: ConnectionKey) -> bool:
        if self._limit and self._in_use >= self._limit:
            return False
        return not (self._limit_per_host
                    and self._in_use_per_host.get(key, 0) >= self._limit_per_host)

    async def _acquire_slot(self, key: ConnectionKey) -> None:
        while not self._has_room(key):
            waiter = self._loop_now().create_future()
            entry = (key, waiter)
            self._waiters.append(entry)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    # Woken, then cancelled: pass the turn on.
                    self._wake_waiters()
                else:
                    try:
                        self._waiters.remove(entry)
                    except ValueError:
                        pass
                raise
            if self._closed:
                raise ClientConnectionError("the connector is closed")
        self._in_use += 1
        self._in_use_per_host[key] = self._in_use_per_host.get(key, 0) + 1

    def _free_slot(self, key: ConnectionKey) -> None:
        self._in_use -= 1
        count = self._in_use_per_host[key] - 1
        if count:
            self._in_use_per_host[key] = count
        else:
            del self._in_use_per_host[key]
        if self._waiters:
            self._wake_waiters()

    def _wake_waiters(self) -> None:
        """Wake the waiters, in order, that the free places let through."""
        free = self._limit - self._in_use if self._limit else len(self._waiters)
        per_host: collections.Counter[ConnectionKey] = collections.Counter()
        kept: collections.deque[tuple[ConnectionKey, asyncio.Future[None]]] = collections.deque()
        for key, waiter in self._waiters:
            if waiter.done():
                continue
            host_ok = (not self._limit_per_host or
                       self._in_use_per_host.get(key, 0) + per_host[key] < self._limit_per_host)
            if free > 0 and host_ok:
                free -= 1
                per_host[key] += 1
                waiter.set_result(None)
            else:
                kept.append((key, waiter))
        self._waiters = kept

    def _make_room(self) -> None:
        """Close the oldest idle connection when the open ones reach the limit."""
        if not self._limit or self._in_use + self._idle_count <= self._limit:
            return
        oldest: tuple[float, ConnectionKey] | None = None
        for key, entries in self._idle.items():
            if entries and (oldest is None or entries[0][1] < oldest[0]):
                oldest = (entries[0][1], key)
        if oldest is not None:
            entries = self._idle[oldest[1]]
            protocol, _ = entries.pop(0)
            self._idle_count -= 1
            if not entries:
                del self._idle[oldest[1]]
            _close_protocol(protocol)

    # -- the pool ---------------------------------------------------------------------

    def _is_reusable(self, protocol: ClientProtocol) -> bool:
        """Can an idle connection carry another request?

        Not if the server closed it (EOF or a closed transport), nor if bytes
        came while it was idle: they can only be garbage or the start of a
        close, never the answer to a request not yet sent.
        """
        transport = protocol.transport
        return not (transport is None or protocol.ended or protocol.buffer
                    or protocol.sink is not None or transport.is_closing()
                    or protocol.reader.exception() is not None)

    def _take_idle(self, key: ConnectionKey, now: float) -> ClientProtocol | None:
        entries = self._idle.get(key)
        while entries:
            protocol, released_at = entries.pop()  # LIFO: the warmest first
            self._idle_count -= 1
            timeout = self._keepalive_timeout
            if self._is_reusable(protocol) and (timeout is None or now - released_at < timeout):
                if not entries:
                    del self._idle[key]
                if protocol.reader.output is not None:
                    protocol.reader.unset_parser()
                return protocol
            _close_protocol(protocol)
        if entries is not None:
            del self._idle[key]
        return None

    def _give_back(self, conn: Connection, *, close: bool) -> None:
        self._acquired.discard(conn)
        key = conn._key
        protocol = conn._protocol
        if close or self._force_close or self._closed or not self._is_reusable(protocol):
            _close_protocol(protocol)
        else:
            # The body parser may still be on its last step (the response is
            # given back from inside it): it ends by itself, and a checkout
            # unsets anything left.
            self._idle.setdefault(key, []).append((protocol, conn._loop.time()))
            self._idle_count += 1
            if self._cleanup_handle is None:
                self._schedule_cleanup()
        count = self._in_use_per_host[key] - 1
        if count or self._waiters:
            self._free_slot(key)
        else:  # _free_slot() inlined for the usual case: the last of its host, nobody waiting
            self._in_use -= 1
            del self._in_use_per_host[key]

    def _forget(self, conn: Connection) -> None:
        self._acquired.discard(conn)
        self._free_slot(conn.key)

    def _schedule_cleanup(self) -> None:
        if self._cleanup_handle is None and self._keepalive_timeout is not None:
            loop = self._loop_now()
            self._cleanup_handle = loop.call_at(
                loop.time() + self._keepalive_timeout, self._cleanup)

    def _cleanup(self) -> None:
        """Close idle connections past ``keepalive_timeout``, or closed by the server."""
        self._cleanup_handle = None
        timeout = self._keepalive_timeout
        if timeout is None:
            return
        now = self._loop_now().time()
        for key in list(self._idle):
            kept = []
            for protocol, released_at in self._idle[key]:
                if now - released_at < timeout and self._is_reusable(protocol):
                    kept.append((protocol, released_at))
                else:
                    _close_protocol(protocol)
                    self._idle_count -= 1
            if kept:
                self._idle[key] = kept
            else:
                del self._idle[key]
        if self._idle_count:
            self._schedule_cleanup()

    def close(self) -> _Closing:
        """Close every connection, idle or handed out.

        May be called again (it then does nothing more). Returns an awaitable
        that waits until the transports are closed; it may be dropped.
        """
        writers: list[StreamWriter] = []
        if not self._closed:
            self._closed = True
            if self._cleanup_handle is not None:
                self._cleanup_handle.cancel()
                self._cleanup_handle = None
            protocols = [protocol for entries in self._idle.values() for protocol, _ in entries]
            self._idle.clear()
            self._idle_count = 0
            for conn in list(self._acquired):
                protocols.append(conn.protocol)
                conn.close()
            for protocol in protocols:
                if protocol.writer is not None:
                    writers.append(protocol.writer)
                _close_protocol(protocol)
            for _, waiter in self._waiters:
                if not waiter.done():
                    waiter.set_result(None)
            self._waiters.clear()
        return _Closing(writers)

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        if self._closed or not self._idle_count:
            return
        self._closed = True
        for entries in self._idle.values():
            for protocol, _ in entries:
                try:
                    _close_protocol(protocol)
                except RuntimeError:  # the event loop is already closed
                    pass
        _warn(f"Unclosed connector {self!r}: call close()", ResourceWarning, source=self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def _close_protocol(protocol: ClientProtocol) -> None:
    transport = protocol.transport
    if transport is not None:
        transport.close()


def _tls_context(verify: bool) -> ssl_module.SSLContext:
    """A client context with today's defaults; without verification if asked."""
    context = ssl_module.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl_module.CERT_NONE
    return context


class TCPConnector(BaseConnector):
    """Connections over TCP, with TLS for ``https`` and ``wss``.

    ``verify_ssl=False`` accepts any certificate and host name.
    ``ssl_context`` (our addition) replaces the default TLS context, for a
    private CA or client certificates; it is used as given. ``family`` is
    ``0`` (``AF_UNSPEC``, IPv4 and IPv6) by default; 0.9 used ``AF_INET``.
    With ``resolve=True`` host names are looked up by the connector and the
    answers cached for ``ttl_dns_cache`` seconds (None: until
    ``clear_resolved_hosts``); each address is tried in turn. Without it the
    event loop resolves each time and tries the addresses with Happy
    Eyeballs (RFC 8305, ``happy_eyeballs_delay``, None to try one after
    another).
    """

    def __init__(self, *args: Any, verify_ssl: bool = True, resolve: bool = False,
                 family: int = socket.AF_UNSPEC,
                 ssl_context: ssl_module.SSLContext | None = None,
                 ttl_dns_cache: float | None = 10.0,
                 happy_eyeballs_delay: float | None = 0.25,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verify_ssl = verify_ssl
        self._resolve = resolve
        self._family = family
        self._ssl_context = ssl_context
        self._ttl_dns_cache = ttl_dns_cache
        self._happy_eyeballs_delay = happy_eyeballs_delay
        self._resolved: dict[tuple[str, int], tuple[list[dict[str, Any]], float | None]] = {}

    @property
    def verify_ssl(self) -> bool:
        """Are certificates checked?"""
        return self._verify_ssl

    @property
    def family(self) -> int:
        """The socket family (``AF_UNSPEC``, ``AF_INET`` or ``AF_INET6``)."""
        return self._family

    @property
    def resolve(self) -> bool:
        """Does the connector look host names up (and cache them)?"""
        return self._resolve

    @property
    def resolved_hosts(self) -> dict[tuple[str, int], list[dict[str, Any]]]:
        """A copy of the DNS cache: ``(host, port)`` -> addresses (dicts with
        ``hostname, host, port, family, proto, flags``)."""
        return {key: list(value[0]) for key, value in self._resolved.items()}

    def clear_resolved_hosts(self, host: str | None = None, port: int | None = None) -> None:
        """Forget ``(host, port)``, or every cached address when either is None."""
        if host is not None and port is not None:
            self._resolved.pop((host, port), None)
        else:
            self._resolved.clear()

    @property
    def ssl_context(self) -> ssl_module.SSLContext:
        """The TLS context of this connector, built once."""
        if self._ssl_context is None:
            self._ssl_context = _tls_context(self._verify_ssl)
        return self._ssl_context

    async def _resolve_host(self, host: str, port: int) -> list[dict[str, Any]]:
        key = (host, port)
        loop = self._loop_now()
        cached = self._resolved.get(key)
        if cached is not None and (cached[1] is None or loop.time() < cached[1]):
            return cached[0]
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, family=self._family)
        hosts = [{"hostname": host, "host": address[0], "port": address[1],
                  "family": family, "proto": proto, "flags": socket.AI_NUMERICHOST}
                 for family, _, proto, _, address in infos]
        ttl = self._ttl_dns_cache
        self._resolved[key] = (hosts, None if ttl is None else loop.time() + ttl)
        return hosts

    async def _open(self, host: str, port: int, tls: bool,
                    server_hostname: str | None = None) -> ClientProtocol:
        """Open a TCP connection (TLS if ``tls``) to ``host``, port ``port``."""
        loop = self._loop_now()
        context = self.ssl_context if tls else None
        name = (server_hostname or host) if tls else None
        if not self._resolve:
            _, protocol = await loop.create_connection(
                self._factory, host, port, ssl=context, family=self._family,
                server_hostname=name, happy_eyeballs_delay=self._happy_eyeballs_delay)
            return protocol
        error: OSError | None = None
        for address in await self._resolve_host(host, port):
            try:
                _, protocol = await loop.create_connection(
                    self._factory, address["host"], address["port"], ssl=context,
                    family=address["family"], proto=address["proto"],
                    flags=address["flags"], server_hostname=name)
            except TimeoutError:
                raise
            except OSError as exc:
                error = exc
            else:
                return protocol
        assert error is not None
        raise error

    async def _create_connection(self, req: ConnectionRequest) -> ClientProtocol:
        return await self._open(req.host, req.port, req.ssl)


class ProxyConnector(TCPConnector):
    """Connections through an HTTP proxy (``proxy='http://host:port'``).

    A plain ``http`` request goes to the proxy with an absolute-form target
    and the ``Proxy-Authorization`` of ``proxy_auth`` (or of credentials in
    the proxy URL). Every other target (``https``, ``ws``, ``wss``) gets a
    ``CONNECT`` tunnel: ``Proxy-Authorization`` goes on the ``CONNECT``
    request only, never to the origin, and TLS to the origin runs inside
    the tunnel with this connector's TLS settings. Failing to reach the
    proxy raises ``ProxyConnectionError``; a ``CONNECT`` answered with
    anything but 2xx raises ``HttpProxyError``.
    """

    def __init__(self, proxy: str, *args: Any, proxy_auth: BasicAuth | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(proxy, str):
            raise TypeError(f"proxy must be a str URL, not {type(proxy).__name__}")
        parts = urlsplit(proxy)
        if parts.scheme != "http":
            raise ValueError(f"only http:// proxies are supported, not {proxy!r}")
        if not parts.hostname:
            raise ValueError(f"no host in the proxy URL {proxy!r}")
        if proxy_auth is not None and not isinstance(proxy_auth, BasicAuth):
            raise TypeError("proxy_auth must be None or a BasicAuth")
        if proxy_auth is None and parts.username is not None:
            proxy_auth = BasicAuth(unquote(parts.username), unquote(parts.password or ""))
        self._proxy = proxy
        self._proxy_auth = proxy_auth
        self._proxy_host = parts.hostname
        self._proxy_port = parts.port or 80

    @property
    def proxy(self) -> str:
        """The proxy URL."""
        return self._proxy

    @property
    def proxy_auth(self) -> BasicAuth | None:
        return self._proxy_auth

    def _tunnels(self, req: ConnectionRequest) -> bool:
        # An upgrade cannot reliably pass a forwarding proxy: ws goes through
        # a tunnel too.
        return req.scheme != "http"

    def _prepare_request(self, req: ConnectionRequest) -> None:
        user_auth = req.headers.popall("Proxy-Authorization", None)
        if self._tunnels(req):
            return
        if req.path.startswith("/"):
            req.path = f"{req.scheme}://{_authority(req.host, req.port, 80)}{req.path}"
        auth = self._proxy_auth.encode() if self._proxy_auth is not None else (
            user_auth[0] if user_auth else None)
        if auth is not None:
            req.proxy_headers["Proxy-Authorization"] = auth

    async def _create_connection(self, req: ConnectionRequest) -> ClientProtocol:
        try:
            protocol = await self._open(self._proxy_host, self._proxy_port, False)
        except TimeoutError:
            raise
        except OSError as exc:
            raise ProxyConnectionError(
                f"cannot connect to the proxy {self._proxy_host}:{self._proxy_port}: {exc}"
            ) from exc
        if not self._tunnels(req):
            return protocol
        transport = protocol.transport
        assert transport is not None
        try:
            return await self._tunnel(req, protocol, transport)
        except BaseException:
            transport.close()
            raise

    async def _tunnel(self, req: ConnectionRequest, protocol: ClientProtocol,
                      transport: asyncio.Transport) -> ClientProtocol:
        authority = _authority(req.host, req.port, None)
        assert protocol.writer is not None
        connect = Request(protocol.writer, "CONNECT", authority, HttpVersion11)
        connect.add_header("Host", authority)
        if self._proxy_auth is not None:
            connect.add_header("Proxy-Authorization", self._proxy_auth.encode())
        connect.send_headers()
        connect.write_eof()
        head = await protocol.reader.set_parser(HttpResponseParser()).read()
        if not 200 <= head.code < 300:
            raise HttpProxyError(head.code, head.reason)
        protocol.reader.unset_parser()
        if protocol.reader.buffer:
            raise ClientConnectionError("the proxy sent bytes after its CONNECT answer")
        if not req.ssl:
            return protocol
        inner = self._factory()
        tls_transport = await self._loop_now().start_tls(
            transport, inner, self.ssl_context, server_hostname=req.host)
        if tls_transport is None:
            raise ClientConnectionError("TLS could not start through the proxy tunnel")
        inner.connection_made(tls_transport)
        return inner


def _authority(host: str, port: int, default: int | None) -> str:
    """``host[:port]`` for a Host field or request target (IPv6 in brackets)."""
    if ":" in host:
        host = f"[{host}]"
    return host if port == default else f"{host}:{port}"


class UnixConnector(BaseConnector):
    """Connections to a Unix socket at ``path``; the URL's host is only used
    for the ``Host`` field and the pool key."""

    def __init__(self, path: str, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._path = path

    @property
    def path(self) -> str:
        """The path of the Unix socket."""
        return self._path

    async def _create_connection(self, req: ConnectionRequest) -> ClientProtocol:
        loop = self._loop_now()
        context = _tls_context(True) if req.ssl else None
        _, protocol = await loop.create_unix_connection(
            self._factory, self._path, ssl=context,
            server_hostname=req.host if context is not None else None)
        return protocol


#: Kept from 0.9 for backward compatibility.
SocketConnector = TCPConnector
#: Kept from 0.9 for backward compatibility.
UnixSocketConnector = UnixConnector

