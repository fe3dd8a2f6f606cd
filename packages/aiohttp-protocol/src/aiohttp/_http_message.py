"""The value types the HTTP parsers produce."""

from __future__ import annotations

from typing import NamedTuple

from multidict import CIMultiDictProxy


class HttpVersion(NamedTuple):
    """An HTTP version: ``HttpVersion(1, 1)`` is HTTP/1.1."""

    major: int
    minor: int


HttpVersion10 = HttpVersion(1, 0)
HttpVersion11 = HttpVersion(1, 1)


class RawRequestMessage(NamedTuple):
    """A parsed request head.

    ``headers`` keep the field names as the client sent them; lookups are
    case-insensitive. ``compression`` is the body's content coding when it is
    one the payload parser decodes (``'gzip'``, ``'deflate'``, ``'br'``),
    else None.
    """

    method: str
    path: str
    version: HttpVersion
    headers: CIMultiDictProxy[str]
    should_close: bool
    compression: str | None


class RawResponseMessage(NamedTuple):
    """A parsed response head (see ``RawRequestMessage``)."""

    version: HttpVersion
    code: int
    reason: str
    headers: CIMultiDictProxy[str]
    should_close: bool
    compression: str | None
