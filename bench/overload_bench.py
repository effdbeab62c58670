"""Overload figures for one worker: the capacity, then what happens at 2x and 4x of it.

A real ``cds-service serve`` (uvicorn, one worker) on loopback answers order-sign hooks for a heavy patient
(full prefetch, 500 doxorubicin administrations, so the work is the service's own CPU, no FHIR server).
Concurrent clients (closed loop: each sends its next hook when the last is answered) run for a fixed time.

1. Capacity: with the bound out of the way, at 1, 2, 3, 4, 6 and 8 clients, the throughput and p50/p99.
   The unloaded p99 is the one at 1 client; the capacity is the fewest clients that get 90% of the best
   throughput (beyond it, callers only queue: latency grows, throughput does not).
2. Overload: the service restarted with ``CDS_MAX_HOOKS_IN_FLIGHT`` = capacity, then 2x and 4x capacity
   clients: the accepted hooks' p99 against the unloaded p99, and how fast the rest get their 503.

Prints figures, asserts nothing (the machine is shared and noisy; compare within one run).

Run: .venv/bin/python -m bench.overload_bench [--seconds S] [--administrations N] [--capacity C]
(``--capacity C``: skip measuring it, use C as the bound.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fhir"))

from bench.gather_decide import big_request
from cds_service.hooks.discovery import SERVICE_ID
from tests.local_server import free_port

CAPACITY_LEVELS = (1, 2, 3, 4, 6, 8)
KNEE = 0.9  # capacity: the fewest clients reaching this share of the best throughput
WITHIN = 2.0  # goal: accepted p99 at most this many times the unloaded p99
SHED_WITHIN_MS = 50.0  # goal: a refused hook gets its 503 within this


@dataclass
class Run:
    clients: int
    seconds: float
    accepted: list[float] = field(default_factory=list)  # ms
    shed: list[float] = field(default_factory=list)  # ms, 503 transient
    late: list[float] = field(default_factory=list)  # ms, 503 timeout
    other: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return len(self.accepted) / self.seconds


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class Server:
    """``cds-service serve`` in a subprocess, one worker, logs at warning level."""

    def __init__(self, max_in_flight: int) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "CDS_MAX_HOOKS_IN_FLIGHT": str(max_in_flight),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "cds_service.app:create_app",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("the service did not become ready")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


async def load(
    url: str, body: bytes, clients: int, seconds: float, *, honour_retry_after: bool = False
) -> Run:
    """Closed-loop clients sending ``body`` for ``seconds``. A shed client (503 ``transient``) comes back
    after 5 ms, or, with ``honour_retry_after``, after the Retry-After it was given, as an EHR would."""
    run = Run(clients, seconds)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as http:
        # Warm the connections and the service's caches (not counted).
        await asyncio.gather(*(http.get("/healthz") for _ in range(clients)))
        stop_at = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                response = await http.post(
                    f"/cds-services/{SERVICE_ID}", content=body, headers={"Content-Type": "application/json"}
                )
                took = (time.perf_counter() - began) * 1000
                if response.status_code == 200:
                    run.accepted.append(took)
                elif response.status_code == 503:
                    code = response.json()["issue"][0]["code"]
                    (run.shed if code == "transient" else run.late).append(took)
                    if honour_retry_after and code == "transient":
                        wait = float(response.headers.get("Retry-After", "1"))
                        await asyncio.sleep(min(wait, max(0.0, stop_at - time.perf_counter())))
                    else:
                        # A 503 is answered at once; a client hammering back would measure only itself.
                        await asyncio.sleep(0.005)
                else:
                    run.other[response.status_code] = run.other.get(response.status_code, 0) + 1

        await asyncio.gather(*(client() for _ in range(clients)))
    return run


def describe(run: Run) -> str:
    text = (
        f"{run.clients:>2} clients: {run.throughput:6.1f} hooks/s accepted, "
        f"p50 {percentile(run.accepted, 0.5):7.1f} ms, p99 {percentile(run.accepted, 0.99):7.1f} ms "
        f"({len(run.accepted)} accepted)"
    )
    if run.shed:
        text += (
            f"; {len(run.shed)} shed (503) in p50 {percentile(run.shed, 0.5):.1f} ms, "
            f"p99 {percentile(run.shed, 0.99):.1f} ms, max {max(run.shed):.1f} ms"
        )
    if run.late:
        text += f"; {len(run.late)} past the deadline"
    if run.other:
        text += f"; other statuses {run.other}"
    return text


async def main(seconds: float, administrations: int, capacity: int | None) -> None:
    request = big_request(administrations)
    del request["fhirServer"], request["fhirAuthorization"]  # full prefetch: only the service's CPU
    body = orjson.dumps(request)
    print(
        f"order-sign over loopback, one worker, {administrations} administrations ({len(body) / 1024:.0f} KB)"
    )

    server = Server(max_in_flight=10_000)
    try:
        await server.ready()
        print("1. capacity, no bound:" if capacity is None else "1. unloaded, no bound:")
        runs = []
        for clients in CAPACITY_LEVELS if capacity is None else (1,):
            run = await load(server.url, body, clients, seconds)
            runs.append(run)
            print("   " + describe(run))
    finally:
        server.stop()
    unloaded_p99 = percentile(runs[0].accepted, 0.99)
    # The knee: the fewest clients that get KNEE of the best throughput; more clients only queue.
    best = max(run.throughput for run in runs)
    measured = min(run.clients for run in runs if run.throughput >= KNEE * best)
    capacity = capacity or measured
    if len(runs) > 1:
        print(
            f"   unloaded p99 {unloaded_p99:.1f} ms; capacity (fewest clients with {KNEE:.0%} of the best "
            f"throughput): {measured}; bound used: {capacity}"
        )
    else:
        print(f"   unloaded p99 {unloaded_p99:.1f} ms; bound used: {capacity}")

    server = Server(max_in_flight=capacity)
    try:
        await server.ready()
        print(f"2. overload, CDS_MAX_HOOKS_IN_FLIGHT={capacity}:")
        for factor in (1, 2, 4):
            run = await load(server.url, body, factor * capacity, seconds)
            ratio = percentile(run.accepted, 0.99) / unloaded_p99
            print(f"   {factor}x: " + describe(run) + f"; accepted p99 = {ratio:.2f}x unloaded p99")
            if factor > 1:
                shed_p99 = percentile(run.shed, 0.99)
                print(
                    f"       goals: accepted p99 within {WITHIN:g}x unloaded: "
                    f"{'yes' if ratio <= WITHIN else 'no'}; 503 p99 within {SHED_WITHIN_MS:g} ms: "
                    f"{'yes' if shed_p99 <= SHED_WITHIN_MS else 'no'} ({shed_p99:.1f} ms)"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--administrations", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=None, help="bound to use instead of the measured one")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.administrations, arguments.capacity))
