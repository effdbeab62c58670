"""What garbage collection costs a heavy hook call, with CPython's defaults and with the service's tuning
(cds_service/gc_tuning.py), in CPU time of this thread (``time.thread_time``): unlike wall-clock time it
does not count the time other processes on a shared machine take the CPU away, so the two settings can
be compared on a noisy machine. Prints figures, asserts none.

Each setting runs in a fresh process (a frozen generation cannot be undone cleanly): the app is started
in-process (ASGI, no network), warmed up, then serves ``--runs`` order-sign calls of a patient with N
prior administrations (full prefetch). Per setting: the calls' CPU time p50/p99/max, the collections per
generation and the longest pause.

Run: .venv/bin/python -m bench.gc_pauses [--runs 200] [--administrations 500]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import subprocess
import sys
import time
from typing import Any

import httpx
import orjson


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def measure(runs: int, administrations: int, tuned: bool) -> None:
    from bench.gather_decide import big_request
    from cds_service.app import create_app
    from cds_service.hooks.discovery import SERVICE_ID
    from cds_service.settings import Settings

    body = big_request(administrations)
    del body["fhirServer"], body["fhirAuthorization"]
    raw = orjson.dumps(body)
    app = create_app(Settings(gc_tuning=tuned))
    logging.getLogger("cds_service").setLevel(logging.WARNING)
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = []

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.thread_time())
        elif started:
            pauses[info["generation"]].append((time.thread_time() - started.pop()) * 1000)

    calls: list[float] = []
    async with app.router.lifespan_context(app):
        await app.state.runtime.ready.wait()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            url, headers = f"/cds-services/{SERVICE_ID}", {"Content-Type": "application/json"}
            for _ in range(5):
                await client.post(url, content=raw, headers=headers)
            gc.callbacks.append(on_gc)
            for _ in range(runs):
                began = time.thread_time()
                response = await client.post(url, content=raw, headers=headers)
                calls.append((time.thread_time() - began) * 1000)
                response.raise_for_status()
            gc.callbacks.remove(on_gc)
    collections = ", ".join(f"gen{g} {len(pauses[g])}" for g in (0, 1, 2))
    longest = max((max(v) for v in pauses.values() if v), default=0.0)
    full = sum(pauses[2])
    print(
        f"| {'tuned' if tuned else 'CPython defaults'} | {_p(calls, 0.5):.1f} / {_p(calls, 0.99):.1f} / "
        f"{max(calls):.1f} ms | {collections} | {longest:.1f} ms | {full:.0f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--administrations", type=int, default=500)
    parser.add_argument("--one", choices=["tuned", "default"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        asyncio.run(measure(args.runs, args.administrations, args.one == "tuned"))
        return
    print(f"N={args.administrations}, {args.runs} calls per setting, CPU time of the serving thread")
    print("| GC | call p50 / p99 / max | collections | longest pause | all full collections |")
    print("|---|---|---|---|---|")
    for one in ("default", "tuned"):
        command = [sys.executable, "-m", "bench.gc_pauses", "--one", one]
        command += ["--runs", str(args.runs), "--administrations", str(args.administrations)]
        subprocess.run(command, check=True, timeout=600)


if __name__ == "__main__":
    main()
