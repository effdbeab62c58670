"""uvicorn's HTTP protocol (httptools), with the bounds it lacks on what a client sends before a request.

uvicorn times out only idle keep-alive connections (``timeout_keep_alive``, after a response). A connection
that never completes its request headers is kept for ever, and the headers it sends are held without limit
(13 MB of one header line was accepted here), so idle and slow clients could pile up (300
connections sending partial headers). This protocol adds, per connection:

- **a header deadline**: the request line and headers must be complete within
  ``CDS_HEADER_TIMEOUT_SECONDS`` of the connection opening, or of the previous response ending; past it
  a request begun is answered ``408`` and the connection closed (one with no byte of a request is closed
  without an answer, as an idle keep-alive connection is). A deadline, not an idle timer: a byte a second
  does not extend it;
- **a header size bound** (``MAX_HEADER_BYTES``): past it, ``431`` and closed;
- **a bound on the unread rest of an answered request's body** (a 413, a 503 refused before reading):
  dropped as it arrives, for at most ``CDS_HEADER_TIMEOUT_SECONDS`` and ``CDS_MAX_BODY_BYTES``, then the
  connection is closed without another answer. A body within them is dropped whole and the connection
  stays usable: closing it while the client still sends would reset it, and the client could lose the
  answer or reuse a connection about to close;
- **a connection bound** per worker (``CDS_MAX_CONNECTIONS``): a connection beyond it closes the
  connection that has waited longest for its request headers (idle keep-alive ones included), so idle
  clients cannot crowd out working ones; only when every connection is busy with a request is the new one
  closed at once.

The body of a request is bounded in the app (``app.BodyDeadlineMiddleware``), where the route is known.
Every answer here is an OperationOutcome, like the app's. ``cli serve`` runs uvicorn with this class.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cds_service.settings import get_settings

# Longest request line and headers (bytes): a CDS Hooks call carries a JWT (at most 16 KiB, auth.dependency)
# and a few ordinary headers; 64 KiB is four times that, and what common proxies allow by default.
MAX_HEADER_BYTES = 64 * 1024
# After answering 408 or 431 the connection is half-closed and what the client still sends is read and
# dropped for this long before it is closed: closing a socket with unread data sends a TCP reset, which
# can destroy the answer before the client reads it (the "lingering close" of common servers).
LINGER_SECONDS = 2.0


def _outcome(status: str, code: str, text: str) -> bytes:
    body = orjson.dumps(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "details": {"text": text}}],
        }
    )
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/fhir+json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body


@cache
def _answers() -> dict[str, bytes]:
    settings = get_settings()
    return {
        "slow": _outcome(
            "408 Request Timeout",
            "timeout",
            f"The request headers did not arrive within {settings.header_timeout_seconds:g} s",
        ),
        "large": _outcome(
            "431 Request Header Fields Too Large",
            "too-long",
            f"The request line and headers are larger than {MAX_HEADER_BYTES} bytes",
        ),
    }


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """See the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self._header_timeout = settings.header_timeout_seconds
        self._max_connections = settings.max_connections
        self._max_drained = settings.max_body_bytes
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._lingering = False
        self._drained: int | None = None  # bytes of an answered request's body dropped, while draining
        self._phase = 0  # changes when the connection starts waiting for headers or draining
        # Since when this connection has waited for request headers; None while a request is in hand.
        self.waiting_since: float | None = None

    # the connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()
        if len(self.connections) > self._max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _make_room(self) -> None:
        waiting = [
            (connection.waiting_since, id(connection), connection)
            for connection in self.connections
            if isinstance(connection, BoundedHttpToolsProtocol) and connection.waiting_since is not None
        ]
        if not waiting:  # every connection is serving a request: refuse this one
            self.transport.close()
            return
        _, _, oldest = min(waiting)
        oldest.transport.close()

    # request headers

    def _await_headers(self) -> None:
        self._stop_waiting()
        self._phase += 1
        self._header_bytes = 0
        self.waiting_since = self.loop.time()
        self._header_timer = self.loop.call_later(self._header_timeout, self._answer, "slow")

    def _stop_waiting(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self.waiting_since = None
        self._drained = None

    def _drain(self) -> None:
        """The response is sent but the request's body is still arriving: drop it, within bounds."""
        self._stop_waiting()
        self._phase += 1
        self._drained = 0
        self._header_timer = self.loop.call_later(self._header_timeout, self._close_quietly)

    def _close_quietly(self) -> None:
        self._stop_waiting()
        if not self.transport.is_closing() and not self._lingering:
            self._linger()

    def _linger(self) -> None:
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()
        self._lingering = True
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _answer(self, which: str) -> None:
        begun = self._header_bytes > 0
        self._stop_waiting()
        if self.transport.is_closing() or self._lingering:
            return
        if which == "slow" and not begun:  # nothing of a request arrived: nothing to answer
            self._linger()
            return
        self.transport.write(_answers()[which])
        self._linger()

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # answered already: read and dropped until the connection closes
        phase = self._phase
        super().data_received(data)
        if self.transport.is_closing() or self._phase != phase:
            return  # the bytes ended what the connection was doing (a body, headers): not counted anew
        if self._drained is not None:
            self._drained += len(data)
            if self._drained > self._max_drained:
                self._close_quietly()
        # Bytes that did not complete the headers count towards their bound (the parser holds them).
        elif self.waiting_since is not None:
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._answer("large")

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or not (self.cycle is None or self.cycle.response_complete):
            return  # closing, or a pipelined request is already in hand
        if self.cycle is not None and self.cycle.more_body:
            self._drain()  # answered before its body was read
        else:
            self._await_headers()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self._drained is not None:  # the answered request's body is all in: the next request may come
            self._await_headers()
