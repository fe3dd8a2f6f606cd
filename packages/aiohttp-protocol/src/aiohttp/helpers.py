"""Helpers: Basic authentication, form bodies, MIME type parsing."""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
import os
import uuid
from collections import namedtuple
from collections.abc import Generator, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from multidict import MultiDict, MultiDictProxy

from ._http_abnf import FORBIDDEN_IN_VALUE_RE

__all__ = ["BasicAuth", "FormData", "parse_mimetype"]


class BasicAuth(namedtuple("BasicAuth", ["login", "password", "encoding"])):
    """Credentials for HTTP Basic authentication (RFC 7617).

    A ``:`` in the login is refused (``ValueError``): the encoded form
    ``login:password`` could not be split back unambiguously.
    """

    login: str
    password: str
    encoding: str

    def __new__(cls, login: str, password: str = "", encoding: str = "latin1") -> BasicAuth:
        if login is None:
            raise ValueError("None is not allowed as login value")
        if password is None:
            raise ValueError("None is not allowed as password value")
        if ":" in login:
            raise ValueError('a ":" is not allowed in the login (RFC 7617 section 2)')
        return super().__new__(cls, login, password, encoding)

    @classmethod
    def decode(cls, auth_header: str, encoding: str = "latin1") -> BasicAuth:
        """Credentials from an ``Authorization: Basic ...`` header value."""
        scheme, _, credentials = auth_header.strip(" \t").partition(" ")
        if scheme.lower() != "basic":
            raise ValueError(f"unknown authorization scheme {scheme!r}")
        try:
            decoded = base64.b64decode(credentials.strip(" \t"), validate=True).decode(encoding)
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"invalid Basic credentials: {exc}") from None
        login, colon, password = decoded.partition(":")
        if not colon:
            raise ValueError('invalid Basic credentials: no ":" between login and password')
        return cls(login, password, encoding)

    def encode(self) -> str:
        """The ``Authorization`` header value: ``Basic <base64(login:password)>``."""
        creds = f"{self.login}:{self.password}".encode(self.encoding)
        return "Basic " + base64.b64encode(creds).decode("ascii")


def _guess_filename(obj: Any, default: str | None = None) -> str | None:
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name)
    return default


def _quote_param(value: str) -> str:
    """A name or filename as a quoted Content-Disposition parameter.

    Escaped the way browsers do (the WHATWG multipart/form-data encoding):
    ``"`` as ``%22``, CR as ``%0D``, LF as ``%0A``, so that no value can end
    the parameter or the header line.
    """
    return '"' + value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A") + '"'


class _Field:
    __slots__ = ("content_type", "filename", "name", "value")

    def __init__(self, name: str, value: Any, content_type: str | None,
                 filename: str | None) -> None:
        self.name = name
        self.value = value
        self.content_type = content_type
        self.filename = filename


