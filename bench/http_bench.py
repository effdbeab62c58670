"""The service over real HTTP (uvicorn, loopback), side by side with a bare FastAPI endpoint that only
``orjson.loads`` the body, in the same run (the figures and goals of docs/performance.md). Prints figures,
asserts none.

For N = 30, 500 and 2000 prior doxorubicin administrations (``bench.gather_decide.big_request``, full
prefetch): p50/p99 at concurrency 1, hooks/s with one worker, and the ratios route p99 ÷ bare endpoint
p99 and route p99 ÷ ``orjson.loads`` of the body in this process. Then hooks/s for N = 30 with two
workers, and the no-prefetch case against a local FHIR server (the fake one of ``tests/fhir``, served
by uvicorn on 127.0.0.1, admitted by ``CDS_FHIR_SERVER_ALLOWLIST``): the hook's p50 beside the slowest
single query the service sent, all its pages, read directly.

Every loop is bounded (a fixed number of requests, a timeout on each) and every server this starts is
stopped by its own process handle at the end. The machine is shared (2 cores): runs are short and the
figures noisy; compare within one run.

Run: .venv/bin/python -m bench.http_bench [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import FastAPI, Request, Response

from tests.local_server import free_port

ROOT = Path(__file__).resolve().parents[1]
SERVICE_PATH = "/cds-services/dexrazoxane-order-sign"

# The bare endpoint: what any JSON service pays for this body (uvicorn, FastAPI, one orjson.loads).
bare_app = FastAPI()


@bare_app.post("/bare")
async def bare(request: Request) -> Response:
    orjson.loads(await request.body())
    return Response(b"{}", media_type="application/json")


def fhir_app() -> Any:
    """ASGI app of the fake FHIR server holding the bench patient (env BENCH_ADMINISTRATIONS, BENCH_BASE).
    ``GET /_requests`` answers, and forgets, what it was asked since the last time: each URL with the
    ``time.monotonic()`` (one clock for every process on Linux) it arrived and its answer was sent."""
    sys.path.insert(0, str(ROOT / "tests" / "fhir"))
    from fake_fhir_server import FakeFhirServer
    from request_fixtures import server_resources

    from bench.gather_decide import big_request

    body = big_request(int(os.environ["BENCH_ADMINISTRATIONS"]))
    fake = FakeFhirServer(os.environ["BENCH_BASE"], server_resources(body), max_page_size=1000)
    asked: list[tuple[str, float, float]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        arrived = time.monotonic()
        query = scope["query_string"].decode()
        url = f"http://127.0.0.1:{scope['server'][1]}{scope['path']}" + (f"?{query}" if query else "")
        if scope["path"] == "/_requests":
            status, content = 200, orjson.dumps(asked)
            asked.clear()
        else:
            answer = fake.handle(httpx.Request(scope["method"], url))
            status, content = answer.status_code, answer.read()
        headers = [
            (b"content-type", b"application/fhir+json"),
            (b"content-length", str(len(content)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        if scope["path"] != "/_requests":
            asked.append((url, arrived, time.monotonic()))

    return app


def pinned(*cpus: int) -> dict[str, Any]:
    """Popen arguments that start a process on ``cpus``. As docs/performance.md measures: the service on CPU
    0, the load generator and the FHIR server on CPU 1, so neither preempts the other (two workers get both);
    nothing on a one-CPU machine. Other work on the machine still competes."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return {}
    return {"preexec_fn": lambda: os.sched_setaffinity(0, set(cpus))}


@contextmanager
def uvicorn(
    target: str, *, factory: bool = False, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A uvicorn process on 127.0.0.1 serving ``target``; yields its base URL; stopped on exit."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    if factory:
        command.append("--factory")
    cpus = (0,) if workers == 1 else (0, 1)
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, **QUIET, **pinned(*cpus))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def wait_ready(client: httpx.AsyncClient, url: str) -> None:
    for _ in range(300):  # at most ~30 s
        try:
            if (await client.get(url)).status_code in (200, 405):
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def latencies(client: httpx.AsyncClient, url: str, raw: bytes, runs: int) -> list[float]:
    """Sequential requests (concurrency 1), in ms, after 3 warm-up calls."""
    headers = {"Content-Type": "application/json"}
    for _ in range(3):
        (await client.post(url, content=raw, headers=headers)).raise_for_status()
    found = []
    for _ in range(runs):
        began = time.perf_counter()
        response = await client.post(url, content=raw, headers=headers)
        found.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return sorted(found)


