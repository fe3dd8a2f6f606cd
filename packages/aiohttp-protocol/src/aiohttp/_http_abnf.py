"""The HTTP/1.1 grammar as compiled regular expressions.

Each pattern cites the rule it implements. The head patterns run over bytes,
before anything is decoded, so that every octet is judged by the RFC's
character classes. The few patterns applied to decoded field values are
``str`` patterns written with explicit ASCII ranges only: ``\\d`` and ``\\s``
would match Unicode digits and spaces (GHSA-69f9-5gxw-wvc2).

RFC 9110 (HTTP semantics) and RFC 9112 (HTTP/1.1 message syntax) are the
sources; RFC 3986 for the authority in a Host field.
"""

from __future__ import annotations

import re

from multidict import istr

# RFC 9110 section 5.6.2:
#   token = 1*tchar
#   tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#           "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
TCHAR = rb"[-!#$%&'*+.^_`|~0-9A-Za-z]"
TOKEN = TCHAR + rb"+"

# RFC 9110 section 5.5:
#   field-value   = *field-content
#   field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
#   field-vchar   = VCHAR / obs-text          (obs-text = %x80-FF)
# Leading and trailing whitespace (OWS, section 5.6.3) is not part of the
# value; the parser strips it. So a line's value part is any run of these.
FIELD_CHAR = rb"[\t\x20-\x7e\x80-\xff]"

# RFC 9112 section 5:  field-line = field-name ":" OWS field-value OWS
# No whitespace between the name and the colon (section 5.1: MUST reject).
FIELD_LINE = TOKEN + rb":" + FIELD_CHAR + rb"*"

# RFC 9112 section 3:   request-line = method SP request-target SP HTTP-version
# RFC 9110 section 9.1: method = token
# RFC 9112 section 3.2: request-target forms are built from RFC 3986
# characters, all of them VCHAR; anything else (CTLs, spaces, obs-text) is
# rejected rather than guessed at.
# RFC 9112 section 2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT; only
# the two versions this parser speaks are accepted.
# "#" is excluded: a fragment is never part of a request target (RFC 9110
# section 7.1). Other characters RFC 3986 does not allow ("{", "|", "^"...)
# are let through, as real clients send them unescaped.
REQUEST_LINE = rb"(" + TOKEN + rb") ([\x21\x22\x24-\x7e]+) HTTP/1\.([01])"

#: A whole request head: the request line and every field line, each ending
#: in CRLF, then the empty line. RFC 9112 section 2.2: CRLF is the only line
#: terminator accepted in a request; section 5.2: obs-fold (a line starting
#: with SP or HTAB) is rejected. Matched from the start of the buffer, it
#: finds the end of the head and validates every octet in one pass.
#: The quantifiers are possessive (``*+``, ``++``): no character class here
#: can match the delimiter that follows it, so backtracking could never
#: help, and not recording the points to backtrack to is faster.
REQUEST_HEAD_RE = re.compile(
    TCHAR + rb"++ [\x21\x22\x24-\x7e]++ HTTP/1\.[01]\r\n"
    rb"(?:" + TCHAR + rb"++:" + FIELD_CHAR + rb"*+\r\n)*+\r\n")
REQUEST_LINE_RE = re.compile(REQUEST_LINE)
FIELD_LINE_RE = re.compile(FIELD_LINE)
TOKEN_RE = re.compile(TOKEN)

# RFC 9112 section 4:  status-line = HTTP-version SP status-code SP [ reason-phrase ]
#   status-code   = 3DIGIT
#   reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
# Leniency (real servers send it): the SP after the code may be missing when
# there is no reason phrase, and any HTTP/1.x minor version is accepted.
STATUS_LINE = rb"HTTP/1\.([0-9]) ([1-9][0-9][0-9])(?: (" + FIELD_CHAR + rb"*))?"
STATUS_LINE_RE = re.compile(STATUS_LINE)
#: A response head written the way RFC 9112 says it should be, through its
#: empty line; the parser takes a slower, lenient path for anything else
#: (see HttpResponseParser).
RESPONSE_HEAD_RE = re.compile(
    rb"HTTP/1\.[0-9] [1-9][0-9][0-9](?: " + FIELD_CHAR + rb"*+)?\r\n(?:"
    + TCHAR + rb"++:" + FIELD_CHAR + rb"*+\r\n)*+\r\n")

# RFC 9112 section 7.1:
#   chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
#   chunk-size = 1*HEXDIG
# RFC 9112 section 7.1.1:
#   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
#   chunk-ext-name = token
#   chunk-ext-val  = token / quoted-string
# RFC 9110 section 5.6.4:
#   quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
#   qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
#   quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
# The size is bounded to 16 hex digits (no body needs more than 2**64 bytes)
# and the whole line by the parser's limit.
_QUOTED_STRING = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"'
_CHUNK_EXT = (rb"(?:[ \t]*;[ \t]*" + TOKEN
              + rb"(?:[ \t]*=[ \t]*(?:" + TOKEN + rb"|" + _QUOTED_STRING + rb"))?)*")
