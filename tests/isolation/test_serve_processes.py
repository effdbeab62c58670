"""`cds-service serve` starts its decision processes, and none outlives it: killed outright (SIGKILL, no
chance to clean up), the service takes its fork server and every decision process with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.local_server import free_port, wait_ready

# Bounds on waiting (a safety net, not a figure asserted).
WAIT_SECONDS = 60


def _parents() -> dict[int, int]:
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":  # a zombie has ended; it only waits to be reaped
                found[int(entry.name)] = int(fields[1])
    return found


def descendants(pid: int) -> set[int]:
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier}
        found |= children
        frontier = children
    return found


def test_decision_processes_start_with_serve_and_end_with_it(tmp_path: Path) -> None:
    port = free_port()
    env = {key: val for key, val in os.environ.items() if not key.startswith("CDS_")}
    env |= {"CDS_DATA_DIR": str(tmp_path / "var"), "CDS_DECISION_PROCESSES": "2"}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cds_service", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, seconds=90, log=log)
        body = (
            Path(__file__).resolve().parents[2] / "fhir_fixtures/policy/I.A.5-pend-ratio-10.2.json"
        ).read_bytes()
        answer = httpx.post(
            f"http://127.0.0.1:{port}/cds-services/dexrazoxane-order-sign", content=body, timeout=30
        )
        assert answer.status_code == 200
        started = descendants(process.pid)
        assert len(started) >= 3  # the fork server and two decision processes (and its resource tracker)
        assert '"event": "decision_processes"' in log.read_text() and '"count": 2' in log.read_text()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + WAIT_SECONDS
    while started & set(_parents()):
        assert time.monotonic() < deadline, f"outlived the service: {started & set(_parents())}"
        time.sleep(0.1)
