"""A service (or any HTTP server) started as a process on loopback for a test or a benchmark: a free port,
and the wait until it answers ``/readyz``."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A loopback port no one listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(
    base_url: str, process: subprocess.Popen[bytes], *, seconds: float, log: Path | None = None
) -> None:
    """Returns once ``{base_url}/readyz`` answers 200; fails if the process exits first or ``seconds`` pass,
    quoting the end of its ``log`` when there is one."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service exited with {process.returncode}: {_tail(log)}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the service was not ready within {seconds:g} s: {_tail(log)}")


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else "(no log)"