class FormData:
    """A form body: ``application/x-www-form-urlencoded``, or
    ``multipart/form-data`` (RFC 7578) as soon as a field is a file or has a
    content type or filename.

    ``fields`` may be a mapping, a ``MultiDict``, a file object, or an
    iterable of records: ``(name, value)``, ``(name, value, content_type)``,
    a file object, or ``(file,)``. Values are ``str``, ``bytes`` or binary
    file objects; numbers are written as text.
    """

    def __init__(self, fields: Any = ()) -> None:
        self._fields: list[_Field] = []
        self._is_multipart = False
        self._boundary = uuid.uuid4().hex
        if isinstance(fields, Mapping):
            fields = list(fields.items())
        elif isinstance(fields, io.IOBase) or not isinstance(fields, (list, tuple)):
            fields = [fields]
        self.add_fields(*fields)

    @property
    def contenttype(self) -> str:
        if self._is_multipart:
            return f"multipart/form-data; boundary={self._boundary}"
        return "application/x-www-form-urlencoded"

    def is_form_data(self) -> bool:
        """Will the body be ``multipart/form-data``?"""
        return self._is_multipart

    def add_field(self, name: str, value: Any, contenttype: str | None = None,
                  filename: str | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"a field name must be a str, not {type(name).__name__}")
        if isinstance(value, io.IOBase):
            if isinstance(value, io.TextIOBase):
                raise ValueError(f"field {name!r}: open the file in binary mode")
            self._is_multipart = True
            if filename is None:
                filename = _guess_filename(value, name)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        elif not isinstance(value, (str, bytes, bytearray)):
            raise TypeError(f"field {name!r}: cannot send a {type(value).__name__}")
        if contenttype is not None:
            if FORBIDDEN_IN_VALUE_RE.search(contenttype) is not None:
                raise ValueError(f"field {name!r}: invalid content type {contenttype!r}")
            self._is_multipart = True
        if filename is not None:
            self._is_multipart = True
            if contenttype is None:
                contenttype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self._fields.append(_Field(name, value, contenttype, filename))

    def add_fields(self, *fields: Any) -> None:
        for record in fields:
            if isinstance(record, io.IOBase):
                self.add_field(_guess_filename(record, "unknown") or "unknown", record)
            elif isinstance(record, (MultiDict, MultiDictProxy, Mapping)):
                for name, value in record.items():
                    self.add_field(name, value)
            elif isinstance(record, (list, tuple)) and len(record) == 1:
                self.add_fields(record[0])
            elif isinstance(record, (list, tuple)) and len(record) == 2:
                self.add_field(record[0], record[1])
            elif isinstance(record, (list, tuple)) and len(record) == 3:
                self.add_field(record[0], record[1], contenttype=record[2])
            else:
                raise TypeError(f"cannot make a form field of {record!r}")

    def gen_form_urlencoded(self, encoding: str = "utf-8") -> bytes:
        pairs: list[tuple[str, str | bytes]] = []
        for field in self._fields:
            value = field.value
            pairs.append((field.name, bytes(value) if isinstance(value, bytearray) else value))
        return urlencode(pairs, doseq=True, encoding=encoding).encode("ascii")

    def gen_form_data(self, encoding: str = "utf-8",
                      chunk_size: int = 8196) -> Generator[bytes, None, None]:
        """The multipart body, part by part (files read ``chunk_size`` at a time)."""
        delimiter = f"--{self._boundary}\r\n".encode("ascii")
        for field in self._fields:
            head = f"Content-Disposition: form-data; name={_quote_param(field.name)}"
            if field.filename is not None:
                head += f"; filename={_quote_param(field.filename)}"
            head += "\r\n"
            if field.content_type is not None:
                head += f"Content-Type: {field.content_type}\r\n"
            yield delimiter + head.encode(encoding) + b"\r\n"
            yield from _field_body(field.value, encoding, chunk_size)
            yield b"\r\n"
        yield f"--{self._boundary}--\r\n".encode("ascii")

    def __call__(self, encoding: str = "utf-8") -> bytes | Iterable[bytes]:
        if self._is_multipart:
            return self.gen_form_data(encoding)
        return self.gen_form_urlencoded(encoding)


def _field_body(value: Any, encoding: str, chunk_size: int) -> Generator[bytes, None, None]:
    if isinstance(value, str):
        yield value.encode(encoding)
    elif isinstance(value, (bytes, bytearray)):
        yield bytes(value)
    else:
        while chunk := value.read(chunk_size):
            yield chunk


def parse_mimetype(mimetype: str) -> tuple[str, str, str, dict[str, str]]:
    """Split a MIME type into ``(type, subtype, suffix, parameters)``.

    >>> parse_mimetype('text/html; charset=utf-8')
    ('text', 'html', '', {'charset': 'utf-8'})
    >>> parse_mimetype('application/hal+json')
    ('application', 'hal', 'json', {})

    Type, subtype and parameter names are lower-cased; parameter values lose
    surrounding spaces and quotes; ``*`` means ``*/*``.
    """
    if not mimetype:
        return "", "", "", {}
    full, *items = mimetype.split(";")
    params: dict[str, str] = {}
    for item in items:
        if not item.strip():
            continue
        key, _, value = item.partition("=")
        params[key.strip().lower()] = value.strip(' "')
    full = full.strip().lower()
    if full == "*":
        full = "*/*"
    mtype, _, subtype = full.partition("/")
    subtype, _, suffix = subtype.partition("+")
    return mtype, subtype, suffix, params
