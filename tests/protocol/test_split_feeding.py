"""Property tests: the HTTP parsers give the same result however the bytes arrive,
and every request they accept, a strict independent peer (h11) accepts identically.

What is proved, and why it matters:

* **Split feeding.** A connection delivers a message in arbitrary pieces. For
  generated valid requests and responses (random token methods, origin,
  absolute, asterisk and authority targets, up to 30 random fields with
  SP/HTAB inside values and obs-text bytes, Content-Length or chunked framing
  with random chunk sizes, chunk extensions and trailers, gzip / deflate (zlib
  and raw) / br bodies; responses also in the lenient forms: bare LF, obs-fold,
  no reason phrase, whitespace before the colon, repeated Content-Length,
  leading empty lines), feeding the bytes whole, byte by byte and split at
  hypothesis-chosen points -- both by driving the generators by hand and
  through ``aiohttp.parsers.StreamParser`` -- yields exactly the message,
  body, trailers and leftover bytes that the generator of the message says it
  must. A second message pipelined after the first is left in the buffer
  untouched, and is parsed next. Any difference would mean a request is
  understood differently depending on TCP segmentation.
* **Agreement with h11.** h11 is a strict, independent HTTP/1.1
  implementation. A request head that our server accepts but a strict peer
  reads differently (another method, target, field or body boundary) is the
  raw material of request smuggling. So for every generated request, h11 must
  read the same method, target, version, fields (names as sent), framed body
  and trailers.
* **Mutations.** Inserting CR, LF, NUL, SP, HTAB or ':' anywhere in a valid
  head must either be rejected with an ``HttpBadRequest`` subclass, or give a
  message that h11 reads identically; never another exception, never a parser
  still waiting after end of input, and the same outcome whole or byte by byte.
"""

from __future__ import annotations

import collections
import gzip
import importlib
import itertools
import string
import zlib
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import h11
from aiohttp.errors import ConnectionError as AiohttpConnectionError
from aiohttp.errors import HttpBadRequest
from aiohttp.parsers import ParserBuffer, StreamParser
from aiohttp.protocol import (
    HttpPayloadParser,
    HttpRequestParser,
    HttpResponseParser,
    HttpVersion,
    RawRequestMessage,
    RawResponseMessage,
)
from aiohttp.streams import EofStream
from hypothesis import event, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from parser_outputs import Collector

brotli: Any = importlib.import_module("brotli")  # untyped: used through Any

SETTINGS = settings(max_examples=200, deadline=None)

Kind = Literal["request", "response"]
Message = RawRequestMessage | RawResponseMessage
Pairs = list[tuple[str, str]]

CRLF = b"\r\n"
TCHARS = "!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters
VCHARS = "".join(map(chr, range(0x21, 0x7F)))
OBS_TEXT = "".join(map(chr, range(0x80, 0x100)))
#: field-vchar = VCHAR / obs-text (RFC 9110 section 5.5), as latin-1 characters.
FIELD_VCHARS = VCHARS + OBS_TEXT
#: CTLs a response value may carry (HttpResponseParser keeps all but NUL and CR;
#: HTAB is whitespace, LF ends the line).
KEPT_CTLS = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
#: qdtext and the characters a quoted-pair may escape (RFC 9110 section 5.6.4).
QDTEXT = "\t " + "".join(chr(c) for c in (0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F))) + OBS_TEXT
QUOTABLE = "\t " + VCHARS + OBS_TEXT

#: Field names the framing logic reads: the strategies add them on purpose only.
RESERVED = frozenset({"host", "content-length", "transfer-encoding", "connection",
                      "content-encoding"})


def latin1(text: str) -> bytes:
    return text.encode("latin-1")


def decoded(raw: bytes) -> str:
    """How the parsers turn field bytes into ``str``."""
    return raw.decode("utf-8", "surrogateescape")


# -- strategies: pieces -------------------------------------------------------------

