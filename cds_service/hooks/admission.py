"""Admission control of hooks (order-select, order-sign, order-dispatch alike): a bound on hooks in flight
per worker, and a deadline per hook.

Why: with nothing bounding the queue, a few times the capacity makes every caller wait past its
EHR's timeout while the service computes answers nobody reads (CRD expects an answer within 5 s at p90;
EHRs often give up sooner). So a worker takes at most ``CDS_MAX_HOOKS_IN_FLIGHT`` hooks at once; the next one
is refused at once with a 503, ``Retry-After`` and an OperationOutcome (``Overloaded``), before its body is
read. An admitted hook gets ``CDS_HOOK_DEADLINE_SECONDS``; past it the work is abandoned (``HookDeadline``):

- reading the body is awaited under the deadline, and cancelled when it passes;
- with decision processes (``CDS_DECISION_PROCESSES``, the default of ``cds-service serve``): parsing,
  gathering, the decision and the response run in a process that is killed at the deadline
  (``isolation.pool``), the FHIR queries it asked the service to send cancelled with it;
- without (``CDS_DECISION_PROCESSES=0``): gathering FHIR data is awaited under the deadline and cancelled
  when it passes (``fhir.fetch_session`` cancels its tasks); the CPU-bound stages run on the event loop
  and cannot be interrupted once started, so the deadline is checked before each one and none starts
  after it. (Threads were measured instead: the GIL cost a third of the throughput under overload.)

A decision that ends past the deadline is neither recorded for DTR nor sent. The one function every route
that decides a hook calls is ``hooks.decision.decide_within``.

A hook abandoned is answered 503 (``HookDeadlineExceeded``): no decision, never a guessed one. Only the
hook services (and the tester's endpoints that decide one) are admitted with the hooks' bound; feedback has
a bound of its own (``CDS_MAX_FEEDBACK_IN_FLIGHT``: it writes to the store); discovery, health, readiness and
DTR are never shed. The three hooks share the bound and the one deciding path; the shed and abandoned
counters say which hook (feedback's, which service its feedback is for).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from prometheus_client import Counter

from cds_service.errors import HookDeadlineExceeded, Overloaded
from cds_service.hooks.discovery import ORDER_SIGN
from cds_service.metrics import HOOKS_ABANDONED, HOOKS_SHED

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
    def admit(self, hook: str = ORDER_SIGN) -> Iterator[None]:
        """Holds a slot for the block; raises ``Overloaded`` (503) when every slot is taken."""
        if self.in_flight >= self.max_in_flight:
            self._shed.labels(hook=hook).inc()
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

    def __init__(self, seconds: float, hook: str = ORDER_SIGN) -> None:
        self._loop = asyncio.get_running_loop()
        self.seconds = seconds
        self.hook = hook
        self.at = self._loop.time() + seconds

    def exceeded(self, stage: str) -> HookDeadlineExceeded:
        """The 503 of a hook abandoned at ``stage``, counted by hook."""
        HOOKS_ABANDONED.labels(hook=self.hook).inc()
        return HookDeadlineExceeded(
            f"No answer within the hook deadline of {self.seconds:g} s (abandoned at {stage}); "
            "no decision was made"
        )

    def check(self, stage: str) -> None:
        """Before a stage that cannot be interrupted: raises ``HookDeadlineExceeded`` once past."""
        if self._loop.time() >= self.at:
            raise self.exceeded(stage)

    async def run(self, stage: str, work: Callable[[], Awaitable[T]]) -> T:
        """Awaits ``work()`` until the deadline; past it the work is cancelled and the hook abandoned."""
        self.check(stage)
        try:
            async with asyncio.timeout_at(self.at):
                return await work()
        except TimeoutError:
            raise self.exceeded(stage) from None
