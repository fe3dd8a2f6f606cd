"""The cookie jar behind ``share_cookies=True`` (RFC 6265 section 5).

0.9 sent every cookie it ever saw to every host (behaviour notes section 15,
row 9). This jar stores each cookie with the domain, path, ``Secure`` flag
and expiry the server gave and sends it only where those allow.

Simplifications, on purpose: no public-suffix list (a ``Domain`` attribute
must still domain-match the host that set it, so a site can only widen a
cookie to its own parent domains); a host that is an IP address only gets
host-only cookies (RFC 6265 section 5.1.3: domain matching does not apply
to IP addresses); ``HttpOnly`` and ``SameSite`` mean nothing to a
non-browser client and are kept but ignored. Cookies given without a URL
(``update_cookies(cookies)``, the 0.9 call) are sent to every host: the
caller asked for that explicitly.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable, Iterator
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .log import client_log

__all__ = ["CookieJar"]


class _Cookie(NamedTuple):
    name: str
    value: str
    domain: str  # "" for a cookie meant for every host
    path: str
    host_only: bool
    secure: bool
    expires: float | None  # wall-clock time (cookie dates are wall-clock dates)
    morsel: Morsel[str]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _domain_match(host: str, domain: str) -> bool:
    """RFC 6265 section 5.1.3."""
    if host == domain:
        return True
    return host.endswith("." + domain) and not _is_ip(host)


def _default_path(path: str) -> str:
    """RFC 6265 section 5.1.4: the directory of the request path."""
    if not path.startswith("/"):
        return "/"
    slash = path.rfind("/")
    return "/" if slash == 0 else path[:slash]


def _path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 section 5.1.4."""
    if request_path == cookie_path:
        return True
    if not request_path.startswith(cookie_path):
        return False
    return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"


def _expiry(morsel: Morsel[str], now: float) -> float | None:
    """Max-Age wins over Expires (RFC 6265 section 5.3, step 3)."""
    max_age = morsel["max-age"]
    if max_age:
        try:
            return now + int(max_age)
        except ValueError:
            pass
    expires = morsel["expires"]
    if expires:
        try:
            return parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError):
            return None
    return None


class CookieJar:
    """Cookies by domain, path and name; see the module docstring for the rules."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], _Cookie] = {}

    def __len__(self) -> int:
        return len(self._cookies)

    def __iter__(self) -> Iterator[Morsel[str]]:
        return iter([cookie.morsel for cookie in self._cookies.values()])

    def clear(self) -> None:
        self._cookies.clear()

    def update_cookies(self, cookies: Any, url: str | None = None) -> None:
        """Store ``cookies`` (a ``SimpleCookie``, a mapping or pairs of name and
        ``str``/``Morsel``) as set by a response from ``url``."""
        now = time.time()
        for name, value in _pairs(cookies):
            if isinstance(value, Morsel):
                morsel: Morsel[str] = value
            else:
                morsel = Morsel()
                morsel.set(name, str(value), str(value))
            self._store(morsel, url, now)

    def update_from_headers(self, set_cookie_values: Iterable[str], url: str) -> SimpleCookie:
        """Store the cookies of ``Set-Cookie`` field values from a response of
        ``url``; returns them all (unparsable ones are logged and skipped)."""
        parsed = SimpleCookie()
        for value in set_cookie_values:
            try:
                parsed.load(value)
            except CookieError as exc:
                client_log.warning("cannot parse the cookie %r: %s", value, exc)
        self.update_cookies(parsed, url)
        return parsed

    def _store(self, morsel: Morsel[str], url: str | None, now: float) -> None:
        name = morsel.key
        if url is None:
            domain, host_only = "", False
            path = morsel["path"] or "/"
        else:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            attribute = morsel["domain"].lstrip(".").lower()
            if not attribute:
                domain, host_only = host, True
            elif _is_ip(host):
                if attribute != host:
                    return
                domain, host_only = host, True
            elif _domain_match(host, attribute):
                domain, host_only = attribute, False
            else:
                client_log.debug("cookie %r for %r refused from %r", name, attribute, host)
                return
            path = morsel["path"]
            if not path.startswith("/"):
                path = _default_path(parts.path)
        expires = _expiry(morsel, now)
        key = (domain, path, name)
        if expires is not None and expires <= now:
            self._cookies.pop(key, None)  # the way a server deletes a cookie
            return
        self._cookies[key] = _Cookie(name, morsel.value, domain, path, host_only,
                                     bool(morsel["secure"]), expires, morsel)

    def filter_cookies(self, url: str) -> list[tuple[str, str]]:
        """The ``(name, value)`` pairs to send with a request to ``url``,
        longest path first (RFC 6265 section 5.4)."""
        if not self._cookies:
            return []
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = parts.path or "/"
        secure = parts.scheme in ("https", "wss")
        now = time.time()
        chosen: list[_Cookie] = []
        expired: list[tuple[str, str, str]] = []
        for key, cookie in self._cookies.items():
            if cookie.expires is not None and cookie.expires <= now:
                expired.append(key)
                continue
            if cookie.domain:
                if cookie.host_only:
                    if host != cookie.domain:
                        continue
                elif not _domain_match(host, cookie.domain):
                    continue
            if not _path_match(path, cookie.path):
                continue
            if cookie.secure and not secure:
                continue
            chosen.append(cookie)
        for key in expired:
            del self._cookies[key]
        chosen.sort(key=lambda cookie: len(cookie.path), reverse=True)
        return [(cookie.name, cookie.value) for cookie in chosen]

    def as_simple_cookie(self) -> SimpleCookie:
        """Every live cookie in a ``SimpleCookie`` (names may collide across domains)."""
        result = SimpleCookie()
        now = time.time()
        for cookie in self._cookies.values():
            if cookie.expires is None or cookie.expires > now:
                result[cookie.name] = cookie.morsel
        return result


def _pairs(cookies: Any) -> list[tuple[str, Any]]:
    if isinstance(cookies, SimpleCookie):
        return list(cookies.items())
    if hasattr(cookies, "items"):
        return list(cookies.items())
    return list(cookies)
