"""Figures for the store's cost per order-sign hook (goal: under 2 ms at p50): the same hook through
the app in-process (ASGI, no network), one after another, with no store, with SQLite (the embedded
default, a file in a temporary folder, synchronous=FULL) and with PostgreSQL (a throwaway local server,
fsync off as in the tests), in the same run, one hook to each in turn. Each hook stores one determination
(a distinct order, so a new row each time). "save" is the store's own write (upsert, commit) as the hook
awaits it, in wall time and in this process's CPU time (on a busy machine the wall time is mostly waiting
for a core); "store cost" is the hook's p50 less the p50 without a store (building the record included).

Run: .venv/bin/python -m bench.store_bench [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import datetime

import httpx

from cds_service.app import create_app
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import Settings
from cds_service.store.protocol import SchemaMigration, Store
from cds_service.store.records import DeterminationRecord, FeedbackRecord
from cds_service.store.sql import SqlStore
from tests.store.hook_requests import hook_bytes
from tests.store.postgres import start_postgres


class NoStore:
    """The baseline: a store that keeps nothing (bench only)."""

    async def migrate(self) -> SchemaMigration:
        return SchemaMigration("none", "none")

    async def save_determinations(self, records: Sequence[DeterminationRecord]) -> None:
        return None

    async def determination(self, assertion_id: str, *, now: datetime) -> DeterminationRecord | None:
        return None

    async def latest_for_order(self, order_key: str, *, now: datetime) -> DeterminationRecord | None:
        return None

    async def record_feedback(self, records: Sequence[FeedbackRecord]) -> list[str]:
        return []

    async def first_use(self, issuer: str, jti: str, *, expires_at: datetime, now: datetime) -> bool:
        return True

    async def purge(self, now: datetime) -> dict[str, int]:
        return {}

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


class TimedSaves:
    """Times the store's save as the hook awaits it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.saves: list[float] = []
        self.cpu: list[float] = []  # this process's CPU time (driver threads included), not the server's

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    async def save_determinations(self, records: Sequence[DeterminationRecord]) -> None:
        began, cpu = time.perf_counter(), time.process_time()
        await self.store.save_determinations(records)
        self.saves.append((time.perf_counter() - began) * 1000)
        self.cpu.append((time.process_time() - cpu) * 1000)


async def main(runs: int) -> None:
    logging.getLogger("cds_service").setLevel(logging.WARNING)
    server = start_postgres()
    stores: dict[str, TimedSaves] = {
        "no store": TimedSaves(NoStore()),
        "sqlite": TimedSaves(SqlStore.from_settings(Settings(data_dir=tempfile.mkdtemp()))),
        "postgresql": TimedSaves(SqlStore.from_settings(Settings(database_url=server.url))),
    }
    timings: dict[str, list[float]] = {label: [] for label in stores}
    try:
        async with AsyncExitStack() as stack:
            clients = {}
            for label, store in stores.items():
                app = create_app(Settings(data_dir=tempfile.mkdtemp()), store=store)  # type: ignore[arg-type]
                # create_app sets the service's log level (INFO): the hook lines would bury the figures.
                logging.getLogger("cds_service").setLevel(logging.WARNING)
                await stack.enter_async_context(app.router.lifespan_context(app))
                await app.state.runtime.ready.wait()
                await store.migrate()
                transport = httpx.ASGITransport(app=app)
                clients[label] = await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://bench")
                )
            # Round robin, one hook each in turn: a busy machine slows the three alike.
            for n in range(runs + 20):
                for label, client in clients.items():
                    body = hook_bytes(f"dex-{n}")
                    began = time.perf_counter()
                    response = await client.post(f"/cds-services/{SERVICE_ID}", content=body)
                    if n >= 20:  # the first calls warm caches and pools
                        timings[label].append((time.perf_counter() - began) * 1000)
                    assert response.status_code == 200, response.text
    finally:
        server.stop()
    print(f"{runs} order-sign hooks per store, in-process, sequential, interleaved")
    base = statistics.median(timings["no store"])
    for label, values in timings.items():
        saves = stores[label].saves[20:]
        p50 = statistics.median(values)
        line = f"{label:10} {1000 / statistics.mean(values):6.0f} hooks/s, hook p50 {p50:.2f} ms"
        if label != "no store":
            p90 = sorted(saves)[int(len(saves) * 0.9)]
            line += f", store cost p50 {p50 - base:+.2f} ms"
            line += f", save p50 {statistics.median(saves):.2f} ms (p90 {p90:.2f})"
            line += f", save CPU p50 {statistics.median(stores[label].cpu[20:]):.2f} ms"
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs))
