"""A pool of decision processes: a hook's decision runs where its deadline can stop it, and the event loop
that answers health, readiness, discovery and 503s never waits behind one.

Why processes: the decision is CPU work. On the event loop it cannot be interrupted once started,
so one request whose record makes it long (a schedule of 10^18 doses, thousands of drafts) held the worker
and everything it answers; threads cannot be stopped either, and share the GIL. A process can be killed.

How:

- ``size`` processes per service worker, forked from a fork server (``multiprocessing`` "forkserver")
  that imported and warmed the decision code once (``preload``), so a process starts in milliseconds,
  warm, whatever the service worker has done meanwhile; each is initialised once with ``init_arg``
  (``initializer``), then takes one job at a time;
- a job is the request's bytes and a small JSON head; the answer is JSON and bytes (``channel``). The
  process's HTTP goes through the service's client (``relay``); a question the job asks meanwhile
  (``process``: ``ask``) is answered by the caller's ``asked``, awaited in the caller's own task (its
  context variables, its deadline), so what only the service may do (its store) is done there;
- ``run`` takes an idle process, or waits for one until the deadline; at the deadline the process is
  killed (SIGKILL: nothing in it is worth keeping, and it may not be listening), the requests it had
  asked for are cancelled, and a new process replaces it; ``TimeoutError`` is raised. The same when the
  caller is cancelled;
- a process that dies mid-job (a crash, the kernel's OOM killer) is replaced too: ``DecisionLost``;
- a process ends with the service worker: its channel closes, and the fork server (which ends when the
  service worker does) is its parent, whose death kills it (``PR_SET_PDEATHSIG``, ``worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.context import ForkServerContext, ForkServerProcess
from typing import Any

import httpx
import structlog

from cds_service.isolation.channel import STREAM_LIMIT, Channel, ChannelClosed, Frame, Kind
from cds_service.isolation.process import serve
from cds_service.isolation.relay import send_for

log = structlog.get_logger("cds_service.isolation")

# How long a new process may take to say it is ready (imports are done in the fork server already).
START_SECONDS = 60.0
# The caller's answer to a job's question (``process.Ask`` seen from the service): a JSON head and bytes.
Asked = Callable[[dict[str, Any], bytes], Awaitable[tuple[dict[str, Any], bytes]]]
# Environment variables a decision process must not inherit: prometheus-client's multiprocess directory
# (the service counts what a process reports; a process writing sample files of its own would count twice).
_NOT_INHERITED = ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")


class DecisionLost(Exception):
    """The decision process ended without an answer (killed from outside, crashed, out of memory)."""


class DecisionFailed(Exception):
    """The job raised in the decision process: a bug. ``error`` is its exception type, ``where`` its line."""

    def __init__(self, error: str, where: str) -> None:
        super().__init__(f"{error} at {where}")
        self.error = error
        self.where = where


@dataclass(frozen=True)
class PoolConfig:
    size: int
    handler: str  # "module:function", the job run in the process
    initializer: str  # "module:function", called once in each process with init_arg
    init_arg: Any  # picklable
    preload: tuple[str, ...]  # modules the fork server imports
    relay_max_bytes: int  # most raw bytes read of a relayed HTTP response


class _Process:
    """One decision process and the service's end of its channel."""

    def __init__(
        self,
        process: ForkServerProcess,
        channel: Channel,
        http: Callable[[], httpx.AsyncClient],
        max_bytes: int,
    ) -> None:
        self.process = process
        self.channel = channel
        self._http = http
        self._max_bytes = max_bytes
        self.ready = asyncio.Event()
        self._jobs = itertools.count(1)
        # The job running: its tag and its frames (its answer, its questions); None once the process is lost.
        self._job: tuple[int, asyncio.Queue[Frame | None]] | None = None
        self._relays: set[asyncio.Task[None]] = set()
        self._reader = asyncio.create_task(self._read())
        self.lost = False

    @property
    def pid(self) -> int:
        return self.process.pid or 0

    async def _read(self) -> None:
        try:
            while True:
                frame = await self.channel.receive()
                if frame.kind is Kind.READY:
                    self.ready.set()
                elif frame.kind is Kind.HTTP_REQUEST:
                    task = asyncio.create_task(self._relay(frame))
                    self._relays.add(task)
                    task.add_done_callback(self._relays.discard)
                elif self._job is not None and self._job[0] == _job_of(frame):
                    self._job[1].put_nowait(frame)
        except ChannelClosed:
            pass
        finally:
            self.lost = True
            if self._job is not None:
                self._job[1].put_nowait(None)

    async def _relay(self, frame: Frame) -> None:
        head, body = await send_for(self._http(), frame.head, frame.data, max_bytes=self._max_bytes)
        with contextlib.suppress(ChannelClosed):
            await self.channel.send(Kind.HTTP_RESPONSE, frame.tag, head, body)

    async def run(self, head: dict[str, Any], data: bytes, asked: Asked | None) -> Frame:
        """The job's RESULT or FAILED frame; its questions answered by ``asked`` meanwhile, here, in the
        caller's task."""
        tag = next(self._jobs)
        frames: asyncio.Queue[Frame | None] = asyncio.Queue()
        self._job = (tag, frames)
        try:
            await self.channel.send(Kind.JOB, tag, head, data)
            while True:
                frame = await frames.get()
                if frame is None:
                    raise DecisionLost("the decision process ended")
                if frame.kind is not Kind.ASK:
                    return frame
                if asked is None:  # a job asking what its caller does not answer: a bug of the job
                    raise DecisionFailed("UnansweredQuestion", "isolation.pool")
                answer, answer_data = await asked(frame.head["question"], frame.data)
                await self.channel.send(Kind.ANSWER, frame.tag, answer, answer_data)
        except ChannelClosed:
            raise DecisionLost("the decision process ended") from None
        finally:
            self._job = None

    def kill(self) -> None:
        """SIGKILL, the channel closed, the HTTP it asked for cancelled; reaped in the background."""
        with contextlib.suppress(ProcessLookupError):
            if self.process.pid:
                os.kill(self.process.pid, signal.SIGKILL)
        self.channel.close()
        self._reader.cancel()
        for task in list(self._relays):
            task.cancel()


