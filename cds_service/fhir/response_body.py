"""A FHIR server's response body, decoded under a cap on the decoded bytes, as it arrives.

A compressed body is small on the wire and large once decoded: 3.5 KB of ``Content-Encoding: gzip, gzip``
decoded to 2.2 GB in a security review, since httpx decodes each received chunk whole before anyone can
count it.
So the body is read raw (``aiter_raw``) and decoded here with ``zlib``'s ``max_length``: no decode step
yields more than what is left under the cap, the input it has not consumed waits in ``unconsumed_tail``,
and the read stops as soon as the cap is passed. At most ``max_bytes + 1`` decoded bytes are ever held.

What is read (RFC 9110 §8.4): no coding or ``identity``; ``gzip`` (``x-gzip``) and ``deflate`` (zlib, or
raw deflate as some servers send it) once. Refused: more than one coding (a nested encoding is never needed
for JSON and is how the bomb above was built) and any other coding (the request's ``Accept-Encoding``
offers only these two).
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import httpx

# Offered in every request: the codings read here.
ACCEPT_ENCODING = "gzip, deflate"
_GZIP = ("gzip", "x-gzip")
_DEFLATE = ("deflate",)


class BodyRefused(Exception):
    """The body was not read: ``reason`` says why, in words for a problem line (no URL, no data);
    ``decoded``: the decoded bytes held when it was dropped."""

    def __init__(self, reason: str, decoded: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.decoded = decoded


def content_codings(response: httpx.Response) -> list[str]:
    """The content codings applied, outermost last (RFC 9110 §8.4), ``identity`` left out."""
    codings: list[str] = []
    for header in response.headers.get_list("content-encoding"):
        codings += [c.strip().lower() for c in header.split(",") if c.strip()]
    return [coding for coding in codings if coding != "identity"]


class _Decoder:
    """One zlib stream, decoded in steps no larger than asked."""

    def __init__(self, coding: str) -> None:
        self._raw_fallback = coding in _DEFLATE
        self._started = False
        wbits = 16 + zlib.MAX_WBITS if coding in _GZIP else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)

    def decode(self, data: bytes, limit: int) -> tuple[bytes, bytes]:
        """(at most ``limit`` decoded bytes, the input not consumed yet)."""
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if not (self._raw_fallback and not self._started):
                raise
            # "deflate" sent as a raw deflate stream, without the zlib wrapper (as httpx also accepts)
            self._raw_fallback = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, limit)
        self._started = True
        return out, self._zlib.unconsumed_tail

    def flush(self, limit: int) -> bytes:
        return self._zlib.flush(limit) if limit > 0 else b""


async def read_body(response: httpx.Response, *, max_bytes: int) -> bytes:
    """The decoded body, or ``BodyRefused``: over ``max_bytes`` (declared, on the wire or decoded), a
    nested or unknown content coding, or a compressed body that does not decode."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyRefused(f"more than {max_bytes} bytes")
    codings = content_codings(response)
    if len(codings) > 1:
        raise BodyRefused(f"nested content codings ({', '.join(codings[:4])})")
    if codings and codings[0] not in (*_GZIP, *_DEFLATE):
        raise BodyRefused(f"a content coding the service does not read ({codings[0][:20]})")
    if response.is_stream_consumed:
        # Built already read (a test double, or a transport that buffers): httpx decoded it then; the cap
        # still holds on what is handed on.
        if len(response.content) > max_bytes:
            raise BodyRefused(f"more than {max_bytes} bytes", len(response.content))
        return response.content
    decoder = _Decoder(codings[0]) if codings else None
    return await _collect(response.aiter_raw(), decoder, max_bytes)


async def _collect(chunks: AsyncIterator[bytes], decoder: _Decoder | None, max_bytes: int) -> bytes:
    content = bytearray()
    received = 0

    def within_cap(size: int) -> None:
        if size > max_bytes:
            raise BodyRefused(f"more than {max_bytes} bytes", len(content))

    try:
        async for chunk in chunks:
            received += len(chunk)
            within_cap(received)  # compression never makes a JSON body larger on the wire
            if decoder is None:
                content += chunk
                within_cap(len(content))
                continue
            pending = chunk
            while pending:
                # the limit is at least 1 here (0 would mean "no limit" to zlib)
                out, pending = decoder.decode(pending, max_bytes + 1 - len(content))
                content += out
                within_cap(len(content))
        if decoder is not None:
            content += decoder.flush(max_bytes + 1 - len(content))
            within_cap(len(content))
    except zlib.error:
        raise BodyRefused("a compressed body that does not decode", len(content)) from None
    return bytes(content)
