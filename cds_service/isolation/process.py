"""The decision process's side: wait for jobs on the channel, run each with the handler, answer.

``serve`` is the process's entry point (``pool`` starts it from the fork server). The handler is
``async def handler(head, data, *, context, http, ask) -> (head, data)``; ``context`` is what the
initializer returned for ``init_arg`` once, when the process started; ``http`` is an ``httpx.AsyncClient``
whose requests the service sends (``relay``); ``ask(head, data) -> (head, data)`` puts a question to the
service and waits for its answer, for what only the service may do in the middle of a job (read its store:
a process opens no connection). An exception the handler raises is answered as FAILED with its type and
source line only (its message can quote request data).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib
import itertools
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from cds_service.isolation.channel import STREAM_LIMIT, Channel, ChannelClosed, Kind
from cds_service.isolation.relay import RelayTransport

Handler = Callable[..., Awaitable[tuple[dict[str, Any], bytes]]]
# A job's question to the service, and its answer: a JSON head and bytes each way.
Ask = Callable[[dict[str, Any], bytes], Awaitable[tuple[dict[str, Any], bytes]]]

# prctl(2) option: the signal this process gets when its parent (the fork server) ends.
_PR_SET_PDEATHSIG = 1
# A decision process runs at this niceness, the service at 0: when both want a CPU, the event loop (health,
# readiness, 503s, the store) gets it at once; when the loop is idle, as it mostly is, the decision runs at
# full speed. 10 gives the loop about nine times the decision's share of a contended CPU (CFS weights
# 1024 and 110, Linux kernel/sched/core.c sched_prio_to_weight).
NICENESS = 10


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _end_with_parent() -> None:
    """Killed when the fork server ends (it ends when the service worker does): no orphan keeps running a
    decision nobody will read. Linux only; elsewhere the closed channel ends an idle process."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the fork server is already gone
            os._exit(0)


def serve(sock: socket.socket, handler: str, initializer: str, init_arg: Any) -> None:
    _end_with_parent()
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the service's to handle, not each process's
    context = _load(initializer)(init_arg)
    # uvloop when installed (uvicorn[standard] brings it), as the service's own loop runs on it.
    try:
        import uvloop

        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(_serve(sock, _load(handler), context))


class _Questions:
    """The questions this process's jobs have put to the service, by tag, until each is answered."""

    def __init__(self, channel: Channel) -> None:
        self._channel = channel
        self._tags = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[tuple[dict[str, Any], bytes]]] = {}

    def answered(self, tag: int, head: dict[str, Any], data: bytes) -> None:
        """An ANSWER frame arrived (the process's reader calls this)."""
        future = self._waiting.pop(tag, None)
        if future is not None and not future.done():
            future.set_result((head, data))

    def asker(self, job: int) -> Ask:
        """``ask`` for the job ``job``: the service hands the question to whoever runs that job."""

        async def ask(head: dict[str, Any], data: bytes = b"") -> tuple[dict[str, Any], bytes]:
            tag = next(self._tags)
            future: asyncio.Future[tuple[dict[str, Any], bytes]] = asyncio.get_running_loop().create_future()
            self._waiting[tag] = future
            try:
                await self._channel.send(Kind.ASK, tag, {"job": job, "question": head}, data)
                return await future
            finally:
                self._waiting.pop(tag, None)

        return ask


def _where(error: BaseException) -> str:
    trace = error.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    return f"{trace.tb_frame.f_code.co_filename}:{trace.tb_lineno}" if trace is not None else "?"


async def _serve(sock: socket.socket, handler: Handler, context: Any) -> None:
    reader, writer = await asyncio.open_connection(sock=sock, limit=STREAM_LIMIT)
    channel = Channel(reader, writer)
    relay = RelayTransport(channel)
    questions = _Questions(channel)
    jobs: set[asyncio.Task[None]] = set()

    async def run(tag: int, head: dict[str, Any], data: bytes) -> None:
        try:
            answer, body = await handler(head, data, context=context, http=http, ask=questions.asker(tag))
        except Exception as error:
            answer, body = {"error": type(error).__name__, "where": _where(error)}, b""
            kind = Kind.FAILED
        else:
            kind = Kind.RESULT
        try:
            with contextlib.suppress(ChannelClosed):  # the service stopped waiting: nothing to answer
                await channel.send(kind, tag, answer, body)
        except Exception as error:
            # An answer the channel cannot carry (its head is not JSON: ``Channel.send`` encodes it before
            # writing a byte) is the job failing, said at once: left unsent, the service would wait for it
            # until the hook deadline killed this process.
            failed = {"error": type(error).__name__, "where": _where(error)}
            with contextlib.suppress(ChannelClosed):
                await channel.send(Kind.FAILED, tag, failed, b"")

    async with httpx.AsyncClient(transport=relay) as http:
        try:
            await channel.send(Kind.READY, 0, {"pid": os.getpid()})
            while True:
                frame = await channel.receive()
                if frame.kind is Kind.JOB:
                    task = asyncio.create_task(run(frame.tag, frame.head, frame.data))
                    jobs.add(task)
                    task.add_done_callback(jobs.discard)
                elif frame.kind is Kind.HTTP_RESPONSE:
                    relay.answered(frame.tag, frame.head, frame.data)
                elif frame.kind is Kind.ANSWER:
                    questions.answered(frame.tag, frame.head, frame.data)
        except ChannelClosed:
            pass  # the service closed the channel, or ended: so does this process
