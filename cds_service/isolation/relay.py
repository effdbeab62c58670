"""HTTP for a decision process, sent by the service: the process's ``httpx`` client has a transport that
hands each request to the service over the channel, and the service sends it with its own client.

So a decision process opens no connection itself: the service's one injectable client (its transport
resolves, checks and pins a fhirServer's address, ``fhir.transport``; a test's respx router) sends
everything, and a process stopped at the deadline leaves nothing half-open: the service cancels the
requests it was sending for it. The body comes back raw (still compressed, at most ``max_bytes + 1``
bytes read), for the process to decode under its cap (``fhir.response_body``): the CPU of decoding is
the process's, not the event loop's.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx

from cds_service.isolation.channel import Channel, Kind

# httpx exceptions a relayed request may end in, by name (anything else: TransportError).
_ERRORS: dict[str, type[httpx.TransportError]] = {
    error.__name__: error
    for error in (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.ReadError,
        httpx.ReadTimeout,
        httpx.WriteError,
        httpx.WriteTimeout,
        httpx.PoolTimeout,
        httpx.RemoteProtocolError,
        httpx.LocalProtocolError,
        httpx.UnsupportedProtocol,
        httpx.ProxyError,
        httpx.TransportError,
    )
}
# Chunks the relayed body is handed on in (as a socket would).
_CHUNK = 64 * 1024


class _Body(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._data), _CHUNK):
            yield self._data[start : start + _CHUNK]


class RelayTransport(httpx.AsyncBaseTransport):
    """In a decision process: each request goes to the service, which sends it (``send_for``)."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._tags = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[tuple[dict[str, Any], bytes]]] = {}

    def answered(self, tag: int, head: dict[str, Any], data: bytes) -> None:
        """An HTTP_RESPONSE frame arrived (the process's reader calls this)."""
        future = self._waiting.pop(tag, None)
        if future is not None and not future.done():
            future.set_result((head, data))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        tag = next(self._tags)
        future: asyncio.Future[tuple[dict[str, Any], bytes]] = asyncio.get_running_loop().create_future()
        self._waiting[tag] = future
        head = {
            "method": request.method,
            "url": str(request.url),
            "headers": [
                [name.decode("latin-1"), value.decode("latin-1")] for name, value in request.headers.raw
            ],
            "timeout": request.extensions.get("timeout", {}),
            "extensions": {key: value for key, value in request.extensions.items() if key.startswith("cds.")},
        }
        try:
            await self._channel.send(Kind.HTTP_REQUEST, tag, head, await request.aread())
            answer, body = await future
        finally:
            self._waiting.pop(tag, None)
        if "error" in answer:
            raise _ERRORS.get(answer["error"], httpx.TransportError)(answer["error"], request=request)
        return httpx.Response(
            answer["status"],
            headers=[tuple(pair) for pair in answer["headers"]],
            stream=_Body(body),
            request=request,
        )


async def send_for(
    http: httpx.AsyncClient, head: dict[str, Any], body: bytes, *, max_bytes: int
) -> tuple[dict[str, Any], bytes]:
    """In the service: send a relayed request with ``http``; its status, headers and at most
    ``max_bytes + 1`` raw body bytes (a longer body is cut there: the process refuses it as too large),
    or ``{"error": <httpx exception name>}``."""
    timeout = head.get("timeout") or {}
    request = http.build_request(
        head["method"],
        head["url"],
        headers=[tuple(pair) for pair in head["headers"]],
        content=body or None,
        extensions=head.get("extensions") or {},
        timeout=httpx.Timeout(**{k: timeout.get(k) for k in ("connect", "read", "write", "pool")})
        if timeout
        else httpx.USE_CLIENT_DEFAULT,
    )
    total = max((value for value in timeout.values() if isinstance(value, int | float)), default=None)
    try:
        async with asyncio.timeout(total):
            response = await http.send(request, stream=True)
            try:
                raw = bytearray()
                if response.is_stream_consumed:
                    # Built already read (a test double): httpx decoded it then, so it goes on decoded.
                    raw += response.content
                    response.headers.pop("content-encoding", None)
                else:
                    async for chunk in response.aiter_raw():
                        raw += chunk
                        if len(raw) > max_bytes:
                            break
            finally:
                await response.aclose()
    except TimeoutError:
        return {"error": "ReadTimeout"}, b""
    except httpx.TransportError as error:
        return {"error": type(error).__name__}, b""
    except Exception as error:  # anything a request can raise (a bad URL, a header encoding)
        return {"error": type(error).__name__}, b""
    headers = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in response.headers.raw]
    return {"status": response.status_code, "headers": headers}, bytes(raw[: max_bytes + 1])
