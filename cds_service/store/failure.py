"""Why the database could not be used, in words an operator can act on, never quoting the error's text.

A driver's message can hold the host, the user or the database name (``PostgreSQL server at "db:5432"
rejected SSL upgrade``), and the URL holds the password: the store says only the error's type, so a failure
of ``sslmode=require`` against a server without TLS read "ConnectionError" and nothing more. The causes an
operator meets when first wiring ``CDS_DATABASE_URL`` are recognised here, through the whole chain of
exceptions (SQLAlchemy wraps the driver's, which wraps the socket's), and named by a fixed phrase.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

# Each cause: (how it is recognised, what to say). The first that matches anywhere in the chain wins, so
# the more specific come first.
_TLS_REFUSED = (
    "the server does not offer TLS, but CDS_DATABASE_URL's sslmode (require, verify-ca or verify-full) "
    "demands it: enable TLS on the server, or on a network you trust use sslmode=prefer"
)
_CA_MISSING = (
    "sslmode=verify-ca or verify-full needs the certificate authority that signed the server's certificate: "
    "give it as sslrootcert=<file> in CDS_DATABASE_URL (by default ~/.postgresql/root.crt is read)"
)
_CERTIFICATE = (
    "the server's TLS certificate could not be verified (unknown authority, expired, or not issued to the "
    "host named in CDS_DATABASE_URL)"
)
_HANDSHAKE = "the TLS handshake with the server failed"
_TLS_FILE = (
    "a TLS file CDS_DATABASE_URL names (sslrootcert, sslcert or sslkey) does not exist, cannot be read, or "
    "is not a PEM certificate or key"
)
_REFUSED = "connection refused: nothing listens at the host and port of CDS_DATABASE_URL"
_UNRESOLVED = "the host name of CDS_DATABASE_URL does not resolve"
_TIMEOUT = "no answer within CDS_STORE_TIMEOUT_SECONDS"
_NO_DATABASE = "the database named in CDS_DATABASE_URL does not exist on the server"
_NOT_ALLOWED = "the server refused the user or password of CDS_DATABASE_URL"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo and len(seen) < 20:  # a bounded walk: chains are a few links long
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError keeps the driver's error here
        todo += [orig if isinstance(orig, BaseException) else None, current.__cause__, current.__context__]


# asyncpg's server errors, by class name (asyncpg ships no type information; its classes are matched on
# the error's own class and the classes it derives from).
_ASYNCPG_CAUSES = {
    "InvalidCatalogNameError": _NO_DATABASE,
    "InvalidAuthorizationSpecificationError": _NOT_ALLOWED,  # InvalidPasswordError derives from it
}


def _asyncpg_cause(error: BaseException) -> str | None:
    names = [cls.__name__ for cls in type(error).__mro__ if cls.__module__.startswith("asyncpg")]
    if "ClientConfigurationError" in names and "root certificate" in str(error):
        return _CA_MISSING
    return next((_ASYNCPG_CAUSES[name] for name in names if name in _ASYNCPG_CAUSES), None)


def _phrase(error: BaseException) -> str | None:
    if isinstance(error, ConnectionError) and "rejected SSL upgrade" in str(error):
        return _TLS_REFUSED
    if isinstance(error, ssl.SSLCertVerificationError):
        return _CERTIFICATE
    if isinstance(error, ssl.SSLError) and getattr(error, "library", None) in ("PEM", "X509"):
        return _TLS_FILE  # raised while loading a file into the SSL context, before any connection
    if isinstance(error, ssl.SSLError):
        return _HANDSHAKE
    if isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
        return _TLS_FILE  # the only files a PostgreSQL connection opens are the TLS files of the URL
    if (cause := _asyncpg_cause(error)) is not None:
        return cause
    if isinstance(error, ConnectionRefusedError):
        return _REFUSED
    if isinstance(error, socket.gaierror):
        return _UNRESOLVED
    if isinstance(error, TimeoutError):
        return _TIMEOUT
    return None


def failure_cause(error: BaseException) -> str:
    """``Type`` of the error, and in parentheses the cause when it is one of those recognised."""
    for link in _chain(error):
        phrase = _phrase(link)
        if phrase is not None:
            return f"{type(error).__name__} ({phrase})"
    return type(error).__name__