tokens = st.text(TCHARS, min_size=1, max_size=10)
field_names = tokens.filter(lambda name: name.lower() not in RESERVED)
ows = st.text(" \t", max_size=2).map(latin1)
rws = st.text(" \t", min_size=1, max_size=3).map(latin1)


def case_variants(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.title(), word.swapcase()])


def value_strategy(alphabet: str, min_words: int) -> st.SearchStrategy[bytes]:
    """field-value: words of ``alphabet`` with SP/HTAB runs between them."""
    words = st.text(alphabet, min_size=1, max_size=8)
    separated = st.tuples(st.text(" \t", min_size=1, max_size=3), words)
    return st.lists(separated, min_size=min_words, max_size=4).map(
        lambda pairs: latin1("".join(sep + word for sep, word in pairs).lstrip(" \t")))


#: Values by alphabet and whether they may be empty, built once (building
#: strategies inside composites is most of the generation time).
VALUES = {(alphabet, min_words): value_strategy(alphabet, min_words)
          for alphabet in (FIELD_VCHARS, FIELD_VCHARS + KEPT_CTLS) for min_words in (0, 1)}


def field_values(alphabet: str = FIELD_VCHARS, min_words: int = 0) -> st.SearchStrategy[bytes]:
    return VALUES[alphabet, min_words]


ZERO_TO_THREE = st.integers(0, 3)
EXT_KINDS = st.sampled_from(["name", "token", "quoted"])
QUOTED_CONTENT = st.lists(st.one_of(
    st.sampled_from(QDTEXT).map(latin1),
    st.sampled_from(QUOTABLE).map(lambda c: b"\\" + latin1(c))), max_size=6).map(b"".join)


@st.composite
def chunk_extensions(draw: st.DrawFn, for_h11: bool) -> bytes:
    """chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )."""
    out = b""
    for index in range(draw(ZERO_TO_THREE)):
        # h11 does not allow BWS between the chunk size and the first ";".
        out += (b"" if for_h11 and index == 0 else draw(ows)) + b";" + draw(ows)
        out += latin1(draw(tokens))
        kind = draw(EXT_KINDS)
        if kind == "name":
            continue
        out += draw(ows) + b"=" + draw(ows)
        if kind == "token":
            out += latin1(draw(tokens))
        else:
            out += b'"' + draw(QUOTED_CONTENT) + b'"'
    return out


@st.composite
def chunk_size_lines(draw: st.DrawFn, size: int, for_h11: bool) -> bytes:
    digits = format(size, "x")
    digits = draw(st.sampled_from([digits, digits.upper()]))
    digits = "0" * draw(st.integers(0, min(3, 16 - len(digits)))) + digits
    return latin1(digits) + draw(chunk_extensions(for_h11)) + CRLF


@st.composite
def cut(draw: st.DrawFn, data: bytes, max_pieces: int = 6) -> list[bytes]:
    """``data`` in non-empty pieces at hypothesis-chosen points."""
    if len(data) < 2:
        return [data] if data else []
    points = sorted(draw(st.sets(st.integers(1, len(data) - 1), max_size=max_pieces - 1)))
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def trailer_sections(draw: st.DrawFn) -> tuple[bytes, Pairs]:
    wire = b""
    pairs: Pairs = []
    for _ in range(draw(ZERO_TO_THREE)):
        name = draw(field_names)
        value = draw(field_values())
        wire += latin1(name) + b":" + draw(ows) + value + draw(ows) + CRLF
        pairs.append((name, decoded(value)))
    return wire, pairs


