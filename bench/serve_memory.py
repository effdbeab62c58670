"""Memory of a real `cds-service serve` process (what deploy/kubernetes.yaml's memory request and limit rest
on) and the cost of a /metrics scrape: resident set size when ready and after a load of large hooks, per
process, with one worker or several. Linux only (reads /proc).

Run: .venv/bin/python -m bench.serve_memory [--workers N] [--hooks N] [--concurrency N] [--administrations N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from bench.gather_decide import big_request
from cds_service.hooks.discovery import SERVICE_ID


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


async def load(base_url: str, body: bytes, hooks: int, concurrency: int) -> list[float]:
    timings: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def one() -> None:
            async with semaphore:
                began = time.perf_counter()
                answer = await client.post(
                    f"/cds-services/{SERVICE_ID}", content=body, headers={"Content-Type": "application/json"}
                )
                timings.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200, answer.text

        await asyncio.gather(*(one() for _ in range(hooks)))
    return timings


def main(workers: int, hooks: int, concurrency: int, administrations: int) -> None:
    body = big_request(administrations)
    del body["fhirServer"], body["fhirAuthorization"]  # full prefetch: nothing to fetch
    raw = orjson.dumps(body)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
            while True:
                try:
                    if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            time.sleep(1)  # let every worker finish its warm-up
            report(f"ready, {workers} worker(s)", server.pid)
            timings = asyncio.run(load(base_url, raw, hooks, concurrency))
            timings.sort()
            report(
                f"after {hooks} hooks of {len(raw) / 1024:.0f} KB ({administrations} administrations), "
                f"{concurrency} at a time",
                server.pid,
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
    arguments = parser.parse_args()
    main(arguments.workers, arguments.hooks, arguments.concurrency, arguments.administrations)