def _job_of(frame: Frame) -> int | None:
    """The job a frame from a process belongs to: its answer's tag, or the job a question names."""
    if frame.kind in (Kind.RESULT, Kind.FAILED):
        return frame.tag
    if frame.kind is Kind.ASK:
        job = frame.head.get("job")
        return job if isinstance(job, int) else None
    return None


class DecisionPool:
    def __init__(self, config: PoolConfig, http: Callable[[], httpx.AsyncClient]) -> None:
        """``http``: the service's client (called when a process asks for a request to be sent)."""
        self.config = config
        self._http = http
        self._context: ForkServerContext = multiprocessing.get_context("forkserver")
        self._idle: asyncio.Queue[_Process] = asyncio.Queue()
        self._all: set[_Process] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._starting: set[asyncio.Future[None]] = set()
        self._closed = False

    # processes

    async def start(self) -> None:
        """Start every process and wait until each is ready (readiness waits for this)."""
        self._start_fork_server()
        await asyncio.gather(*(self._add() for _ in range(self.config.size)))

    def _start_fork_server(self) -> None:
        from multiprocessing import forkserver

        self._context.set_forkserver_preload(list(self.config.preload))
        saved = {name: os.environ.pop(name) for name in _NOT_INHERITED if name in os.environ}
        try:
            forkserver.ensure_running()
        finally:
            os.environ.update(saved)

    async def _add(self) -> None:
        ours, theirs = socket.socketpair()
        process = self._context.Process(
            target=serve,
            args=(theirs, self.config.handler, self.config.initializer, self.config.init_arg),
            daemon=False,
        )

        def start() -> None:
            # Their end is closed here once the fork server has it: closing it earlier would hand the
            # process a dead descriptor. The start is shielded from cancellation (``close`` waits for it),
            # so this always runs and their end is never left open.
            try:
                process.start()
            finally:
                theirs.close()

        starting = asyncio.ensure_future(asyncio.to_thread(start))
        self._starting.add(starting)
        starting.add_done_callback(self._starting.discard)
        try:
            await asyncio.shield(starting)
            reader, writer = await asyncio.open_connection(sock=ours, limit=STREAM_LIMIT)
        except BaseException:
            ours.close()  # a process started anyway sees its channel closed, and ends
            raise
        entry = _Process(process, Channel(reader, writer), self._http, self.config.relay_max_bytes)
        self._all.add(entry)
        try:
            async with asyncio.timeout(START_SECONDS):
                await entry.ready.wait()
        except BaseException:
            self._discard(entry, replace=False)
            raise
        if self._closed:
            self._discard(entry, replace=False)
            return
        self._idle.put_nowait(entry)

    def _discard(self, entry: _Process, *, replace: bool = True) -> None:
        entry.kill()
        self._all.discard(entry)
        self._in_background(asyncio.to_thread(_reap, entry.process))
        if replace and not self._closed:
            self._in_background(self._replace())

    async def _replace(self) -> None:
        try:
            await self._add()
        except Exception as error:  # the pool is one process short; said, and tried again next time
            log.error("decision_process_not_replaced", error=type(error).__name__)

    def _in_background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def pids(self) -> list[int]:
        """The processes' ids (for tests and the operator)."""
        return sorted(entry.pid for entry in self._all)

    @property
    def idle(self) -> int:
        return self._idle.qsize()

    # jobs

    async def run(
        self, head: dict[str, Any], data: bytes, *, deadline: float, asked: Asked | None = None
    ) -> tuple[dict[str, Any], bytes]:
        """The job's answer (head, bytes) from a process, by ``deadline`` (event-loop time): else
        ``TimeoutError`` and the process is killed and replaced. ``DecisionLost`` when it died;
        ``DecisionFailed`` when the job raised. ``asked`` answers the job's questions, under the same
        deadline; what it raises ends the job (the process is replaced) and is raised here."""
        entry = await self._acquire(deadline)
        try:
            async with asyncio.timeout_at(deadline):
                frame = await entry.run(head, data, asked)
        except BaseException:
            # past the deadline, cancelled, or dead: nothing of its state is trusted again
            self._discard(entry)
            raise
        self._idle.put_nowait(entry)
        if frame.kind is Kind.FAILED:
            raise DecisionFailed(str(frame.head.get("error")), str(frame.head.get("where")))
        return frame.head, frame.data

    async def _acquire(self, deadline: float) -> _Process:
        async with asyncio.timeout_at(deadline):
            while True:
                entry = await self._idle.get()
                if not entry.lost:
                    return entry
                self._discard(entry)  # died while idle

    async def close(self) -> None:
        self._closed = True
        entries = list(self._all)
        for entry in entries:
            self._discard(entry, replace=False)
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await asyncio.gather(*self._starting, return_exceptions=True)  # processes being forked now
        # The sockets close on the loop's next turns: before the caller's loop may end.
        await asyncio.gather(*(entry.channel.closed() for entry in entries))


def _reap(process: ForkServerProcess) -> None:
    process.join(timeout=30)
    with contextlib.suppress(ValueError):
        process.close()