@st.composite
def chunked_bodies(draw: st.DrawFn, payload: bytes, for_h11: bool) -> tuple[bytes, Pairs]:
    """The chunked coding of ``payload`` (RFC 9112 section 7.1) and its trailers."""
    wire = b""
    for piece in draw(cut(payload)):
        wire += draw(chunk_size_lines(len(piece), for_h11)) + piece + CRLF
    trailers, pairs = draw(trailer_sections())
    wire += draw(chunk_size_lines(0, for_h11)) + trailers + CRLF
    return wire, pairs


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def gzip_members(data: bytes, cut_at: int) -> bytes:
    """One or two gzip members (RFC 1952 section 2.2: a gzip file may hold several)."""
    if 0 < cut_at < len(data):
        return gzip.compress(data[:cut_at]) + gzip.compress(data[cut_at:])
    return gzip.compress(data)


@st.composite
def content_codings(draw: st.DrawFn, body: bytes) -> tuple[bytes | None, str | None, bytes]:
    """(Content-Encoding value or None, the coding the parser reports, encoded body)."""
    coding = draw(st.sampled_from(["identity", "gzip", "x-gzip", "deflate", "raw-deflate", "br"]))
    if coding == "identity":
        return None, None, body
    if coding in ("gzip", "x-gzip"):
        encoded = gzip_members(body, draw(st.integers(0, len(body))))
        reported = "gzip"
    elif coding == "deflate":
        encoded, reported = zlib.compress(body, draw(st.integers(0, 9))), "deflate"
    elif coding == "raw-deflate":
        encoded, reported, coding = raw_deflate(body), "deflate", "deflate"
    else:
        encoded, reported = brotli.compress(body), "br"
    return latin1(draw(case_variants(coding))), reported, encoded


bodies = st.binary(max_size=300)

CONNECTION_VALUES = ["close", "keep-alive", "Keep-Alive, Close", "upgrade", "foo, keep-alive",
                     "CLOSE", "x-option"]


#: Up to two Connection fields: the options are those of all of them (RFC 9110
#: section 7.6.1).
connection_fields = st.lists(st.sampled_from(CONNECTION_VALUES), max_size=2)


def connection_options(values: Sequence[str]) -> set[str]:
    return {option.strip(" \t").lower() for value in values for option in value.split(",")}


# -- strategies: whole messages -----------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A generated message and what parsing it must give."""

    data: bytes  # on the wire
    head_len: int  # bytes of the head (leading empty lines and blank line included)
    message: Message
    body: bytes  # the body as the payload parser emits it (content coding decoded)
    payload: bytes  # the body as framed (still content-coded): what h11 reads
    trailers: Pairs
    until_close: bool  # the body ends at end of input: nothing can follow


def _field_line(name: bytes, value: bytes, draw: st.DrawFn) -> bytes:
    return name + b":" + draw(ows) + value + draw(ows)


#: What a request target may hold: VCHAR but "#" (a fragment is never sent,
#: RFC 9110 section 7.1).
TARGET_CHARS = VCHARS.replace("#", "")
authorities = st.from_regex(r"[a-z0-9.-]{1,12}(:[0-9]{1,5})?", fullmatch=True)


@st.composite
def request_targets(draw: st.DrawFn) -> tuple[str, str]:
    """A method and a target in a form that fits it (RFC 9112 section 3.2)."""
    form = draw(st.sampled_from(["origin", "origin", "absolute", "asterisk", "authority"]))
    if form == "asterisk":
        return "OPTIONS", "*"
    if form == "authority":
        host = draw(st.text(string.ascii_lowercase + string.digits + ".-", min_size=1, max_size=12))
        return "CONNECT", f"{host}:{draw(st.integers(0, 65535))}"
    method = draw(tokens.filter(lambda m: m != "CONNECT"))
    path = draw(st.text(TARGET_CHARS, max_size=20))
    if form == "origin":
        return method, "/" + path
    # absolute-form: scheme "://" authority, then a path or a query.
    scheme = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9+.-]{0,6}", fullmatch=True))
    rest = draw(st.sampled_from(["", "/", "?"]))
    return method, f"{scheme}://{draw(authorities)}{rest}{path if rest else ''}"


