"""Jobs for decision processes in tests (``isolation.pool`` runs them by name, in a forked process)."""

from __future__ import annotations

import os
from typing import Any

import httpx

from cds_service.isolation.process import Ask


def init(init_arg: Any) -> Any:
    return {"init_arg": init_arg, "pid": os.getpid()}


async def echo(
    head: dict[str, Any], data: bytes, *, context: Any, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    return {**head, "context": context}, data


async def spin(
    head: dict[str, Any], data: bytes, *, context: Any, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    """CPU without end, as a decision over a schedule of 10^18 doses would be: no await, no way out."""
    while True:
        pass


async def fail(
    head: dict[str, Any], data: bytes, *, context: Any, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    raise ValueError(f"a message quoting the request: {data!r}")


async def unsendable(
    head: dict[str, Any], data: bytes, *, context: Any, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    """An answer whose head JSON cannot carry (bytes in it, as a packed record once was)."""
    return {"packed": b"\x00\x01"}, b""


async def die(
    head: dict[str, Any], data: bytes, *, context: Any, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    os._exit(3)


async def fetch(
    head: dict[str, Any], data: bytes, *, context: Any, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    """An HTTP request from the process: sent by the service (relay)."""
    response = await http.get(head["url"], headers={"Authorization": "Bearer relayed"})
    return {
        "status": response.status_code,
        "encoding": response.headers.get("content-encoding"),
    }, await response.aread()


async def hook_or_spin(
    head: dict[str, Any], data: bytes, *, context: Any, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    """The service's own job (hooks.decision.handle), except for a request whose hookInstance says
    "spin": that one is stuck in CPU for ever, so a test can hold a decision process without timing."""
    from cds_service.hooks.decision import handle

    if b'"hookInstance": "spin"' in data or b'"hookInstance":"spin"' in data:
        while True:
            pass
    return await handle(head, data, context=context, http=http, ask=ask)


async def asking(
    head: dict[str, Any], data: bytes, *, context: Any, http: httpx.AsyncClient, ask: Ask
) -> tuple[dict[str, Any], bytes]:
    """Two questions to the service in the middle of the job, each answer used by what follows; a question
    whose head says "spin" is followed by CPU without end."""
    first, first_data = await ask({"n": 1}, data)
    second, second_data = await ask({"n": 2, "after": first}, first_data)
    if head.get("spin_after_asking"):
        while True:
            pass
    return {"answers": [first, second], "pid": context["pid"]}, second_data
