"""CPU time of each step of one order-sign hook's decision path, in process, full prefetch, for patients with
N prior doxorubicin administrations: the path any process deciding a hook runs (parse -> gather -> facts ->
policy -> response -> store), timed step by step, then the whole hook through the app (ASGI, no network),
whose excess over the steps is the framework's and the route's own work (middleware, logging, metrics).

CPU time (``time.process_time``: every thread of this process, so the store's driver thread counts) rather
than wall-clock time, so the other processes on a shared machine move the figures less. Each step is
repeated ``--runs`` times; the figure is the median. The slope per administration and the intercept come
from a least-squares line through the sizes.

Run: .venv/bin/python -m bench.hook_phases [--runs 40] [--sizes 10,30,500,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import orjson
import structlog

from bench.gather_decide import big_request
from bench.http_bench import wait_ready
from cds_service.app import create_app
from cds_service.assertion_ids import assertion_key, assertion_scope, assess
from cds_service.dtr.store import determination_records
from cds_service.evaluation import decide_all, gather
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.hooks.parse import parse_hook_request
from cds_service.response.hook_response import build_response
from cds_service.settings import Settings
from cds_service.store.sql import SqlStore

TODAY = date(2026, 11, 28)


def body_of(administrations: int) -> bytes:
    body = big_request(administrations)
    del body["fhirServer"], body["fhirAuthorization"]  # full prefetch: nothing to fetch
    return orjson.dumps(body)


async def _cpu_ms(step: Callable[[], Awaitable[Any]], runs: int) -> float:
    for _ in range(3):
        await step()
    spent = []
    for _ in range(runs):
        began = time.process_time()
        await step()
        spent.append((time.process_time() - began) * 1000)
    return statistics.median(spent)


async def phases(raw: bytes, runs: int, store: SqlStore, client: httpx.AsyncClient) -> dict[str, float]:
    settings = Settings()
    key = assertion_key(settings)
    async with httpx.AsyncClient() as http:
        request = parse_hook_request(raw)
        source = request.source()
        gathered = await gather(source, settings=settings, http=http)
        determinations = decide_all(gathered, today=TODAY, settings=settings)
        assessed = assess(determinations, scope=assertion_scope(source.patient_id, None), key=key)
        records = determination_records(assessed, patient_id="p", client="", now=_now(), retention_days=365)
        body = build_response(assessed, request.options(), settings=settings, today=TODAY)

        async def parse() -> None:
            parse_hook_request(raw).source()

        async def gather_step() -> None:
            await gather(source, settings=settings, http=http)

        async def decide() -> None:
            decide_all(gathered, today=TODAY, settings=settings)

        async def response() -> None:
            build_response(assessed, request.options(), settings=settings, today=TODAY)

        async def record() -> None:
            determination_records(assessed, patient_id="p", client="", now=_now(), retention_days=365)

        async def save() -> None:
            await store.save_determinations(records)

        async def encode() -> None:
            orjson.dumps(body)

        async def route() -> None:
            answer = await client.post(
                f"/cds-services/{SERVICE_ID}", content=raw, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 200, answer.text

        figures = {
            "parse": await _cpu_ms(parse, runs),
            "gather": await _cpu_ms(gather_step, runs),
            "decide": await _cpu_ms(decide, runs),
            "response": await _cpu_ms(response, runs),
            "record": await _cpu_ms(record, runs),
            "save": await _cpu_ms(save, runs),
            "encode": await _cpu_ms(encode, runs),
        }
        figures["steps"] = sum(figures.values())
        figures["hook"] = await _cpu_ms(route, runs)
        figures["rest"] = figures["hook"] - figures["steps"]
        figures["orjson.loads"] = await _cpu_ms(_loads(raw), runs)
        return figures


def _loads(raw: bytes) -> Callable[[], Awaitable[None]]:
    async def step() -> None:
        orjson.loads(raw)

    return step


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def fit(sizes: list[int], values: list[float]) -> tuple[float, float]:
    """Least-squares slope (per administration) and intercept."""
    mean_x, mean_y = statistics.fmean(sizes), statistics.fmean(values)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(sizes, values, strict=True)) / sum(
        (x - mean_x) ** 2 for x in sizes
    )
    return slope, mean_y - slope * mean_x


async def main(sizes: list[int], runs: int) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    folder = tempfile.mkdtemp()
    app = create_app(Settings(data_dir=folder))
    store = SqlStore.from_settings(Settings(database_url=f"sqlite:///{folder}/phases.sqlite3"))
    await store.migrate()
    results: dict[int, dict[str, float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            # Start-up's warm-up (imports, in a thread) must be over: process time counts every thread.
            await wait_ready(client, "/readyz")
            for size in sizes:
                results[size] = await phases(body_of(size), runs, store, client)
    await store.close()
    names = list(next(iter(results.values())))
    print(f"CPU ms per step of one order-sign hook, in process, full prefetch, median of {runs} runs")
    print(f"{'step':<14}" + "".join(f"{f'N={size}':>10}" for size in sizes) + "   µs/adm  intercept ms")
    for name in names:
        values = [results[size][name] for size in sizes]
        line = f"{name:<14}" + "".join(f"{value:10.3f}" for value in values)
        if len(sizes) > 1:
            slope, intercept = fit(sizes, values)
            line += f"  {slope * 1000:7.2f}  {intercept:9.3f}"
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--sizes", default="10,30,500,1000")
    arguments = parser.parse_args()
    asyncio.run(main([int(size) for size in arguments.sizes.split(",")], arguments.runs))
