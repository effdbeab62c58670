"""The HTTP transport of the service's one client: a host name resolved, checked and pinned before a FHIR
request connects.

``server_url`` refuses an internal ``fhirServer`` written as an address; a *name* was not checked, so
with an empty ``CDS_FHIR_SERVER_ALLOWLIST`` a name resolving to 127.0.0.1 received the caller's bearer
token in a security review. A request that carries ``client.REFUSE_INTERNAL_ADDRESSES`` (every ``fhirServer``
request when the allowlist is empty) goes through a connection pool whose network backend:

1. resolves the host (``getaddrinfo``, within the connect timeout);
2. refuses the connection (``httpcore.ConnectError``, a failed query) if ANY address it resolves to is
   internal, by the same rules as a literal address (``server_url.internal_address``): a name that
   answers with one public and one loopback address is not trusted to pick the public one;
3. connects to an address it checked, never resolving again: a second, different answer (DNS rebinding)
   is never used. TLS still sends the name (SNI) and checks the certificate against it, and the request
   keeps its ``Host`` header: httpcore takes both from the request's URL, not from the address.

Other requests (JWKS endpoints, which the operator configures; ``fhirServer`` when an allowlist names it)
use an ordinary pool. Proxies from the environment are not used by either: the client is given this
transport explicitly.

Both pools' connections answer httpcore's "is this idle connection's socket readable?" from the socket
itself (``QuickStream``): httpcore 1.0's pool asks it of every idle connection each time a request comes or
goes, and anyio's stream answers it by building its table of typed attributes anew each time; with a hook's
fifteen queries in flight that question was a quarter of the client's CPU (docs/performance.md "No
prefetch").
"""

from __future__ import annotations

import asyncio
import ipaddress
import select
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio
import httpcore
import httpx

from cds_service.fhir.client import REFUSE_INTERNAL_ADDRESSES
from cds_service.fhir.server_url import internal_address

# host, port -> the addresses it resolves to (text), in the resolver's order.
Resolver = Callable[[str, int], Awaitable[list[str]]]
# Whether an address is refused (tests hand another one to reach a loopback server through the pin).
Refusal = Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], bool]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _readable(sock: socket.socket | None) -> bool:
    """Whether a read would return at once (data, or the b"" of a peer's close): what httpcore asks of an
    idle connection to tell a server's disconnect (httpcore's own ``is_socket_readable``: a socket gone, or
    without a descriptor, counts as readable)."""
    descriptor = -1 if sock is None else sock.fileno()
    if descriptor < 0:
        return True
    poll = select.poll()
    poll.register(descriptor, select.POLLIN)
    return bool(poll.poll(0))


class QuickStream(httpcore.AsyncNetworkStream):
    """httpcore's anyio stream, with "is_readable" read from its socket, found once (see the module
    docstring); the socket is the same object under TLS, so the stream from ``start_tls`` keeps it."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, sock: socket.socket | None = None) -> None:
        self._inner = inner
        self._socket = sock if sock is not None else inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> httpcore.AsyncNetworkStream:
        return QuickStream(await self._inner.start_tls(ssl_context, server_hostname, timeout), self._socket)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


class QuickBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, its streams wrapped in ``QuickStream``."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return QuickStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no unix sockets for a FHIR server")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedBackend(QuickBackend):
    """Resolve, refuse internal addresses, connect to the address checked (see the module docstring)."""

    def __init__(self, resolve: Resolver = system_resolver, refuse: Refusal = internal_address) -> None:
        super().__init__()
        self._resolve = resolve
        self._refuse = refuse

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout("the name did not resolve in time") from None
        except OSError:
            raise httpcore.ConnectError("the name does not resolve") from None
        parsed = [ipaddress.ip_address(address.split("%", 1)[0]) for address in addresses]
        if not parsed:
            raise httpcore.ConnectError("the name does not resolve")
        if any(self._refuse(address) for address in parsed):
            # Said without the address or the name: the problem line says only "ConnectError".
            raise httpcore.ConnectError("the name resolves to an internal address")
        failure: Exception | None = None
        for address in addresses:
            try:
                return await super().connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure


class _HTTPTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (request and error mapping unchanged) over a pool with the network backend
    given. httpx builds its pool in ``__init__`` with no way to name the backend, so the pool is replaced by
    one with the same settings (tests/fhir/test_transport.py checks the backend is the one used)."""

    def __init__(
        self, *, limits: httpx.Limits, verify: ssl.SSLContext | bool, backend: httpcore.AsyncNetworkBackend
    ) -> None:
        super().__init__(limits=limits, verify=verify, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class ServiceTransport(httpx.AsyncBaseTransport):
    """The transport of ``Runtime.http()``: requests asking for it go through the pinned pool."""

    def __init__(
        self,
        *,
        limits: httpx.Limits = httpx.Limits(),  # noqa: B008 - immutable
        verify: ssl.SSLContext | bool = True,
        resolve: Resolver = system_resolver,
        refuse: Refusal = internal_address,
    ) -> None:
        self._plain = _HTTPTransport(limits=limits, verify=verify, backend=QuickBackend())
        self._pinned = _HTTPTransport(limits=limits, verify=verify, backend=PinnedBackend(resolve, refuse))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._pinned if request.extensions.get(REFUSE_INTERNAL_ADDRESSES) else self._plain
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._plain.aclose()
        await self._pinned.aclose()
