"""``POST /upload``: a WSGI application that reads a ``multipart/form-data`` form.

It runs through the real WSGI path of ``WSGIServerHttpProtocol`` with the
0.9 asynchronous extension: the application returns an awaitable, and
``environ['wsgi.input']`` is the connection's ``StreamReader``, read piece
by piece with ``await readany()``. So an upload is never held in memory:
``MultipartParser`` cuts the body into parts as it arrives, the file part
is hashed and counted on the fly, and only the short ``note`` field is
kept. (The ``cgi`` module that once parsed forms is gone in Python 3.13;
the part headers are parsed with the ``email`` package.)

Answers: 200 with the result page; 400 for a body that is not a valid form
or has no ``file`` field; 405 for any method but POST; 413 when the body
is announced or found to exceed ``MAX_UPLOAD`` (64 MiB). A 413 is sent
without reading the rest: the server then closes the connection.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from email.message import Message
from email.parser import HeaderParser
from typing import Any

from .page import error_html, upload_result_html

__all__ = ["MAX_UPLOAD", "MultipartError", "MultipartParser", "upload_app"]

#: The largest request body accepted, in bytes.
MAX_UPLOAD = 64 * 2**20
#: The largest part head (its header lines), and the largest ``note``.
MAX_PART_HEAD = 16 * 2**10
MAX_NOTE = 64 * 2**10

_CRLF = b"\r\n"


class MultipartError(ValueError):
    """The body is not a well-formed ``multipart/form-data`` body."""


class FormPart:
    """One part of the form: its head, and what the application keeps of it."""

    def __init__(self, headers: Message) -> None:
        self.headers = headers
        disposition = headers.get_content_disposition()
        if disposition != "form-data":
            raise MultipartError(f"a part's Content-Disposition is {disposition!r}, "
                                 "not form-data")
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise MultipartError("a part has no field name")
        self.name = name
        self.filename = headers.get_filename()
        self.size = 0


class MultipartParser:
    """Cuts a ``multipart/form-data`` body (RFC 7578, RFC 2046 section 5.1) into parts.

    ``feed(data)`` as the body arrives, then ``close()``. The callbacks get
    each part's parsed head (``on_part``), its content piece by piece
    (``on_data``) and its end (``on_end``). Only what might be the start of
    a delimiter is held back between pieces, so memory stays bounded
    whatever the size of a part.
    """

    _PREAMBLE, _AFTER_DELIMITER, _HEAD, _BODY, _DONE = range(5)

    def __init__(self, boundary: str, on_part: Callable[[FormPart], None],
                 on_data: Callable[[FormPart, bytes], None],
                 on_end: Callable[[FormPart], None]) -> None:
        if not 1 <= len(boundary) <= 70:
            raise MultipartError("the boundary must have 1 to 70 characters")
        try:
            self._delimiter = b"--" + boundary.encode("ascii")
        except UnicodeEncodeError:
            raise MultipartError("the boundary is not ASCII") from None
        # In a part, the delimiter is always preceded by a line break.
        self._body_end = _CRLF + self._delimiter
        self._on_part = on_part
        self._on_data = on_data
        self._on_end = on_end
        self._buffer = bytearray()
        self._state = self._PREAMBLE
        self._part: FormPart | None = None

    def feed(self, data: bytes) -> None:
        if self._state == self._DONE:
            return  # the epilogue is ignored
        self._buffer += data
        while self._step():
            pass

    def close(self) -> None:
        """The body ended: it must have ended with the close delimiter."""
        if self._state != self._DONE:
            raise MultipartError("the body ended before the closing boundary")

    def _step(self) -> bool:
        """Parse what the buffer allows; True if there may be more to do."""
        buffer = self._buffer
        state = self._state
        if state == self._BODY:
            part = self._part
            assert part is not None
            end = buffer.find(self._body_end)
            if end < 0:
                keep = len(self._body_end) - 1
                if len(buffer) > keep:
                    self._on_data(part, bytes(buffer[:-keep]))
                    del buffer[:-keep]
                return False
            if end:
                self._on_data(part, bytes(buffer[:end]))
            del buffer[:end + len(self._body_end)]
            self._on_end(part)
            self._part = None
            self._state = self._AFTER_DELIMITER
            return True
        if state == self._PREAMBLE:
            # The first delimiter starts the body or follows a line break.
            if buffer.startswith(self._delimiter):
                skip = len(self._delimiter)
            else:
                found = buffer.find(self._body_end)
                if found < 0:
                    if len(buffer) > MAX_PART_HEAD:
                        raise MultipartError("no boundary found at the start of the body")
                    return False
                skip = found + len(self._body_end)
            del buffer[:skip]
            self._state = self._AFTER_DELIMITER
            return True
        if state == self._AFTER_DELIMITER:
            if len(buffer) < 2:
                return False
            if buffer.startswith(b"--"):
                self._state = self._DONE
                buffer.clear()
                return False
            line_end = buffer.find(_CRLF)
            if line_end < 0:
                if len(buffer) > 256:
                    raise MultipartError("garbage after a boundary")
                return False
            if buffer[:line_end].strip(b" \t"):
                raise MultipartError("garbage after a boundary")
            del buffer[:line_end + 2]
            self._state = self._HEAD
            return True
        if state == self._HEAD:
            if buffer.startswith(_CRLF):
                head_end, head = 2, b""  # a part without header lines
            else:
                found = buffer.find(b"\r\n\r\n")
                if found < 0:
                    if len(buffer) > MAX_PART_HEAD:
                        raise MultipartError("a part's head is too long")
                    return False
                head_end, head = found + 4, bytes(buffer[:found + 2])
            if head_end > MAX_PART_HEAD:
                raise MultipartError("a part's head is too long")
            del buffer[:head_end]
            # Browsers send file names as raw UTF-8; surrogateescape keeps
            # any other byte for FormPart to see.
            headers = HeaderParser().parsestr(head.decode("utf-8", "surrogateescape"))
            if headers.defects:
                raise MultipartError(f"a part's head is malformed: {headers.defects[0]!r}")
            part = self._part = FormPart(headers)
            self._on_part(part)
            self._state = self._BODY
            return True
        return False


class _UploadForm:
    """What the demo keeps of an upload: the file's name, size and digest, the note."""

    def __init__(self) -> None:
        self.filename: str | None = None
        self.size = 0
        self.digest = hashlib.sha256()
        self.note = bytearray()
        self.seen_file = False

    def on_part(self, part: FormPart) -> None:
        if part.name == "file":
            if self.seen_file:
                raise MultipartError("more than one file field")
            self.seen_file = True
            self.filename = part.filename or ""

    def on_data(self, part: FormPart, data: bytes) -> None:
        if part.name == "file":
            self.size += len(data)
            self.digest.update(data)
        elif part.name == "note":
            self.note += data
            if len(self.note) > MAX_NOTE:
                raise MultipartError(f"the note is longer than {MAX_NOTE} bytes")

    def on_end(self, part: FormPart) -> None:
        pass


