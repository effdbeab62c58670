"""URLs compared as the server will read them: RFC 3986 §6.2.2 syntax-based normalisation, done BEFORE any
check of where a URL points.

A ``next`` link is the server's (or whoever answers for it) to write, and the bearer token goes wherever it
points if it passes the same-server check. ``https://ehr/fhir/%2e%2e/admin`` starts with
``https://ehr/fhir/``, yet a server decodes ``%2e`` and removes the dot segments, and reads ``/admin``
(a security review: a ``..`` link sent the token to another path). So a URL is first normalised:

- scheme and host in lower case, the scheme's default port left out (§6.2.2.1, §6.2.3);
- percent-encodings of unreserved characters decoded, the others in upper case (§6.2.2.2);
- dot segments removed (§6.2.2.3, the algorithm of §5.2.4);

and only then compared, whole path segment by whole segment, with the normalised base. A URL that
cannot be normalised is refused: one that does not parse, that is not http(s), carries userinfo,
whitespace, control characters or a backslash, or encodes a slash or a backslash in its path (``%2F``,
``%5C``: some servers decode them into segment separators, which no normalisation can foresee).
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlsplit, urlunsplit

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# ``\s`` in a str pattern is ``str.isspace`` (CPython's sre asks Py_UNICODE_ISSPACE): one C scan of the URL
# rather than a Python test per character (every FHIR request's URL is normalised, its query included).
_WHITESPACE = re.compile(r"\s")


def _percent_normalised(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        character = chr(int(match.group(1), 16))
        return character if character in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT.sub(one, text)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, on a path whose unreserved percent-encodings are already decoded."""
    output: list[str] = []
    for segment in path.split("/")[1:] if path.startswith("/") else path.split("/"):
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    # a path ending in "." or ".." ends in a slash (§5.2.4 step 2 B/C)
    trailing = "/" if path.rsplit("/", 1)[-1] in (".", "..") and output and output[-1] != "" else ""
    return "/" + "/".join(output) + trailing


def normalised(url: str) -> str | None:
    """``url`` (absolute) in its RFC 3986 normal form, without fragment; ``None`` when it is refused (see
    the module docstring)."""
    if not url.isprintable() or "\\" in url or _WHITESPACE.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    if _ENCODED_SEPARATOR.search(parts.path):
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = remove_dot_segments(_percent_normalised(parts.path) or "/")
    return urlunsplit((scheme, netloc, path, _percent_normalised(parts.query), ""))


def within(url: str, base: str) -> bool:
    """Whether ``url`` lies on ``base`` (both absolute): the same scheme, host and port, and a path equal to
    the base's or below it by whole segments, once both are normalised."""
    target, root = normalised(url), normalised(base)
    if target is None or root is None:
        return False
    target_parts, root_parts = urlsplit(target), urlsplit(root)
    if (target_parts.scheme, target_parts.netloc) != (root_parts.scheme, root_parts.netloc):
        return False
    prefix = root_parts.path.rstrip("/")
    return target_parts.path == prefix or target_parts.path.startswith(prefix + "/")
