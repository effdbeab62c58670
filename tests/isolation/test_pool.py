"""The decision pool with real processes (forked from the pool's fork server): jobs in and out, a job stuck in
CPU killed at its deadline and its process replaced, a crash and a death told apart, HTTP sent by the
service for the process. Ordering is asserted with events and process ids, never with timings."""

from __future__ import annotations

import asyncio
import contextvars
import gzip
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cds_service.isolation.pool import DecisionFailed, DecisionLost, DecisionPool, PoolConfig

HANDLERS = "tests.isolation.handlers"


def config(handler: str, *, size: int = 1, relay_max_bytes: int = 1 << 20) -> PoolConfig:
    return PoolConfig(
        size=size,
        handler=f"{HANDLERS}:{handler}",
        initializer=f"{HANDLERS}:init",
        init_arg={"given": "once"},
        preload=(HANDLERS,),
        relay_max_bytes=relay_max_bytes,
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gzipped":
            return httpx.Response(
                200, content=gzip.compress(b"x" * 5000), headers={"Content-Encoding": "gzip"}
            )
        return httpx.Response(
            200, json={"path": request.url.path, "auth": request.headers.get("authorization")}
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as http:
        yield http


async def started(pool_config: PoolConfig, http: httpx.AsyncClient) -> DecisionPool:
    pool = DecisionPool(pool_config, lambda: http)
    await pool.start()
    return pool


def later(seconds: float) -> float:
    return asyncio.get_running_loop().time() + seconds


async def test_a_job_goes_in_as_bytes_and_comes_back_with_the_processs_context(
    client: httpx.AsyncClient,
) -> None:
    pool = await started(config("echo", size=2), client)
    try:
        assert len(pool.pids()) == 2 and os.getpid() not in pool.pids()
        head, data = await pool.run({"n": 1}, b"\x00request bytes\xff", deadline=later(60))
        assert data == b"\x00request bytes\xff"
        assert head["n"] == 1 and head["context"]["init_arg"] == {"given": "once"}
        assert head["context"]["pid"] in pool.pids()
        answers = await asyncio.gather(*(pool.run({"n": n}, b"", deadline=later(60)) for n in range(6)))
        assert sorted(head["n"] for head, _ in answers) == list(range(6))
    finally:
        await pool.close()


async def test_a_job_stuck_in_cpu_is_killed_at_its_deadline_and_its_process_replaced(
    client: httpx.AsyncClient,
) -> None:
    pool = await started(config("spin"), client)
    try:
        (stuck_pid,) = pool.pids()
        job = asyncio.create_task(pool.run({}, b"", deadline=later(1.0)))
        # The event loop is free while the process spins: this task runs, the job is not done.
        for _ in range(100):
            await asyncio.sleep(0)
        assert not job.done() and pool.idle == 0
        with pytest.raises(TimeoutError):
            await job
        for _ in range(600):  # the replacement's start (bounded in turns of 50 ms, not asserted in time)
            if pool.idle == 1:
                break
            await asyncio.sleep(0.05)
        (new_pid,) = pool.pids()
        assert new_pid != stuck_pid
        await _gone(stuck_pid)
    finally:
        await pool.close()


async def _replaced(pool: DecisionPool, pid: int) -> int:
    """The process that replaced ``pid``, once ready (bounded in turns of 50 ms, not asserted in time)."""
    for _ in range(600):
        if pool.idle == 1 and pool.pids() != [pid]:
            break
        await asyncio.sleep(0.05)
    (new_pid,) = pool.pids()
    assert new_pid != pid
    return new_pid


async def _gone(pid: int) -> None:
    for _ in range(600):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _zombie(pid):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"process {pid} still runs")


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


async def test_a_job_waits_for_a_free_process_until_its_deadline(client: httpx.AsyncClient) -> None:
    pool = await started(config("spin"), client)
    try:
        holding = asyncio.create_task(pool.run({}, b"", deadline=later(30)))
        for _ in range(100):
            await asyncio.sleep(0)
        with pytest.raises(TimeoutError):
            await pool.run({}, b"", deadline=later(0.2))  # never got a process
        assert not holding.done()
        holding.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holding
    finally:
        await pool.close()


async def test_a_job_that_raises_is_a_failure_named_by_type_and_line_only(client: httpx.AsyncClient) -> None:
    pool = await started(config("fail"), client)
    try:
        with pytest.raises(DecisionFailed) as failed:
            await pool.run({}, b"patient-secret", deadline=later(60))
        assert failed.value.error == "ValueError" and "handlers.py:" in failed.value.where
        assert "patient-secret" not in str(failed.value)
        assert pool.idle == 1  # a failed job leaves its process usable
    finally:
        await pool.close()


async def test_an_answer_the_channel_cannot_carry_is_a_failure_said_at_once(
    client: httpx.AsyncClient,
) -> None:
    # Left unsent, the service waited for the answer until the deadline killed the process: a 503 for a
    # decision that had been made, on every hook (a packed record's bytes in the answer's JSON head).
    pool = await started(config("unsendable"), client)
    try:
        with pytest.raises(DecisionFailed) as failed:
            await pool.run({}, b"", deadline=later(60))
        assert failed.value.error == "TypeError"
        assert pool.idle == 1  # the process is still usable
    finally:
        await pool.close()


async def test_a_process_that_dies_mid_job_is_lost_and_replaced(client: httpx.AsyncClient) -> None:
    pool = await started(config("die"), client)
    try:
        (first,) = pool.pids()
        with pytest.raises(DecisionLost):
            await pool.run({}, b"", deadline=later(60))
        for _ in range(600):
            if pool.idle == 1:
                break
            await asyncio.sleep(0.05)
        assert pool.pids() != [first]
    finally:
        await pool.close()


async def test_http_from_a_process_is_sent_by_the_services_client(client: httpx.AsyncClient) -> None:
    pool = await started(config("fetch", relay_max_bytes=100), client)
    try:
        head, data = await pool.run({"url": "https://fhir.example/r4/Patient/1"}, b"", deadline=later(60))
        assert head["status"] == 200
        assert b'"auth":"Bearer relayed"' in data and b"/r4/Patient/1" in data
        # The body comes back raw, at most max_bytes + 1 bytes: the process decodes (and caps) it.
        head, data = await pool.run({"url": "https://fhir.example/gzipped"}, b"", deadline=later(60))
        assert head["encoding"] is None  # a test double's body arrives decoded already
        assert len(data) == 101
    finally:
        await pool.close()


async def test_a_jobs_questions_are_answered_in_the_callers_task_before_it_goes_on(
    client: httpx.AsyncClient,
) -> None:
    """A question the job asks mid-way is answered by the caller's ``asked``, run in the caller's own task
    (its context variables: what the service binds there for the call stays bound), and the job goes on
    with the answer."""
    pool = await started(config("asking"), client)
    called_in: list[str | None] = []
    caller = contextvars.ContextVar[str | None]("caller", default=None)

    async def asked(head: dict[str, Any], data: bytes) -> tuple[dict[str, Any], bytes]:
        called_in.append(caller.get())
        caller.set(f"set by question {head['n']}")
        return {"n": head["n"], "seen": head.get("after")}, data + b"+" + str(head["n"]).encode()

    try:
        caller.set("the request's task")
        head, data = await pool.run({}, b"job", deadline=later(60), asked=asked)
        assert head["answers"] == [{"n": 1, "seen": None}, {"n": 2, "seen": {"n": 1, "seen": None}}]
        assert data == b"job+1+2"
        assert called_in == ["the request's task", "set by question 1"]
        assert caller.get() == "set by question 2"
        assert pool.idle == 1
    finally:
        await pool.close()


async def test_a_job_whose_question_is_not_answered_fails_and_one_whose_answer_fails_ends_it(
    client: httpx.AsyncClient,
) -> None:
    pool = await started(config("asking"), client)

    async def broken(head: dict[str, Any], data: bytes) -> tuple[dict[str, Any], bytes]:
        raise RuntimeError("the store is not there")

    try:
        # Nothing of a process left waiting mid-job is trusted again: either way it is replaced.
        (first,) = pool.pids()
        with pytest.raises(DecisionFailed) as failed:
            await pool.run({}, b"", deadline=later(60))  # no one to answer it
        assert failed.value.error == "UnansweredQuestion"
        second = await _replaced(pool, first)
        with pytest.raises(RuntimeError, match="the store is not there"):
            await pool.run({}, b"", deadline=later(60), asked=broken)
        await _replaced(pool, second)
    finally:
        await pool.close()


async def test_a_job_stuck_after_its_questions_is_still_killed_at_its_deadline(
    client: httpx.AsyncClient,
) -> None:
    pool = await started(config("asking"), client)

    async def asked(head: dict[str, Any], data: bytes) -> tuple[dict[str, Any], bytes]:
        return {}, b""

    try:
        (stuck_pid,) = pool.pids()
        with pytest.raises(TimeoutError):
            await pool.run({"spin_after_asking": True}, b"", deadline=later(1.0), asked=asked)
        await _gone(stuck_pid)
    finally:
        await pool.close()
