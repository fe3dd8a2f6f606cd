"""``aiohttp.helpers``: BasicAuth, parse_mimetype and FormData.

What this proves, and why it matters:

* ``BasicAuth`` round-trips through its own header encoding for ASCII and
  non-ASCII credentials in both the RFC 7617 default (latin1) and utf-8, and
  refuses what cannot round-trip (a ``:`` in the login, None) or is not Basic
  credentials at all, always with ``ValueError`` (never a bare
  ``binascii.Error`` or ``UnicodeDecodeError`` leaking out of a server).
* ``parse_mimetype`` gives 0.9's results, including its documented example.
* ``FormData`` bodies are checked by a *real* MIME parser (Python's
  ``email`` package, with the HTTP policy), not by comparing against our own
  idea of the bytes: every part's name, filename, content type and exact
  payload bytes come back. Hostile names and filenames (``"``, CR, LF,
  non-ASCII) are escaped the WHATWG way and can never end the parameter or
  inject a header line; files are read from real temporary files in binary
  mode.
"""

from __future__ import annotations

import base64
import email.message
import email.parser
import email.policy
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp.helpers import BasicAuth, FormData, parse_mimetype
from multidict import MultiDict

# -- BasicAuth ------------------------------------------------------------------------


def test_basic_auth_is_a_namedtuple_with_latin1_default() -> None:
    auth = BasicAuth("nkim", "pwd")
    assert (auth.login, auth.password, auth.encoding) == ("nkim", "pwd", "latin1")
    assert isinstance(auth, tuple)
    assert tuple(auth) == ("nkim", "pwd", "latin1")
    assert BasicAuth("nkim") == ("nkim", "", "latin1")


def test_basic_auth_encode_is_rfc7617() -> None:
    # RFC 7617 section 2's own example.
    assert BasicAuth("Aladdin", "open sesame").encode() == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="


@pytest.mark.parametrize(
    ("login", "password", "encoding"),
    [
        ("nkim", "pwd", "latin1"),
        ("", "", "latin1"),
        ("user", "", "latin1"),
        ("jürgen", "pässwörd", "latin1"),
        ("jürgen", "pässwörd", "utf-8"),
        ("юзер", "пароль", "utf-8"),
        ("用户", "密码🔑", "utf-8"),
        ("user", "pass:with:colons", "latin1"),
        ("user", ":", "utf-8"),
        ("user", "  spaces and\ttab  ", "latin1"),
    ],
)
def test_basic_auth_round_trip(login: str, password: str, encoding: str) -> None:
    auth = BasicAuth(login, password, encoding)
    header = auth.encode()
    assert header.startswith("Basic ")
    raw = base64.b64decode(header[len("Basic "):], validate=True)
    assert raw == f"{login}:{password}".encode(encoding)
    assert BasicAuth.decode(header, encoding=encoding) == auth


def test_basic_auth_latin1_and_utf8_give_different_bytes() -> None:
    latin1 = BasicAuth("ü", "é", "latin1").encode()
    utf8 = BasicAuth("ü", "é", "utf-8").encode()
    assert base64.b64decode(latin1[6:]) == b"\xfc:\xe9"
    assert base64.b64decode(utf8[6:]) == b"\xc3\xbc:\xc3\xa9"
    # Decoded with latin1, utf-8 bytes are mojibake but still decode.
    assert BasicAuth.decode(utf8) == BasicAuth("Ã¼", "Ã©", "latin1")


def test_basic_auth_password_keeps_every_colon_after_the_first() -> None:
    header = "Basic " + base64.b64encode(b"user:a:b:c").decode()
    assert BasicAuth.decode(header) == BasicAuth("user", "a:b:c")


def test_basic_auth_decode_scheme_is_case_insensitive() -> None:
    # RFC 9110 section 11.1: the auth-scheme is case-insensitive.
    token = base64.b64encode(b"u:p").decode()
    assert BasicAuth.decode(f"basic {token}") == BasicAuth("u", "p")
    assert BasicAuth.decode(f"BASIC {token}") == BasicAuth("u", "p")


@pytest.mark.parametrize("login", ["a:b", ":", "user:"])
def test_basic_auth_colon_in_login_is_refused(login: str) -> None:
    with pytest.raises(ValueError):
        BasicAuth(login, "pwd")


