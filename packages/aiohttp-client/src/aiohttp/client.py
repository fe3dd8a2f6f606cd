"""The asyncio HTTP client of the aiohttp 0.9 API: ``request()``,
``ClientRequest``, ``ClientResponse`` and ``HttpClient``.

``request()`` returns a ``ClientResponse`` once the status line and
headers are read; the body is read with ``read()``, ``text()``, ``json()``
or from ``content``. Both ``resp = await request(...)`` and
``async with request(...) as resp`` work (so does
``async with await request(...) as resp``); leaving the ``async with``
block gives the connection back, or closes it when the body was not read
to the end.

Differences from 0.9 (behaviour notes section 15, rows 8-14 and 21) are
listed in the package's CHANGES.md; the main ones: redirects follow today's
method rules (308 too), keep a ``history``, raise ``TooManyRedirects`` past
``max_redirects``, and drop ``Authorization``, ``Cookie`` and
``Proxy-Authorization`` when the origin changes; a request on a reused
connection that died before any response byte is sent once more when it
is idempotent and its body can be sent again.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json as json_module
import random
import ssl
import urllib.parse
import warnings
from collections.abc import Callable, Generator, Iterable, Mapping
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import Any, ClassVar, NamedTuple, cast

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from . import _body_receiver
from . import connector as connector_module
from ._client_body import EMPTY, Body, classify, write_source
from ._cookie_jar import CookieJar
from ._http_compression import brotli_available
from .connector import DEFAULT_PORTS, SECURE_SCHEMES, BaseConnector, Connection, TCPConnector
from .errors import (
    BadStatusLine,
    ClientConnectionError,
    ConnectionError,
    HttpErrorException,
    IncompleteRead,
    OsConnectionError,
)
from .helpers import BasicAuth, parse_mimetype
from .log import client_log
from .parsers import StreamParser
from .protocol import (
    HttpPayloadParser,
    HttpResponseParser,
    HttpVersion,
    HttpVersion11,
    RawResponseMessage,
    Request,
)
from .streams import EOF_MARKER, FlowControlStreamReader, StreamControl, StreamWriter
from .streams import DEFAULT_LIMIT as DEFAULT_STREAM_LIMIT

__all__ = ["ClientRequest", "ClientResponse", "HttpClient", "TooManyRedirects", "request"]

#: br is offered when the protocol package can decode it (brotli installed).
_ACCEPT_ENCODING = "gzip, deflate, br" if brotli_available() else "gzip, deflate"

#: Statuses that redirect (RFC 9110 section 15.4).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Methods that may be sent again after a failure (RFC 9110 section 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
#: Fields that carry credentials for one origin only.
_ORIGIN_CREDENTIALS = ("Authorization", "Cookie", "Proxy-Authorization")
#: 0.9's default chunk size for ``chunked=True``.
DEFAULT_CHUNK_SIZE = 8196


class TooManyRedirects(HttpErrorException):
    """More redirects than ``max_redirects``.

    ``history`` holds every redirect response (closed), ``response`` the
    last one; ``code`` is its status.
    """

    def __init__(self, history: list[ClientResponse], max_redirects: int) -> None:
        last = history[-1]
        super().__init__(last.status, f"more than {max_redirects} redirects, last to "
                         f"{last.headers.get('Location')!r}")
        self.history = history
        self.response = last


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


class _ParsedURL(NamedTuple):
    scheme: str
    host: str
    port: int
    netloc: str  # host[:port] as the Host field shows it
    url: str  # without credentials or fragment
    path: str  # quoted
    query: str
    auth: BasicAuth | None
    target: str  # path?query, the request target without params


@functools.lru_cache(maxsize=512)
def _parse_url(url: str) -> _ParsedURL:
    """Split and check a URL once: programs send many requests to a few URLs."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"unsupported URL scheme {parts.scheme!r} in {url!r}")
    host = parts.hostname
    if not host:
        raise ValueError("Host could not be detected.")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid port in {url!r}") from exc
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError("URL has an invalid label.") from exc
    auth = None
    if parts.username is not None:
        auth = BasicAuth(urllib.parse.unquote(parts.username),
                         urllib.parse.unquote(parts.password or ""))
    port = port or DEFAULT_PORTS[scheme]
    netloc = connector_module._authority(host, port, DEFAULT_PORTS[scheme])
    clean = urllib.parse.urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    path = urllib.parse.quote(parts.path or "/", safe="/%:@!$&'()*+,;=")
    target = f"{path}?{parts.query}" if parts.query else path
    return _ParsedURL(scheme, host, port, netloc, clean, path, parts.query, auth, target)


#: Heads of requests without a body, by (method, target, version,
#: User-Agent default, fields): programs send the same few requests over and
#: over, and the head is a function of these alone. Bounded; emptied when full.
_HEADS: dict[tuple[Any, ...], bytes] = {}
_HEADS_MAX = 256
#: Requests with these fields are not remembered: credentials are not kept
#: longer than their request, cookies and connection options (upgrades)
#: change from request to request, and the usual path handles the rest.
_UNREMEMBERED = ("Authorization", "Proxy-Authorization", "Cookie", "Connection",
                 "Transfer-Encoding", "Content-Encoding")


