"""The opening handshake (RFC 6455 section 4) and permessage-deflate negotiation (RFC 7692)."""

from __future__ import annotations

import base64

import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from ws_frames import run

from aiohttp import errors
from aiohttp._ws_deflate import ExtensionError, PerMessageDeflate, accept_offers, parse_extensions
from aiohttp._ws_handshake import (
    accept_key,
    check_response,
    client_request_headers,
    server_handshake,
)
from aiohttp.parsers import ParserBuffer
from aiohttp.protocol import HttpResponseParser, HttpVersion11, Response
from aiohttp.websocket import (
    MSG_TEXT,
    Message,
    WebSocketHandshakeError,
    WebSocketParser,
    WebSocketVersionError,
    WebSocketWriter,
    do_handshake,
)

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def request(**changes: str | None) -> CIMultiDictProxy[str]:
    fields = {"Host": "example.com", "Upgrade": "websocket", "Connection": "Upgrade",
              "Sec-WebSocket-Key": KEY, "Sec-WebSocket-Version": "13"}
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return CIMultiDictProxy(CIMultiDict(fields))


class Sink:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes | bytearray) -> None:
        self.data += data

    def writelines(self, data: list[bytes]) -> None:
        self.data += b"".join(data)

    def drain(self) -> None:  # pragma: no cover - not awaited here
        return None


def test_rfc_example() -> None:
    assert accept_key(KEY) == ACCEPT
    code, headers, parser, writer = do_handshake("GET", request(), Sink())
    assert code == 101
    assert dict(headers) == {"Upgrade": "websocket", "Connection": "Upgrade",
                             "Sec-WebSocket-Accept": ACCEPT}
    assert parser is WebSocketParser
    assert isinstance(writer, WebSocketWriter)
    assert not writer.use_mask


def test_headers_as_0_9_upper_case_dict() -> None:
    fields = {"HOST": "h", "UPGRADE": "WebSocket", "CONNECTION": "keep-alive, Upgrade",
              "SEC-WEBSOCKET-KEY": KEY, "SEC-WEBSOCKET-VERSION": "13"}
    assert do_handshake("GET", fields, Sink())[0] == 101


def test_method_must_be_get() -> None:
    with pytest.raises(errors.HttpErrorException) as info:
        do_handshake("POST", request(), Sink())
    assert info.value.code == 405
    assert ("Allow", "GET") in info.value.headers


@pytest.mark.parametrize("changes", [
    {"Upgrade": None}, {"Upgrade": "h2c"}, {"Upgrade": "websocketx"},
    {"Connection": None}, {"Connection": "keep-alive"}, {"Connection": "upgrade-ish"},
    {"Host": None},
    {"Sec-WebSocket-Key": None}, {"Sec-WebSocket-Key": "not base64!!"},
    {"Sec-WebSocket-Key": base64.b64encode(b"x" * 15).decode()},
    {"Sec-WebSocket-Key": base64.b64encode(b"x" * 17).decode()},
    {"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ"},  # no padding
])
def test_bad_requests_are_400(changes: dict[str, str | None]) -> None:
    with pytest.raises(errors.HttpBadRequest) as info:
        do_handshake("GET", request(**changes), Sink())
    assert info.value.code == 400


def test_http_1_0_is_400() -> None:
    with pytest.raises(errors.HttpBadRequest):
        do_handshake("GET", request(), Sink(), http_version=(1, 0))
    assert do_handshake("GET", request(), Sink(), http_version=HttpVersion11)[0] == 101


def test_two_keys_are_400() -> None:
    fields = CIMultiDict(request())
    fields.add("Sec-WebSocket-Key", KEY)
    with pytest.raises(errors.HttpBadRequest):
        do_handshake("GET", fields, Sink())


@pytest.mark.parametrize("version", [None, "12", "14", "13, 8", ""])
def test_unknown_version_is_426_with_ours(version: str | None) -> None:
    with pytest.raises(WebSocketVersionError) as info:
        do_handshake("GET", request(Sec_WebSocket_Version=version), Sink())
    assert info.value.code == 426
    assert info.value.headers == (("Sec-WebSocket-Version", "13"),)
    assert isinstance(info.value, errors.HttpBadRequest)  # what 0.9 raised


@pytest.mark.parametrize("version", ["8", "7"])
def test_draft_versions_still_accepted(version: str) -> None:
    assert do_handshake("GET", request(Sec_WebSocket_Version=version), Sink())[0] == 101


def test_upgrade_is_case_insensitive_and_a_list() -> None:
    assert do_handshake("GET", request(Upgrade="foo, WebSocket"), Sink())[0] == 101


# -- subprotocols (section 4.2.2 item 5.4) -----------------------------------------------


def test_first_server_protocol_the_client_offered() -> None:
    fields = request(Sec_WebSocket_Protocol="chat, superchat")
    _, headers, _, _ = do_handshake("GET", fields, Sink(), protocols=("superchat", "chat"))
    assert ("Sec-WebSocket-Protocol", "superchat") in headers


