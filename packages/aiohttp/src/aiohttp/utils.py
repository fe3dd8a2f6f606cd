"""The access-log helpers of aiohttp 0.9.0, kept for code that imported them.

``aiohttp.utils`` existed in 0.9.0 only (0.9.1 merged it into ``helpers``). It
held ``atoms()``, which computes the values of an access-log line, and
``SafeAtoms``, the mapping that ``access_log_format % ...`` reads, where an
unknown atom gives ``-``. Both are thin front ends over the server's own
access-log code (``aiohttp._access_log``), so a line built here reads as the
server's would, with the fixes of the behaviour reference (section 15 row 20):
the time in Common Log Format, header atoms found in any case, quotes and
control characters escaped.

One difference remains: ``atoms()`` sees the response object only, so ``b``
and ``B`` count every byte the response wrote, its head included, as 0.9.0's
did; the server's own log counts body bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy

from ._access_log import AccessLogAtoms, make_atoms
from .protocol import RawRequestMessage

__all__ = ["SafeAtoms", "atoms"]


def atoms(message: RawRequestMessage | None, environ: Mapping[str, Any] | None,
          response: Any, request_time: float) -> dict[str, str]:
    """The atoms of one request, as a plain dict (0.9.0's ``utils.atoms``).

    ``environ`` is the WSGI environ (``REMOTE_ADDR`` gives ``h``) or None;
    ``response`` a ``Response`` or None; ``request_time`` seconds.
    """
    remote = str(environ.get("REMOTE_ADDR", "-")) if environ is not None else "-"
    if message is not None:
        method, path = message.method, message.path
        version = f"HTTP/{message.version[0]}.{message.version[1]}"
        request_headers: Mapping[str, str] | None = message.headers
    else:
        method = path = version = ""
        request_headers = None
    status = int(getattr(response, "status", 0) or 0)
    written = int(getattr(response, "output_length", 0) or 0)
    mapping = make_atoms(remote=remote, method=method, path=path, version=version,
                         status=status, body_bytes=written, duration=request_time,
                         request_headers=request_headers,
                         response_headers=getattr(response, "headers", None), environ=environ)
    return dict(mapping)


class SafeAtoms(AccessLogAtoms):
    """``SafeAtoms(atoms, i_headers, o_headers)``: any key gives a value.

    Keys of ``atoms`` give their value; ``{Name}i`` and ``{Name}o`` a request
    or response header (any case), escaped; every other key ``-``.
    """

    def __init__(self, atoms: Mapping[str, str], i_headers: Mapping[str, str] | None = None,
                 o_headers: Mapping[str, str] | None = None) -> None:
        super().__init__(dict(atoms), _any_case(i_headers), _any_case(o_headers), None)


def _any_case(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """``headers`` with lookups in any case (0.9 passed multidicts; a dict works too)."""
    if headers is None or isinstance(headers, CIMultiDict | CIMultiDictProxy):
        return headers
    return CIMultiDict(headers)
