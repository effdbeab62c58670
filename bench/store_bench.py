"""Figures for the store's cost per order-sign hook (issue 11: under 2 ms at p50): the same hook through
the app in-process (ASGI, no network), one after another, with no store, with SQLite (the embedded
default, a file in a temporary folder, synchronous=FULL) and with PostgreSQL (a throwaway local server,
fsync off as in the tests), in the same run. Each hook stores one determination (a distinct order, so a
new row each time). "save p50" is the store's own write (insert, commit) as the hook awaits it.

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
from datetime import datetime

import httpx

from cds_service.app import create_app
from cds_service.hooks.discovery import SERVICE_ID
from cds_service.settings import Settings
from cds_service.store.protocol import Store
from cds_service.store.records import DeterminationRecord, FeedbackRecord
from cds_service.store.sql import SqlStore
from tests.store.hook_requests import hook_bytes
from tests.store.postgres import start_postgres


class NoStore:
    """The baseline: a store that keeps nothing (bench only)."""

    async def migrate(self) -> None:
        return None

    async def save_determinations(self, records: Sequence[DeterminationRecord]) -> None:
        return None

    async def determination(self, assertion_id: str, *, now: datetime) -> DeterminationRecord | None:
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

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    async def save_determinations(self, records: Sequence[DeterminationRecord]) -> None:
        began = time.perf_counter()
        await self.store.save_determinations(records)
        self.saves.append((time.perf_counter() - began) * 1000)


async def run(label: str, store: Store, runs: int) -> tuple[float, float]:
    timed = TimedSaves(store)
    app = create_app(Settings(data_dir=tempfile.mkdtemp()), store=timed)  # type: ignore[arg-type]
    bodies = [hook_bytes(f"dex-{label}-{n}") for n in range(runs + 20)]
    timings: list[float] = []
    async with app.router.lifespan_context(app):
        await app.state.runtime.ready.wait()
        await store.migrate()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for n, body in enumerate(bodies):
                began = time.perf_counter()
                response = await client.post(f"/cds-services/{SERVICE_ID}", content=body)
                if n >= 20:  # the first calls warm caches and pools
                    timings.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.text
    p50 = statistics.median(timings)
    saves = timed.saves[20:]
    save = f", save p50 {statistics.median(saves):.2f} ms" if saves else ""
    print(f"{label:10} {1000 / statistics.mean(timings):6.0f} hooks/s, hook p50 {p50:.2f} ms{save}")
    return p50, statistics.median(saves) if saves else 0.0


async def main(runs: int) -> None:
    logging.getLogger("cds_service").setLevel(logging.WARNING)
    server = start_postgres()
    try:
        print(f"{runs} order-sign hooks each, in-process, sequential")
        base, _ = await run("no store", NoStore(), runs)
        results = {}
        for label, url in (("sqlite", None), ("postgresql", server.url)):
            settings = Settings(data_dir=tempfile.mkdtemp(), database_url=url)
            store = SqlStore.from_settings(settings)
            results[label] = await run(label, store, runs)
        for label, (p50, save) in results.items():
            print(f"store cost per hook, {label}: {p50 - base:+.2f} ms at p50 (save alone {save:.2f} ms)")
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs))