async def throughput(client: httpx.AsyncClient, url: str, raw: bytes, total: int, concurrency: int) -> float:
    """Hooks per second: ``total`` requests, ``concurrency`` at a time."""
    headers = {"Content-Type": "application/json"}
    left = iter(range(total))

    async def worker() -> None:
        for _ in left:
            (await client.post(url, content=raw, headers=headers)).raise_for_status()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - began)


def p(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))]


def loads_ms(raw: bytes) -> float:
    times = []
    for _ in range(15):
        began = time.perf_counter()
        orjson.loads(raw)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


# The servers' logs (one JSON line per hook call) would bury the figures.
QUIET: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
SERVICE_ENV = {"CDS_LOG_LEVEL": "WARNING"}  # the store: the default SQLite file under var/


async def full_prefetch(sizes: list[int], runs: dict[int, int]) -> None:
    from bench.gather_decide import big_request

    print(
        "| N (body) | bare orjson endpoint p50 / p99 | service p50 / p99 (c=1) | p99 ÷ bare p99 "
        "| p99 ÷ orjson.loads | hooks/s (1 worker, c=4) |"
    )
    print("|---|---|---|---|---|---|")
    timeout = httpx.Timeout(30.0)
    with (
        uvicorn("bench.http_bench:bare_app") as bare_base,
        uvicorn("cds_service.app:create_app", factory=True, env=SERVICE_ENV) as service_base,
    ):
        async with httpx.AsyncClient(timeout=timeout) as client:
            await wait_ready(client, f"{service_base}/readyz")
            await wait_ready(client, f"{bare_base}/bare")
            for n in sizes:
                body = big_request(n)
                del body["fhirServer"], body["fhirAuthorization"]  # full prefetch: nothing to fetch
                raw = orjson.dumps(body)
                bare_ms = await latencies(client, f"{bare_base}/bare", raw, runs[n])
                route_ms = await latencies(client, service_base + SERVICE_PATH, raw, runs[n])
                rate = await throughput(client, service_base + SERVICE_PATH, raw, max(8, runs[n]), 4)
                parse = loads_ms(raw)
                print(
                    f"| {n} ({len(raw) / 1024:.0f} KB) | {p(bare_ms, 0.5):.1f} / {p(bare_ms, 0.99):.1f} ms"
                    f" | {p(route_ms, 0.5):.1f} / {p(route_ms, 0.99):.1f} ms"
                    f" | {p(route_ms, 0.99) / p(bare_ms, 0.99):.1f}x"
                    f" | {p(route_ms, 0.99) / parse:.1f}x ({parse:.2f} ms)"
                    f" | {rate:.0f} |"
                )


async def gc_compare(n: int, runs: int, rounds: int = 3) -> None:
    """p50/p99 at N with the service's GC tuning on and off (``CDS_GC_TUNING``), alternating rounds."""
    from bench.gather_decide import big_request

    body = big_request(n)
    del body["fhirServer"], body["fhirAuthorization"]
    raw = orjson.dumps(body)
    found: dict[str, list[float]] = {"on": [], "off": []}
    with (
        uvicorn("cds_service.app:create_app", factory=True, env=SERVICE_ENV) as tuned,
        uvicorn(
            "cds_service.app:create_app", factory=True, env={**SERVICE_ENV, "CDS_GC_TUNING": "false"}
        ) as off,
    ):
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
            await wait_ready(client, f"{tuned}/readyz")
            await wait_ready(client, f"{off}/readyz")
            for _ in range(rounds):
                found["on"] += await latencies(client, tuned + SERVICE_PATH, raw, runs)
                found["off"] += await latencies(client, off + SERVICE_PATH, raw, runs)
    on, default = sorted(found["on"]), sorted(found["off"])
    print(
        f"\nGC, N={n}, {len(on)} calls each (alternating rounds): tuned p50 {p(on, 0.5):.1f} / p99 "
        f"{p(on, 0.99):.1f} ms; CPython defaults p50 {p(default, 0.5):.1f} / p99 {p(default, 0.99):.1f} ms"
    )


