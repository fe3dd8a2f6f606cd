"""The access-log line: the atoms of ``access_log_format``.

The format is a ``%``-style string over a mapping (``'%(h)s %(r)s'``), as in
aiohttp 0.9 and gunicorn. The atoms keep 0.9's names with the values Apache
and gunicorn give them (section 15 row 20 of the behaviour reference):

* ``h`` remote address, ``l`` ``-``, ``u`` the Basic-auth user or ``-``;
* ``t`` the time in Common Log Format, ``[21/Nov/2026:08:40:00 +0000]``;
* ``r`` the request line, ``m`` method, ``U`` path, ``q`` query, ``H`` version;
* ``s`` status, ``b`` body bytes sent (``-`` for none), ``B`` the same with 0;
* ``f`` referer, ``a`` user agent;
* ``T`` whole seconds, ``M`` milliseconds, ``D`` microseconds, ``L`` seconds
  as a decimal;
* ``p`` ``<pid>``;
* ``{Name}i`` a request header, ``{Name}o`` a response header (both
  case-insensitive), ``{NAME}e`` an environ variable (WSGI).

Unknown atoms give ``-``. Values are escaped so that a client cannot forge
log lines: ``"`` and ``\\`` get a backslash, other non-printable characters
become ``\\xNN``.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["AccessLogAtoms", "clf_time"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_clf_cache: tuple[int, str] = (0, "")


def clf_time(now: float | None = None) -> str:
    """Local time in Common Log Format, ``[dd/Mon/yyyy:HH:MM:SS +hhmm]``, cached per second."""
    global _clf_cache
    second = int(time.time() if now is None else now)
    if _clf_cache[0] == second and second:
        return _clf_cache[1]
    tm = time.localtime(second)
    offset = tm.tm_gmtoff // 60
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset), 60)
    text = (f"[{tm.tm_mday:02d}/{_MONTHS[tm.tm_mon - 1]}/{tm.tm_year:04d}:"
            f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} {sign}{hours:02d}{minutes:02d}]")
    _clf_cache = (second, text)
    return text


_UNSAFE_RE = re.compile(r'["\\]|[^\x20-\x7e]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in '"\\':
        return "\\" + char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(value: str) -> str:
    """``value`` safe to put between quotes on one log line."""
    return _UNSAFE_RE.sub(_escape_char, value) if _UNSAFE_RE.search(value) else value


def basic_auth_user(authorization: str | None) -> str:
    """The user name of a ``Basic`` Authorization header, or ``-``."""
    if not authorization:
        return "-"
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "basic":
        return "-"
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "-"
    return decoded.partition(":")[0] or "-"


class AccessLogAtoms(Mapping[str, str]):
    """The mapping ``access_log_format % atoms`` reads from; any key is present."""

    def __init__(self, atoms: dict[str, str], request_headers: Mapping[str, str] | None,
                 response_headers: Mapping[str, str] | None,
                 environ: Mapping[str, Any] | None) -> None:
        self._atoms = atoms
        self._request_headers = request_headers
        self._response_headers = response_headers
        self._environ = environ

    def __getitem__(self, key: str) -> str:
        value = self._atoms.get(key)
        if value is not None:
            return value
        if key.startswith("{") and len(key) > 3 and key[-2] == "}":
            name, kind = key[1:-2], key[-1]
            found: Any = None
            if kind == "i" and self._request_headers is not None:
                found = self._request_headers.get(name)
            elif kind == "o" and self._response_headers is not None:
                found = self._response_headers.get(name)
            elif kind == "e" and self._environ is not None:
                found = self._environ.get(name)
            if found is not None:
                return escape(str(found))
        return "-"

    def __iter__(self) -> Any:
        return iter(self._atoms)

    def __len__(self) -> int:
        return len(self._atoms)


def make_atoms(*, remote: str, method: str, path: str, version: str, status: int,
               body_bytes: int, duration: float,
               request_headers: Mapping[str, str] | None,
               response_headers: Mapping[str, str] | None,
               environ: Mapping[str, Any] | None) -> AccessLogAtoms:
    """The atoms of one request (see the module docstring)."""
    get = request_headers.get if request_headers is not None else (lambda name: None)
    target = path
    query = ""
    if "?" in path:
        target, _, query = path.partition("?")
    referer = get("Referer")
    agent = get("User-Agent")
    micros = int(duration * 1_000_000)
    atoms = {
        "h": escape(remote) if remote else "-",
        "l": "-",
        "u": escape(basic_auth_user(get("Authorization"))),
        "t": clf_time(),
        "r": escape(f"{method} {path} {version}") if method else "-",
        "m": escape(method) if method else "-",
        "U": escape(target) if target else "-",
        "q": escape(query),
        "H": version or "-",
        "s": str(status),
        "b": str(body_bytes) if body_bytes else "-",
        "B": str(body_bytes),
        "f": escape(referer) if referer is not None else "-",
        "a": escape(agent) if agent is not None else "-",
        "T": str(int(duration)),
        "M": str(micros // 1000),
        "D": str(micros),
        "L": f"{duration:.6f}",
        "p": f"<{os.getpid()}>",
    }
    return AccessLogAtoms(atoms, request_headers, response_headers, environ)
