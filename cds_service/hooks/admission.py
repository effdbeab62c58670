"""Admission control of order-sign hooks: a bound on hooks in flight per worker, and a deadline per hook.

Why (issue 14): with nothing bounding the queue, a few times the capacity makes every caller wait past its
EHR's timeout while the service computes answers nobody reads (CRD expects an answer within 5 s at p90;
EHRs often give up sooner). So a worker takes at most ``CDS_MAX_HOOKS_IN_FLIGHT`` hooks at once; the next one
is refused at once with a 503, ``Retry-After`` and an OperationOutcome (``Overloaded``), before its body is
read. An admitted hook gets ``CDS_HOOK_DEADLINE_SECONDS``; past it the work is abandoned (``HookDeadline``):

- reading the body and gathering FHIR data are awaited under the deadline, so they are cancelled when it
  passes (the FHIR queries in flight with them: ``fhir.fetch_session`` cancels its tasks);
- the CPU-bound stages (parsing, the decision, the response) run on the event loop and cannot be
  interrupted once started (tens of ms for a heavy patient, README "Under overload"): the deadline is
  checked before each one, so none starts after it. A decision that ends past it is neither recorded for
  DTR nor sent; a response whose building started in time is sent. (Threads were measured instead: the
  GIL cost a third of the throughput under overload.)

A hook abandoned is answered 503 (``HookDeadlineExceeded``): no decision, never a guessed one. Only the
order-sign service (and the tester's determination, which decides one) is admitted with the hooks' bound;
feedback has a bound of its own (``CDS_MAX_FEEDBACK_IN_FLIGHT``: it writes to the store); discovery,
health, readiness and DTR are never shed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

import httpx
from prometheus_client import Counter

from cds_service.errors import HookDeadlineExceeded, Overloaded
from cds_service.evaluation import Evaluation, decided, gather
from cds_service.hooks.parse import parse_hook_request
from cds_service.hooks.request import HookRequest
from cds_service.metrics import HOOKS_ABANDONED, HOOKS_SHED
from cds_service.settings import Settings

T = TypeVar("T")

# Retry-After of a shed hook (RFC 9110 §10.2.3, whole seconds): a heavy hook takes well under a second, so
# a slot is likely free by then; an EHR that does not retry is not harmed by the hint.
RETRY_AFTER_SECONDS = 1


class Admission:
    """Calls of one kind in flight in this worker (one event loop: the count needs no lock). ``what`` names
    them in the 503 ("hooks", "feedback calls"); ``shed`` counts the refusals."""

    def __init__(self, max_in_flight: int, *, what: str = "hooks", shed: Counter = HOOKS_SHED) -> None:
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self._what = what
        self._shed = shed

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Holds a slot for the block; raises ``Overloaded`` (503) when every slot is taken."""
        if self.in_flight >= self.max_in_flight:
            self._shed.inc()
            raise Overloaded(
                f"The service is at its bound of {self.max_in_flight} {self._what} in flight; retry later",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1


class HookDeadline:
    """The moment an admitted hook's work is abandoned, on the event loop's clock."""

    def __init__(self, seconds: float) -> None:
        self._loop = asyncio.get_running_loop()
        self.seconds = seconds
        self.at = self._loop.time() + seconds

    def _exceeded(self, stage: str) -> HookDeadlineExceeded:
        HOOKS_ABANDONED.inc()
        return HookDeadlineExceeded(
            f"No answer within the hook deadline of {self.seconds:g} s (abandoned at {stage}); "
            "no decision was made"
        )

    def check(self, stage: str) -> None:
        """Before a stage that cannot be interrupted: raises ``HookDeadlineExceeded`` once past."""
        if self._loop.time() >= self.at:
            raise self._exceeded(stage)

    async def run(self, stage: str, work: Callable[[], Awaitable[T]]) -> T:
        """Awaits ``work()`` until the deadline; past it the work is cancelled and the hook abandoned."""
        self.check(stage)
        try:
            async with asyncio.timeout_at(self.at):
                return await work()
        except TimeoutError:
            raise self._exceeded(stage) from None


async def evaluate_within(
    deadline: HookDeadline,
    read_body: Callable[[], Awaitable[bytes]],
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    today: date,
    client: str = "",
) -> tuple[HookRequest, Evaluation]:
    """An admitted order-sign request read, parsed, gathered and decided within ``deadline``: the one
    path of the hook route and of every other route that decides a hook (the tester's determination), so
    none of them escapes the bound or the deadline."""
    body = await deadline.run("reading the body", read_body)
    deadline.check("parsing")
    hook_request = parse_hook_request(body)
    source = hook_request.source()
    gathered = await deadline.run("gathering FHIR data", lambda: gather(source, settings=settings, http=http))
    deadline.check("deciding")
    return hook_request, decided(gathered, source, today=today, settings=settings, client=client)