def _form_boundary(content_type: str) -> str:
    """The boundary of a ``multipart/form-data`` Content-Type (``MultipartError`` if none)."""
    header = Message()
    header["Content-Type"] = content_type
    if header.get_content_type() != "multipart/form-data":
        raise MultipartError(f"the body is {header.get_content_type()}, "
                             "not multipart/form-data")
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise MultipartError("multipart/form-data without a boundary")
    return boundary


StartResponse = Callable[..., Any]


def _answer(start_response: StartResponse, status: str, body: bytes,
            *extra: tuple[str, str]) -> list[bytes]:
    start_response(status, [("Content-Type", "text/html; charset=utf-8"),
                            ("Content-Length", str(len(body))), *extra])
    return [body]


async def _upload(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    if environ["REQUEST_METHOD"] != "POST":
        return _answer(start_response, "405 Method Not Allowed",
                       error_html(405, "Method Not Allowed", "Upload with POST."),
                       ("Allow", "POST"))
    announced = environ.get("CONTENT_LENGTH")
    if announced and announced.isdigit() and int(announced) > MAX_UPLOAD:
        return _too_large(start_response)
    form = _UploadForm()
    try:
        boundary = _form_boundary(environ.get("CONTENT_TYPE", ""))
        parser = MultipartParser(boundary, form.on_part, form.on_data, form.on_end)
        reader = environ["wsgi.input"]
        received = 0
        while True:
            chunk: bytes = await reader.readany()
            if not chunk:
                break
            received += len(chunk)
            if received > MAX_UPLOAD:
                return _too_large(start_response)
            parser.feed(chunk)
        parser.close()
        if not form.seen_file:
            raise MultipartError("the form has no file field")
        note = form.note.decode("utf-8")
    except (MultipartError, UnicodeDecodeError) as exc:
        return _answer(start_response, "400 Bad Request",
                       error_html(400, "Bad Request", f"Not an upload form: {exc}"))
    filename = form.filename or ""
    # Undo surrogateescape: a name that is not UTF-8 shows replacement marks.
    filename = filename.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    body = upload_result_html(filename, form.size, form.digest.hexdigest(), note)
    return _answer(start_response, "200 OK", body)


def _too_large(start_response: StartResponse) -> list[bytes]:
    return _answer(start_response, "413 Content Too Large",
                   error_html(413, "Content Too Large",
                              f"Uploads are limited to {MAX_UPLOAD // 2**20} MiB."),
                   ("Connection", "close"))


def upload_app(environ: dict[str, Any], start_response: StartResponse) -> Any:
    """The WSGI application (0.9's asynchronous extension: it returns an awaitable)."""
    return _upload(environ, start_response)