hosts = st.one_of(
    st.from_regex(r"[a-z0-9.-]{0,15}(:[0-9]{0,5})?", fullmatch=True),
    st.just("[::1]:8080"),
    st.just("xn--bcher-kva.example%2Dx"),
)


@st.composite
def requests(draw: st.DrawFn, for_h11: bool = False) -> Case:
    """A valid request (RFC 9112), with its expected parse."""
    method, target = draw(request_targets())
    minor = draw(st.sampled_from([0, 1]))
    lines: list[tuple[bytes, str, str]] = []  # (line, name, value)
    for _ in range(draw(st.integers(0, 30))):
        name, value = draw(field_names), draw(field_values())
        lines.append((_field_line(latin1(name), value, draw), name, decoded(value)))

    def special(name: str, value: str) -> None:
        raw = value.encode("ascii")
        lines.append((_field_line(name.encode("ascii"), raw, draw), name, value))

    if minor == 1 or draw(st.booleans()):
        special(draw(case_variants("Host")), draw(hosts))
    connection = draw(connection_fields)
    for option_value in connection:
        special(draw(case_variants("Connection")), option_value)
    body = draw(bodies)
    header, compression, encoded = draw(content_codings(body))
    if header is not None:
        special(draw(case_variants("Content-Encoding")), header.decode("ascii"))
    framing = draw(st.sampled_from(["none", "length", "chunked"] if minor else ["none", "length"]))
    trailers: Pairs = []
    if framing == "none":
        body = encoded = framed = b""
    elif framing == "length":
        special(draw(case_variants("Content-Length")),
                "0" * draw(st.integers(0, 2)) + str(len(encoded)))
        framed = encoded
    else:
        special(draw(case_variants("Transfer-Encoding")), draw(case_variants("chunked")))
        framed, trailers = draw(chunked_bodies(encoded, for_h11))
    if not encoded:
        body = b""  # an empty body is not decoded (there is nothing to decode)
    lines = draw(st.permutations(lines))
    head = b"\r\n" * draw(st.integers(0, 4))
    head += latin1(f"{method} {target} HTTP/1.{minor}") + CRLF
    head += b"".join(line + CRLF for line, _, _ in lines) + CRLF
    options = connection_options(connection)
    should_close = "close" in options or (minor == 0 and "keep-alive" not in options)
    pairs = [(name, value) for _, name, value in lines]
    message = RawRequestMessage(method, target, HttpVersion(1, minor),
                                CIMultiDictProxy(CIMultiDict(pairs)), should_close, compression)
    return Case(head + framed, len(head), message, body, encoded if framing != "none" else b"",
                trailers, until_close=False)


NO_BODY_CODES = [100, 101, 103, 204, 304]