class _HeadCapture(asyncio.WriteTransport):
    """Stands in for the transport (under a ``StreamWriter``) while ``Request``
    writes a head to remember."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview, /) -> None:
        self.pieces.append(bytes(data))

    def writelines(self, data: Iterable[bytes | bytearray | memoryview], /) -> None:
        self.pieces.extend(bytes(piece) for piece in data)

    def is_closing(self) -> bool:
        return False


class ClientRequest:
    """One request: the URL split up, the headers, and the body to send.

    ``send(writer, reader)`` writes it and returns the ``response_class``
    object that will read the answer. Accepts ``http``, ``https``, ``ws``
    and ``wss`` URLs (the last two for protocol upgrades).
    """

    GET_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
    POST_METHODS = frozenset({"PATCH", "POST", "PUT", "TRACE", "DELETE"})
    ALL_METHODS = GET_METHODS | POST_METHODS

    DEFAULT_HEADERS: ClassVar[dict[str, str]] = {"Accept": "*/*",
                                                 "Accept-Encoding": _ACCEPT_ENCODING}

    body: Body
    response: ClientResponse | None = None
    _writer_task: asyncio.Task[None] | None = None
    _continue: asyncio.Future[None] | None = None

    def __init__(self, method: str, url: str, *, params: Any = None,
                 headers: Any = None, data: Any = None, cookies: Any = None,
                 files: Any = None, auth: BasicAuth | tuple[str, str] | None = None,
                 encoding: str = "utf-8", version: HttpVersion | str = HttpVersion11,
                 compress: bool | str | None = None, chunked: bool | int | None = None,
                 expect100: bool = False, response_class: type[ClientResponse] | None = None,
                 loop: asyncio.AbstractEventLoop | None = None,
                 read_until_eof: bool = True) -> None:
        self.method = method.upper()
        self.encoding = encoding
        self.loop = loop
        self.chunked = chunked
        self.compress = compress
        self.expect100 = expect100
        self.response_class = response_class or ClientResponse
        self.proxy_headers: dict[str, str] = {}
        if version is HttpVersion11:
            self.version = version
        else:
            self._update_version(version)
        self._update_host(url)
        if params:
            self._update_path(params)
        else:
            self.path = self._parsed.target
        if headers:
            self._update_headers(headers)
        else:
            self.headers: CIMultiDict[str] = CIMultiDict(self.DEFAULT_HEADERS, Host=self.netloc)
        if auth is not None or self._url_auth is not None:
            self._update_auth(auth)
        if cookies:
            self.update_cookies(cookies)
        if files is not None:
            warnings.warn("files is deprecated, use data", DeprecationWarning, stacklevel=3)
            if data is not None:
                raise ValueError("data and files cannot both be given")
            data = files
        if data is None and not expect100 and "Expect" not in self.headers:
            self.body = EMPTY  # what _update_body() finds for no data, without its checks
        else:
            self._update_body(data)

    # -- building -------------------------------------------------------------------

    def _update_version(self, version: HttpVersion | str) -> None:
        if isinstance(version, str):
            major, dot, minor = version.partition(".")
            if not dot or not major.isdigit() or not minor.isdigit():
                raise ValueError(f"cannot parse the HTTP version {version!r}")
            version = HttpVersion(int(major), int(minor))
        self.version = version

    def _update_host(self, url: str) -> None:
        if not isinstance(url, str):
            raise TypeError(f"url must be a str, not {type(url).__name__}")
        parsed = _parse_url(url)
        self.scheme = parsed.scheme
        self.host = parsed.host
        self.port = parsed.port
        self.ssl = parsed.scheme in SECURE_SCHEMES
        self.server_hostname = parsed.host
        self._url_auth = parsed.auth
        self._parsed = parsed
        self.netloc = parsed.netloc
        self.url = parsed.url

    def _update_path(self, params: Any) -> None:
        if not params:
            self.path = self._parsed.target
            return
        path = self._parsed.path
        query = self._parsed.query
        if params:
            if isinstance(params, (str, bytes)):
                # A raw query (section 15 row 21: 0.9 documented bytes but failed).
                extra = params.decode("ascii") if isinstance(params, bytes) else params
            else:
                if isinstance(params, (MultiDict, MultiDictProxy, Mapping)):
                    items = list(params.items())
                else:
                    items = list(params)
                extra = urllib.parse.urlencode(items, doseq=not isinstance(params, (
                    MultiDict, MultiDictProxy)))
            query = f"{query}&{extra}" if query else extra
        self.path = f"{path}?{query}" if query else path

    def _update_headers(self, headers: Any) -> None:
        if headers:
            if isinstance(headers, (Mapping, MultiDictProxy, MultiDict)):
                items = list(headers.items())
            else:
                items = list(headers)
            self.headers = CIMultiDict(items)
            for name, value in self.DEFAULT_HEADERS.items():
                if name not in self.headers:
                    self.headers[name] = value
            if "Host" not in self.headers:
                self.headers["Host"] = self.netloc
        else:
            self.headers = CIMultiDict(self.DEFAULT_HEADERS, Host=self.netloc)

    def _update_auth(self, auth: BasicAuth | tuple[str, str] | None) -> None:
        if auth is None:
            auth = self._url_auth
        if auth is None:
            return
        if not isinstance(auth, BasicAuth):
            if isinstance(auth, tuple) and len(auth) == 2:  # type: ignore[redundant-expr]
                warnings.warn("auth should be a BasicAuth", DeprecationWarning, stacklevel=4)
                auth = BasicAuth(*auth)
            else:
                raise TypeError("auth must be a BasicAuth")
        self.headers["Authorization"] = auth.encode()

    def update_cookies(self, cookies: Any) -> None:
        """Add cookies (a mapping, pairs, or a ``SimpleCookie``) to the Cookie field;
        cookies already in it win."""
        if not cookies:
            return
        existing = SimpleCookie()
        if "Cookie" in self.headers:
            try:
                existing.load(self.headers["Cookie"])
            except CookieError:
                return  # the caller's own field, kept as given
        items = cookies.items() if hasattr(cookies, "items") else cookies
        pairs: list[str] = []
        for name, value in items:
            if name in existing:
                continue
            text = value.coded_value if isinstance(value, Morsel) else str(value)
            pairs.append(f"{name}={text}")
        if not pairs:
            return
        old = self.headers.get("Cookie")
        self.headers["Cookie"] = "; ".join(([old] if old else []) + pairs)

    def _update_body(self, data: Any) -> None:
        body = classify(data, self.encoding)
        self.body = body
        if body.content_type is not None and body.length != 0 and \
                "Content-Type" not in self.headers:
            self.headers["Content-Type"] = body.content_type
        if "Expect" in self.headers and self.headers["Expect"].lower() == "100-continue":
            self.expect100 = True
        elif self.expect100:
            self.headers["Expect"] = "100-continue"

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT_METHODS

    # -- sending --------------------------------------------------------------------

    def send(self, writer: Any, reader: StreamParser,
             loop: asyncio.AbstractEventLoop | None = None) -> ClientResponse:
        """Write the request; return the response object that reads the answer.

        A body known in advance is written at once; any other is streamed by
        a task (which waits for ``100 Continue`` first with ``expect100``).
        """
        if self.proxy_headers:
            for name, value in self.proxy_headers.items():
                self.headers[name] = value
        body = self.body
        if body.data == b"" and not self.expect100 and not self.chunked:
            head = self._bodiless_head()
            if head is not None:
                writer.write(head)
                resp = self.response_class(self.method, self.url, self.host, loop=loop)
                self.response = resp
                return resp
        message = Request(writer, self.method, self.path, self.version)
        headers = self.headers
        compress = self.compress
        encoding = headers.get("Content-Encoding")
        if encoding is None and compress:
            encoding = "deflate" if compress is True else str(compress)
            headers["Content-Encoding"] = encoding
        chunked = self.chunked
        # A Content-Encoding the caller set is applied to the body, as in 0.9,
        # unless compress=False says the body is encoded already.
        if encoding is not None and (body.length or body.source is not None) and (
                compress or (compress is None and encoding.lower() in ("gzip", "deflate", "br"))):
            message.add_compression_filter(encoding)
            chunked = chunked or True
        if "Transfer-Encoding" in headers and "chunked" in headers["Transfer-Encoding"].lower():
            chunked = chunked or True
        if chunked:
            headers.popall("Content-Length", None)
            if "Transfer-Encoding" not in headers:
                message.force_chunked()
            if chunked is not True:
                message.add_chunking_filter(int(chunked))
        elif "Content-Length" not in headers:
            if body.length is not None:
                if body.length or self.method not in self.GET_METHODS:
                    headers["Content-Length"] = str(body.length)
            elif body.source is not None:
                message.force_chunked()
        message.add_headers(*headers.items())
        message.send_headers()
        resp = self.response_class(self.method, self.url, self.host, loop=loop)
        self.response = resp
        if body.data is not None and not self.expect100:
            if body.data:
                message.write(body.data)
            message.write_eof()
            return resp
        running = loop or asyncio.get_running_loop()
        if self.expect100:
            self._continue = running.create_future()
            resp._continue = self._continue
        self._writer_task = running.create_task(self._write_body(message, reader))
        resp._writer_task = self._writer_task
        return resp

    def _bodiless_head(self) -> bytes | None:
        """The head of a request without a body, from ``_HEADS`` or written
        (and checked) by ``aiohttp.protocol.Request`` and remembered; None
        when the request is not one whose head may be remembered."""
        headers = self.headers
        for name in _UNREMEMBERED:
            if name in headers:
                return None
        if self.compress:
            return None  # adds Content-Encoding: the usual path does
        if self.method not in self.GET_METHODS and "Content-Length" not in headers:
            headers["Content-Length"] = "0"
        items = tuple(headers.items())
        key = (self.method, self.path, self.version, Request.SERVER_SOFTWARE, items)
        head = _HEADS.get(key)
        if head is None:
            capture = _HeadCapture()
            message = Request(StreamWriter(capture), self.method, self.path, self.version)
            message.add_headers(*items)
            message.send_headers()
            message.write_eof()
            head = b"".join(capture.pieces)
            if len(_HEADS) >= _HEADS_MAX:
                _HEADS.clear()
            _HEADS[key] = head
        return head

    async def _write_body(self, message: Request, reader: StreamParser) -> None:
        try:
            if self._continue is not None:
                await self._continue
            body = self.body
            if body.data is not None:
                if body.data:
                    await message.write(body.data)
                await message.write_eof()
            else:
                await write_source(message, body.source)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = ClientConnectionError(f"Can not write request body for {self.url}: {exc!r}")
            error.__cause__ = exc
            resp = self.response
            if resp is not None:
                resp._body_error(error)
                if resp.connection is not None:
                    # A head awaited without its parser yet: set it, so the
                    # error reaches the head wait.
                    resp.connection._protocol._set_head_parser()
            reader.set_exception(error)


class _NoControl:
    """The control of a body stream that nothing feeds any more."""

    __slots__ = ()

    def resume_stream(self) -> None:
        pass

    def pause_stream(self) -> None:
        pass


_NO_CONTROL = _NoControl()


class _ResponseContent(FlowControlStreamReader):
    """The body stream of a response; tells the response when the body is complete.

    ``control`` is what feeds it: the connection's ``StreamParser``, or a
    ``_BodySink``.
    """

    _on_eof: Callable[[], None] | None = None
    #: Resolved when the body ends or fails (``read()`` of the whole body waits on it).
    _end_waiter: asyncio.Future[None] | None = None

    def __init__(self, control: StreamControl, *,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(control, DEFAULT_STREAM_LIMIT, loop)
        self.control = control

    def feed_eof(self) -> None:
        super().feed_eof()
        self._end()
        callback, self._on_eof = self._on_eof, None
        if callback is not None:
            callback()

    def set_exception(self, exc: BaseException) -> None:
        super().set_exception(exc)
        self._end()

    def _end(self) -> None:
        waiter, self._end_waiter = self._end_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


#: A body sink pauses the transport while more than this many bytes wait
#: unread. One read of an asyncio transport (256 KiB) fits: the body that
#: comes with the head does not pause the transport just before ``read()``
#: asks for the rest (a pause and a resume cost a loop turn per response).
#: At most one more read lands before the pause: 512 KiB per unread response.
_SINK_LIMIT = 2**18


class _BodySink:
    """A body of known length and no content coding, from the protocol to ``content``.

    ``ClientProtocol`` hands received chunks to ``feed()``: chunks within the
    body go to the reader as they are (no copy through the parser's buffer);
    bytes past its end go back to the connection's ``StreamParser``, where
    they make the connection unfit for reuse. The framing was decided by
    ``HttpPayloadParser.body_length()``, which this replaces only for this
    simple case; like that parser it fails the body with ``IncompleteRead``
    when the connection ends early.

    Flow control: while more than ``_SINK_LIMIT`` bytes wait unread and
    ``read()`` is not collecting the whole body, the transport is paused; a
    reader that waits resumes it (``resume_stream``).
    """

    __slots__ = ("_content", "_paused", "_protocol", "_remaining", "_response")

    _content: _ResponseContent  # set by the response, which makes it with this as its control
    _response: ClientResponse

    def __init__(self, protocol: connector_module.ClientProtocol, length: int,
                 response: ClientResponse) -> None:
        self._protocol = protocol
        self._remaining = length
        self._response = response
        self._paused = False

    def feed(self, data: bytes, start: int = 0) -> None:
        """Take ``data[start:]`` (``start``: the end of a head in the same chunk)."""
        remaining = self._remaining
        size = len(data) - start
        content = self._content
        if size < remaining:
            self._remaining = remaining - size
            if start:
                content.feed_tail(data, start)
            else:
                content.feed_data(data)
            if not self._paused and not self._response._reading_all \
                    and content.buffered_size() > _SINK_LIMIT:
                transport = self._protocol.transport
                if transport is not None:
                    self._paused = True
                    transport.pause_reading()
            return
        self._remaining = 0
        protocol = self._protocol
        protocol.sink = None
        self._forget()
        if size == remaining:
            content.feed_tail(data, start)
        else:
            content.feed_data(data[start:start + remaining])
            protocol.reader.feed_data(data[start + remaining:])
        content.feed_eof()

    def receive_in_place(self) -> None:
        """Have the rest of a large body received straight into the ``bytes``
        that ``read()`` returns (``_body_receiver``); ``read()`` calls this
        when it starts collecting the body. Small rests, very large bodies,
        and a build without the C module keep the usual path."""
        protocol = self._protocol
        transport = protocol.transport
        remaining = self._remaining
        content = self._content
        length = content.buffered_size() + remaining
        if (not _body_receiver.AVAILABLE or remaining < _body_receiver.DIRECT_MIN
                or length > _body_receiver.DIRECT_MAX or transport is None
                or protocol.sink is not self or content.has_waiter()):
            return
        # What content holds moves into the buffer and comes back as part of
        # the whole body: counted once, when the body is fed.
        content.total_bytes -= content.buffered_size()
        # The sink stays the protocol's: the end of the connection reaches
        # it, as for any body (ended() first says how much is missing).
        _body_receiver.BodyReceiver(protocol, self, length, content.readinto_nowait).start(
            transport)

    def received(self, body: bytes, excess: bytes) -> None:
        """The whole body, received in place, and what came after it (see ``feed``)."""
        self._remaining = 0
        protocol = self._protocol
        protocol.sink = None
        content = self._content
        self._forget()
        content.feed_data(body)
        if excess:
            protocol.reader.feed_data(excess)
        content.feed_eof()

    def ended(self, missing: int) -> None:
        """The connection ended while the body was received in place, ``missing`` bytes short."""
        self._remaining = missing

    def lost(self, exc: BaseException | None) -> None:
        content = self._content
        self._forget()
        content.set_exception(exc if exc is not None else IncompleteRead(b"", self._remaining))

    def _forget(self) -> None:
        """Drop the references back to the response: ``content`` keeps this sink
        as its control, and the cycle would keep a large body alive until the
        garbage collector runs."""
        del self._content, self._response

    def resume_stream(self) -> None:
        if self._paused:
            self._paused = False
            transport = self._protocol.transport
            if transport is not None:
                transport.resume_reading()

    def pause_stream(self) -> None:
        """Nothing to do: the transport is paused only when too much waits unread."""


class _HeadWaiter:
    """The head parser's output: resolves the future ``start()`` awaits.

    The response sees the head at once (``_head_parsed``), before the task
    awaiting it runs again. (A ``DataQueue`` would do, at the cost of a queue,
    a reader coroutine and their wake-ups for the one item a head parser
    emits.)
    """

    __slots__ = ("_response", "_waiter")

    def __init__(self, response: ClientResponse,
                 waiter: asyncio.Future[RawResponseMessage]) -> None:
        self._response = response
        self._waiter = waiter

    def feed_data(self, message: RawResponseMessage) -> None:
        waiter = self._waiter
        if not waiter.done():
            waiter.set_result(message)
            self._response._head_parsed(message)

    def feed_eof(self) -> None:
        # The parser emits the head before it ends; ending without one is the
        # connection closing first.
        if not self._waiter.done():
            self._waiter.set_exception(
                ClientConnectionError("Can not read status line: the connection closed"))

    def set_exception(self, exc: BaseException) -> None:
        if not self._waiter.done():
            self._waiter.set_exception(exc)


class ClientResponse:
    """The answer to a request: status, headers, cookies, and the body in ``content``.

    The connection goes back to the pool as soon as the body has been read
    to its end (whoever reads it), or when ``release()`` or ``close()`` is
    called; ``close()`` closes it instead when the body was not complete.
    """

    message: RawResponseMessage | None = None
    version: HttpVersion | None = None
    status: int = 0
    reason: str = ""
    headers: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())
    connection: Connection | None = None
    #: Limits of the body parser (class attributes: a subclass may change them).
    max_decompressed_size: int | None = 32 * 2**20
    #: The head parser (it holds only its limits, so one serves every response).
    response_parser = HttpResponseParser()

    _body: bytes | None = None
    _content: FlowControlStreamReader | None = None
    #: A body that was complete with the head and is not in ``_content`` (yet):
    #: the usual small body needs no stream unless ``content`` is asked for.
    #: ``b""`` once ``read()`` took it.
    _early: bytes | None = None
    _writer_task: asyncio.Task[None] | None = None
    _continue: asyncio.Future[None] | None = None
    _complete = False
    _closed = False
    _reading_all = False  # read() waits for the end of the body

    def __init__(self, method: str, url: str, host: str = "", *,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.method = method
        self.url = url
        self.host = host
        self.history: tuple[ClientResponse, ...] = ()
        self._loop = loop

    _cookies: SimpleCookie | None = None

    @property
    def cookies(self) -> SimpleCookie:
        """The cookies the response set (made on first use: most responses set none)."""
        cookies = self._cookies
        if cookies is None:
            cookies = self._cookies = SimpleCookie()
        return cookies

    @cookies.setter
    def cookies(self, value: SimpleCookie) -> None:
        self._cookies = value

    @property
    def content(self) -> FlowControlStreamReader | None:
        """The body stream (None before the head is read)."""
        content = self._content
        if content is None and self._early is not None:
            # A body that came whole with the head: its stream is made now,
            # already at its end. Nothing feeds it, so no control is needed.
            content = self._content = _ResponseContent(_NO_CONTROL, loop=self._loop)
            content.feed_data(self._early)
            content.feed_eof()
            self._early = None
        return content

    @content.setter
    def content(self, value: FlowControlStreamReader | None) -> None:
        self._content = value

    def __repr__(self) -> str:
        return f"<ClientResponse({self.url}) [{self.status} {self.reason}]>"

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        connection = self.connection
        if connection is not None and not connection.closed:
            self.connection = None
            try:
                connection.close()
            except RuntimeError:  # the event loop is already closed
                pass
            _warn(f"ClientResponse has to be closed explicitly! {self!r}",
                  ResourceWarning, source=self)

    # -- reading the head ---------------------------------------------------------------

    async def start(self, connection: Connection, read_until_eof: bool = False) -> ClientResponse:
        """Read the status line and headers (skipping 1xx interim responses)."""
        while True:
            waiter = self._expect_head(connection, read_until_eof)
            if not waiter.done():
                try:
                    await waiter
                finally:
                    self._head_wait_over(connection)
            if self._head_received(connection, waiter.result()):
                return self

    def _expect_head(self, connection: Connection,
                     read_until_eof: bool) -> asyncio.Future[RawResponseMessage]:
        """Set the head parser on the connection; the future it resolves.

        The parser starts on what is buffered and may finish at once. If it
        does not, the stream flows into it (pull model) until
        ``_head_wait_over()``. ``start()`` is this, an await and
        ``_head_received()``.

        When nothing is buffered and no parser is set (the usual request on
        a pooled connection), the parser is set only if the next chunk
        needs it: ``_take_head`` (the protocol's ``head_taker``) first tries
        ``HttpResponseParser.parse_whole`` on it.
        """
        self.connection = connection
        self._read_until_eof = read_until_eof
        protocol = connection._protocol
        reader = protocol.reader
        waiter: asyncio.Future[RawResponseMessage] = \
            (self._loop or connection._loop).create_future()
        self._head_waiter = waiter
        if (not protocol.buffer and reader.output is None and not protocol.ended
                and reader.exception() is None):
            protocol.head_taker = self._take_head
            reader.resume_stream()
            return waiter
        self._set_head_parser(protocol)
        if waiter.done():
            protocol.split_head = False
        else:
            reader.resume_stream()
            if waiter.done():
                self._head_wait_over(connection)
        return waiter

    def _set_head_parser(self, protocol: connector_module.ClientProtocol) -> None:
        protocol.split_head = True
        try:
            protocol.reader.set_parser(self.response_parser,
                                       _HeadWaiter(self, self._head_waiter))
        except BaseException:
            protocol.split_head = False
            raise

    def _take_head(self, data: bytes | None) -> bool:
        """The first chunk received while the head is awaited (None: the
        connection ended first, or the wait is over): take a whole head from
        it as the head parser would (True: the chunk is taken), or set that
        parser (False: the protocol feeds it the chunk)."""
        connection = self.connection
        assert connection is not None
        protocol = connection._protocol
        waiter = self._head_waiter
        if data is not None and not waiter.done():
            try:
                found = self.response_parser.parse_whole(data)
            except Exception:
                found = None  # the parser raises it again, its usual way
            if found is not None:
                message, end = found
                waiter.set_result(message)
                self._head_parsed(message, data, end)
                return True
        self._set_head_parser(protocol)
        return False

    _head_waiter: asyncio.Future[RawResponseMessage]

    def _head_wait_over(self, connection: Connection) -> None:
        protocol = connection._protocol
        if protocol.head_taker is not None:
            # The wait ended without a chunk (cancelled): the parser is set,
            # as it would have been.
            protocol.head_taker = None
            self._take_head(None)
        protocol.reader.pause_stream()
        protocol.split_head = False

    def _head_received(self, connection: Connection, message: RawResponseMessage) -> bool:
        """Take a parsed head: False for an interim (1xx) one, another follows."""
        if 100 <= message.code < 200 and message.code != 101:
            if message.code == 100 and self._continue is not None \
                    and not self._continue.done():
                self._continue.set_result(None)
            return False
        reader = connection._protocol.reader
        loop = self._loop or connection._loop
        read_until_eof = self._read_until_eof
        self.message = message
        self.version = message.version
        self.status = message.code
        self.reason = message.reason
        self.headers = message.headers
        cookies = message.headers.getall("Set-Cookie", ())
        if cookies:
            jar = connection._connector.cookie_jar if (
                connection._connector is not None and connection._connector.share_cookies
            ) else CookieJar()
            self.cookies = jar.update_from_headers(cookies, self.url)
        if self._continue is not None and not self._continue.done():
            # A final answer instead of 100 Continue: the body is never sent,
            # and the connection cannot carry another request.
            self._continue.cancel()
            self._must_close = True
        if message.code == 101:
            return True  # the caller takes the connection over (protocol upgrade)
        if self._content is None and self._early is None:
            payload = self._payload or HttpPayloadParser(
                message, readall=read_until_eof, response_with_body=self.method != "HEAD",
                max_decompressed_size=self.max_decompressed_size)
            self._payload = None
            content = _ResponseContent(reader, loop=loop)
            content._on_eof = self._body_complete
            self.content = content
            reader.set_parser(payload, content)
        self._started = True
        if self._complete:
            self._give_back_complete()
        return True

    _must_close = False
    _started = False  # start() has finished with the head
    _read_until_eof = False
    _payload: HttpPayloadParser | None = None

    def _head_parsed(self, message: RawResponseMessage, tail: bytes = b"",
                     start: int = 0) -> None:
        """A head was parsed (called from inside the head parser, or by
        ``_take_head`` with the chunk it came in: ``tail[start:]`` are the
        bytes that followed it, which no buffer holds yet).

        A final response whose body has a known length and no content
        coding gets a ``_BodySink`` at once, so the body that follows in the
        same received chunk, and every later chunk, goes straight to
        ``content``. Anything else is left to ``start()`` and the
        ``HttpPayloadParser``.
        """
        connection = self.connection
        if connection is None or message.code < 200 or self._content is not None:
            self._keep(tail, start)
            return
        protocol = connection._protocol
        protocol.split_head = False
        if self._continue is not None and not self._continue.done():
            self._keep(tail, start)
            return
        payload = HttpPayloadParser(message, readall=self._read_until_eof,
                                    response_with_body=self.method != "HEAD",
                                    max_decompressed_size=self.max_decompressed_size)
        length = payload.body_length()
        if length is not None and (length < 0 or message.compression is not None):
            self._payload = payload  # chunked, until close, or coded: the parser's job
            self._keep(tail, start)
            return
        buffer = protocol.buffer
        size = len(tail) - start
        if size > 0:
            if length is None or size > length or buffer:
                # No body, more than the body (the connection is then unfit
                # for reuse), or bytes buffered already: the buffer takes
                # it all, as for a head from the parser.
                self._keep(tail, start)
            elif size == length:
                # The usual small response: its whole body came with the
                # head, taken from the chunk without a copy through the buffer.
                self._early = tail[start:]
                self._complete = True
                return
            else:
                # The first part of a longer body: straight to the sink.
                self._sink_for(protocol, connection, length).feed(tail, start)
                return
        if not length or len(buffer) >= length:
            # No body, or all of it came with the head (small responses): no
            # sink, and no stream until ``content`` is asked for. The head
            # parser has taken its own bytes already. Complete: start() gives
            # the connection back.
            if length:
                self._early = bytes(buffer[:length])
                del buffer[:length]
            else:
                self._early = EOF_MARKER
            self._complete = True
            return
        sink = self._sink_for(protocol, connection, length)
        if buffer:
            # Body bytes that came with the head.
            data = bytes(buffer)
            buffer.clear()
            sink.feed(data)

    def _keep(self, tail: bytes, start: int) -> None:
        """Put ``tail[start:]`` in the connection's buffer, for the parsers."""
        if start < len(tail):
            assert self.connection is not None
            self.connection._protocol.buffer.feed_data(cast(bytes, memoryview(tail)[start:]))

    def _sink_for(self, protocol: connector_module.ClientProtocol, connection: Connection,
                  length: int) -> _BodySink:
        """A ``_BodySink`` for a body of ``length`` bytes, set on the protocol."""
        sink = _BodySink(protocol, length, self)
        content = _ResponseContent(sink, loop=self._loop or connection._loop)
        sink._content = content
        content._on_eof = self._body_complete
        self.content = content
        protocol.sink = sink
        return sink

    def _body_complete(self) -> None:
        """The whole body has been parsed: the connection may serve another request.

        A reader of ``content`` woken by the end of the body still has to
        finish its wait, which pauses the connection's stream; paused after
        another request had taken the connection, that request would wait
        forever. So:

        * ``read()`` waiting for the end gives the connection back itself,
          once its wait is over;
        * another reader waiting: the connection goes back one loop turn
          later, after that reader ran;
        * no reader waiting (the body was already buffered when the head was
          read, the usual case for small bodies): it goes back now, saving a
          loop callback per request. The pool accepts a connection given back
          from inside the body parser's last step.
        """
        self._complete = True
        connection = self.connection
        if connection is None or self._reading_all or not self._started:
            return  # read() or start() gives the connection back
        content = self._content
        if content is not None and not content.has_waiter():
            self._give_back_complete()
        else:
            connection.loop.call_soon(self._give_back_complete)

    def _give_back_complete(self) -> None:
        task = self._writer_task
        if task is not None and not task.done():
            return  # the request body is still being written; close() decides
        connection = self.connection
        content = self._content
        if connection is not None and (self._early is not None or (
                content is not None and content.exception() is None)):
            self.connection = None
            message = self.message
            if self._must_close or message is None or message.should_close:
                connection.close()
            else:
                connection.release()

    def _body_error(self, exc: BaseException) -> None:
        if self.content is not None:
            self.content.set_exception(exc)

    # -- reading the body ---------------------------------------------------------------

    async def read(self, decode: bool = False) -> Any:
        """The whole body (cached); gives the connection back."""
        if self._body is None:
            content = self._content
            if content is None:
                early = self._early
                self._body = early if early is not None else EOF_MARKER
                if early:
                    self._early = EOF_MARKER
            elif content.is_eof() and content.exception() is None \
                    and not content.has_waiter():
                # The usual small body, complete with its head: no wait at all.
                self._body = content.read_nowait()
            else:
                try:
                    self._body = await self._read_all(content)
                except BaseException:
                    self.close()
                    raise
            self._finish()
        if decode:
            warnings.warn("read(decode=True) is deprecated, use json()",
                          DeprecationWarning, stacklevel=2)
            return await self.json()
        return self._body

    async def _read_all(self, content: FlowControlStreamReader) -> bytes:
        """The rest of the body in one piece.

        The stream keeps flowing until the body is complete, and this task
        wakes once, at the end, rather than once per chunk as
        ``content.read()`` would.
        """
        connection = self.connection
        if connection is not None and not content.is_eof():
            if isinstance(content, _ResponseContent):
                control: StreamControl = content.control
                # One future, resolved by the end or the failure of the body
                # (wait_eof() would add a shield and its callbacks). It is set
                # first: resuming may complete the body at once.
                waiter = (self._loop or connection._loop).create_future()
                content._end_waiter = waiter
            else:
                control = connection.reader
            self._reading_all = True
            try:
                if isinstance(control, _BodySink):
                    control.receive_in_place()
                control.resume_stream()
                if not isinstance(content, _ResponseContent):
                    await content.wait_eof()
                elif not content.is_eof() and content.exception() is None:
                    await waiter
            finally:
                if isinstance(content, _ResponseContent):
                    content._end_waiter = None
                self._reading_all = False
                # Once the body is complete the connection may already serve
                # another request, whose reader must keep its stream flowing.
                if self.connection is connection:
                    control.pause_stream()
        if content.is_eof() and content.exception() is None and not content.has_waiter():
            return content.read_nowait()  # complete: no coroutine needed
        body: bytes = await content.read()
        return body

    async def read_and_close(self, decode: bool = False) -> Any:
        warnings.warn("read_and_close() is deprecated, use read()",
                      DeprecationWarning, stacklevel=2)
        return await self.read(decode)

    def _charset(self) -> str | None:
        content_type = self.headers.get("Content-Type")
        if content_type is None:
            return None
        return parse_mimetype(content_type)[3].get("charset")

    async def text(self, encoding: str | None = None, errors: str = "strict") -> str:
        """The body decoded: ``encoding``, else the charset of Content-Type, else UTF-8."""
        body: bytes = await self.read()
        return body.decode(encoding or self._charset() or "utf-8", errors)

    async def json(self, *, encoding: str | None = None,
                   loads: Callable[[str], Any] = json_module.loads) -> Any:
        """The body parsed as JSON; None for an empty body. A Content-Type
        without ``json`` is logged (as 0.9 did), not refused."""
        body = await self.read()
        content_type = self.headers.get("Content-Type", "")
        if "json" not in content_type:
            client_log.warning("Attempt to decode JSON with unexpected mimetype: %s",
                               content_type)
        if not body.strip():
            return None
        return loads(body.decode(encoding or self._charset() or "utf-8"))

    # -- giving the connection back ---------------------------------------------------------

    def _finish(self) -> None:
        """After the body was read: the connection goes back, if still held."""
        connection = self.connection
        if connection is None:
            return
        task = self._writer_task
        if task is not None and not task.done():
            task.cancel()
            self._must_close = True
        self.connection = None
        message = self.message
        if self._must_close or not self._complete or message is None or message.should_close:
            connection.close()
        else:
            connection.release()

    def close(self, force: bool = False) -> None:
        """Give the connection back when the body is complete, else close it.

        ``force`` always closes. A request body still being written is cancelled.
        """
        self._closed = True
        task = self._writer_task
        if task is not None and not task.done():
            task.cancel()
            self._must_close = True
        connection = self.connection
        if connection is None:
            return
        self.connection = None
        message = self.message
        if force or self._must_close or not self._complete or message is None \
                or message.should_close:
            connection.close()
            content = self._content
            if content is not None and not content.is_eof():
                content.set_exception(ClientConnectionError("the response was closed"))
        else:
            connection.release()

    async def release(self) -> None:
        """Read the rest of the body, then give the connection back."""
        try:
            content = self._content  # a body that came with the head is complete already
            if content is not None and self.connection is not None and self._body is None:
                while (await content.read(2**16)) is not EOF_MARKER:
                    pass
        except BaseException:
            self.close(force=True)
            raise
        self.close()

    async def wait_for_close(self) -> None:
        """Wait for the request body to be written, then close."""
        task = self._writer_task
        if task is not None and not task.done():
            try:
                await task
            finally:
                self.close()
        self.close()

    def waiting_for_continue(self) -> bool:
        return self._continue is not None and not self._continue.done()

    async def __aenter__(self) -> ClientResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


class _RequestContext:
    """What ``request()`` returns: await it for the response, or use it in
    ``async with`` (the response is closed on the way out). The request
    starts only then, so an unused object leaves nothing behind."""

    __slots__ = ("_args", "_response")

    def __init__(self, args: tuple[Any, ...]) -> None:
        self._args = args
        self._response: ClientResponse | None = None

    def __await__(self) -> Generator[Any, None, ClientResponse]:
        return _request(*self._args).__await__()

    async def __aenter__(self) -> ClientResponse:
        self._response = await _request(*self._args)
        return self._response

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            self._response.close()


def request(method: str, url: str, *, params: Any = None, data: Any = None,
            headers: Any = None, cookies: Any = None, files: Any = None,
            auth: BasicAuth | None = None, allow_redirects: bool = True,
            max_redirects: int = 10, encoding: str = "utf-8",
            version: HttpVersion | str = HttpVersion11,
            compress: bool | str | None = None, chunked: bool | int | None = None,
            expect100: bool = False, connector: BaseConnector | None = None,
            loop: asyncio.AbstractEventLoop | None = None, read_until_eof: bool = True,
            request_class: type[ClientRequest] | None = None,
            response_class: type[ClientResponse] | None = None) -> _RequestContext:
    """Send a request; the result is the ``ClientResponse`` once its head is read.

    Without ``connector`` a connector is made for this call alone: its
    connection is closed when the response is released or closed, as in 0.9
    (pass a connector to reuse connections). ``max_redirects=0`` means no
    limit; past the limit ``TooManyRedirects`` is raised.
    """
    return _RequestContext((method, url, params, data, headers, cookies, files, auth,
                            allow_redirects, max_redirects, encoding, version, compress,
                            chunked, expect100, connector, loop, read_until_eof,
                            request_class, response_class))


async def _request(method: str, url: str, params: Any, data: Any, headers: Any,
                   cookies: Any, files: Any, auth: BasicAuth | None,
                   allow_redirects: bool, max_redirects: int, encoding: str,
                   version: HttpVersion | str, compress: bool | str | None,
                   chunked: bool | int | None, expect100: bool,
                   connector: BaseConnector | None, loop: asyncio.AbstractEventLoop | None,
                   read_until_eof: bool, request_class: type[ClientRequest] | None,
                   response_class: type[ClientResponse] | None) -> ClientResponse:
    method = method.upper()
    if connector is None:
        connector = TCPConnector(force_close=True, loop=loop, ssl_context=_default_tls())
    request_class = request_class or ClientRequest
    history: list[ClientResponse] = []
    headers = CIMultiDict(_header_items(headers)) if headers else CIMultiDict()
    jar = connector.cookie_jar if connector.share_cookies else None
    plain = type(connector).connect is BaseConnector.connect
    while True:
        req = request_class(method, url, params=params, headers=headers, data=data,
                            cookies=cookies, files=files, auth=auth, encoding=encoding,
                            version=version, compress=compress, chunked=chunked,
                            expect100=expect100, response_class=response_class, loop=loop)
        files = None
        if history and jar is not None and not connector.share_cookies:
            req.update_cookies(jar.filter_cookies(req.url))
        # Connect, write, read the head; one retry on a dead reused connection.
        # (Inline rather than in a coroutine of its own: one frame less on
        # every wake-up.)
        fresh = False
        while True:
            # A pooled connection is taken without the connect() coroutine,
            # unless a subclass has its own connect().
            conn = connector._connect_idle(req) \
                if plain and not fresh else None
            if conn is None:
                try:
                    conn = await connector.connect(req, fresh=fresh)
                except TimeoutError:
                    raise
                except OSError as exc:
                    raise OsConnectionError(exc) from exc
            resp: ClientResponse | None = None
            try:
                resp = req.send(conn.writer, conn.reader, loop)
                await resp.start(conn, read_until_eof)
                break
            except BaseException as exc:
                error = _send_failed(exc, conn, resp, req, fresh)
                if error is None:
                    fresh = True
                    continue
                if error is exc:
                    raise
                raise error from exc
        if not (allow_redirects and resp.status in REDIRECT_STATUSES):
            break
        location = resp.headers.get("Location") or resp.headers.get("URI")
        if not location:
            break  # nothing to follow: the 3xx is the answer
        target = urllib.parse.urljoin(req.url, location)
        scheme = urllib.parse.urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            resp.close(force=True)
            raise ValueError("Can redirect only to http or https")
        status = resp.status
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, data = "GET", None
            headers.popall("Content-Type", None)
            headers.popall("Content-Length", None)
        elif status in (307, 308) and not req.body.replayable:
            break  # the body was a stream, already consumed: it cannot be sent again
        else:
            data = req.body.data if req.body.data else data
        if not connector.share_cookies and resp.cookies:
            if jar is None:
                jar = CookieJar()
            jar.update_cookies(resp.cookies, req.url)
        if _origin(target) != _origin(req.url):
            for name in _ORIGIN_CREDENTIALS:
                headers.popall(name, None)
            auth = None
            cookies = None
        headers.popall("Host", None)
        history.append(resp)
        resp.close()
        if max_redirects and len(history) > max_redirects:
            raise TooManyRedirects(history, max_redirects)
        url = urllib.parse.urldefrag(target)[0]
        params = None
    resp.history = tuple(history)
    return resp


@functools.lru_cache(maxsize=1)
def _default_tls() -> ssl.SSLContext:
    """The TLS context of the connectors ``request()`` makes for one call:
    loading the CA store for every call would cost milliseconds each."""
    return connector_module._tls_context(True)


def _header_items(headers: Any) -> list[tuple[str, str]]:
    if not headers:
        return []
    if isinstance(headers, (Mapping, MultiDictProxy, MultiDict)):
        return list(headers.items())
    return list(headers)


def _send_failed(exc: BaseException, conn: Connection, resp: ClientResponse | None,
                 req: ClientRequest, fresh: bool) -> BaseException | None:
    """After sending ``req`` on ``conn`` failed with ``exc``: close both, and say
    what to raise (``exc`` itself or the error it maps to), or None to send
    once more on a fresh connection (a reused connection that died before any
    response byte, an idempotent request, a body that can be sent again)."""
    if resp is not None:
        resp.close(force=True)
    conn.close()
    retry = (not fresh and conn.reused and not conn.protocol.data_seen
             and req.idempotent and req.body.replayable
             and isinstance(exc, (ClientConnectionError, ConnectionResetError,
                                  BrokenPipeError)))
    if retry:
        client_log.debug("retrying %s %s: the reused connection died", req.method, req.url)
        req.proxy_headers.clear()
        return None
    if isinstance(exc, BadStatusLine):
        return ClientConnectionError(exc)
    if isinstance(exc, TimeoutError | asyncio.CancelledError):
        return exc
    if isinstance(exc, OSError):
        return OsConnectionError(exc)
    return exc


class HttpClient:
    """Several hosts serving the same paths; failed hosts are set aside for a while.

    Each request goes to a live host chosen at random. A connection error or
    timeout marks the host failed: it is retried after ``failed_timeout``
    seconds. When every host has failed, ``ConnectionError('All hosts are
    unreachable ...')`` is raised. ``close()`` stops the timers and closes
    the shared connector (0.9 had no way to stop them).
    """

    def __init__(self, hosts: str | Iterable[str | tuple[str, int]], *,
                 method: str | None = None, path: str | None = None, ssl: bool = False,
                 conn_pool: bool = True, conn_timeout: float | None = None,
                 failed_timeout: float = 5.0, resolve: bool = True,
                 resolve_timeout: float = 360.0, keepalive_timeout: float | None = 30,
                 verify_ssl: bool = True, loop: asyncio.AbstractEventLoop | None = None,
                 connector: BaseConnector | None = None) -> None:
        if isinstance(hosts, str):
            hosts = [hosts]
        parsed: list[tuple[str, int | None]] = []
        for host in hosts:
            if isinstance(host, str):
                name, colon, port = host.rpartition(":") if host.count(":") == 1 \
                    else ("", "", host)
                if not colon:
                    name, port_number = port, None
                else:
                    try:
                        port_number = int(port)
                    except ValueError:
                        raise ValueError(f"invalid port in {host!r}") from None
                parsed.append((name, port_number))
            else:
                name, number = host
                parsed.append((name, int(number)))
        if not parsed:
            raise ValueError("Hosts are required")
        self._hosts = parsed
        self._live = list(parsed)
        self._failed: collections.deque[tuple[tuple[str, int | None], float]] = \
            collections.deque()
        self._method = method
        self._path = path
        self._scheme = "https" if ssl else "http"
        self._failed_timeout = failed_timeout
        self._resolve_timeout = resolve_timeout
        self._loop = loop
        self._failed_handle: asyncio.TimerHandle | None = None
        self._resolve_handle: asyncio.TimerHandle | None = None
        self._closed = False
        self._connector: BaseConnector | None = connector
        if connector is None and conn_pool:
            self._connector = TCPConnector(
                share_cookies=True, conn_timeout=conn_timeout,
                keepalive_timeout=keepalive_timeout, resolve=resolve,
                verify_ssl=verify_ssl, loop=loop)
        self._conn_timeout = conn_timeout

    @property
    def connector(self) -> BaseConnector | None:
        return self._connector

    def _now_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _arm_resolve_timer(self) -> None:
        if self._resolve_handle is None and isinstance(self._connector, TCPConnector) \
                and not self._closed:
            self._resolve_handle = self._now_loop().call_later(
                self._resolve_timeout, self._clear_dns)

    def _clear_dns(self) -> None:
        self._resolve_handle = None
        if isinstance(self._connector, TCPConnector):
            self._connector.clear_resolved_hosts()
        self._arm_resolve_timer()

    def _resurrect(self) -> None:
        self._failed_handle = None
        now = self._now_loop().time()
        while self._failed and now - self._failed[0][1] >= self._failed_timeout:
            host, _ = self._failed.popleft()
            if host not in self._live:
                self._live.append(host)
        if self._failed and not self._closed:
            self._failed_handle = self._now_loop().call_later(
                self._failed_timeout, self._resurrect)

    def _mark_failed(self, host: tuple[str, int | None]) -> None:
        if host in self._live:
            self._live.remove(host)
            self._failed.append((host, self._now_loop().time()))
            if isinstance(self._connector, TCPConnector):
                self._connector.clear_resolved_hosts(
                    host[0], host[1] or DEFAULT_PORTS[self._scheme])
        if self._failed_handle is None and not self._closed:
            self._failed_handle = self._now_loop().call_later(
                self._failed_timeout, self._resurrect)

    async def request(self, method: str | None = None, path: str | None = None, *,
                      params: Any = None, data: Any = None, headers: Any = None,
                      cookies: Any = None, files: Any = None, auth: BasicAuth | None = None,
                      allow_redirects: bool = True, max_redirects: int = 10,
                      encoding: str = "utf-8", version: HttpVersion | str = HttpVersion11,
                      compress: bool | str | None = None, chunked: bool | int | None = None,
                      expect100: bool = False, read_until_eof: bool = True) -> ClientResponse:
        if self._closed:
            raise ClientConnectionError("the HttpClient is closed")
        method = method or self._method
        path = path or self._path
        if method is None or path is None:
            raise ValueError("method and path are required (here or in the constructor)")
        self._arm_resolve_timer()
        if not self._live and self._failed:
            self._live.append(self._failed.popleft()[0])
        url = ""
        while self._live:
            host = random.choice(self._live)
            name, port = host
            authority = connector_module._authority(name, port or 0, 0) if port else (
                f"[{name}]" if ":" in name else name)
            url = urllib.parse.urljoin(f"{self._scheme}://{authority}", path)
            try:
                resp = await request(
                    method, url, params=params, data=data, headers=headers,
                    cookies=cookies, files=files, auth=auth,
                    allow_redirects=allow_redirects, max_redirects=max_redirects,
                    encoding=encoding, version=version, compress=compress, chunked=chunked,
                    expect100=expect100, read_until_eof=read_until_eof,
                    connector=self._connector, loop=self._loop)
            except (ConnectionError, TimeoutError):
                self._mark_failed(host)
                continue
            if 500 <= resp.status <= 600 and isinstance(self._connector, TCPConnector):
                self._connector.clear_resolved_hosts()
            return resp
        raise ConnectionError(f"All hosts are unreachable {url}")

    def close(self) -> Any:
        """Stop the timers and close the shared connector (awaitable, may be dropped)."""
        self._closed = True
        for handle in (self._failed_handle, self._resolve_handle):
            if handle is not None:
                handle.cancel()
        self._failed_handle = self._resolve_handle = None
        if self._connector is not None:
            return self._connector.close()
        return connector_module._Closing([])


if __name__ == "__main__":
    # ``python -m aiohttp.client URL``: this file then runs as ``__main__``, a
    # second copy of the module; the command line imports ``aiohttp.client``
    # by name and uses that one.
    from aiohttp._client_cli import main

    raise SystemExit(main())
