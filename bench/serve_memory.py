"""Memory of a real `cds-service serve` process (what deploy/kubernetes.yaml's memory request and limit rest
on) and the cost of a /metrics scrape: resident set size when ready and after a load of large hooks, per
process, with one worker or several. Linux only (reads /proc).

Run: .venv/bin/python -m bench.serve_memory [--workers N] [--hooks N] [--concurrency N] [--administrations N]
         [--distinct] [--report-at 100,1000]

``--distinct`` makes every hook another patient (its own patient id, order id, administration ids and
hookInstance), so each determination is a new row in the store rather than the same one again: the goal
of docs/performance.md ("RSS flat, ±10 %, over 1,000 distinct heavy patients"). ``--report-at`` prints RSS
after those many hooks as well as at the end, and the growth from the first of them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson

from bench.gather_decide import big_request
from cds_service.hooks.discovery import SERVICE_ID
from tests.local_server import free_port, wait_ready


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Resident set size now (VmRSS) or at its peak so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def process_tree(pid: int) -> list[int]:
    tree = [pid]
    for child in children(pid):
        tree.extend(process_tree(child))
    return tree


def report(label: str, pid: int) -> None:
    tree = process_tree(pid)
    sizes = [rss_mib(p) for p in tree]
    peaks = [rss_mib(p, "VmHWM") for p in tree]
    each = ", ".join(f"{size:.0f} (peak {peak:.0f})" for size, peak in zip(sizes, peaks, strict=True))
    print(f"{label}: RSS per process (MiB) [{each}], total {sum(sizes):.0f} MiB")


def distinct_body(raw: bytes, n: int) -> bytes:
    """The same heavy patient as another person: every id that names the patient, the order, the
    administrations and the hook call made unique to ``n`` (the bodies are built from one fixture whose
    ids these are: bench/gather_decide.py)."""
    return (
        raw.replace(b"pat-dxr-1", f"pat-dxr-1-{n:06d}".encode())
        .replace(b"mr-dxr-1", f"mr-dxr-1-{n:06d}".encode())
        .replace(b"ma-bench-", f"ma-{n:06d}-".encode())
        .replace(b"6f1c2a4e-0d7b-4e59-9d0c-3a5b8e2f7c11", str(uuid.uuid4()).encode())
    )


async def load(
    base_url: str, body: bytes, hooks: int, concurrency: int, *, first: int = 0, distinct: bool = False
) -> list[float]:
    timings: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def one(n: int) -> None:
            async with semaphore:
                content = distinct_body(body, n) if distinct else body
                began = time.perf_counter()
                answer = await client.post(
                    f"/cds-services/{SERVICE_ID}",
                    content=content,
                    headers={"Content-Type": "application/json"},
                )
                timings.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200, answer.text

        await asyncio.gather(*(one(first + n) for n in range(hooks)))
    return timings


def total_rss(pid: int) -> float:
    return sum(rss_mib(p) for p in process_tree(pid))


def main(
    workers: int, hooks: int, concurrency: int, administrations: int, distinct: bool, report_at: list[int]
) -> None:
    body = big_request(administrations)
    del body["fhirServer"], body["fhirAuthorization"]  # full prefetch: nothing to fetch
    raw = orjson.dumps(body)
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
        env["CDS_DATA_DIR"] = scratch
        server = subprocess.Popen(
            [sys.executable, "-m", "cds_service", "serve", "--workers", str(workers), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base_url, server, seconds=90)
            time.sleep(1)  # let every worker finish its warm-up
            report(f"ready, {workers} worker(s)", server.pid)
            kind = "distinct patients" if distinct else "hooks"
            timings = []
            done = 0
            marks: list[tuple[int, float]] = [(0, total_rss(server.pid))]
            for mark in sorted({m for m in report_at if 0 < m < hooks} | {hooks}):
                timings += asyncio.run(
                    load(base_url, raw, mark - done, concurrency, first=done, distinct=distinct)
                )
                done = mark
                marks.append((mark, total_rss(server.pid)))
                report(
                    f"after {mark} {kind} of {len(raw) / 1024:.0f} KB ({administrations} administrations), "
                    f"{concurrency} at a time",
                    server.pid,
                )
            timings.sort()
            if len(marks) > 2:
                (first_mark, first_rss), (last_mark, last_rss) = marks[1], marks[-1]
                print(
                    f"  RSS from {first_mark} to {last_mark} {kind}: {first_rss:.0f} -> {last_rss:.0f} MiB "
                    f"({(last_rss - first_rss) / first_rss * 100:+.1f} %; start {marks[0][1]:.0f} MiB)"
                )
            print(f"  hook latency over HTTP: median {statistics.median(timings):.1f} ms")
            scrapes: list[float] = []
            with httpx.Client(base_url=base_url) as client:
                for _ in range(50):
                    began = time.perf_counter()
                    client.get("/metrics").raise_for_status()
                    scrapes.append((time.perf_counter() - began) * 1000)
            print(f"  /metrics scrape: median {statistics.median(scrapes):.2f} ms")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--hooks", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--administrations", type=int, default=500)
    parser.add_argument("--distinct", action="store_true")
    parser.add_argument("--report-at", default="")
    arguments = parser.parse_args()
    main(
        arguments.workers,
        arguments.hooks,
        arguments.concurrency,
        arguments.administrations,
        arguments.distinct,
        [int(m) for m in arguments.report_at.split(",") if m],
    )