def test_basic_auth_none_is_refused() -> None:
    none: Any = None
    with pytest.raises(ValueError):
        BasicAuth(none)
    with pytest.raises(ValueError):
        BasicAuth("user", none)


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        pytest.param("Digest dXNlcjpwYXNz", "latin1", id="other-scheme"),
        pytest.param("Bearer abc", "latin1", id="bearer"),
        pytest.param("dXNlcjpwYXNz", "latin1", id="no-scheme"),
        pytest.param("", "latin1", id="empty"),
        pytest.param("Basic !!!!", "latin1", id="not-base64"),
        pytest.param("Basic dXNlcjpwYXN", "latin1", id="bad-padding"),
        pytest.param("Basic " + base64.b64encode(b"nocolon").decode(), "latin1", id="no-colon"),
        pytest.param("Basic ", "latin1", id="no-credentials"),
        pytest.param("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "utf-8", id="bad-utf8"),
    ],
)
def test_basic_auth_decode_errors_are_value_errors(header: str, encoding: str) -> None:
    with pytest.raises(ValueError):
        BasicAuth.decode(header, encoding=encoding)


# -- parse_mimetype -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mimetype", "expected"),
    [
        ("text/html; charset=utf-8", ("text", "html", "", {"charset": "utf-8"})),
        ("", ("", "", "", {})),
        ("*", ("*", "*", "", {})),
        ("*/*", ("*", "*", "", {})),
        ("application/json", ("application", "json", "", {})),
        ("application/json;  charset=utf-8", ("application", "json", "", {"charset": "utf-8"})),
        ("application/json; charset=utf-8;", ("application", "json", "", {"charset": "utf-8"})),
        ('ApPlIcAtIoN/JSON;ChaRseT="UTF-8"', ("application", "json", "", {"charset": "UTF-8"})),
        ("application/rss+xml", ("application", "rss", "xml", {})),
        ("application/hal+json", ("application", "hal", "json", {})),
        ("Application/Vnd.API+JSON; Q=0.5",
         ("application", "vnd.api", "json", {"q": "0.5"})),
        ("text/plain;base64", ("text", "plain", "", {"base64": ""})),
        ('multipart/form-data; boundary="a b"; charset = "latin1"',
         ("multipart", "form-data", "", {"boundary": "a b", "charset": "latin1"})),
        ("  text/plain  ", ("text", "plain", "", {})),
    ],
)
def test_parse_mimetype(mimetype: str, expected: tuple[str, str, str, dict[str, str]]) -> None:
    assert parse_mimetype(mimetype) == expected


def test_parse_mimetype_reference_example() -> None:
    assert parse_mimetype("text/html; charset=utf-8") == ("text", "html", "", {"charset": "utf-8"})


# -- FormData: urlencoded ---------------------------------------------------------------------


def test_urlencoded_is_the_default() -> None:
    form = FormData({"a": "b c", "x": "1&2=3"})
    assert not form.is_form_data()
    assert form.contenttype == "application/x-www-form-urlencoded"
    body = form()
    assert isinstance(body, bytes)
    assert body == b"a=b+c&x=1%262%3D3"
    assert parse_qsl(body.decode("ascii")) == [("a", "b c"), ("x", "1&2=3")]


def test_urlencoded_repeated_names_are_kept_in_order() -> None:
    form = FormData([("a", "1"), ("b", "2"), ("a", "3")])
    assert form.gen_form_urlencoded() == b"a=1&b=2&a=3"
    multi = FormData(MultiDict([("k", "v1"), ("k", "v2")]))
    assert multi.gen_form_urlencoded() == b"k=v1&k=v2"


@pytest.mark.parametrize(
    ("encoding", "text", "expected"),
    [
        ("utf-8", "дá", b"name=%D0%B4%C3%A1&%D0%B4%C3%A1=x"),
        ("cp1251", "дж", b"name=%E4%E6&%E4%E6=x"),
        ("latin1", "éá", b"name=%E9%E1&%E9%E1=x"),
    ],
)
def test_urlencoded_encodings(encoding: str, text: str, expected: bytes) -> None:
    form = FormData([("name", text), (text, "x")])
    assert form.gen_form_urlencoded(encoding) == expected
    assert form(encoding) == expected


def test_urlencoded_bytes_numbers_and_empty_values() -> None:
    form = FormData([("b", b"\x00\xff "), ("ba", bytearray(b"z")), ("i", 42), ("f", 1.5),
                     ("empty", "")])
    assert form.gen_form_urlencoded() == b"b=%00%FF+&ba=z&i=42&f=1.5&empty="


def test_no_fields_is_an_empty_urlencoded_body() -> None:
    form = FormData()
    assert form() == b""
    assert not form.is_form_data()


# -- FormData: multipart, parsed back by the email package ------------------------------------


