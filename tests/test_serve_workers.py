"""`cds-service serve --workers 2` as a real process: /metrics on either worker reports both workers' sum,
and keeps a killed worker's counts."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from cds_service.hooks.discovery import SERVICE_ID
from tests.conftest import REPO_ROOT
from tests.local_server import free_port, wait_ready
from tests.test_metrics_exposition import parse, value

CASE = REPO_ROOT / "fhir_fixtures" / "policy" / "I.A.2-pend-internist-without-consultation.json"
DECIDED = {"hook": "order-sign", "decision": "pend", "pathway": "I.A"}  # its .expect.json
# Bounds on waiting for the server (a start-up deadline, not a performance figure).
START_DEADLINE_SECONDS = 90
MOST_HOOKS = 400
BATCH = 8


@dataclass
class Server:
    base_url: str
    metrics_dir: Path
    process: subprocess.Popen[bytes]


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Server]:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    # A previous run's sample file: serve must clear it, or a dead worker's counts would be added in.
    (metrics_dir / "counter_1.db").write_bytes(b"left over from an earlier run")
    port = free_port()
    env = {key: val for key, val in os.environ.items() if not key.startswith("CDS_")}
    env |= {
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "CDS_DATA_DIR": str(tmp_path / "var"),
        "CDS_MAX_HOOKS_IN_FLIGHT": "128",  # concurrent hooks are admitted: this test counts them
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cds_service", "serve", "--workers", "2", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", metrics_dir, process)
    try:
        wait_ready(server.base_url, process, seconds=START_DEADLINE_SECONDS, log=log)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def decisions_by_worker(metrics_dir: Path, scratch: Path) -> dict[str, float]:
    """Each worker's own count of the case's decision, read from its sample file alone."""
    counts: dict[str, float] = {}
    for sample_file in metrics_dir.glob("counter_*.db"):
        alone = scratch / sample_file.stem
        alone.mkdir(exist_ok=True)
        shutil.copy(sample_file, alone / sample_file.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))  # type: ignore[no-untyped-call]
        counts[sample_file.stem] = registry.get_sample_value("cds_decisions_total", DECIDED) or 0.0
    return counts


async def send_hooks(base_url: str, body: bytes, count: int) -> None:
    async def one() -> None:
        # A client (so a connection) of its own per hook: the kernel hands each to either worker.
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            answer = await client.post(
                f"/cds-services/{SERVICE_ID}", content=body, headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 200

    await asyncio.gather(*(one() for _ in range(count)))


def test_metrics_on_any_worker_report_the_sum_of_both(two_workers: Server, tmp_path: Path) -> None:
    assert not (two_workers.metrics_dir / "counter_1.db").exists()
    body = CASE.read_bytes()
    sent = 0
    by_worker: dict[str, float] = {}
    # Until both workers have answered hooks (which worker accepts a connection is the kernel's choice).
    while sent < MOST_HOOKS and sum(1 for n in by_worker.values() if n > 0) < 2:
        asyncio.run(send_hooks(two_workers.base_url, body, BATCH))
        sent += BATCH
        by_worker = decisions_by_worker(two_workers.metrics_dir, tmp_path)
    assert sum(1 for n in by_worker.values() if n > 0) == 2, by_worker
    assert sum(by_worker.values()) == sent

    # Every scrape, on a fresh connection to whichever worker takes it, reports the sum.
    for _ in range(6):
        with httpx.Client(base_url=two_workers.base_url) as client:
            samples = parse(client.get("/metrics").text)
        assert value(samples, "cds_decisions_total", **DECIDED) == sent
        assert value(samples, "cds_hook_duration_seconds_count", hook="order-sign", outcome="ok") == sent

    # A worker killed outright is replaced by uvicorn; what it counted stays in the sums.
    killed = int(next(name for name, n in by_worker.items() if n > 0).removeprefix("counter_"))
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while len(list(two_workers.metrics_dir.glob("counter_*.db"))) < 3:
        assert time.monotonic() < deadline, "no worker replaced the one killed"
        time.sleep(0.2)
    for _ in range(6):
        with httpx.Client(base_url=two_workers.base_url) as client:
            samples = parse(client.get("/metrics").text)
        assert value(samples, "cds_decisions_total", **DECIDED) == sent

    two_workers.process.send_signal(signal.SIGTERM)
    assert two_workers.process.wait(timeout=30) == 0