@st.composite
def responses(draw: st.DrawFn) -> Case:
    """A response, often in the lenient forms real servers send, with its expected parse."""
    lenient = draw(st.booleans())
    eols = st.sampled_from([CRLF, b"\n"]) if lenient else st.just(CRLF)
    minor = draw(st.integers(0, 9))
    code = draw(st.sampled_from(NO_BODY_CODES) | st.integers(200, 999).filter(
        lambda c: c not in NO_BODY_CODES))
    has_body = code >= 200 and code not in (204, 304)
    reason_kind = draw(st.sampled_from(["words", "empty", "absent"]))
    reason = draw(field_values(min_words=1)) if reason_kind == "words" else b""
    head = b"".join(draw(eols) for _ in range(draw(st.integers(0, 4))))
    head += latin1(f"HTTP/1.{minor} {code}")
    head += b"" if reason_kind == "absent" else b" " + reason
    head += draw(eols)
    pairs: Pairs = []
    value_alphabet = FIELD_VCHARS + KEPT_CTLS if lenient else FIELD_VCHARS

    def add(name: str, parts: Sequence[bytes]) -> None:
        """A field line; with more than one part, each further part on an obs-fold line."""
        nonlocal head
        before_colon = draw(ows) if lenient else b""
        head += latin1(name) + before_colon + b":" + draw(ows) + parts[0] + draw(ows)
        for part in parts[1:]:
            head += draw(eols) + draw(rws) + part + draw(ows)
        head += draw(eols)
        # Each obs-fold is one SP, and the value has no leading whitespace
        # (even when the first line of it is empty).
        pairs.append((name, decoded(b" ".join(part for part in parts if part))))

    def field(name: str) -> None:
        folds = draw(st.integers(0, 2)) if lenient else 0
        if folds:
            parts = [draw(field_values(value_alphabet)), *draw(st.lists(
                field_values(value_alphabet, min_words=1), min_size=folds, max_size=folds))]
        else:
            parts = [draw(field_values(value_alphabet))]
        add(name, parts)

    names = draw(st.lists(field_names, max_size=30))
    specials: list[Callable[[], None]] = []
    connection = draw(connection_fields)

    def connection_field(value: str) -> Callable[[], None]:
        return lambda: add(draw(case_variants("Connection")), [latin1(value)])

    specials.extend(map(connection_field, connection))
    body = draw(bodies)
    ce_header, compression, encoded = draw(content_codings(body))
    if ce_header is not None:
        specials.append(lambda: add(draw(case_variants("Content-Encoding")), [ce_header]))
    framing = "none"
    if has_body:
        framing = draw(st.sampled_from(["length", "length-repeated", "length-list", "chunked",
                                        "chunked+length", "until-close"]))
    elif code == 304 and draw(st.booleans()):
        framing = "length-of-get"  # a 304 may tell the length of the GET response
    length = str(len(encoded))
    if framing in ("length", "length-repeated", "chunked+length"):
        cl = length if framing != "chunked+length" else str(draw(st.integers(0, 10**6)))
        specials.append(lambda: add(draw(case_variants("Content-Length")), [latin1(cl)]))
    if framing == "length-repeated":
        specials.append(lambda: add(draw(case_variants("Content-Length")), [latin1(length)]))
    if framing == "length-list":
        specials.append(lambda: add("Content-Length", [latin1(f"{length}, {length}")]))
    if framing == "length-of-get":
        specials.append(lambda: add("Content-Length", [b"1234"]))
    if framing.startswith("chunked"):
        specials.append(lambda: add(draw(case_variants("Transfer-Encoding")),
                                    [latin1(draw(case_variants("chunked")))]))
    slots = draw(st.lists(st.integers(0, len(names)), min_size=len(specials),
                          max_size=len(specials)))
    for index, name in enumerate([*names, None]):
        for slot, emit in zip(slots, specials, strict=True):
            if slot == index:
                emit()
        if name is not None:
            field(name)
    head += draw(eols)

    trailers: Pairs = []
    if framing.startswith("length"):
        framed = encoded if has_body else b""
    elif framing.startswith("chunked"):
        framed, trailers = draw(chunked_bodies(encoded, for_h11=False))
    elif framing == "until-close":
        framed = encoded
    else:
        framed = b""
    if not has_body:
        body = encoded = b""
    options = connection_options(connection)
    should_close = ("close" in options or (minor == 0 and "keep-alive" not in options)
                    or framing == "chunked+length")
    message = RawResponseMessage(HttpVersion(1, minor), code, decoded(reason),
                                 CIMultiDictProxy(CIMultiDict(pairs)), should_close, compression)
    return Case(head + framed, len(head), message, body, encoded, trailers,
                until_close=framing == "until-close")


# -- drivers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    message: Message
    headers: Pairs  # the fields in order, names as sent
    body: bytes
    trailers: Pairs


def head_parser(kind: Kind) -> HttpRequestParser | HttpResponseParser:
    return HttpRequestParser() if kind == "request" else HttpResponseParser()


def payload_parser(kind: Kind, message: Message) -> HttpPayloadParser:
    # A client reads a response without framing until the connection closes.
    return HttpPayloadParser(message, readall=kind == "response")


