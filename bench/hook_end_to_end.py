"""Figures for one whole order-sign call through the app in-process (ASGI, no network): body parsing,
gathering a full prefetch, facts, the criteria tree and the response, for a patient with N doxorubicin
administrations. The HTTP server and the wire are left out; docs/performance.md measures them.

Run: .venv/bin/python -m bench.hook_end_to_end [--runs N] [--administrations N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time

import httpx
import orjson

from bench.gather_decide import big_request
from cds_service.app import create_app
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import Settings


async def main(runs: int, administrations: int) -> None:
    body = big_request(administrations)
    del body["fhirServer"], body["fhirAuthorization"]  # full prefetch: nothing to fetch
    raw = orjson.dumps(body)
    app = create_app(Settings(data_dir=tempfile.mkdtemp()))
    logging.getLogger("cds_service").setLevel(logging.WARNING)
    timings: list[float] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(runs):
                began = time.perf_counter()
                response = await client.post(
                    f"/cds-services/{SERVICE_ID}", content=raw, headers={"Content-Type": "application/json"}
                )
                timings.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.text
    timings.sort()
    print(
        f"order-sign in-process, {administrations} administrations ({len(raw) / 1024:.0f} KB body), "
        f"{runs} runs: median {statistics.median(timings):.1f} ms, "
        f"p90 {timings[int(len(timings) * 0.9)]:.1f} ms, min {timings[0]:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--administrations", type=int, default=500)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.administrations))
