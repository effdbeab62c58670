"""Concurrent rounds of FHIR queries under one deadline for the whole hook call (docs/prefetch.md).

Independent queries of a round run at once, so a round costs about its slowest query, not the sum. The
first round starts the clock of ``fhir_total_timeout_seconds``; a query still running when it runs out is
cancelled and reported as unavailable, and later rounds get only what is left, so no FHIR server, however
slow, holds the hook beyond that budget. A query that raises is a failed query too (its exception type
only in the problem), and every task's exception is retrieved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import structlog

from cds_service.fhir.client import Fetched

log = structlog.get_logger(__name__)

Query = tuple[str, Callable[[], Awaitable[Fetched]]]


class FetchSession:
    def __init__(self, total_timeout_seconds: float) -> None:
        self._budget = total_timeout_seconds
        self._deadline: float | None = None
        self.queries_sent = 0

    def _remaining(self) -> float:
        now = asyncio.get_running_loop().time()
        if self._deadline is None:
            self._deadline = now + self._budget
        return self._deadline - now

    async def run(self, queries: Sequence[Query]) -> list[Fetched]:
        """Run the queries concurrently; each result in the order given, failed if out of time."""
        if not queries:
            return []
        remaining = self._remaining()
        if remaining <= 0:
            return [self._out_of_time(label) for label, _ in queries]
        tasks = [asyncio.ensure_future(start()) for _, start in queries]
        self.queries_sent += len(tasks)
        try:
            _, pending = await asyncio.wait(tasks, timeout=remaining)
        except asyncio.CancelledError:
            # The hook was abandoned (its deadline, hooks/admission.py): stop the queries too, not just
            # the waiting for them.
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            for task in tasks:
                if not task.cancelled():
                    task.exception()  # retrieved, so never printed as "never retrieved"
            raise
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        results = [
            self._out_of_time(label) if task in pending else self._result(label, task)
            for (label, _), task in zip(queries, tasks, strict=True)
        ]
        for fetched in results:
            for problem in fetched.problems:
                log.warning("fhir_data", problem=problem)
        return results

    @staticmethod
    def _result(label: str, task: asyncio.Future[Fetched]) -> Fetched:
        """Every task's outcome is retrieved, so no "Task exception was never retrieved" traceback (which
        bypasses the log filter and can print a URL with the patient id) is ever printed; an exception
        becomes a failed query named by its type only."""
        if task.cancelled():
            return Fetched(label).fail(f"{label}: the query was cancelled")
        failure = task.exception()
        if failure is not None:
            return Fetched(label).fail(f"{label}: the query failed ({type(failure).__name__})")
        return task.result()

    def _out_of_time(self, label: str) -> Fetched:
        return Fetched(label).fail(
            f"{label}: not finished within the total FHIR budget of {self._budget:g} s"
        )
