"""The error hierarchy: bases, codes, messages, attributes."""

from __future__ import annotations

import asyncio
import builtins

import pytest

from aiohttp import errors


@pytest.mark.parametrize(
    ("cls", "base"),
    [
        (errors.HttpException, Exception),
        (errors.HttpErrorException, errors.HttpException),
        (errors.HttpBadRequest, errors.HttpException),
        (errors.HttpMethodNotAllowed, errors.HttpException),
        (errors.IncompleteRead, errors.ConnectionError),
        (errors.BadStatusLine, errors.HttpBadRequest),
        (errors.LineTooLong, errors.HttpBadRequest),
        (errors.InvalidHeader, errors.HttpBadRequest),
        (errors.ConnectionError, Exception),
        (errors.OsConnectionError, errors.ConnectionError),
        (errors.ClientConnectionError, errors.ConnectionError),
        (errors.ProxyConnectionError, errors.ClientConnectionError),
        (errors.HttpProxyError, errors.HttpErrorException),
        (errors.LineLimitExceededParserError, errors.ParserError),
        (errors.ParserError, ValueError),
    ],
)
def test_hierarchy(cls: type[BaseException], base: type[BaseException]) -> None:
    assert issubclass(cls, base)


def test_connection_error_is_ours_not_the_builtin() -> None:
    assert not issubclass(errors.ConnectionError, builtins.ConnectionError)
    assert not issubclass(errors.ConnectionError, OSError)


def test_timeout_error_is_asyncios_which_is_the_builtin() -> None:
    assert errors.TimeoutError is asyncio.TimeoutError is builtins.TimeoutError
    assert issubclass(errors.TimeoutError, OSError)


def test_http_exception_defaults() -> None:
    assert errors.HttpException.code is None
    assert errors.HttpException.headers == ()
    assert errors.HttpException.message == ""


def test_status_classes() -> None:
    assert (errors.HttpBadRequest.code, errors.HttpBadRequest.message) == (400, "Bad Request")
    assert (errors.HttpMethodNotAllowed.code, errors.HttpMethodNotAllowed.message) == (
        405, "Method Not Allowed")
    for cls in (errors.BadStatusLine, errors.LineTooLong, errors.InvalidHeader):
        assert cls.code == 400


def test_http_error_exception_carries_code_message_headers() -> None:
    exc = errors.HttpErrorException(403, "Forbidden", headers=[("X-Why", "acl")])
    assert exc.code == 403
    assert exc.message == "Forbidden"
    assert tuple(exc.headers) == (("X-Why", "acl"),)
    assert "403" in str(exc) and "Forbidden" in str(exc)
    plain = errors.HttpErrorException(500)
    assert (plain.code, plain.message, tuple(plain.headers)) == (500, "", ())


def test_http_proxy_error() -> None:
    exc = errors.HttpProxyError(407, "Proxy Authentication Required")
    assert exc.code == 407 and isinstance(exc, errors.HttpException)


def test_bad_status_line_keeps_the_line_and_never_reads_blank() -> None:
    assert errors.BadStatusLine("GARBAGE").line == "GARBAGE"
    empty = errors.BadStatusLine()
    assert empty.line == "''"
    assert str(empty) == "''"


def test_line_too_long_message() -> None:
    exc = errors.LineTooLong("request line", 8190)
    assert "8190" in str(exc) and "request line" in str(exc)
    assert exc.limit == 8190
    assert "Unknown" in str(errors.LineTooLong("header"))


def test_invalid_header() -> None:
    exc = errors.InvalidHeader("X Bad")
    assert exc.hdr == "X Bad"
    assert "X Bad" in str(exc)
    assert errors.InvalidHeader(b"Na\xffme").hdr == "Na\udcffme"


def test_incomplete_read() -> None:
    exc = errors.IncompleteRead(b"abc", 7)
    assert exc.partial == b"abc" and exc.expected == 7
    assert repr(exc) == "IncompleteRead(3 bytes read, 7 more expected)"
    assert repr(errors.IncompleteRead(b"")) == "IncompleteRead(0 bytes read)"


def test_line_limit_error() -> None:
    exc = errors.LineLimitExceededParserError("Line is too long", 100)
    assert exc.limit == 100 and str(exc) == "Line is too long"


def test_all_names_exist_and_are_exceptions() -> None:
    # The 14 names of 0.9, and four added for aiohttp-protocol (see CHANGES.md).
    assert len(errors.__all__) == len(set(errors.__all__)) == 18
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), BaseException)