def test_protocols_across_several_fields() -> None:
    fields = CIMultiDict(request())
    fields.add("Sec-WebSocket-Protocol", "a")
    fields.add("Sec-WebSocket-Protocol", "b, c")
    _, headers, _, _ = do_handshake("GET", fields, Sink(), protocols=("c",))
    assert ("Sec-WebSocket-Protocol", "c") in headers


def test_no_shared_protocol_is_not_an_error() -> None:
    # Section 15 row 18: 0.9 answered 400; RFC 6455 says: just no field.
    fields = request(Sec_WebSocket_Protocol="chat")
    code, headers, _, _ = do_handshake("GET", fields, Sink(), protocols=("mqtt",))
    assert code == 101
    assert "Sec-WebSocket-Protocol" not in dict(headers)
    code, headers, _, _ = do_handshake("GET", fields, Sink())
    assert "Sec-WebSocket-Protocol" not in dict(headers)


# -- the 101 response on the wire ----------------------------------------------------------


def test_101_has_no_transfer_encoding_and_parses() -> None:
    sink = Sink()
    fields = request(Sec_WebSocket_Protocol="chat", Sec_WebSocket_Extensions="permessage-deflate")
    _, headers, _, _ = do_handshake("GET", fields, sink, protocols=("chat",))
    response = Response(sink, 101, http_version=HttpVersion11)  # type: ignore[arg-type]
    response.add_headers(*headers)
    response.send_headers()
    head = sink.data
    assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"transfer-encoding" not in head.lower()
    assert b"content-length" not in head.lower()
    out = run_response(head)
    assert out.code == 101
    protocol, agreement = check_response(out.code, out.headers, KEY, ["chat"])
    assert protocol == "chat"
    assert agreement == PerMessageDeflate(header="permessage-deflate")


def run_response(data: bytes):  # type: ignore[no-untyped-def]
    items = []

    class Out:
        def feed_data(self, item: object) -> None:
            items.append(item)

        def feed_eof(self) -> None:
            pass

        def set_exception(self, exc: BaseException) -> None:
            raise exc

    gen = HttpResponseParser()(Out(), ParserBuffer())
    next(gen)
    try:
        gen.send(data)
    except StopIteration:
        pass
    return items[0]


# -- permessage-deflate negotiation (RFC 7692 section 5 and 7.1) ---------------------------


@pytest.mark.parametrize("offer, answer, agreement", [
    ("permessage-deflate", "permessage-deflate", PerMessageDeflate()),
    ("permessage-deflate; client_max_window_bits", "permessage-deflate", PerMessageDeflate()),
    ("permessage-deflate; server_no_context_takeover",
     "permessage-deflate; server_no_context_takeover",
     PerMessageDeflate(local_no_context_takeover=True)),
    ("permessage-deflate; client_no_context_takeover",
     "permessage-deflate; client_no_context_takeover",
     PerMessageDeflate(remote_no_context_takeover=True)),
    ("permessage-deflate; server_max_window_bits=10",
     "permessage-deflate; server_max_window_bits=10",
     PerMessageDeflate(local_max_window_bits=10)),
    ('permessage-deflate; server_max_window_bits="12"',
     "permessage-deflate; server_max_window_bits=12",
     PerMessageDeflate(local_max_window_bits=12)),
    # The first acceptable offer wins; invalid ones are declined, not fatal.
    ("permessage-deflate; server_max_window_bits=8, permessage-deflate",
     "permessage-deflate", PerMessageDeflate()),
    ("permessage-deflate; unknown=1, permessage-deflate; server_no_context_takeover",
     "permessage-deflate; server_no_context_takeover",
     PerMessageDeflate(local_no_context_takeover=True)),
    ("x-webkit-deflate-frame, permessage-deflate", "permessage-deflate", PerMessageDeflate()),
])
def test_offers(offer: str, answer: str, agreement: PerMessageDeflate) -> None:
    _, headers, parser, writer = do_handshake(
        "GET", request(Sec_WebSocket_Extensions=offer), Sink())
    expected = PerMessageDeflate(agreement.local_no_context_takeover,
                                 agreement.local_max_window_bits,
                                 agreement.remote_no_context_takeover, answer)
    assert dict(headers)["Sec-WebSocket-Extensions"] == answer
    assert writer.compress == expected
    assert parser is not WebSocketParser  # bound to the agreement


@pytest.mark.parametrize("offer", [
    "permessage-deflate; server_max_window_bits",  # needs a value
    "permessage-deflate; server_max_window_bits=16",
    "permessage-deflate; server_max_window_bits=7",
    "permessage-deflate; server_max_window_bits=010",
    "permessage-deflate; client_max_window_bits=20",
    "permessage-deflate; server_no_context_takeover=1",
    "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    "permessage-deflate; mystery",
    "x-webkit-deflate-frame",
])
def test_declined_offers(offer: str) -> None:
    _, headers, parser, writer = do_handshake(
        "GET", request(Sec_WebSocket_Extensions=offer), Sink())
    assert "Sec-WebSocket-Extensions" not in dict(headers)
    assert writer.compress is None
    assert parser is WebSocketParser