CHUNK_SIZE_LINE_RE = re.compile(rb"([0-9A-Fa-f]{1,16})" + _CHUNK_EXT + rb"\r\n")

# RFC 9112 section 6.3 and RFC 9110 section 8.6:  Content-Length = 1*DIGIT
# (ASCII digits only: no sign, no underscore, no whitespace inside). Bounded
# to 18 digits so that the value always fits a 64-bit size.
CONTENT_LENGTH_RE = re.compile(r"[0-9]{1,18}")

# RFC 9112 section 3.2 and RFC 9110 section 7.2:  Host = uri-host [ ":" port ]
# RFC 3986 section 3.2.2:
#   host       = IP-literal / IPv4address / reg-name
#   IP-literal = "[" ( IPv6address / IPvFuture ) "]"
#   reg-name   = *( unreserved / pct-encoded / sub-delims )
# The IP literal is checked for its alphabet only (hex digits, colons, dots;
# "v" and the sub-delims of IPvFuture); reg-name may be empty.
# ``%`` is let through as a plain character here (one character class is
# several times faster than an alternation per character); PCT_ENCODED_RE
# then checks every ``%`` of a host that has one.
# RFC 3986 section 3.2.2:
#   IP-literal = "[" ( IPv6address / IPvFuture  ) "]"
#   IPvFuture  = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
# (IPv6address is checked for its alphabet: hex digits, colons and dots.)
IP_LITERAL = r"\[(?:[0-9A-Fa-f:.]++|[vV][0-9A-Fa-f]++\.[-A-Za-z0-9._~!$&'()*+,;=:]++)\]"
HOST_RE = re.compile(
    r"(?:" + IP_LITERAL
    + r"|[0-9A-Za-z._~!$&'()*+,;=%-]*+)"
    r"(?::[0-9]*+)?"
)
#: RFC 3986 section 2.1:  pct-encoded = "%" HEXDIG HEXDIG (a "%" not followed by two
#: hex digits is what this finds).
BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")

# RFC 9112 section 3.2.3:  authority-form = uri-host ":" port  (CONNECT only)
AUTHORITY_FORM_RE = re.compile(
    r"(?:" + IP_LITERAL
    + r"|(?:[0-9A-Za-z._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+)"
    r":[0-9]{1,5}"
)

# RFC 9112 section 3.2.2: absolute-form = absolute-URI, here "scheme://authority..."
# RFC 3986 section 3.1:  scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
# The authority must not be empty (RFC 9110 section 4.2.1: an http URI
# with an empty host is invalid) and must not hold userinfo (section 4.2.4:
# a recipient SHOULD treat it as an error).
ABSOLUTE_FORM_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#@]++(?:[/?][^#]*+)?")

# -- what the writer refuses to send ---------------------------------------------

#: A method or a field name (RFC 9110 sections 9.1 and 5.1): a token.
TOKEN_STR_RE = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
#: A character that may not appear in a field value or reason phrase: a CTL
#: other than HTAB (RFC 9110 section 5.5; CR, LF and NUL above all, which
#: would split or truncate the message: GHSA-45c4-8wx5-qw6w).
FORBIDDEN_IN_VALUE_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: A character that may not appear in a request target: a CTL, SP or DEL
#: (RFC 9112 section 3.2; GHSA-qvrw-v9rv-5rjx).
FORBIDDEN_IN_TARGET_RE = re.compile(r"[\x00-\x20\x7f]")
#: The field lines the writer encodes: token names, values without CTLs
#: other than HTAB. One pass at send time checks the fields however they
#: got into ``headers``.
FIELDS_RE = re.compile(rb"(?:" + TCHAR + rb"++:" + FIELD_CHAR + rb"*+\r\n)*+")


def ascii_lower(value: str) -> str:
    """Lower-case a token for a case-insensitive comparison (RFC 9110 section 5.6.2).

    Tokens are ASCII. ``str.lower`` is not: it turns U+212A KELVIN SIGN into
    ``k``, so ``"chun\u212aed".lower() == "chunked"``, which would let a
    request through as chunked that a proxy does not read as chunked. A
    non-ASCII value is returned unchanged, so it equals no token.
    """
    return value.lower() if value.isascii() else value


# The field names the parsers and writers look up in every message, as
# ``istr``: a case-insensitive multidict folds their case once, not per lookup.
HOST = istr("Host")
CONNECTION = istr("Connection")
CONTENT_LENGTH = istr("Content-Length")
CONTENT_ENCODING = istr("Content-Encoding")
TRANSFER_ENCODING = istr("Transfer-Encoding")
