"""CPU time per hook of the ordering workflow, in-process (ASGI, no network, full prefetch), for patients
with N prior doxorubicin administrations: order-select, order-sign, then order-dispatch of the signed order
with nothing changed (the determination on record read, the basis compared, nothing written), median and p99.

What order-dispatch adds to order-sign's work is the store read and the basis: the determination's JSON
rendered and hashed once more. CPU time (``time.process_time``) as in ``bench/hook_cpu.py``; prints
figures only.

Run: .venv/bin/python -m bench.workflow_cpu [--runs N] [--sizes 30,500,2000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from typing import Any

import httpx
import orjson

from bench.gather_decide import big_request
from cds_service.app import create_app
from cds_service.hooks.discovery import DISPATCH_SERVICE_ID, SELECT_SERVICE_ID, SERVICE_ID
from cds_service.settings import Settings
from tests.hooks.workflow import as_dispatch, as_select


def bodies(administrations: int) -> dict[str, Any]:
    sign = big_request(administrations)
    del sign["fhirServer"], sign["fhirAuthorization"]  # full prefetch: nothing to fetch
    return {"sign": sign, "select": as_select(sign), "dispatch": as_dispatch(sign)}


async def cpu_times(sizes: list[int], runs: int) -> None:
    app = create_app(Settings(data_dir=tempfile.mkdtemp()))
    logging.getLogger("cds_service").setLevel(logging.WARNING)
    paths = {"select": SELECT_SERVICE_ID, "sign": SERVICE_ID, "dispatch": DISPATCH_SERVICE_ID}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def hook(name: str, raw: bytes) -> float:
                began = time.process_time()
                response = await client.post(
                    f"/cds-services/{paths[name]}", content=raw, headers={"Content-Type": "application/json"}
                )
                spent = (time.process_time() - began) * 1000
                assert response.status_code == 200, response.text
                return spent

            print(f"CPU time per hook, in-process, full prefetch, {runs} runs per size and hook")
            for size in sizes:
                raws = {name: orjson.dumps(body) for name, body in bodies(size).items()}
                for name in ("select", "sign", "dispatch"):  # warm-up, and the order signed once
                    for _ in range(3):
                        await hook(name, raws[name])
                for name in ("select", "sign", "dispatch"):
                    timings = sorted([await hook(name, raws[name]) for _ in range(runs)])
                    p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
                    print(
                        f"N={size:<5} {name:<9} median {statistics.median(timings):7.2f} ms"
                        f"  p99 {p99:7.2f} ms  min {timings[0]:7.2f} ms"
                    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sizes", default="30,500,2000")
    arguments = parser.parse_args()
    asyncio.run(cpu_times([int(size) for size in arguments.sizes.split(",")], arguments.runs))
