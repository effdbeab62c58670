"""Frames between the service and one decision process, over a Unix socket pair.

A frame is a 9-byte header (``kind``: 1 byte, ``tag``: 4 bytes, payload length: 4 bytes, network order)
and its payload. A payload is bytes as they are (a request body, a FHIR page, a response body) behind a
small JSON head: ``head length (4 bytes) + JSON + bytes``, so nothing large is copied into JSON or
pickled (bytes in, JSON and bytes out). A frame is written with no await between its parts, so frames
written by concurrent tasks never interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import orjson

_HEADER = struct.Struct("!BII")
_HEAD_LENGTH = struct.Struct("!I")
# The stream buffer of each end: large enough that a request body or a FHIR page arrives without the
# reader pausing and resuming its socket every 128 KiB (asyncio's default limit is 64 KiB).
STREAM_LIMIT = 4 * 1024 * 1024
# Largest frame read (a sanity bound: the largest payloads are a request body, CDS_MAX_BODY_BYTES, and a
# FHIR response, CDS_FHIR_MAX_RESPONSE_BYTES).
MAX_FRAME_BYTES = 256 * 1024 * 1024


class Kind(IntEnum):
    READY = 1  # process -> service: started and warm
    JOB = 2  # service -> process: a decision to make (tag: the job)
    RESULT = 3  # process -> service: its answer (tag: the job)
    FAILED = 4  # process -> service: the job raised (tag: the job)
    HTTP_REQUEST = 5  # process -> service: a request to send for it (tag: the request)
    HTTP_RESPONSE = 6  # service -> process: the answer (tag: the request)
    ASK = 7  # process -> service: a question of a job, answered before it goes on (tag: the question)
    ANSWER = 8  # service -> process: the answer (tag: the question)


@dataclass(frozen=True)
class Frame:
    kind: Kind
    tag: int
    head: dict[str, Any]
    data: bytes


class ChannelClosed(Exception):
    """The other end is gone (the process ended, or the service closed the channel)."""


class Channel:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def send(self, kind: Kind, tag: int, head: dict[str, Any], data: bytes = b"") -> None:
        encoded = orjson.dumps(head)
        length = _HEAD_LENGTH.size + len(encoded) + len(data)
        self._writer.write(_HEADER.pack(kind, tag, length))
        self._writer.write(_HEAD_LENGTH.pack(len(encoded)))
        self._writer.write(encoded)
        if data:
            self._writer.write(data)
        try:
            await self._writer.drain()
        except (ConnectionError, RuntimeError) as error:
            raise ChannelClosed(type(error).__name__) from None

    async def receive(self) -> Frame:
        try:
            kind, tag, length = _HEADER.unpack(await self._reader.readexactly(_HEADER.size))
            if length > MAX_FRAME_BYTES:
                raise ChannelClosed(f"a frame of {length} bytes")
            payload = await self._reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            raise ChannelClosed(type(error).__name__) from None
        (head_length,) = _HEAD_LENGTH.unpack_from(payload)
        head_end = _HEAD_LENGTH.size + head_length
        return Frame(Kind(kind), tag, orjson.loads(payload[_HEAD_LENGTH.size : head_end]), payload[head_end:])

    def close(self) -> None:
        self._writer.close()

    async def closed(self) -> None:
        """Once the socket is closed (``close`` only schedules it)."""
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()