def parse_multipart(form: FormData, encoding: str = "utf-8") -> list[email.message.EmailMessage]:
    """The body as a real MIME parser sees it: one message per part."""
    body = form(encoding)
    assert not isinstance(body, bytes)
    raw = b"".join(body)
    document = b"Content-Type: " + form.contenttype.encode("ascii") + b"\r\n\r\n" + raw
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(document)
    assert isinstance(message, email.message.EmailMessage)
    assert message.is_multipart()
    assert message.get_content_type() == "multipart/form-data"
    boundary = message.get_boundary()
    assert boundary is not None
    assert boundary == form.contenttype.partition("boundary=")[2]
    assert not message.defects
    # RFC 2046 section 5.1.1: the body ends with the close delimiter.
    assert raw.endswith(b"--" + boundary.encode("ascii") + b"--\r\n")
    parts = []
    for part in message.iter_parts():
        assert isinstance(part, email.message.EmailMessage)
        assert not part.defects
        parts.append(part)
    return parts


def disposition(part: email.message.EmailMessage) -> tuple[str, str | None, str | None]:
    """(disposition type, name, filename) of a part."""
    assert part.get_content_disposition() == "form-data"
    name = part.get_param("name", header="content-disposition")
    assert name is None or isinstance(name, str)
    return "form-data", name, part.get_filename()


def payload(part: email.message.EmailMessage) -> bytes:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data


#: Every byte value, and the byte sequences a multipart parser must not trip
#: on inside a part: CRLF, bare LF and CR, and something like a delimiter.
BINARY = bytes(range(256)) * 40 + b"\r\n--not-the-boundary\r\n\n\r\x00" + bytes(range(255, -1, -1))


@pytest.fixture
def binary_file(tmp_path: Path) -> Path:
    path = tmp_path / "picture.png"
    path.write_bytes(BINARY)
    return path


def test_multipart_fields_files_and_types(binary_file: Path, tmp_path: Path) -> None:
    text_path = tmp_path / "notes.txt"
    text_path.write_bytes("line one\r\nligne deux: é\n".encode())
    unknown_path = tmp_path / "blob.unknown-extension-xyz"
    unknown_path.write_bytes(b"\x00\x01")
    with binary_file.open("rb") as png, text_path.open("rb") as txt, \
            unknown_path.open("rb") as blob:
        form = FormData()
        form.add_field("plain", "value")
        form.add_field("image", png)
        form.add_field("notes", txt)
        form.add_field("blob", blob)
        form.add_field("raw", b"\x00\xffbinary\r\n", contenttype="application/x-custom",
                       filename="data.bin")
        form.add_field("json", '{"k": 1}', contenttype="application/json")
        form.add_field("number", 42)
        form.add_field("float", 0.25)
        form.add_field("empty", "")
        assert form.is_form_data()
        assert form.contenttype.startswith("multipart/form-data; boundary=")
        parts = parse_multipart(form)

    got = [(disposition(p)[1:], p.get("Content-Type"), payload(p)) for p in parts]
    assert got == [
        (("plain", None), None, b"value"),
        (("image", "picture.png"), "image/png", BINARY),
        (("notes", "notes.txt"), "text/plain", "line one\r\nligne deux: é\n".encode()),
        (("blob", "blob.unknown-extension-xyz"), "application/octet-stream", b"\x00\x01"),
        (("raw", "data.bin"), "application/x-custom", b"\x00\xffbinary\r\n"),
        (("json", None), "application/json", b'{"k": 1}'),
        (("number", None), None, b"42"),
        (("float", None), None, b"0.25"),
        (("empty", None), None, b""),
    ]


def test_multipart_file_records_in_add_fields(binary_file: Path) -> None:
    with binary_file.open("rb") as first, binary_file.open("rb") as second:
        form = FormData([first, (second,), ("k", "v", "text/x-thing")])
        parts = parse_multipart(form)
    assert [disposition(p)[1:] for p in parts] == [
        ("picture.png", "picture.png"), ("picture.png", "picture.png"), ("k", None)]
    assert [p.get_content_type() for p in parts] == ["image/png", "image/png", "text/x-thing"]
    assert [payload(p) for p in parts] == [BINARY, BINARY, b"v"]


def test_multipart_file_is_read_in_chunks(binary_file: Path) -> None:
    with binary_file.open("rb") as f:
        form = FormData([("f", f)])
        pieces = list(form.gen_form_data(chunk_size=1000))
    # The file's bytes come as pieces of at most chunk_size, in order.
    file_pieces = [p for p in pieces if len(p) == 1000]
    assert len(file_pieces) == len(BINARY) // 1000
    assert b"".join(file_pieces) == BINARY[:len(file_pieces) * 1000]
    assert all(len(p) <= 1000 for p in pieces[1:-2])


def test_file_without_a_usable_name_uses_the_field_name() -> None:
    buffer = io.BytesIO(b"in memory")
    form = FormData()
    form.add_field("upload", buffer)
    (part,) = parse_multipart(form)
    assert disposition(part)[1:] == ("upload", "upload")
    assert part.get_content_type() == "application/octet-stream"
    assert payload(part) == b"in memory"