def parsed(message: Message, body: Collector, payload: HttpPayloadParser) -> Parsed:
    assert body.eof and body.exc is None
    assert all(isinstance(piece, bytes) for piece in body.items)
    return Parsed(message._replace(headers=None),  # type: ignore[arg-type]
                  list(message.headers.items()), b"".join(body.items),
                  list(payload.trailers.items()))


def drive_generators(kind: Kind, chunks: Sequence[bytes], count: int,
                     eof: bool) -> tuple[list[Parsed], bytes]:
    """Parse ``count`` messages by sending ``chunks`` into the generators by hand.

    End of input (``EofStream`` thrown in) is given only when ``eof``: a parser
    that still waits when the chunks run out without it fails the test, as
    does one that goes on waiting after ``EofStream``.
    """
    buf = ParserBuffer()
    pending = collections.deque(chunks)

    def run(parser: Callable[[Collector, ParserBuffer], Generator[None, bytes, None]]) -> Collector:
        sink = Collector()
        gen = parser(sink, buf)
        try:
            next(gen)
            while pending:
                gen.send(pending.popleft())
            assert eof, "the parser waits for bytes the message does not have"
            gen.throw(EofStream())
        except StopIteration:
            return sink
        raise AssertionError("the parser still waits after EofStream")

    results = []
    for _ in range(count):
        (message,) = run(head_parser(kind)).items
        payload = payload_parser(kind, message)
        results.append(parsed(message, run(payload), payload))
    for chunk in pending:
        buf.feed_data(chunk)
    return results, bytes(buf)


def drive_stream_parser(kind: Kind, chunks: Sequence[bytes], count: int,
                        eof: bool) -> tuple[list[Parsed], bytes]:
    """Parse ``count`` messages through ``StreamParser``, as a connection does:
    each parser is installed once the previous one has finished."""
    stream = StreamParser(paused=False)
    results: list[Parsed] = []
    state: dict[str, Any] = {"message": None, "payload": None, "sink": Collector()}
    stream.set_parser(head_parser(kind), state["sink"])

    def advance() -> None:
        while len(results) < count:
            sink: Collector = state["sink"]
            if sink.exc is not None:
                raise sink.exc
            if not sink.eof:
                return
            if state["message"] is None:
                (message,) = sink.items
                state["message"] = message
                state["payload"] = payload_parser(kind, message)
                state["sink"] = Collector()
                stream.set_parser(state["payload"], state["sink"])
            else:
                results.append(parsed(state["message"], sink, state["payload"]))
                state["message"] = None
                if len(results) < count:
                    state["sink"] = Collector()
                    stream.set_parser(head_parser(kind), state["sink"])

    advance()
    for chunk in chunks:
        stream.feed_data(chunk)
        advance()
    if eof:
        stream.feed_eof()
        advance()
    assert len(results) == count, "the parser waits for bytes the message does not have"
    return results, bytes(stream.buffer)


Driver = Callable[[Kind, Sequence[bytes], int, bool], tuple[list[Parsed], bytes]]
DRIVERS: list[Driver] = [drive_generators, drive_stream_parser]


def expected(case: Case) -> Parsed:
    return Parsed(case.message._replace(headers=None),  # type: ignore[arg-type]
                  list(case.message.headers.items()), case.body, case.trailers)


def feedings(data: bytes, split: list[bytes]) -> dict[str, list[bytes]]:
    return {"whole": [data], "byte by byte": [data[i:i + 1] for i in range(len(data))],
            "split": split}


def wire_and_expected(first: Case, second: Case) -> tuple[bytes, list[Parsed]]:
    """``first`` then, unless it runs until close, ``second`` pipelined after it."""
    if first.until_close:
        return first.data, [expected(first)]
    return first.data + second.data, [expected(first), expected(second)]


