"""Isolation of decisions: what deciding in a process costs, and what it buys under saturation.

A real ``cds-service serve --workers 1`` on loopback, pinned to CPU 0 (its decision process inherits the pin,
so "after" runs on the same core as "before"), the load generator (this process) pinned to CPU 1, as the
other HTTP benchmarks do (bench/http_bench.py). Full prefetch, so the work is the service's own CPU.

1. Throughput and latency, before (``CDS_DECISION_PROCESSES=0``: decisions on the event loop) and after
   (``CDS_DECISION_PROCESSES=1``), at N=30 and N=500 administrations, 1 and 4 closed-loop clients, no
   in-flight bound: hooks/s, p50, p99; and the CPU the service spends per hook, its decision processes
   included (from /proc: user + system time of the process tree over sequential hooks), which the noise of
   a shared machine moves far less than the wall-clock figures. The difference is the cost of the process
   hop (the request's bytes out, the answer's bytes back).
2. Saturation with heavy hooks (``--heavy`` administrations, 2,000 by default: tens of ms of CPU each)
   from 8 clients against the default bound of 2 in flight, for ``--seconds``: meanwhile a prober asks
   ``/healthz`` every 20 ms. The time to each ``/healthz`` answer and to each 503 a load client gets
   (shed) are the figures: on the event loop they wait for the decision running there; in a process
   they do not. A shed client waits its ``Retry-After`` (1 s) before it sends again, as an EHR would (one
   that came back at once would mostly measure the service receiving bodies it refuses).

Prints figures, asserts nothing (the machine is shared and noisy: compare within one run).

Run: .venv/bin/python -m bench.isolation_bench [--seconds S] [--heavy N] [--quick]
(``--quick``: one second per level, to check the script runs; not figures.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fhir"))

from bench.gather_decide import big_request
from bench.http_bench import pinned
from bench.overload_bench import Run, load, percentile
from tests.local_server import free_port

MODES = {"before (event loop)": "0", "after (1 process)": "1"}
SIZES = (30, 500)
CLIENTS = (1, 4)
SATURATING_CLIENTS = 8
BOUND = 2  # CDS_MAX_HOOKS_IN_FLIGHT's default
PROBE_EVERY_SECONDS = 0.02
CPU_HOOKS = 100  # sequential hooks over which the CPU per hook is measured


class Serve:
    """``cds-service serve`` on CPU 0 with the given environment; logs discarded."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {key: val for key, val in os.environ.items() if not key.startswith("CDS_")}
        environment |= {"CDS_DATA_DIR": str(tmp / f"var-{self.port}"), **env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cds_service", "serve", "--port", str(self.port)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **pinned(0),
        )

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                try:
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the service did not become ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def body_of(administrations: int) -> bytes:
    request = big_request(administrations)
    del request["fhirServer"], request["fhirAuthorization"]  # full prefetch: only the service's CPU
    return orjson.dumps(request)


def line(run: Run) -> str:
    return (
        f"{run.clients} client(s): {run.throughput:6.1f} hooks/s, "
        f"p50 {percentile(run.accepted, 0.5):6.1f} ms, "
        f"p99 {percentile(run.accepted, 0.99):6.1f} ms ({len(run.accepted)} hooks)"
    )


def _tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = int(fields[11]) + int(fields[12])  # utime, stime
    tree, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        tree |= frontier
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


async def cpu_per_hook(server: Serve, body: bytes) -> float:
    """Milliseconds of the service's CPU (its decision processes too) per hook, hooks sent one by one."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as client:
        for _ in range(5):  # warm
            await client.post("/cds-services/dexrazoxane-order-sign", content=body)
        before = _tree_cpu_seconds(server.process.pid)
        for _ in range(CPU_HOOKS):
            await client.post("/cds-services/dexrazoxane-order-sign", content=body)
        return (_tree_cpu_seconds(server.process.pid) - before) / CPU_HOOKS * 1000


async def throughput(tmp: Path, seconds: float) -> None:
    print("1. throughput and latency (no in-flight bound)")
    for size in SIZES:
        body = body_of(size)
        print(f"   N={size} administrations ({len(body) / 1024:.0f} KB)")
        for mode, processes in MODES.items():
            server = Serve(tmp, CDS_DECISION_PROCESSES=processes, CDS_MAX_HOOKS_IN_FLIGHT="10000")
            try:
                await server.ready()
                for clients in CLIENTS:
                    run = await load(server.url, body, clients, seconds)
                    print(f"     {mode:<20} {line(run)}")
                if sys.platform.startswith("linux"):
                    cpu = await cpu_per_hook(server, body)
                    print(f"     {mode:<20} CPU per hook: {cpu:.1f} ms (service and decision processes)")
            finally:
                server.stop()


async def probe(url: str, stop_at: float) -> list[float]:
    """The time to each /healthz answer, asked every PROBE_EVERY_SECONDS on a connection of its own."""
    times: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as client:
        await client.get("/healthz")
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            response = await client.get("/healthz")
            if response.status_code == 200:
                times.append((time.perf_counter() - began) * 1000)
            await asyncio.sleep(PROBE_EVERY_SECONDS)
    return times


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {percentile(values, 0.5):6.1f} ms, p99 {percentile(values, 0.99):6.1f} ms, "
        f"max {max(values):6.1f} ms ({len(values)})"
    )


async def saturation(tmp: Path, seconds: float, heavy: int) -> None:
    body = body_of(heavy)
    print(
        f"2. saturated: {SATURATING_CLIENTS} clients of N={heavy} hooks ({len(body) / 1024:.0f} KB), "
        f"CDS_MAX_HOOKS_IN_FLIGHT={BOUND}, /healthz every {PROBE_EVERY_SECONDS * 1000:.0f} ms"
    )
    for mode, processes in MODES.items():
        server = Serve(tmp, CDS_DECISION_PROCESSES=processes, CDS_MAX_HOOKS_IN_FLIGHT=str(BOUND))
        try:
            await server.ready()
            stop_at = time.perf_counter() + seconds
            run, health = await asyncio.gather(
                load(server.url, body, SATURATING_CLIENTS, seconds, honour_retry_after=True),
                probe(server.url, stop_at),
            )
            print(f"   {mode}")
            print(f"     accepted: {line(run)}")
            print(f"     /healthz: {spread(health)}")
            print(f"     503 shed: {spread(run.shed)}")
            if run.late:
                print(f"     503 past the deadline: {len(run.late)}")
        finally:
            server.stop()


async def main(seconds: float, heavy: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})  # the load generator on CPU 1, the service on CPU 0
        print("service on CPU 0, load generator on CPU 1")
    else:
        print("one CPU: service and load generator share it (figures are not comparable to two CPUs)")
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"isolation-bench-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    await throughput(tmp, seconds)
    await saturation(tmp, seconds, heavy)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--heavy", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="one second per level: checks the script runs")
    arguments = parser.parse_args()
    asyncio.run(main(1.0 if arguments.quick else arguments.seconds, arguments.heavy))