#: Hostile names: each would end the quoted parameter or the header line if
#: written raw.
HOSTILE = [
    ('a"b', "a%22b"),
    ("a\r\nX-Injected: yes", "a%0D%0AX-Injected: yes"),
    ("a\rb", "a%0Db"),
    ("a\nb", "a%0Ab"),
    ('"; filename="evil.sh', '%22; filename=%22evil.sh'),
    ("\r\n\r\nbody-start", "%0D%0A%0D%0Abody-start"),
    ("naïve-名前", "naïve-名前"),
    ('ü"\r\n', "ü%22%0D%0A"),
]


@pytest.mark.parametrize(("name", "escaped"), HOSTILE)
def test_hostile_names_and_filenames_are_escaped(name: str, escaped: str) -> None:
    form = FormData()
    form.add_field(name, b"field", filename=name + ".txt", contenttype="text/plain")
    form.add_field("second", "after")
    raw = b"".join(form.gen_form_data())
    parts = parse_multipart(form)
    # Exactly two parts, each with exactly the headers we wrote.
    assert len(parts) == 2
    first, second = parts
    assert first.keys() == ["Content-Disposition", "Content-Type"]
    assert disposition(first)[1:] == (escaped, escaped + ".txt")
    assert first.get_content_type() == "text/plain"
    assert payload(first) == b"field"
    assert second.keys() == ["Content-Disposition"]
    assert disposition(second)[1:] == ("second", None)
    assert payload(second) == b"after"
    # On the wire: quoted, UTF-8, no raw CR/LF/quote inside the parameter.
    expected = ('Content-Disposition: form-data; name="' + escaped + '"; filename="'
                + escaped + '.txt"\r\nContent-Type: text/plain\r\n\r\nfield\r\n')
    assert expected.encode("utf-8") in raw
    assert b"\r\nX-Injected" not in raw


def test_hostile_name_of_a_file_object(tmp_path: Path) -> None:
    path = tmp_path / 'we"ird\rname.bin'
    path.write_bytes(b"content")
    with path.open("rb") as f:
        form = FormData([f])
        (part,) = parse_multipart(form)
    assert disposition(part)[1:] == ("we%22ird%0Dname.bin", "we%22ird%0Dname.bin")
    assert payload(part) == b"content"


def test_multipart_header_encoding_follows_the_encoding_argument() -> None:
    form = FormData()
    form.add_field("имя", "значение", contenttype="text/plain; charset=cp1251")
    raw = b"".join(form.gen_form_data("cp1251"))
    assert 'name="имя"'.encode("cp1251") in raw
    assert "значение".encode("cp1251") in raw
    assert "значение".encode() not in raw


# -- FormData: what it refuses ------------------------------------------------------------------


def test_text_mode_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "text.txt"
    path.write_text("hello")
    with path.open("r") as f:
        form = FormData()
        with pytest.raises(ValueError):
            form.add_field("f", f)
        with pytest.raises(ValueError):
            FormData([f])
    with pytest.raises(ValueError):
        FormData().add_field("s", io.StringIO("text"))


@pytest.mark.parametrize(
    "value",
    [None, object(), ["a", "b"], ("a",), {"k": "v"}, {1, 2}, memoryview(b"x"), 1j],
    ids=lambda v: type(v).__name__,
)
def test_unsupported_values_are_type_errors(value: Any) -> None:
    with pytest.raises(TypeError):
        FormData().add_field("f", value)


def test_non_str_name_is_a_type_error() -> None:
    name: Any = b"bytes-name"
    with pytest.raises(TypeError):
        FormData().add_field(name, "v")


@pytest.mark.parametrize("record", [("a", "b", "c", "d"), 42, ()])
def test_bad_records_are_type_errors(record: Any) -> None:
    with pytest.raises(TypeError):
        FormData().add_fields(record)


@pytest.mark.parametrize("ctype", ["text/plain\r\nX-Injected: 1", "text/plain\n", "a\x00b"])
def test_content_type_with_ctl_is_refused(ctype: str) -> None:
    with pytest.raises(ValueError):
        FormData().add_field("f", "v", contenttype=ctype)


def test_ints_become_text() -> None:
    form = FormData()
    form.add_field("n", 7)
    form.add_field("neg", -12)
    assert form() == b"n=7&neg=-12"
    form.add_field("f", b"x", filename="x.bin")
    parts = parse_multipart(form)
    assert [payload(p) for p in parts] == [b"7", b"-12", b"x"]


def test_boundary_is_unique_per_form() -> None:
    boundaries = {FormData([("a", "b", "text/plain")]).contenttype for _ in range(50)}
    assert len(boundaries) == 50
