"""Whether a request's ``fhirServer`` may be queried at all: the service's guard against SSRF.

The hook caller chooses ``fhirServer``, and the service sends requests there: without a guard, anyone who
can call the service can make it reach what only it can reach (a cloud metadata endpoint, an internal
admin port, localhost). Two modes:

- ``CDS_FHIR_SERVER_ALLOWLIST`` set (production): a ``fhirServer`` is queried only when it equals an
  allowed base URL or starts with one followed by ``/``. Nothing else is.
- the allowlist empty (local testing): refused are anything that is not an http(s) URL, ``http`` unless
  ``CDS_ALLOW_UNAUTHENTICATED_FHIR`` (CDS Hooks 2.0: production data over https), a URL with userinfo
  (``user@host``), ``localhost`` / ``*.localhost``, and an IP literal that is not a global unicast address
  (loopback, private, link-local, multicast, reserved, unspecified), in any spelling the resolver accepts
  (``0x7f000001``, ``2130706433``, ``0177.0.0.1``, ``127.1``, ``[::1]``, ``[::ffff:127.0.0.1]``). A host
  *name* is checked when it is resolved, by the same rules (``internal_address``), and the request
  connects to the address checked (``fhir.transport``).

Either way, a URL that does not parse, carries whitespace, control characters or a backslash, or has
``.``/``..`` path segments is refused. The reason returned is for ``pool.problems`` and the logs.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import SplitResult, urlsplit

import httpx

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host denotes without a DNS lookup, in every form the C resolver accepts."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        # inet_aton reads the legacy forms getaddrinfo would connect to: 2130706433, 0x7f000001,
        # 0177.0.0.1, 127.1. Whitespace was refused before, so nothing trails the number.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def internal_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, private, link-local, multicast, reserved, unspecified or otherwise not global (an IPv6
    address carrying an IPv4 one is judged by that one)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_v4(address)
        if embedded is not None:
            return internal_address(embedded)
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def allowed_by(base: str, allowlist: Sequence[str]) -> bool:
    """``base`` equals an allowed base URL or lies under one (the allowed URL followed by ``/``)."""
    return any(
        base.rstrip("/") == allowed.rstrip("/") or base.startswith(allowed.rstrip("/") + "/")
        for allowed in allowlist
        if allowed.strip()
    )


def _parsed(base: str) -> tuple[SplitResult, httpx.URL] | None:
    """``base`` as the standard library and as the HTTP client read it; ``None`` when either cannot."""
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
        # What the HTTP client will connect to: it maps some non-ASCII spellings (IDNA), such as
        # ideographic full stops, to ASCII ones, so the checks read its host as well. The host is
        # decoded lazily: an A-label that is not valid IDNA ("xn--zz") raises only when it is read.
        sent = httpx.URL(base)
        sent.host  # noqa: B018
    except (ValueError, httpx.InvalidURL):  # idna.IDNAError is a UnicodeError, hence a ValueError
        return None
    return parts, sent


def server_refusal(base: str, *, allowlist: Sequence[str], allow_http: bool) -> str | None:
    """Why ``base`` (a stripped, non-empty ``fhirServer``) must not be queried; ``None`` if it may."""
    if any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in base):
        return "fhirServer is not a well-formed URL"
    parsed = _parsed(base)
    if parsed is None:
        return "fhirServer is not a well-formed URL"
    parts, sent = parsed
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        return "fhirServer is not an http(s) URL"
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        return "fhirServer is not a well-formed URL"
    if any(a.strip() for a in allowlist):
        if allowed_by(base, allowlist):
            return None
        return "fhirServer is not in CDS_FHIR_SERVER_ALLOWLIST"
    if "@" in parts.netloc or sent.userinfo:
        return "fhirServer carries userinfo (user@host)"
    if scheme == "http" and not allow_http:
        return "fhirServer is http, not https, and CDS_ALLOW_UNAUTHENTICATED_FHIR is off"
    for host in {parts.hostname.rstrip(".").lower(), sent.host.rstrip(".").lower()}:
        if host in ("", "localhost") or host.endswith(".localhost"):
            return "fhirServer names localhost (CDS_FHIR_SERVER_ALLOWLIST can allow it)"
        address = _ip_literal(host)
        if address is not None and internal_address(address):
            return (
                "fhirServer is an internal, loopback or reserved IP address "
                "(CDS_FHIR_SERVER_ALLOWLIST can allow it)"
            )
    return None


ALLOW_UNAUTHENTICATED = "CDS_ALLOW_UNAUTHENTICATED_FHIR=true"
ALLOWLIST = "CDS_FHIR_SERVER_ALLOWLIST"


def settings_to_allow(
    base: str, *, allowlist: Sequence[str], allow_unauthenticated: bool, authorized: bool
) -> tuple[str, ...] | None:
    """The settings that would let the service query ``base``: ``()`` when it already may, ``None`` when
    no setting would (a malformed or non-http(s) URL). ``authorized``: the request sent fhirAuthorization.

    Said in a refusal (a tester with a local FHIR server once saw only "no usable fhirServer") by the
    settings' names only, never the URL, so it tells the caller nothing about the network it did not
    already choose.
    """
    if server_refusal(base, allowlist=[base], allow_http=True) is not None:
        return None  # refused whatever the settings: not a well-formed http(s) URL
    needed: list[str] = []
    if (urlsplit(base).scheme.lower() == "http" or not authorized) and not allow_unauthenticated:
        needed.append(ALLOW_UNAUTHENTICATED)
    if server_refusal(base, allowlist=allowlist, allow_http=True) is not None:
        needed.append(ALLOWLIST)
    return tuple(needed)
