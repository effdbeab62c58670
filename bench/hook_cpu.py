"""CPU time per order-sign hook, in-process (ASGI, no network, full prefetch), for patients with N prior
doxorubicin administrations: median and p99 at N = 30, 500 and 2000.

CPU time (``time.process_time``: every thread of this process, so the store's writes and the garbage
collector count) rather than wall-clock time, so the other processes on a shared machine move the figures
less. Prints figures only; compare runs made one after the other on the same machine.

Run: .venv/bin/python -m bench.hook_cpu [--runs N] [--sizes 30,500,2000] [--profile N]
(``--profile N`` prints a cProfile of 20 hooks at N administrations instead, the top by cumulative time.)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import statistics
import tempfile
import time

import httpx
import orjson

from bench.gather_decide import big_request
from bench.http_bench import wait_ready
from cds_service.app import create_app
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import Settings


def body_of(administrations: int) -> bytes:
    body = big_request(administrations)
    del body["fhirServer"], body["fhirAuthorization"]  # full prefetch: nothing to fetch
    return orjson.dumps(body)


async def cpu_times(sizes: list[int], runs: int, profile: int | None) -> None:
    app = create_app(Settings(data_dir=tempfile.mkdtemp()))
    logging.getLogger("cds_service").setLevel(logging.WARNING)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            # Start-up's warm-up (imports, in a thread) must be over: process time counts every thread.
            await wait_ready(client, "/readyz")

            async def hook(raw: bytes) -> float:
                began = time.process_time()
                response = await client.post(
                    f"/cds-services/{SERVICE_ID}", content=raw, headers={"Content-Type": "application/json"}
                )
                spent = (time.process_time() - began) * 1000
                assert response.status_code == 200, response.text
                return spent

            if profile is not None:
                raw = body_of(profile)
                for _ in range(3):
                    await hook(raw)  # warm-up: imports, caches
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(20):
                    await hook(raw)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
                return
            print(f"CPU time per order-sign hook, in-process, full prefetch, {runs} runs per size")
            for size in sizes:
                raw = body_of(size)
                for _ in range(3):
                    await hook(raw)
                timings = sorted([await hook(raw) for _ in range(runs)])
                p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
                print(
                    f"N={size:<5} ({len(raw) / 1024:5.0f} KB)  median {statistics.median(timings):7.2f} ms"
                    f"  p99 {p99:7.2f} ms  min {timings[0]:7.2f} ms"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sizes", default="30,500,2000")
    parser.add_argument("--profile", type=int, default=None)
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    asyncio.run(cpu_times(sizes, arguments.runs, arguments.profile))