def check_split_feeding(kind: Kind, first: Case, second: Case, split: list[bytes]) -> None:
    """``first`` then, unless it runs until close, ``second`` pipelined after it."""
    wire, want = wire_and_expected(first, second)
    last_until_close = (second if len(want) == 2 else first).until_close
    for how, chunks in feedings(wire, split).items():
        assert b"".join(chunks) == wire
        for drive in DRIVERS:
            where = f"{drive.__name__}, fed {how}"
            results, leftover = drive(kind, chunks, len(want), last_until_close)
            assert results == want, where
            assert leftover == b"", where
            if len(want) == 2:
                # Only the first message: the second stays in the buffer, untouched.
                results, leftover = drive(kind, chunks, 1, False)
                assert results == want[:1], where
                assert leftover == second.data, where


@SETTINGS
@given(data=st.data())
def test_requests_parse_the_same_however_split(data: st.DataObject) -> None:
    first, second = data.draw(requests()), data.draw(requests())
    split = data.draw(cut(wire_and_expected(first, second)[0], max_pieces=12))
    check_split_feeding("request", first, second, split)


@SETTINGS
@given(data=st.data())
def test_responses_parse_the_same_however_split(data: st.DataObject) -> None:
    first, second = data.draw(responses()), data.draw(responses())
    split = data.draw(cut(wire_and_expected(first, second)[0], max_pieces=12))
    check_split_feeding("response", first, second, split)


# -- h11 as the strict peer -------------------------------------------------------------


def strip_empty_lines(data: bytes) -> bytes:
    """RFC 9112 section 2.2 lets a server ignore CRLFs before the request line
    (we ignore up to 4); h11 refuses them, so h11 is given the bytes after them."""
    while data.startswith(CRLF):
        data = data[2:]
    return data


def h11_read_request(data: bytes) -> tuple[h11.Request, bytes, list[tuple[bytes, bytes]]]:
    """The request, framed body and trailers as h11 reads them (h11 raises if it refuses)."""
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(strip_empty_lines(data))
    request = conn.next_event()
    assert isinstance(request, h11.Request), request
    body = b""
    while True:
        event = conn.next_event()
        if isinstance(event, h11.Data):
            body += event.data
        else:
            assert isinstance(event, h11.EndOfMessage), event
            return request, body, list(event.headers.raw_items())


def as_wire(pairs: Pairs) -> list[tuple[bytes, bytes]]:
    """Our fields as h11 reports them: bytes, names as sent; h11 lower-cases the
    Transfer-Encoding value (its coding names are case-insensitive)."""
    out = []
    for name, value in pairs:
        raw = value.encode("utf-8", "surrogateescape")
        if name.lower() == "transfer-encoding":
            raw = raw.lower()
        out.append((name.encode("utf-8", "surrogateescape"), raw))
    return out


def assert_h11_reads_the_same(head: bytes, message: RawRequestMessage) -> None:
    """h11, given exactly the bytes our parser took as the head, reads the same request."""
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(strip_empty_lines(head))
    request = conn.next_event()
    assert isinstance(request, h11.Request), request
    assert request.method == message.method.encode("ascii")
    assert request.target == message.path.encode("ascii")
    assert request.http_version == f"{message.version.major}.{message.version.minor}".encode()
    assert list(request.headers.raw_items()) == as_wire(list(message.headers.items()))


@SETTINGS
@given(case=requests(for_h11=True))
def test_h11_reads_every_request_we_accept_the_same_way(case: Case) -> None:
    (ours,), leftover = drive_generators("request", [case.data], 1, False)
    assert leftover == b""
    assert ours == expected(case)
    message = case.message
    assert isinstance(message, RawRequestMessage)
    assert_h11_reads_the_same(case.data[:case.head_len], message)
    _, body, trailers = h11_read_request(case.data)
    assert body == case.payload
    assert trailers == as_wire(case.trailers)


MUTANTS = [b"\r", b"\n", b"\x00", b" ", b"\t", b":"]

