from __future__ import annotations

import asyncio
import gc
from functools import partial

from structlog.testing import capture_logs

from cds_service.fhir.client import Fetched
from cds_service.fhir.fetch_session import FetchSession


async def test_queries_of_a_round_run_at_the_same_time() -> None:
    # Each query waits until all of them have started: run one after another, the first would wait
    # for ever and the round would end on the deadline with every query failed.
    n = 5
    started = 0
    everyone_in = asyncio.Event()

    async def query(label: str) -> Fetched:
        nonlocal started
        started += 1
        if started == n:
            everyone_in.set()
        await everyone_in.wait()
        return Fetched(label)

    session = FetchSession(total_timeout_seconds=1.0)
    results = await session.run([(f"q{i}", partial(query, f"q{i}")) for i in range(n)])
    assert [r.label for r in results] == [f"q{i}" for i in range(n)]
    assert all(r.complete and not r.problems for r in results)


async def test_the_total_budget_cancels_what_is_still_running() -> None:
    cancelled: list[str] = []

    async def fast(label: str) -> Fetched:
        return Fetched(label, resources=[{"resourceType": "Patient", "id": "p"}])

    async def hangs(label: str) -> Fetched:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(label)
            raise
        raise AssertionError("unreachable")

    session = FetchSession(total_timeout_seconds=0.05)
    with capture_logs() as logs:
        results = await session.run([("fast", partial(fast, "fast")), ("slow", partial(hangs, "slow"))])
    assert results[0].complete and results[0].resources
    assert not results[1].complete
    assert results[1].problems == ["slow: not finished within the total FHIR budget of 0.05 s"]
    assert cancelled == ["slow"]
    assert "slow: not finished" in str(logs)


async def test_a_later_round_gets_only_what_is_left_of_the_budget() -> None:
    async def hangs(label: str) -> Fetched:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    session = FetchSession(total_timeout_seconds=0.05)
    await session.run([("first", partial(hangs, "first"))])
    later = await session.run([("second", partial(hangs, "second"))])
    assert later[0].problems == ["second: not finished within the total FHIR budget of 0.05 s"]


async def test_a_query_that_raises_is_a_failed_query_and_no_exception_is_left_unretrieved() -> None:
    """One failing task used to raise out of the round, leaving its siblings' exceptions unretrieved:
    asyncio then printed "Task exception was never retrieved" tracebacks, URL and patient id included."""
    unretrieved: list[dict[str, object]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: unretrieved.append(context))

    async def fails(label: str) -> Fetched:
        raise ValueError(f"https://ehr.example.org/fhir/Condition?patient=secret-{label}")

    async def works(label: str) -> Fetched:
        return Fetched(label)

    session = FetchSession(total_timeout_seconds=1.0)
    try:
        results = await session.run(
            [("a", partial(fails, "a")), ("b", partial(works, "b")), ("c", partial(fails, "c"))]
        )
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert [r.complete for r in results] == [False, True, False]
    assert results[0].problems == ["a: the query failed (ValueError)"]
    assert results[2].problems == ["c: the query failed (ValueError)"]
    assert unretrieved == []