def test_compress_false_declines() -> None:
    _, headers, _, writer = do_handshake(
        "GET", request(Sec_WebSocket_Extensions="permessage-deflate"), Sink(), compress=False)
    assert "Sec-WebSocket-Extensions" not in dict(headers)
    assert writer.compress is None


@pytest.mark.parametrize("value", ["permessage-deflate;", ";x", "a b", 'a; b="unterminated'])
def test_unparsable_extensions_are_400(value: str) -> None:
    with pytest.raises(errors.HttpBadRequest):
        do_handshake("GET", request(Sec_WebSocket_Extensions=value), Sink())


def test_parse_extensions_grammar() -> None:
    assert parse_extensions(['foo; a=1; b, bar;c="x\\"y"', "  ,baz  "]) == [
        ("foo", [("a", "1"), ("b", None)]), ("bar", [("c", 'x"y')]), ("baz", [])]
    with pytest.raises(ExtensionError):
        parse_extensions(["foo bar"])
    assert accept_offers([]) is None


def test_negotiated_parser_and_writer_work_together() -> None:
    _, _, parser, writer = do_handshake(
        "GET", request(Sec_WebSocket_Extensions="permessage-deflate"), Sink())
    client_writer_sink = Sink()
    agreement = writer.compress
    assert agreement is not None
    client = WebSocketWriter(client_writer_sink, use_mask=True,
                             compress=PerMessageDeflate(header=agreement.header))
    client.send("compressed " * 50)
    out = run([client_writer_sink.data], compress=agreement)
    assert out.items == [Message(MSG_TEXT, "compressed " * 50, "")]
    assert callable(parser)


# -- the client's side of the handshake (section 4.1) --------------------------------------


def test_client_request_headers() -> None:
    key, fields = client_request_headers(["chat", "v2"], random=lambda n: b"k" * n)
    assert key == base64.b64encode(b"k" * 16).decode()
    assert dict(fields) == {
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "chat, v2",
        "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}
    key2, fields = client_request_headers(compress=False)
    assert key2 != key and len(base64.b64decode(key2)) == 16
    assert "Sec-WebSocket-Extensions" not in dict(fields)
    # The server accepts what the client sends.
    assert server_handshake("GET", CIMultiDict(fields, Host="h")).headers[2] == (
        "Sec-WebSocket-Accept", accept_key(key2))


def answer(**changes: str | None) -> CIMultiDict[str]:
    fields = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": ACCEPT}
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            fields.pop(name)
        else:
            fields[name] = value
    return CIMultiDict(fields)


def test_check_response_ok() -> None:
    assert check_response(101, answer(), KEY) == (None, None)
    assert check_response(101, answer(Sec_WebSocket_Protocol="b"), KEY, ["a", "b"]) == ("b", None)
    assert check_response(
        101, answer(Sec_WebSocket_Extensions="permessage-deflate; client_max_window_bits=12; "
                                             "server_no_context_takeover"), KEY)[1] == \
        PerMessageDeflate(local_max_window_bits=12, remote_no_context_takeover=True,
                          header="permessage-deflate; client_max_window_bits=12; "
                                 "server_no_context_takeover")


@pytest.mark.parametrize("status, changes", [
    (200, {}), (101, {"Upgrade": None}), (101, {"Connection": "close"}),
    (101, {"Sec-WebSocket-Accept": None}), (101, {"Sec-WebSocket-Accept": KEY}),
    (101, {"Sec-WebSocket-Protocol": "unoffered"}),
    (101, {"Sec-WebSocket-Extensions": "x-unknown"}),
    (101, {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}),
    (101, {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits=8"}),
    (101, {"Sec-WebSocket-Extensions": "permessage-deflate, permessage-deflate"}),
])
def test_check_response_failures(status: int, changes: dict[str, str | None]) -> None:
    with pytest.raises(WebSocketHandshakeError) as info:
        check_response(status, answer(**changes), KEY, ["a"])
    assert info.value.status == status
    assert isinstance(info.value, errors.ClientConnectionError)


def test_extensions_not_offered() -> None:
    with pytest.raises(WebSocketHandshakeError):
        check_response(101, answer(Sec_WebSocket_Extensions="permessage-deflate"), KEY,
                       compress=False)


def test_writer_of_do_handshake_is_unmasked() -> None:
    sink = Sink()
    _, _, _, writer = do_handshake("GET", request(), sink)
    writer.send("hi")
    assert sink.data == b"\x81\x02hi"
    assert run([sink.data], client=True).items == [Message(MSG_TEXT, "hi", "")]