Outcome = RawRequestMessage | type[BaseException]


def head_outcome(chunks: Sequence[bytes]) -> tuple[Outcome, int]:
    """Run the request head parser over ``chunks`` then end of input.

    Returns the message and how many bytes its head took, or the class of the
    error. A parser ending with ``EofStream`` reports end of input in the middle
    of the head (``StreamParser`` turns it into ``ConnectionError``).
    """
    buf = ParserBuffer()
    sink = Collector()
    gen = HttpRequestParser()(sink, buf)
    sent = 0
    try:
        next(gen)
        for chunk in chunks:
            sent += len(chunk)
            gen.send(chunk)
        gen.throw(EofStream())
    except StopIteration:
        (message,) = sink.items
        return message, sent - len(buf)
    except (HttpBadRequest, AiohttpConnectionError, EofStream) as exc:
        return type(exc), 0
    raise AssertionError("the request parser still waits after EofStream")


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_heads_are_refused_or_read_as_h11_reads_them(data: st.DataObject) -> None:
    case = data.draw(requests(for_h11=True))
    head = bytearray(case.data[:case.head_len])
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(head) - 1))  # before the head's last byte
        head[position:position] = data.draw(st.sampled_from(MUTANTS))
    wire = bytes(head) + case.data[case.head_len:]

    whole = head_outcome([wire])
    event(whole[0].__name__ if isinstance(whole[0], type) else "accepted")
    assert head_outcome([wire[i:i + 1] for i in range(len(wire))]) == whole

    stream = StreamParser(paused=False)
    sink = stream.set_parser(HttpRequestParser(), Collector())
    stream.feed_data(wire)
    stream.feed_eof()
    if sink.exc is not None:
        assert isinstance(sink.exc, (HttpBadRequest, AiohttpConnectionError)), repr(sink.exc)
        assert not isinstance(whole[0], RawRequestMessage)
        return
    assert sink.eof
    (message,) = sink.items
    assert (message, len(wire) - len(stream.buffer)) == whole
    assert isinstance(message, RawRequestMessage)
    assert_h11_reads_the_same(wire[:whole[1]], message)


# -- pinned regressions (both were found by the properties above) -------------------


def parse_response_head(data: bytes) -> RawResponseMessage:
    (result,), _ = drive_generators("response", [data], 1, True)
    message = result.message._replace(headers=CIMultiDictProxy(CIMultiDict(result.headers)))
    assert isinstance(message, RawResponseMessage)
    return message


def test_obs_fold_after_an_empty_first_line_gives_no_leading_space() -> None:
    """RFC 9112 section 5.2: obs-fold is replaced by SP *before* the value is
    interpreted, and a field value never starts with whitespace (RFC 9110
    section 5.5), so ``A:`` + fold + ``c`` is the value ``c`` (as h11 reads it)."""
    data = b"HTTP/1.1 200 OK\r\nA:\r\n c\r\nContent-Length: 0\r\n\r\n"
    assert parse_response_head(data).headers["A"] == "c"
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "a")]))
    conn.receive_data(data)
    response = conn.next_event()
    assert isinstance(response, h11.Response)
    assert response.headers.raw_items()[0] == (b"A", b"c")


def test_connection_options_come_from_every_connection_field() -> None:
    """RFC 9110 section 7.6.1: the connection options are those of every
    Connection field; ``close`` in a second field still closes."""
    for first in ("keep-alive", "upgrade", "x-foo"):
        request = (f"GET / HTTP/1.1\r\nHost: a\r\nConnection: {first}\r\n"
                   "Connection: close\r\n\r\n").encode()
        (result,), _ = drive_generators("request", [request], 1, False)
        assert result.message.should_close, first
        response = f"HTTP/1.1 204 No Content\r\nConnection: {first}\r\nConnection: close\r\n\r\n"
        assert parse_response_head(response.encode()).should_close, first