async def two_workers(requests: int) -> None:
    from bench.gather_decide import big_request

    body = big_request(30)
    del body["fhirServer"], body["fhirAuthorization"]
    raw = orjson.dumps(body)
    with uvicorn("cds_service.app:create_app", factory=True, workers=2, env=SERVICE_ENV) as base:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
            await wait_ready(client, f"{base}/readyz")
            await asyncio.sleep(1.0)  # the second worker's warm-up
            await throughput(client, base + SERVICE_PATH, raw, 20, 4)
            rate = await throughput(client, base + SERVICE_PATH, raw, requests, 8)
    print(f"\nN=30, `--workers 2`, c=8, {requests} requests: {rate:.0f} hooks/s")


async def read_all_pages(client: httpx.AsyncClient, url: str) -> float:
    began = time.perf_counter()
    for _ in range(20):  # bounded
        page = (await client.get(url)).json()
        following = [link["url"] for link in page.get("link", []) if link.get("relation") == "next"]
        if not following:
            break
        url = following[0]
    return (time.perf_counter() - began) * 1000


async def no_prefetch(n: int, runs: int) -> None:
    """The hook with nothing prefetched: how long before the first FHIR query arrives, the span of the
    FHIR traffic, and how long after the last answer the hook answers; beside the slowest single query
    read directly (all its pages). The fake server answers one query at a time (one Python process), so
    the span is the sum of its queries rather than the slowest: the service's own share is before + after.
    """
    from bench.gather_decide import big_request

    fhir_port = free_port()
    fhir_base = f"http://127.0.0.1:{fhir_port}/fhir"
    log_url = f"http://127.0.0.1:{fhir_port}/_requests"
    body = big_request(n)
    del body["prefetch"]
    body["fhirServer"] = fhir_base
    raw = orjson.dumps(body)
    env = {**SERVICE_ENV, "CDS_FHIR_SERVER_ALLOWLIST": orjson.dumps([fhir_base]).decode()}
    fake_env = {"BENCH_ADMINISTRATIONS": str(n), "BENCH_BASE": fhir_base}
    command = [sys.executable, "-m", "uvicorn", "bench.http_bench:fhir_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(fhir_port), "--log-level", "warning", "--no-access-log"]
    fhir = subprocess.Popen(  # noqa: ASYNC220
        command, cwd=ROOT, env={**os.environ, **fake_env}, **QUIET, **pinned(1)
    )
    before, span, after, total = [], [], [], []
    try:
        with uvicorn("cds_service.app:create_app", factory=True, env=env) as service_base:
            async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
                await wait_ready(client, f"{service_base}/readyz")
                await wait_ready(client, log_url)
                await latencies(client, service_base + SERVICE_PATH, raw, 0)  # warm-up
                asked: list[list[Any]] = []
                for _ in range(runs):
                    await client.get(log_url)
                    sent = time.monotonic()
                    (await client.post(service_base + SERVICE_PATH, content=raw)).raise_for_status()
                    answered = time.monotonic()
                    asked = (await client.get(log_url)).json()
                    first, last = min(a[1] for a in asked), max(a[2] for a in asked)
                    before.append((first - sent) * 1000)
                    span.append((last - first) * 1000)
                    after.append((answered - last) * 1000)
                    total.append((answered - sent) * 1000)
                searches = [a[0] for a in asked if "?" in a[0] and "_offset=" not in a[0]]
                slowest = [
                    max([await read_all_pages(client, u) for u in searches] or [0.0]) for _ in range(5)
                ]
    finally:
        fhir.terminate()
        fhir.wait(timeout=10)
    med = statistics.median
    print(
        f"\nno prefetch, N={n}, everything from a local FHIR server ({len(asked)} requests per hook), "
        f"medians of {runs}: hook {med(total):.1f} ms = {med(before):.1f} ms before the first query "
        f"arrives + {med(span):.1f} ms of FHIR traffic + {med(after):.1f} ms after the last answer; "
        f"slowest single query read directly (all pages) {med(slowest):.1f} ms; "
        f"total - slowest {med(total) - med(slowest):+.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0
    runs = {30: int(300 * scale), 500: int(100 * scale), 2000: max(5, int(30 * scale))}
    if pinned(1):
        os.sched_setaffinity(0, {1})
    await full_prefetch([30, 500, 2000], runs)
    await gc_compare(500, max(10, int(60 * scale)))
    await two_workers(int(600 * scale))
    await no_prefetch(500, max(5, int(50 * scale)))


if __name__ == "__main__":
    asyncio.run(main())
