"""Cost per hook over real HTTP, the figures of the "cost per hook" table, for a quiet machine: the service
(uvicorn, one worker) on CPU 0, the load generator (``hey``) on CPU 1 (``taskset``), alternating in each
repetition with a bare FastAPI endpoint that only ``orjson.loads`` the body (the floor any JSON service
pays for the same bytes), and, when given, a HealthChain service; every ratio is taken inside one
repetition, then the repetitions' figures are shown side by side.

Per repetition (``--reps``, 3 by default; the order of service and floor swaps every repetition):

1. for each N of ``--sizes`` (prior doxorubicin administrations, full prefetch,
   ``bench.gather_decide.big_request``): p50 and p99 of ``--requests`` sequential hooks (c=1), service and
   floor; ``orjson.loads`` of the same body timed on CPU 0 in its own process;
2. the least-squares line of route p50 against N: its slope is the cost per administration, its
   intercept the fixed cost per hook (the floor's line beside it);
3. hooks/s at N=30 with 1 worker (c=4) and 2 workers (c=8; then the service has both CPUs and hey
   shares one: said beside the figure), and the floor's (and HealthChain's) req/s at N=30;
4. no prefetch: the hook against a local FHIR server (the fake of tests/fhir under uvicorn, on CPU 1),
   total - the slowest single query (all its pages, read alone), at N=30 and 500 (``bench.http_bench``);
5. bytes stored per determination: every column of the N=500 row, as SQLite holds it.

HealthChain (``--healthchain-python PY --healthchain-app module:app --healthchain-path /path``): a
HealthChain CDS Hooks app importable by that interpreter, answering order-sign at that path; it is loaded
like the floor and its req/s at N=30 compared (the lead of this service over it). The one the figures are
taken against reads the record through HealthChain's models and sums the doses (bench/README.md "The
HealthChain service"). Left out when not given.

Every server started here is stopped by its own process handle; every load is bounded (a request count).
Without ``hey`` on the PATH the requests are sent from this process (httpx, pinned to CPU 1), which adds
the client's own cost to every figure: said in the output.

Run: .venv/bin/python -m bench.http_cost [--reps 3] [--sizes 30,100,250,500,1000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.gather_decide import big_request
from bench.hook_phases import fit
from bench.http_bench import SERVICE_PATH, no_prefetch, pinned, wait_ready
from tests.local_server import free_port

ROOT = Path(__file__).resolve().parents[1]
HEY = shutil.which("hey")


def body_of(administrations: int) -> bytes:
    body = big_request(administrations)
    del body["fhirServer"], body["fhirAuthorization"]  # full prefetch: nothing to fetch
    return orjson.dumps(body)


@contextmanager
def server(
    command: list[str],
    *,
    cpus: tuple[int, ...],
    env: dict[str, str] | None = None,
    python: str = sys.executable,
) -> Iterator[str]:
    """A uvicorn process on 127.0.0.1 (``command``: its target and options), pinned to ``cpus``."""
    port = free_port()
    full = [python, "-m", "uvicorn", *command, "--host", "127.0.0.1", "--port", str(port)]
    full += ["--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(
        full,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **pinned(*cpus),
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _hey(url: str, body: Path, requests: int, concurrency: int) -> tuple[list[float], float]:
    """Latencies (ms, sorted) and req/s of ``requests`` POSTs by hey on CPU 1; every status must be 200."""
    command = ["hey", "-n", str(requests), "-c", str(concurrency), "-m", "POST", "-T", "application/json"]
    command += ["-D", str(body), "-o", "csv", url]
    if pinned(1):
        command = ["taskset", "-c", "1", *command]
    began = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600).stdout
    elapsed = time.perf_counter() - began
    rows = list(csv.DictReader(io.StringIO(output)))
    statuses = {row["status-code"] for row in rows}
    if statuses != {"200"} or len(rows) != requests:
        raise RuntimeError(f"{url}: statuses {sorted(statuses)}, {len(rows)} of {requests} answered")
    latencies = sorted(float(row["response-time"]) * 1000 for row in rows)
    offsets = [float(row["offset"]) + float(row["response-time"]) for row in rows]
    return latencies, len(rows) / (max(offsets) if offsets else elapsed)


async def _httpx(url: str, raw: bytes, requests: int, concurrency: int) -> tuple[list[float], float]:
    found: list[float] = []
    left = iter(range(requests))
    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:

        async def worker() -> None:
            for _ in left:
                began = time.perf_counter()
                answer = await client.post(url, content=raw, headers={"Content-Type": "application/json"})
                found.append((time.perf_counter() - began) * 1000)
                answer.raise_for_status()

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return sorted(found), requests / elapsed


async def load(url: str, raw: bytes, requests: int, concurrency: int) -> tuple[list[float], float]:
    """Warm-up (20 requests), then ``requests`` at ``concurrency``: sorted latencies (ms) and req/s."""
    with tempfile.NamedTemporaryFile(suffix=".json") as file:
        file.write(raw)
        file.flush()
        if HEY:
            _hey(url, Path(file.name), 20, 1)
            return _hey(url, Path(file.name), requests, concurrency)
        await _httpx(url, raw, 20, 1)
        return await _httpx(url, raw, requests, concurrency)


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))]


def loads_on_cpu0(raw: bytes) -> float:
    """Median ms of ``orjson.loads`` of ``raw``, in a process pinned to CPU 0 (the service's CPU)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as file:
        file.write(raw)
        file.flush()
        script = (
            "import orjson,sys,time,statistics\n"
            "raw=open(sys.argv[1],'rb').read()\n"
            "t=[]\n"
            "for _ in range(40):\n"
            "    b=time.perf_counter(); orjson.loads(raw); t.append(time.perf_counter()-b)\n"
            "print(statistics.median(t)*1000)\n"
        )
        command = [sys.executable, "-c", script, file.name]
        if pinned(0):
            command = ["taskset", "-c", "0", *command]
        return float(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def stored_bytes(data_dir: Path) -> int | None:
    """Every column of the latest determination row, as SQLite holds it."""
    path = data_dir / "cds-service.sqlite3"
    if not path.exists():
        return None
    with sqlite3.connect(path) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(determinations)")]
        total = " + ".join(f"coalesce(length(CAST({c} AS BLOB)), 0)" for c in columns)
        row = connection.execute(
            f"SELECT {total} FROM determinations ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
    return int(row[0]) if row else None


async def one_rep(rep: int, args: argparse.Namespace, sizes: list[int]) -> dict[str, Any]:
    figures: dict[str, Any] = {"sizes": {}}
    data_dir = Path(tempfile.mkdtemp())
    # Hooks in flight bounded above the load's concurrency: a shed hook (503) is no hook served.
    service_env = {"CDS_LOG_LEVEL": "WARNING", "CDS_DATA_DIR": str(data_dir), "CDS_MAX_HOOKS_IN_FLIGHT": "16"}
    with (
        server(["bench.http_bench:bare_app"], cpus=(0,)) as floor,
        server(["cds_service.app:create_app", "--factory"], cpus=(0,), env=service_env) as service,
    ):
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
            await wait_ready(client, f"{service}/readyz")
            await wait_ready(client, f"{floor}/bare")
        for size in sizes:
            raw = body_of(size)
            # alternated: the floor first in odd repetitions, the service first in even ones
            order = [("floor", f"{floor}/bare"), ("service", service + SERVICE_PATH)]
            if rep % 2 == 0:
                order.reverse()
            measured: dict[str, list[float]] = {}
            for name, url in order:
                measured[name], _ = await load(url, raw, args.requests, 1)
            figures["sizes"][size] = {
                "kb": len(raw) / 1024,
                "loads": loads_on_cpu0(raw),
                "service_p50": pct(measured["service"], 0.5),
                "service_p99": pct(measured["service"], 0.99),
                "floor_p50": pct(measured["floor"], 0.5),
                "floor_p99": pct(measured["floor"], 0.99),
            }
            if size == 500:
                figures["stored_bytes"] = stored_bytes(data_dir)
        raw30 = body_of(30)
        _, figures["rps_1"] = await load(service + SERVICE_PATH, raw30, args.requests * 2, 4)
        _, figures["floor_rps"] = await load(f"{floor}/bare", raw30, args.requests * 2, 4)
    with server(
        ["cds_service.app:create_app", "--factory", "--workers", "2"], cpus=(0, 1), env=service_env
    ) as service:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
            await wait_ready(client, f"{service}/readyz")
        await asyncio.sleep(1.0)  # the second worker's warm-up
        _, figures["rps_2"] = await load(service + SERVICE_PATH, raw30, args.requests * 2, 8)
    if args.healthchain_python:
        with server([args.healthchain_app], cpus=(0,), python=args.healthchain_python) as healthchain:
            url = healthchain + args.healthchain_path
            async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
                await wait_ready(client, url)
            _, figures["healthchain_rps"] = await load(url, raw30, args.requests * 2, 4)
    shutil.rmtree(data_dir, ignore_errors=True)
    return figures


def report(reps: list[dict[str, Any]], sizes: list[int]) -> None:
    client = (
        "hey on CPU 1" if HEY else "httpx in this process on CPU 1 (no hey: its own cost is in every figure)"
    )
    print(f"\nService and floor on CPU 0, load from {client}; {len(reps)} repetitions side by side\n")
    print(
        "| N (body) | route p50 / p99 (ms) | floor p50 / p99 (ms) | orjson.loads (ms) | route p99 ÷ loads |"
    )
    print("|---|---|---|---|---|")
    for size in sizes:
        rows = [rep["sizes"][size] for rep in reps]
        print(
            f"| {size} ({rows[0]['kb']:.0f} KB) | "
            + " · ".join(f"{r['service_p50']:.1f} / {r['service_p99']:.1f}" for r in rows)
            + " | "
            + " · ".join(f"{r['floor_p50']:.1f} / {r['floor_p99']:.1f}" for r in rows)
            + " | "
            + " · ".join(f"{r['loads']:.2f}" for r in rows)
            + " | "
            + " · ".join(f"{r['service_p99'] / r['loads']:.1f}x" for r in rows)
            + " |"
        )
    print("\n| figure | " + " | ".join(f"rep {n + 1}" for n in range(len(reps))) + " |")
    print("|---|" + "---|" * len(reps))

    def line(name: str, values: list[str]) -> None:
        print(f"| {name} | " + " | ".join(values) + " |")

    fits = [fit(sizes, [rep["sizes"][n]["service_p50"] for n in sizes]) for rep in reps]
    floor_fits = [fit(sizes, [rep["sizes"][n]["floor_p50"] for n in sizes]) for rep in reps]
    line("per administration, route p50 slope (µs)", [f"{s * 1000:.1f}" for s, _ in fits])
    line("per administration, floor p50 slope (µs)", [f"{s * 1000:.1f}" for s, _ in floor_fits])
    line("fixed cost per hook, route intercept (ms)", [f"{i:.2f}" for _, i in fits])
    line("fixed cost, floor intercept (ms)", [f"{i:.2f}" for _, i in floor_fits])
    line("hooks/s N=30, 1 worker (c=4)", [f"{rep['rps_1']:.0f}" for rep in reps])
    line("hooks/s N=30, 2 workers (c=8; hey shares a CPU)", [f"{rep['rps_2']:.0f}" for rep in reps])
    line("floor req/s N=30 (c=4)", [f"{rep['floor_rps']:.0f}" for rep in reps])
    if all("healthchain_rps" in rep for rep in reps):
        line("HealthChain req/s N=30 (c=4)", [f"{rep['healthchain_rps']:.0f}" for rep in reps])
        line("lead over HealthChain", [f"{rep['rps_1'] / rep['healthchain_rps']:.1f}x" for rep in reps])
    line("bytes stored, N=500 row", [str(rep.get("stored_bytes")) for rep in reps])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sizes", default="30,100,250,500,1000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-prefetch-runs", type=int, default=20)
    parser.add_argument("--healthchain-python", default="")
    parser.add_argument("--healthchain-app", default="")
    parser.add_argument("--healthchain-path", default="/cds/cds-services/order-sign")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if pinned(1):
        os.sched_setaffinity(0, {1})
    reps = []
    for rep in range(1, args.reps + 1):
        reps.append(await one_rep(rep, args, sizes))
        print(f"repetition {rep} done", file=sys.stderr)
    report(reps, sizes)
    for size in (30, 500):
        for _ in range(args.reps):
            await no_prefetch(size, args.no_prefetch_runs)


if __name__ == "__main__":
    asyncio.run(main())
